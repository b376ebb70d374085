using System.Globalization;
using Geo.Grpc.Hosting;
using Geo.Testing;
using Geo.Testing.Echo;

// Hosts our gRPC service with the Echo handler (tests/protos/echo.proto) for the load benchmark.
//   Geo.Bench.GrpcServer [--port N] [--connection-string CS]
// Without a connection string it starts the throwaway PostGIS cluster of the test fixture
// (removed when this process ends). Prints "READY <port>" on stdout, then serves until SIGTERM.
var port = 0;
string? connectionString = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
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
        connectionString, [$"--GeoAwareness:GrpcPort={port.ToString(CultureInfo.InvariantCulture)}"]).ConfigureAwait(false);
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
