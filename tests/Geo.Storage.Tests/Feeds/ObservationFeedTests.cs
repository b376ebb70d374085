using Geo.Core.Domain;
using Geo.Storage.Feeds;
using Geo.Testing;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.Feeds;

/// <summary>
/// The feed's position under transactions that commit out of order: a record written by a
/// transaction that started first and commits last is delivered, once, and nothing is
/// delivered past a transaction that could still commit.
/// </summary>
/// <remarks>
/// The tests share a cluster with the other test classes, whose open transactions hold the
/// watermark back for as long as they run: that is the feed doing its job, so a test that expects
/// its rows waits until nothing written before them is still open, and looks only at the ids it wrote.
/// </remarks>
public sealed class ObservationFeedTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private readonly ObservationFeed _feed = new(database.DataSource);

    [Fact]
    public async Task Read_WhileAnEarlierTransactionIsOpen_WaitsForItThenDeliversBothOnceInOrder()
    {
        var after = await HeadAsync();
        await using var early = await database.DataSource.OpenConnectionAsync();
        await using var earlyTransaction = await early.BeginTransactionAsync();
        await InsertAsync(early, earlyTransaction, "order-late-commit-a");
        await using (var late = await database.DataSource.OpenConnectionAsync())
        {
            await using var lateTransaction = await late.BeginTransactionAsync();
            await InsertAsync(late, lateTransaction, "order-early-commit-b");
            await lateTransaction.CommitAsync();
        }

        var whileOpen = await ReadAsync(after, "order-");
        await earlyTransaction.CommitAsync();
        await SettledAsync();
        var afterCommit = await ReadAsync(after, "order-");

        // A reader paging by commit order or by a sequence would have handed out b and moved past a.
        Assert.Empty(whileOpen);
        Assert.Equal(["order-late-commit-a", "order-early-commit-b"], afterCommit.Select(r => r.Stored.Observation.Id));
        Assert.True(afterCommit[0].Position < afterCommit[1].Position);
    }

    [Fact]
    public async Task Read_ARolledBackWrite_IsNeverDelivered()
    {
        var after = await HeadAsync();
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await InsertAsync(connection, transaction, "rollback-undone");
            await transaction.RollbackAsync();
        }

        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await InsertAsync(connection, null, "rollback-kept");
        }

        await SettledAsync();
        var delivered = await ReadAsync(after, "rollback-");

        Assert.Equal(["rollback-kept"], delivered.Select(r => r.Stored.Observation.Id));
    }

    [Fact]
    public async Task Read_AChangedRecord_MovesAfterTheCursorWithItsNewVersion()
    {
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await InsertAsync(connection, null, "to-review");
        }

        var head = await HeadAsync();
        var store = new Geo.Storage.Observations.ObservationStore(database.DataSource);
        await store.ReviewAsync(
            "to-review", VerificationStatus.Verified, null, "supervisor", string.Empty, 0, release: true,
            version => new Geo.Storage.Access.AuditRow("supervisor", "observation.review", "observation", "to-review", new { version }), CancellationToken.None);

        await SettledAsync();
        var delivered = await ReadAsync(head, "to-review");

        var record = Assert.Single(delivered);
        Assert.Equal("to-review", record.Stored.Observation.Id);
        Assert.Equal(2, record.Stored.Version);
        Assert.Equal(VerificationStatus.Verified, record.Stored.Verification);
    }

    [Fact]
    public async Task Read_InPages_GivesEveryRecordOnceAndTheHeadIsTheLastPosition()
    {
        var after = await HeadAsync();
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            for (var i = 0; i < 25; i++)
            {
                await InsertAsync(connection, null, $"paged-{i:00}");
            }
        }

        await SettledAsync();
        var seen = new List<string>();
        var cursor = after;
        while (true)
        {
            var page = await PageAsync(cursor, 4, "paged-");
            if (page.Read == 0)
            {
                break;
            }

            seen.AddRange(page.Mine.Select(r => r.Stored.Observation.Id));
            cursor = page.End;
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"paged-{i:00}"), seen);
        Assert.True(cursor <= await HeadAsync());
    }

    [Fact]
    public async Task Read_ManyConcurrentWritersWithAReaderPagingAllTheWhile_DeliversEveryCommittedRowExactlyOnce()
    {
        var start = await HeadAsync();
        var committed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var rolledBack = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var writersDone = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var t = 0; t < 40; t++)
            {
                await using var connection = await database.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var ids = Enumerable.Range(0, random.Next(1, 5)).Select(i => $"w{w}-t{t}-{i}").ToList();
                foreach (var id in ids)
                {
                    await InsertAsync(connection, transaction, id);
                    // Holding the transaction open lets later ones commit first.
                    await Task.Delay(random.Next(0, 15));
                }

                if (random.Next(10) == 0)
                {
                    await transaction.RollbackAsync();
                    ids.ForEach(rolledBack.Add);
                }
                else
                {
                    await transaction.CommitAsync();
                    ids.ForEach(committed.Add);
                }
            }
        })).ToList();
        var all = Task.WhenAll(writers).ContinueWith(_ => writersDone.Cancel(), TaskScheduler.Default);

        var delivered = new List<string>();
        var cursor = start;
        var pages = 0;
        while (true)
        {
            // Settled before the page's snapshot is taken, so an empty page then means the end.
            var settled = writersDone.IsCancellationRequested && await EverythingSettledAsync();
            var page = await PageAsync(cursor, 7, "w");
            pages++;
            delivered.AddRange(page.Mine.Select(r => r.Stored.Observation.Id));
            if (page.Read > 0)
            {
                cursor = page.End;
            }
            else if (settled)
            {
                break;
            }
        }

        await all;
        Assert.True(pages > 10, $"the reader paged only {pages} times while the writers ran");
        Assert.Empty(delivered.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Equal(committed.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
        Assert.Empty(delivered.Intersect(rolledBack));
    }

    /// <summary>No transaction holds the watermark back: every committed row is deliverable.</summary>
    private async Task<bool> EverythingSettledAsync() =>
        await database.ScalarAsync<bool>("SELECT NOT EXISTS (SELECT FROM observations WHERE change_xid >= pg_snapshot_xmin(pg_current_snapshot()))");

    private async Task SettledAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await EverythingSettledAsync())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private async Task<FeedPosition> HeadAsync()
    {
        await using var snapshot = await _feed.OpenAsync(Visibility.Everything, CancellationToken.None);
        return snapshot.Head ?? FeedPosition.Start;
    }

    /// <summary>One page: where it ended, and the records of this test (those whose id starts with <paramref name="prefix"/>).</summary>
    private async Task<(List<FeedRecord> Mine, FeedPosition End, int Read)> PageAsync(FeedPosition after, int? limit, string prefix)
    {
        await using var snapshot = await _feed.OpenAsync(Visibility.Everything, CancellationToken.None);
        var mine = new List<FeedRecord>();
        var end = after;
        var read = 0;
        await foreach (var record in snapshot.ReadAfterAsync(after, limit, CancellationToken.None))
        {
            read++;
            end = record.Position;
            if (record.Stored.Observation.Id.StartsWith(prefix, StringComparison.Ordinal))
            {
                mine.Add(record);
            }
        }

        return (mine, end, read);
    }

    private async Task<List<FeedRecord>> ReadAsync(FeedPosition after, string prefix) => (await PageAsync(after, null, prefix)).Mine;

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity, affected, content_hash) " +
            "VALUES ($1, 'cla-1', now(), now(), ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326), 1, 1, 3, '{1,0,0,0,0,0,0,0,0,0,0,0}', '\\x00')",
            connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await insert.ExecuteNonQueryAsync();
    }
}
