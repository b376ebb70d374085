using Geo.Storage.Migrations;
using Geo.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.Migrations;

public sealed class MigrationRunnerTests : IAsyncLifetime
{
    private PostgisCluster _cluster = null!;
    private readonly List<string> _databases = [];

    public async Task InitializeAsync() => _cluster = await PostgisCluster.GetAsync();

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await _cluster.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Migrate_EmptyDatabase_AppliesEveryMigrationOnceAndRecordsIt()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var runner = new MigrationRunner(Migration.BuiltIn(), NullLogger.Instance);

        var first = await runner.MigrateAsync(dataSource, CancellationToken.None);
        var second = await runner.MigrateAsync(dataSource, CancellationToken.None);

        Assert.Equal(Migration.BuiltIn().Count, first);
        Assert.Equal(0, second);
        Assert.Equal(Migration.BuiltIn().Count, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM schema_migrations"));
        Assert.Equal(runner.LatestVersion, await ScalarAsync<int>(dataSource, "SELECT max(version) FROM schema_migrations"));
        Assert.Equal("3", (await ScalarAsync<string>(dataSource, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"))[..1]);
    }

    [Fact]
    public async Task Migrate_ConcurrentRunners_ApplyEachMigrationOnce()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var runners = Enumerable.Range(0, 4).Select(_ => new MigrationRunner(Migration.BuiltIn(), NullLogger.Instance)).ToList();

        var applied = await Task.WhenAll(runners.Select(r => r.MigrateAsync(dataSource, CancellationToken.None)));

        Assert.Equal(Migration.BuiltIn().Count, applied.Sum());
        Assert.Equal(Migration.BuiltIn().Count, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migrate_BrokenMigration_RollsBackThatMigrationAndNamesIt()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var good = Migration.FromFile("0901_good.sql", "CREATE TABLE kept (id int)");
        var broken = Migration.FromFile("0902_broken.sql", "CREATE TABLE half_made (id int); INSERT INTO half_made VALUES (1); SELECT no_such_column FROM half_made;");
        var runner = new MigrationRunner([.. Migration.BuiltIn(), good, broken], NullLogger.Instance);

        var error = await Assert.ThrowsAsync<MigrationException>(() => runner.MigrateAsync(dataSource, CancellationToken.None));

        Assert.Contains("0902_broken.sql", error.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_column", error.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back", error.Message, StringComparison.Ordinal);
        Assert.Null(await ScalarAsync<object?>(dataSource, "SELECT to_regclass('half_made')::text"));
        Assert.NotNull(await ScalarAsync<object?>(dataSource, "SELECT to_regclass('kept')::text"));
        Assert.Equal(901, await ScalarAsync<int>(dataSource, "SELECT max(version) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migrate_AfterBrokenMigrationIsFixed_AppliesTheFixedOne()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var broken = Migration.FromFile("0903_fix_me.sql", "CREATE TABLE later (id int); SELECT 1/0;");
        await Assert.ThrowsAsync<MigrationException>(
            () => new MigrationRunner([.. Migration.BuiltIn(), broken], NullLogger.Instance).MigrateAsync(dataSource, CancellationToken.None));

        var fixedMigration = Migration.FromFile("0903_fix_me.sql", "CREATE TABLE later (id int);");
        var applied = await new MigrationRunner([.. Migration.BuiltIn(), fixedMigration], NullLogger.Instance).MigrateAsync(dataSource, CancellationToken.None);

        Assert.Equal(1, applied);
        Assert.NotNull(await ScalarAsync<object?>(dataSource, "SELECT to_regclass('later')::text"));
    }

    [Fact]
    public async Task Migrate_AppliedMigrationEditedAfterwards_Refuses()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        await new MigrationRunner([.. Migration.BuiltIn(), Migration.FromFile("0904_extra.sql", "CREATE TABLE extra (id int)")], NullLogger.Instance)
            .MigrateAsync(dataSource, CancellationToken.None);

        var edited = Migration.FromFile("0904_extra.sql", "CREATE TABLE extra (id bigint)");
        var error = await Assert.ThrowsAsync<MigrationException>(
            () => new MigrationRunner([.. Migration.BuiltIn(), edited], NullLogger.Instance).MigrateAsync(dataSource, CancellationToken.None));

        Assert.Contains("0904_extra.sql was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_DatabaseNewerThanThisBuild_RefusesWithBothVersions()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        await new MigrationRunner([.. Migration.BuiltIn(), Migration.FromFile("0999_future.sql", "SELECT 1")], NullLogger.Instance)
            .MigrateAsync(dataSource, CancellationToken.None);

        var error = await Assert.ThrowsAsync<MigrationException>(
            () => new MigrationRunner(Migration.BuiltIn(), NullLogger.Instance).MigrateAsync(dataSource, CancellationToken.None));

        Assert.Contains("schema version 999", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer than this build", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("initial.sql")]
    [InlineData("0001-initial.sql")]
    [InlineData("0000_zero.sql")]
    [InlineData("0001_initial.txt")]
    public void FromFile_BadName_IsRefused(string name) =>
        Assert.Throws<ArgumentException>(() => Migration.FromFile(name, "SELECT 1"));

    [Fact]
    public void Ordered_TwoFilesWithOneVersion_IsRefused() =>
        Assert.Throws<ArgumentException>(() => Migration.Ordered([Migration.FromFile("0005_a.sql", "SELECT 1"), Migration.FromFile("0005_b.sql", "SELECT 2")]));

    [Fact]
    public void BuiltIn_AreNumberedFromOneWithoutGaps()
    {
        // 0016 is reserved for a migration on another branch, and 0017 may land before it: until
        // it does, 16 is the one gap allowed. Remove this exception once 0016 is merged.
        const int Reserved = 16;
        var versions = Migration.BuiltIn().Select(m => m.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions[^1]).Where(v => v != Reserved || versions.Contains(Reserved)), versions);
    }

    private async Task<NpgsqlDataSource> EmptyDatabaseAsync()
    {
        var name = await _cluster.CreateEmptyDatabaseAsync("migrations");
        _databases.Add(name);
        return NpgsqlDataSource.Create(_cluster.Cluster.ConnectionStringFor(name));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return (T)(value is DBNull ? null : value)!;
    }
}
