using System.Diagnostics;
using System.Text.Json.Nodes;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Cli;
using Geo.Grpc.Tests.Hosting;
using Geo.LocalCluster;
using Geo.Storage;
using Geo.Testing;
using Geo.Testing.Echo;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Backups;

/// <summary>
/// geoaware db backup and restore, end to end: a database holding every kind of record is backed
/// up, restored into a fresh cluster, compared table by table and row by row, and served again;
/// a base backup with the WAL archive recovers to a moment between two writes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BackupRestoreTests(BackupRestoreTests.AtRest mission) : IClassFixture<BackupRestoreTests.AtRest>
{
    /// <summary>
    /// The service with the alert sweep slowed to its longest (an hour): the sweep escalates
    /// unanswered alerts on its own, and a comparison needs a database at rest.
    /// </summary>
    public sealed class AtRest : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(["--GeoAwareness:Alerts:SweepSeconds=3600"], null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ApiFixture Api => mission.Api;

    /// <summary>The kinds of record a mission cannot lose; each must be present for the comparison to mean anything.</summary>
    private static readonly string[] MustHoldRows =
    [
        "public.observations", "public.observation_reviews", "confidential.sources", "confidential.referrals", "public.communities", "public.bases",
        "public.cla_deployments", "public.sectors", "public.access_tokens", "public.audit_log", "public.service_secrets", "public.schema_migrations",
    ];

    private static readonly int Newer = GeoDatabase.ExpectedSchemaVersion + 1;

    [Fact]
    public async Task Dump_OfEveryKindOfRecord_RestoresRowForRowIntoAFreshClusterAndTheFeedGoesOn()
    {
        await FillWithEveryKindOfRecordAsync();
        var backups = PostgisCluster.NewScratchFolder("backups");
        var target = PostgisCluster.NewScratchFolder("restored");
        // The service keeps working after the calls return (alerts are raised as observations
        // arrive): the backup is of a database at rest, which the comparison can see too.
        await QuietDigestsAsync(Api.Database.ConnectionString);
        var (_, cursor) = await PullFeedAsync(Api.Service.GrpcEndpoint, Api.TokenOf(Role.Importer), string.Empty);
        // The pull itself is audited.
        var source = await QuietDigestsAsync(Api.Database.ConnectionString);

        var backup = await CliRunner.RunAsync(["db", "backup", "--to", backups, "--connection", Api.Database.ConnectionString]);
        var afterBackup = await TableDigestsAsync(Api.Database.ConnectionString);
        Assert.True(afterBackup.SequenceEqual(source), "changed while backing up: " + string.Join(", ", source.Where(t => afterBackup[t.Key] != t.Value).Select(t => t.Key)));
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var folder = backup.Output.Trim();
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "manifest.json")))!;
        var restore = await CliRunner.RunAsync(["db", "restore", "--from", folder, "--data-directory", target]);
        Assert.True(restore.ExitCode == 0, restore.ToString());

        var cluster = await LocalPostgresCluster.StartAsync(new LocalClusterOptions { DataDirectory = target, Throwaway = true }, NullLogger.Instance, CancellationToken.None);
        try
        {
            var restored = await TableDigestsAsync(cluster.ConnectionString);
            Assert.Equal(source.Keys, restored.Keys);
            foreach (var table in MustHoldRows)
            {
                Assert.True(source[table].Rows > 0, $"{table} is empty in the source: the comparison would prove nothing for it");
            }

            foreach (var (table, digest) in source)
            {
                Assert.True(digest == restored[table], $"{table}: source {digest}, restored {restored[table]}");
                Assert.Equal(digest.Rows, manifest["tables"]![table]!.GetValue<long>());
            }

            Assert.Equal("dump", manifest["kind"]!.GetValue<string>());
            // It holds the confidential schema: nobody but its owner may enter the folder.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            Assert.Equal(GeoDatabase.ExpectedSchemaVersion, manifest["schema_version"]!.GetValue<int>());
            Assert.Matches("^[0-9a-f]{64}$", manifest["files"]![0]!["sha256"]!.GetValue<string>());

            // The service starts on the restored database; the tokens still work (their keys came
            // back with it), and a write made there is delivered after everything the importer
            // already had: feed positions continue above the restored ones.
            await using var service = await GrpcTestServer.StartAsync(cluster.ConnectionString, ApiFixture.Settings);
            using var supervisor = new GeoAwarenessClient(service.GrpcEndpoint, Api.TokenOf(Role.Supervisor));
            var submitted = await supervisor.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { ApiFixture.NewObservation("after-restore") } }).ResponseAsync;
            await supervisor.Observations.ReleaseAsync(new ReleaseObservationRequest { Id = submitted.Ids[0] }).ResponseAsync;
            var (after, _) = await PullFeedAsync(service.GrpcEndpoint, Api.TokenOf(Role.Importer), cursor);
            Assert.Equal([submitted.Ids[0]], after);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await cluster.StopImmediatelyAsync(CancellationToken.None);
        }

        // As an operator would: geoaware serve on the restored folder, which works as the
        // application role the restore recreated.
        var (grpcPort, httpPort) = ServiceProcess.TwoFreePorts();
        await using var served = ServiceProcess.Start(["geoaware.dll", "serve"], grpcPort, httpPort, $"--LocalDatabase:DataDirectory={target}");
        await served.WaitUntilReadyAsync();
        Assert.Equal(0, await served.TerminateAsync());
    }

    [Fact]
    public async Task Base_WithTheWalArchive_RecoversToAMomentBetweenTwoWritesAndTakesWritesAgain()
    {
        var archive = PostgisCluster.NewScratchFolder("wal");
        await using var source = await KillableCluster.StartAsync("pitr", "pitr-supervisor", ApiFixture.Settings, options => options.WalArchive = archive);
        var backups = PostgisCluster.NewScratchFolder("base-backups");
        var backup = await CliRunner.RunAsync(["db", "backup", "--kind", "base", "--to", backups, "--data-directory", source.Cluster.Root]);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(archive));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(backup.Output.Trim()));

        var first = await SubmitAsync(source.Channel, "pitr-first");
        await using var database = NpgsqlDataSource.Create(source.Cluster.ConnectionString);
        var between = await ScalarAsync<DateTime>(database, "SELECT clock_timestamp()");
        await Task.Delay(50);
        var second = await SubmitAsync(source.Channel, "pitr-second");
        // Finish the WAL segment holding both writes and wait until it is archived.
        var segment = await ScalarAsync<string>(database, "SELECT pg_walfile_name(pg_switch_wal())");
        await WaitUntilAsync(async () => string.CompareOrdinal(await ScalarAsync<string>(database, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), segment) >= 0);

        var target = PostgisCluster.NewScratchFolder("pitr-restored");
        var until = new DateTimeOffset(between, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        var restore = await CliRunner.RunAsync(["db", "restore", "--from", backup.Output.Trim(), "--data-directory", target, "--wal-archive", archive, "--until", until]);
        Assert.True(restore.ExitCode == 0, restore.ToString());

        var beyond = await CliRunner.RunAsync(["db", "restore", "--from", backup.Output.Trim(), "--data-directory", PostgisCluster.NewScratchFolder("pitr-beyond"),
            "--wal-archive", archive, "--until", DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(1, beyond.ExitCode);
        Assert.Matches(@"^geoaware: recovery stopped: .*FATAL: +recovery ended before configured recovery target was reached", beyond.Error.Trim());
        Assert.Single(beyond.Error.Trim().Split('\n'));

        var restored = await LocalPostgresCluster.StartAsync(new LocalClusterOptions { DataDirectory = target, Throwaway = true }, NullLogger.Instance, CancellationToken.None);
        try
        {
            await using var recovered = Geo.Storage.GeoDataSource.Create(restored.ConnectionString);
            Assert.Equal(1L, await ScalarAsync<long>(recovered, $"SELECT count(*) FROM observations WHERE id = '{first}'"));
            Assert.Equal(0L, await ScalarAsync<long>(recovered, $"SELECT count(*) FROM observations WHERE id = '{second}'"));
            Assert.False(await ScalarAsync<bool>(recovered, "SELECT pg_is_in_recovery()"));
            await using var service = await GrpcTestServer.StartAsync(restored.ConnectionString, ApiFixture.Settings);
            var token = await TestTokens.IssueAsync(recovered, Role.Supervisor, "after-pitr");
            using var supervisor = new GeoAwarenessClient(service.GrpcEndpoint, token);
            var third = await SubmitAsync(supervisor, "pitr-third");
            Assert.Equal(1L, await ScalarAsync<long>(recovered, $"SELECT count(*) FROM observations WHERE id = '{third}'"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await restored.StopImmediatelyAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Backup_IntoAMissingFolderOrAFile_SaysSoAndWritesNothing()
    {
        var scratch = PostgisCluster.NewScratchFolder("backup-bad");
        var missing = Path.Combine(scratch, "no-such-folder");
        var file = Path.Combine(scratch, "a-file");
        await File.WriteAllTextAsync(file, "x");

        var intoMissing = await CliRunner.RunAsync(["db", "backup", "--to", missing, "--connection", Api.Database.ConnectionString]);
        var intoFile = await CliRunner.RunAsync(["db", "backup", "--to", file, "--connection", Api.Database.ConnectionString]);
        var badKind = await CliRunner.RunAsync(["db", "backup", "--to", scratch, "--kind", "logical", "--connection", Api.Database.ConnectionString]);

        Assert.Equal(1, intoMissing.ExitCode);
        Assert.Equal($"geoaware: the backup folder {missing} does not exist: create it (on a disk other than the database's) and try again", intoMissing.Error.Trim());
        Assert.Equal(1, intoFile.ExitCode);
        Assert.Equal($"geoaware: the backup folder {file} is a file, not a folder", intoFile.Error.Trim());
        Assert.Equal(2, badKind.ExitCode);
        Assert.Contains("--kind: 'logical' is not one of dump, base", badKind.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
        Assert.Equal([file], Directory.GetFileSystemEntries(scratch));
    }

    [Fact]
    public async Task Backup_IntoAFullOrReadOnlyFolder_FailsNamingItAndLeavesNoBackup()
    {
        await Api.SubmitAsync(ApiFixture.NewObservation("fills-the-disk"));
        var full = await MountAsync("size=16k");
        string? readOnly = null;
        try
        {
            readOnly = await MountAsync("ro,size=1m");
            var intoFull = await CliRunner.RunAsync(["db", "backup", "--to", full, "--connection", Api.Database.ConnectionString]);
            var intoReadOnly = await CliRunner.RunAsync(["db", "backup", "--to", readOnly, "--connection", Api.Database.ConnectionString]);

            Assert.Equal(1, intoFull.ExitCode);
            Assert.StartsWith($"geoaware: the backup folder {full} is full", intoFull.Error.Trim(), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(full));
            Assert.Equal(1, intoReadOnly.ExitCode);
            Assert.StartsWith($"geoaware: cannot write in the backup folder {readOnly}", intoReadOnly.Error.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            await RunAsync("umount", full);
            if (readOnly is not null)
            {
                await RunAsync("umount", readOnly);
            }
        }
    }

    [Fact]
    public async Task Restore_IntoANewerSchemaANonEmptyDatabaseOrFromADamagedBackup_IsRefusedAndChangesNothing()
    {
        var backups = PostgisCluster.NewScratchFolder("refusals");
        var backup = await CliRunner.RunAsync(["db", "backup", "--to", backups, "--connection", Api.Database.ConnectionString]);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var folder = backup.Output.Trim();
        var cluster = Api.Database.Cluster;
        var newer = await cluster.CreateMigratedDatabaseAsync("restore_newer");
        var empty = await cluster.CreateEmptyDatabaseAsync("restore_empty");
        try
        {
            var newerConnection = cluster.Cluster.ConnectionStringFor(newer);
            await using (var database = NpgsqlDataSource.Create(newerConnection))
            {
                await ScalarAsync<int>(database, $"INSERT INTO schema_migrations (version, name, checksum) VALUES ({Newer}, 'from_the_future.sql', 'x') RETURNING version");
            }

            var intoNewer = await CliRunner.RunAsync(["db", "restore", "--from", folder, "--connection", newerConnection]);
            var intoItself = await CliRunner.RunAsync(["db", "restore", "--from", folder, "--connection", Api.Database.ConnectionString]);
            var withUntil = await CliRunner.RunAsync(["db", "restore", "--from", folder, "--until", "2026-12-07T13:00:00Z", "--connection", cluster.Cluster.ConnectionStringFor(empty)]);
            var badUntil = await CliRunner.RunAsync(["db", "restore", "--from", folder, "--until", "yesterday", "--connection", cluster.Cluster.ConnectionStringFor(empty)]);
            var dump = Path.Combine(folder, "database.dump");
            var bytes = await File.ReadAllBytesAsync(dump);
            bytes[bytes.Length / 2] ^= 0x5a;
            await File.WriteAllBytesAsync(dump, bytes);
            var damaged = await CliRunner.RunAsync(["db", "restore", "--from", folder, "--connection", cluster.Cluster.ConnectionStringFor(empty)]);
            var notABackup = await CliRunner.RunAsync(["db", "restore", "--from", backups, "--connection", cluster.Cluster.ConnectionStringFor(empty)]);

            Assert.Equal(1, intoNewer.ExitCode);
            Assert.Equal($"geoaware: the database {newer} holds a newer schema (version {Newer}) than the backup (version {GeoDatabase.ExpectedSchemaVersion}): restore into an empty database", intoNewer.Error.Trim());
            Assert.Equal(1, intoItself.ExitCode);
            Assert.Contains($"already holds GeoAwareness data (schema version {GeoDatabase.ExpectedSchemaVersion}): restore into an empty database", intoItself.Error, StringComparison.Ordinal);
            Assert.Equal(2, withUntil.ExitCode);
            Assert.Contains("--until and --wal-archive apply to base backups", withUntil.Error, StringComparison.Ordinal);
            Assert.Equal(2, badUntil.ExitCode);
            Assert.Contains("--until: 'yesterday' is not a day (2026-10-01) or a UTC time (2026-10-01T06:00:00Z)", badUntil.Error, StringComparison.Ordinal);
            Assert.Equal(1, damaged.ExitCode);
            Assert.Matches(@"^geoaware: the backup in .* is damaged: database\.dump has \d+ bytes and SHA-256 [0-9a-f]{64}, the manifest says", damaged.Error.Trim());
            Assert.Equal(1, notABackup.ExitCode);
            Assert.Contains("is not a GeoAwareness backup: it has no manifest.json", notABackup.Error, StringComparison.Ordinal);
            await using var untouched = NpgsqlDataSource.Create(cluster.Cluster.ConnectionStringFor(empty));
            Assert.Equal(0L, await ScalarAsync<long>(untouched, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'confidential')"));
        }
        finally
        {
            await cluster.DropDatabaseAsync(newer);
            await cluster.DropDatabaseAsync(empty);
        }
    }

    /// <summary>Registry, observations with review history, sources, referrals, tokens and their audit trail, released for the feed.</summary>
    private async Task FillWithEveryKindOfRecordAsync()
    {
        var demo = await CliRunner.RunAsync(Api.Service.GrpcEndpoint, Api.TokenOf(Role.Administrator), "demo");
        Assert.True(demo.ExitCode == 0, demo.ToString());
        var supervisor = Api.As(Role.Supervisor);
        var ids = (await Api.SubmitAsync(ApiFixture.NewObservation("backup-1"), ApiFixture.NewObservation("backup-2"))).Ids;
        await supervisor.Observations.ReviewAsync(new ReviewObservationRequest { Id = ids[0], Verification = VerificationStatus.Verified, Note = "seen by the patrol" }).ResponseAsync;
        await supervisor.Observations.ReviewAsync(new ReviewObservationRequest { Id = ids[1], Verification = VerificationStatus.Discredited, Note = "rumour" }).ResponseAsync;
        await supervisor.Observations.RecordSourceAsync(new Source { ClientId = "backup-src", ObservationId = ids[0], Kind = SourceKind.CommunityLeader, Description = "Chief", Contact = "+243 000" }).ResponseAsync;
        await supervisor.Referrals.SubmitAsync(new Referral { ClientId = "backup-ref", Section = ReferralSection.WomenProtection, ContactDetails = "Via the clinic" }).ResponseAsync;
        await Api.ReleaseAsync(ids[0]);
    }

    private static async Task<string> SubmitAsync(GeoAwarenessClient client, string clientId) =>
        (await client.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { ApiFixture.NewObservation(clientId) } }).ResponseAsync).Ids[0];

    /// <summary>Every page of the feed after <paramref name="cursor"/>: the ids delivered, and the cursor to resume from.</summary>
    private static async Task<(List<string> Ids, string Cursor)> PullFeedAsync(Uri endpoint, string token, string cursor)
    {
        using var importer = new GeoAwarenessClient(endpoint, token);
        return await FeedPages.PullUntilEndAsync(importer, cursor, limit: 500);
    }

    /// <summary>Rows and an MD5 over every row's text in a fixed order, per table of the service.</summary>
    private static async Task<SortedDictionary<string, TableDigest>> TableDigestsAsync(string connectionString)
    {
        await using var database = NpgsqlDataSource.Create(connectionString);
        var tables = new List<string>();
        await using (var command = database.CreateCommand(Geo.LocalCluster.Backups.DatabaseBackup.TablesSql))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var digests = new SortedDictionary<string, TableDigest>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var command = database.CreateCommand($"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {table} t");
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            digests[table] = new TableDigest(reader.GetInt64(0), reader.GetString(1));
        }

        return digests;
    }

    /// <summary>The digests once two readings a second apart agree.</summary>
    private static async Task<SortedDictionary<string, TableDigest>> QuietDigestsAsync(string connectionString)
    {
        var before = await TableDigestsAsync(connectionString);
        for (var attempt = 0; attempt < 60; attempt++)
        {
            await Task.Delay(1000);
            var now = await TableDigestsAsync(connectionString);
            if (now.SequenceEqual(before))
            {
                return now;
            }

            before = now;
        }

        throw new InvalidOperationException("the database kept changing for a minute");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await condition())
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>A tmpfs with <paramref name="options"/> on a new folder: a disk that fills, or one that cannot be written (root ignores file modes).</summary>
    private static async Task<string> MountAsync(string options)
    {
        var folder = PostgisCluster.NewScratchFolder("mount");
        await RunAsync("mount", "-t", "tmpfs", "-o", options, "tmpfs", folder);
        return folder;
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error}");
    }

    private sealed record TableDigest(long Rows, string Md5);
}
