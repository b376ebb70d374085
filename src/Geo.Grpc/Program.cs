using Geo.Grpc.Hosting;

try
{
    await using var service = await GeoAwarenessService.StartAsync(args, CancellationToken.None).ConfigureAwait(false);
    await service.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
    return 0;
}
catch (StartupException e)
{
    await Console.Error.WriteLineAsync($"geoawareness: {e.Message}").ConfigureAwait(false);
    return 1;
}
