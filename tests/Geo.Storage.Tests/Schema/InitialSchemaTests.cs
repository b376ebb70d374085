using Geo.Testing;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.Schema;

public sealed class InitialSchemaTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    [Theory]
    [InlineData("observations", "observations_location_spx", "spgist")]
    [InlineData("observations", "observations_observed_at_idx", "btree")]
    [InlineData("communities", "communities_location_gix", "gist")]
    [InlineData("bases", "bases_location_gix", "gist")]
    [InlineData("cla_deployments", "cla_deployments_base_idx", "btree")]
    public async Task Schema_AreaAndTimeIndexes_Exist(string table, string index, string method)
    {
        var found = await database.ScalarAsync<string>(
            $"SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam " +
            $"WHERE i.indrelid = '{table}'::regclass AND c.relname = '{index}'");
        Assert.Equal(method, found);
    }

    [Fact]
    public async Task Schema_SourcesAndReferrals_LiveApartInTheConfidentialSchema()
    {
        Assert.Equal("confidential", await database.ScalarAsync<string>("SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 'sources'"));
        Assert.Equal("confidential", await database.ScalarAsync<string>("SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 'referrals'"));
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'observations' AND column_name LIKE '%source%'"));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'someone else'", "UPDATE")]
    [InlineData("DELETE FROM audit_log", "DELETE")]
    [InlineData("TRUNCATE audit_log", "TRUNCATE")]
    public async Task AuditLog_ChangeOrRemoval_IsRefused(string sql, string operation)
    {
        await using (var insert = database.DataSource.CreateCommand(
            "INSERT INTO audit_log (actor, action, target_kind, target_id) VALUES ('admin-1', 'token.issue', 'token', 't1')"))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var change = database.DataSource.CreateCommand(sql);
        var error = await Assert.ThrowsAsync<PostgresException>(() => change.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Contains(operation, error.MessageText, StringComparison.Ordinal);
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM audit_log") >= 1);
    }

    [Theory]
    [InlineData("severity", "6")]
    [InlineData("severity", "0")]
    [InlineData("category", "9")]
    [InlineData("location_precision", "5")]
    [InlineData("affected", "'{1,2,3}'")]
    [InlineData("affected", "'{0,0,0,0,0,0,0,0,0,0,0,-1}'")]
    public async Task Observations_OutOfRangeValue_IsRefusedByTheDatabase(string column, string value)
    {
        var columns = new Dictionary<string, string>
        {
            ["id"] = "'obs-" + Guid.NewGuid().ToString("N") + "'",
            ["reporter_id"] = "'cla-1'",
            ["observed_at"] = "now()",
            ["reported_at"] = "now()",
            ["location"] = "ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326)",
            ["location_precision"] = "1",
            ["category"] = "1",
            ["severity"] = "3",
            ["affected"] = "'{0,0,0,0,0,0,0,0,0,0,0,0}'",
            ["content_hash"] = "'\\x00'",
        };
        columns[column] = value;
        await using var insert = database.DataSource.CreateCommand(
            $"INSERT INTO observations ({string.Join(", ", columns.Keys)}) VALUES ({string.Join(", ", columns.Values)})");

        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }
}
