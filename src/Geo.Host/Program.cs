using Geo.Grpc.Hosting;
using Geo.Storage.Migrations;

try
{
    // "geoawareness [--Section:Key=value ...] token ...": settings may come first (scripts/run.sh passes the data folder).
    var command = Array.FindIndex(args, a => !a.StartsWith("--", StringComparison.Ordinal));
    if (command >= 0 && args[command] == "token")
    {
        return await TokenCommand.RunAsync([.. args[..command], .. args[(command + 1)..]], CancellationToken.None).ConfigureAwait(false);
    }

    await using var service = await GeoAwarenessService.StartAsync(args, CancellationToken.None).ConfigureAwait(false);
    await service.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
    return 0;
}
catch (StartupException e)
{
    await Console.Error.WriteLineAsync($"geoawareness: {e.Message}").ConfigureAwait(false);
    return 1;
}
catch (MigrationException e)
{
    await Console.Error.WriteLineAsync($"geoawareness: {e.Message}").ConfigureAwait(false);
    return 1;
}
