using System.Globalization;
using Geo.Grpc.Hosting;
using Geo.Testing;
using Geo.Testing.Echo;

// Hosts our gRPC service with the Echo handler (tests/protos/echo.proto) for the load benchmark.
//   Geo.Bench.GrpcServer [--port N] [--connection-string CS] [--GeoAwareness:Section:Key=value ...]
// Without a connection string it starts the throwaway PostGIS cluster of the test fixture
// (removed when this process ends). Prints "READY <port>" on stdout, then serves until SIGTERM.
var port = 0;
string? connectionString = null;
var settings = new List<string>();
for (var i = 0; i < args.Length; i += 2)
{
    if (args[i].StartsWith("--GeoAwareness:", StringComparison.Ordinal))
    {
        // Settings of the service itself, passed on (bench/watch.sh turns authentication off).
        settings.Add(args[i]);
        i--;
        continue;
    }

    if (i + 1 >= args.Length)
    {
        await Console.Error.WriteLineAsync($"{args[i]} needs a value").ConfigureAwait(false);
        return 2;
    }

    switch (args[i])
    {
        case "--port":
            port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--connection-string":
            connectionString = args[i + 1];
            break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument {args[i]}").ConfigureAwait(false);
            return 2;
    }
}

PostgisCluster? cluster = null;
string? database = null;
if (connectionString is null)
{
    cluster = await PostgisCluster.GetAsync().ConfigureAwait(false);
    database = await cluster.CreateMigratedDatabaseAsync("bench").ConfigureAwait(false);
    connectionString = cluster.Cluster.ConnectionStringFor(database);
}

try
{
    await using var service = await GrpcTestServer.StartAsync(
        connectionString, [$"--GeoAwareness:GrpcPort={port.ToString(CultureInfo.InvariantCulture)}", .. settings]).ConfigureAwait(false);
    Console.WriteLine($"READY {service.GrpcEndpoint.Port.ToString(CultureInfo.InvariantCulture)}");
    await service.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
    return 0;
}
finally
{
    if (cluster is not null && database is not null)
    {
        await cluster.DropDatabaseAsync(database).ConfigureAwait(false);
    }
}
