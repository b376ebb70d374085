using Geo.Grpc.Tests.Api;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware db status|migrate on a real PostGIS database, with the service's settings.</summary>
public sealed class DbCommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    // Derived from the build's migrations, so that adding one (by any branch) needs no edit here.
    private static readonly IReadOnlyList<Geo.Storage.Migrations.Migration> Migrations = Geo.Storage.Migrations.Migration.BuiltIn();
    private static readonly int Count = Migrations.Count;
    private static readonly int Latest = Migrations[^1].Version;

    [Fact]
    public async Task Status_OfTheServicesDatabase_PrintsVersionsMigrationsAndRowCounts()
    {
        await api.SubmitAsync(ApiFixture.NewObservation("db-status-1"), ApiFixture.NewObservation("db-status-2"), ApiFixture.NewObservation("db-status-3"));

        var result = await CliRunner.RunAsync(["db", "status", "--connection", api.Database.ConnectionString]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"PostgreSQL:\s+15\.", result.Output);
        Assert.Matches(@"PostGIS:\s+3\.", result.Output);
        Assert.Matches($@"schema:\s+version {Latest} \(this build migrates to {Latest}\)", result.Output);
        Assert.Contains($"migrations:  {Count} applied, 0 pending", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"\b16\s+0016_recheck_marks\.sql\s+applied\s+\d{4}-\d{2}-\d{2}", result.Output);
        Assert.Matches(@"\b17\s+0017_geography_indexes\.sql\s+applied\s+\d{4}-\d{2}-\d{2}", result.Output);
        Assert.Matches(@"\b18\s+0018_read_model_keys\.sql\s+applied\s+\d{4}-\d{2}-\d{2}", result.Output);
        Assert.Matches(@"\b20\s+0020_observation_events\.sql\s+applied\s+\d{4}-\d{2}-\d{2}", result.Output);
        Assert.Matches(@"(?m)^\s*observations\s+3\s*$", result.Output);
        Assert.Matches(@"(?m)^\s*access_tokens\s+11\s*$", result.Output);
        Assert.DoesNotContain("Password", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Migrate_AnEmptyDatabase_AppliesEachPendingMigrationAndSaysWhich()
    {
        var cluster = api.Database.Cluster;
        var name = await cluster.CreateEmptyDatabaseAsync("cli_migrate");
        try
        {
            var connection = cluster.Cluster.ConnectionStringFor(name);
            var before = await CliRunner.RunAsync(["db", "status", $"--ConnectionStrings:GeoAwareness={connection}"]);
            var migrated = await CliRunner.RunAsync(["db", "migrate", "--connection", connection]);
            var again = await CliRunner.RunAsync(["db", "migrate", "--connection", connection]);
            var after = await CliRunner.RunAsync(["db", "status", "--connection", connection]);

            Assert.True(before.ExitCode == 0, before.ToString());
            Assert.Contains($"migrations:  0 applied, {Count} pending", before.Output, StringComparison.Ordinal);
            Assert.Matches(@"\b1\s+0001_initial\.sql\s+pending", before.Output);
            Assert.True(migrated.ExitCode == 0, migrated.ToString());
            Assert.Equal(
                [.. Migrations.Select(m => $"applied {m.Name}"), $"the schema is at version {Latest}"],
                migrated.Output.Trim().Split('\n'));
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal($"nothing to apply: the schema is at version {Latest}", again.Output.Trim());
            Assert.Contains($"migrations:  {Count} applied, 0 pending", after.Output, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^\s*observations\s+0\s*$", after.Output);
        }
        finally
        {
            await cluster.DropDatabaseAsync(name);
        }
    }

    [Theory]
    [InlineData("status")]
    [InlineData("migrate")]
    public async Task DatabaseUnreachable_SaysSoOnOneLineAndExits3(string verb)
    {
        var result = await CliRunner.RunAsync(["db", verb, "--connection", "Host=127.0.0.1;Port=9;Username=nobody;Database=none;Timeout=3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("geoaware: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("unreachable", result.Error.Replace("cannot reach", "unreachable", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AStrayArgument_IsAUsageErrorExit2()
    {
        var result = await CliRunner.RunAsync(["db", "status", "--DataDirectory", "x"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'--DataDirectory'", result.Error, StringComparison.Ordinal);
    }
}
