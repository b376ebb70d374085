using Geo.Testing;
using Xunit;

namespace Geo.Storage.Tests.Schema;

/// <summary>Each test class gets a database of its own: what one writes, another never sees.</summary>
public sealed class FixtureIsolationTests
{
    [Fact]
    public async Task PostgisDatabase_TwoFixtures_AreIsolatedAndBothMigrated()
    {
        var first = new PostgisDatabase();
        var second = new PostgisDatabase();
        await first.InitializeAsync();
        await second.InitializeAsync();
        try
        {
            await using (var insert = first.DataSource.CreateCommand(
                "INSERT INTO bases (id, name, kind, location) VALUES ('b1', 'Only in the first', 1, ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326))"))
            {
                await insert.ExecuteNonQueryAsync();
            }

            Assert.NotEqual(first.Name, second.Name);
            Assert.Equal(1L, await first.ScalarAsync<long>("SELECT count(*) FROM bases"));
            Assert.Equal(0L, await second.ScalarAsync<long>("SELECT count(*) FROM bases"));
            Assert.Equal(Geo.Storage.Migrations.Migration.BuiltIn()[^1].Version, await second.ScalarAsync<int>("SELECT max(version) FROM schema_migrations"));
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }

        Assert.Equal(0L, await ScalarOnServerAsync($"SELECT count(*) FROM pg_database WHERE datname IN ('{first.Name}', '{second.Name}')"));
    }

    private static async Task<long> ScalarOnServerAsync(string sql)
    {
        var cluster = await PostgisCluster.GetAsync();
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(cluster.Cluster.ConnectionStringFor("postgres"));
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
