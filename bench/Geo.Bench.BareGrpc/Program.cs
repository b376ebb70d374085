using System.Globalization;
using Geo.Bench.BareGrpc;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// A bare Grpc.AspNetCore server with the Echo service (tests/protos/echo.proto), for the load benchmark.
//   Geo.Bench.BareGrpc [--port N]
// Prints "READY <port>" on stdout once listening on 127.0.0.1 (port 0 picks a free one), then
// serves until SIGTERM. What `dotnet new grpc` gives, bound to loopback: AddGrpc() with its
// defaults, one MapGrpcService, and the template's log level for ASP.NET Core (Warning), so that
// no request is logged.
var port = 0;
for (var i = 0; i < args.Length; i += 2)
{
    if (args[i] != "--port" || i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out port))
    {
        await Console.Error.WriteLineAsync("usage: Geo.Bench.BareGrpc [--port N]").ConfigureAwait(false);
        return 2;
    }
}

var builder = WebApplication.CreateBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.Listen(System.Net.IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();

await using var app = builder.Build();
app.MapGrpcService<EchoService>();
await app.StartAsync().ConfigureAwait(false);

var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
Console.WriteLine($"READY {bound.Port.ToString(CultureInfo.InvariantCulture)}");
await app.WaitForShutdownAsync().ConfigureAwait(false);
return 0;
