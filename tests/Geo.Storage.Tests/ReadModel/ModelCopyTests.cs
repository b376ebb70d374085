using Geo.Storage.ReadModel;
using Geo.Testing;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.ReadModel;

/// <summary>
/// The read model's rows decoded from PostgreSQL's binary COPY bytes: every field as the server
/// wrote it, texts of any length and script, and anything that is not the model's columns refused
/// with a reason instead of read as something else.
/// </summary>
public sealed class ModelCopyTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    /// <summary>The model's ten columns in their order, as literals: key, place, time, codes, record key, community, base, people, transaction.</summary>
    private static string Row(string seq, string x, string y, string at, string codes, string key, string community, string baseId, string affected, string xid) =>
        $"SELECT {seq}::bigint, {x}::float8, {y}::float8, {at}::timestamptz, {codes}::int, {key}::int, {community}::text, {baseId}::text, {affected}::text, {xid}::bigint";

    [Fact]
    public async Task Read_GivesEachFieldAsTheServerWroteIt()
    {
        // Bits of the codes: category 0-3, severity 4-6, verification 8-9, released 10, vulnerabilities 11-15, groups 16-27.
        var codes = 5 | (3 << 4) | (2 << 8) | (1 << 10) | (0b10110 << 11) | (0xA05 << 16);
        var select = Row("7", "29.123456789012345", "-1.5", "'2026-03-04 05:06:07.891234+00'", $"{codes}", "-123456789", "'Bunia-Énergie ÇA 北'", "'base-1'", "'{0,3,0,0,2147483647,1,0,0,0,0,255,9}'", "42") +
            " UNION ALL " + Row("8", "-180", "90", "'1999-12-31 23:59:59.999999+00'", "0", "0", "NULL", "NULL", "NULL", "9223372036854775807");

        var rows = await ReadAllAsync(select);

        Assert.Equal(2, rows.Count);
        var (first, firstXid) = rows[0];
        Assert.Equal(7, first.Seq);
        Assert.Equal(29.123456789012345, first.Longitude);
        Assert.Equal(-1.5, first.Latitude);
        Assert.Equal(ModelTime.ToMicros(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(8912340)), first.ObservedAt);
        Assert.Equal((5, 3, 2, true, 0b10110, 0xA05), (first.Category, first.Severity, first.Verification, first.Released, first.Vulnerability, first.AffectedGroups));
        Assert.Equal(-123456789, first.AggregateKey);
        Assert.Equal("Bunia-Énergie ÇA 北", first.CommunityId);
        Assert.Equal("base-1", first.BaseId);
        Assert.Equal([0, 3, 0, 0, int.MaxValue, 1, 0, 0, 0, 0, 255, 9], ((ReadOnlySpan<int>)first.Affected).ToArray());
        Assert.Equal(42, firstXid);

        var (second, secondXid) = rows[1];
        Assert.Equal((8L, -180.0, 90.0), (second.Seq, second.Longitude, second.Latitude));
        Assert.Equal(-1, second.ObservedAt);
        Assert.Null(second.CommunityId);
        Assert.Null(second.BaseId);
        Assert.Equal(new int[12], ((ReadOnlySpan<int>)second.Affected).ToArray());
        Assert.Equal(long.MaxValue, secondXid);
    }

    [Fact]
    public async Task Read_ManyRows_NamesOneStringPerId_AndTextsLongerThanTheBuffer()
    {
        // 20,000 rows cross the reader's buffer many times; one community id is longer than the buffer itself.
        var longName = new string('k', 100_000);
        var select = "SELECT g::bigint, (g * 0.001)::float8, (-g * 0.001)::float8, timestamptz '2026-01-01' + g * interval '1 second', g % 16, g, " +
            $"CASE WHEN g = 777 THEN '{longName}' ELSE 'community-' || (g % 3) END, NULL::text, " +
            "CASE WHEN g % 2 = 0 THEN '{' || g || ',0,0,0,0,0,0,0,0,0,0,1}' END, 0::bigint FROM generate_series(1, 20000) g";

        var rows = await ReadAllAsync(select);

        Assert.Equal(Enumerable.Range(1, 20_000).Select(g => (long)g), rows.Select(r => r.Row.Seq));
        Assert.All(rows, r => Assert.Equal(r.Row.Seq * 0.001, r.Row.Longitude, 12));
        Assert.Equal(longName, rows[776].Row.CommunityId);
        Assert.Equal(3, rows.Where(r => r.Row.Seq != 777).Select(r => r.Row.CommunityId).Distinct(ReferenceEqualityComparer.Instance).Count());
        var (even, odd) = (rows[9_999].Row, rows[9_998].Row);
        Assert.Equal([10_000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], ((ReadOnlySpan<int>)even.Affected).ToArray());
        Assert.Equal(new int[12], ((ReadOnlySpan<int>)odd.Affected).ToArray());
    }

    [Fact]
    public async Task Read_NoRows_EndsAtOnce()
    {
        Assert.Empty(await ReadAllAsync(Row("1", "0", "0", "now()", "0", "0", "NULL", "NULL", "NULL", "0") + " WHERE false"));
    }

    [Theory]
    [InlineData("NULL", "0", "0", "now()", "a NULL")]
    [InlineData("1", "NULL", "0", "now()", "a NULL")]
    [InlineData("1", "0", "0", "'infinity'", "infinite")]
    [InlineData("1", "0", "0", "'-infinity'", "infinite")]
    public async Task Read_RefusesWhatTheModelCannotHold(string seq, string x, string y, string at, string reason)
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => ReadAllAsync(Row(seq, x, y, at, "0", "0", "NULL", "NULL", "NULL", "0")));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_RefusesOtherColumns()
    {
        var fewer = await Assert.ThrowsAsync<FormatException>(() => ReadAllAsync("SELECT 1::bigint, 2::float8"));
        var narrower = await Assert.ThrowsAsync<FormatException>(() => ReadAllAsync(Row("1", "0", "0", "now()", "0", "0", "NULL", "NULL", "NULL", "0").Replace("1::bigint", "1::int", StringComparison.Ordinal)));

        Assert.Contains("2 fields", fewer.Message, StringComparison.Ordinal);
        Assert.Contains("4 bytes where the model reads 8", narrower.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_Cancelled_WhileWaitingOnTheServer_StopsTheServersWork()
    {
        using var cancel = new CancellationTokenSource();

        // Rows the server produces slowly: the read waits on the server when it is cancelled.
        var marker = $"model-copy-cancel-{Guid.NewGuid():N}";
        var select = Row("g", "0", "0", "now()", "0", "0", $"'{marker}'", "NULL", "NULL", "0") + " FROM generate_series(1, 1000000) g WHERE pg_sleep(0.01) IS NOT NULL";
        var read = Task.Run(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync();
            using var copy = ModelCopy.Start(connection, select, cancel.Token);
            while (copy.Read(out _, out _))
            {
            }
        });
        await WaitForAsync(async () => await RunningAsync(marker) == 1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        await WaitForAsync(async () => await RunningAsync(marker) == 0);
        await using var after = database.DataSource.CreateCommand("SELECT 1");
        Assert.Equal(1, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Read_CancelledBetweenRows_Stops()
    {
        using var cancel = new CancellationTokenSource();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var rows = 0;

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() =>
        {
            using var copy = ModelCopy.Start(connection, Row("g", "0", "0", "now()", "0", "0", "NULL", "NULL", "NULL", "0") + " FROM generate_series(1, 1000000) g", cancel.Token);
            while (copy.Read(out _, out _))
            {
                if (++rows == 1000)
                {
                    cancel.Cancel();
                }
            }
        }));

        Assert.Equal(cancel.Token, error.CancellationToken);
        Assert.InRange(rows, 1000, 70_000);
    }

    private async Task<long> RunningAsync(string marker)
    {
        await using var command = database.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()");
        command.Parameters.AddWithValue($"%{marker}%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 30 s");
            await Task.Delay(20);
        }
    }

    private async Task<List<(ModelRow Row, long Xid)>> ReadAllAsync(string select)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        return await Task.Run(() =>
        {
            var rows = new List<(ModelRow, long)>();
            using var copy = ModelCopy.Start(connection, select, CancellationToken.None);
            while (copy.Read(out var row, out var xid))
            {
                rows.Add((row, xid));
            }

            return rows;
        });
    }
}
