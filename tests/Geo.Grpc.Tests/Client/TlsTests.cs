using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Geo.Api;
using Grpc.Net.Client;
using Geo.Testing;
using Geo.Testing.Echo;
using Xunit;

namespace Geo.Grpc.Tests.Client;

public sealed class TlsTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    [Fact]
    public async Task Unary_OverTlsWithSelfSignedCertificate_Served()
    {
        var folder = Directory.CreateTempSubdirectory("geo-tls-").FullName;
        try
        {
            using var certificate = CreateSelfSigned();
            var certificatePath = Path.Combine(folder, "server.crt");
            var keyPath = Path.Combine(folder, "server.key");
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
            using (var key = certificate.GetECDsaPrivateKey()!)
            {
                await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
            }

            await using var service = await GrpcTestServer.StartAsync(
                database.ConnectionString, [$"--GeoAwareness:Tls:CertificatePath={certificatePath}", $"--GeoAwareness:Tls:KeyPath={keyPath}"]);
            var thumbprint = certificate.Thumbprint;
            using var channel = GrpcChannel.ForAddress(service.GrpcEndpoint, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint } },
            });
            var token = await TestTokens.IssueAsync(database.DataSource, Geo.Core.Access.Role.Administrator, "tls-admin");
            using var client = new GeoAwarenessClient(service.GrpcEndpoint, token, new GeoAwarenessClientOptions
            {
                ServerCertificateValidation = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint,
            });
            using var untrusting = new GeoAwarenessClient(service.GrpcEndpoint, token);

            var reply = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Message = "secure" });
            // The bearer token travels as call credentials over TLS, as it does over plaintext.
            var me = await client.Access.WhoAmIAsync(new Geo.Api.V1.WhoAmIRequest());
            var refused = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(async () => await untrusting.Access.WhoAmIAsync(new Geo.Api.V1.WhoAmIRequest()));
            using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint } });
            using var live = await http.GetAsync(new Uri(service.HttpEndpoint, "/health/live"));

            Assert.Equal("https", service.GrpcEndpoint.Scheme);
            Assert.Equal("secure", reply.Message);
            Assert.Equal("tls-admin", me.Subject);
            // The system does not trust the self-signed certificate: the TLS handshake fails the call.
            Assert.Contains("SSL", refused.Status.Detail, StringComparison.Ordinal);
            Assert.Equal("https", service.HttpEndpoint.Scheme);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
