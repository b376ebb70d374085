using Geo.Grpc.Tests.Webhooks;
using Geo.Testing;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary><c>geoaware webhooks</c>: an administrator makes a hook from a terminal, sees it deliver, reads its log, pauses and deletes it.</summary>
public sealed class WebhooksCommandTests(WebhookTests.HookFixture fixture) : IClassFixture<WebhookTests.HookFixture>
{
    private Task<CliResult> RunAsync(params string[] args) =>
        CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(Role.Administrator), ["webhooks", .. args]);

    [Fact]
    public async Task Webhooks_CreateListDeliveriesPauseDelete_FromTheTerminal_TheSecretPrintedOnce()
    {
        var analyst = TestTokens.IdOf(fixture.Api.TokenOf(Role.Analyst));
        var created = await RunAsync("create", "cli-hook", fixture.Receiver.Url("cli"), "--token-id", analyst, "--bbox", "39.7,-1.8,40.3,-1.2");
        Assert.True(created.ExitCode == 0, created.ToString());
        var id = created.Output.Split('\n')[0]["id: ".Length..].Trim();
        var secret = created.Output.Split('\n')[1]["secret: ".Length..].Trim();
        Assert.StartsWith("hook-", id, StringComparison.Ordinal);
        Assert.Contains("not shown again", created.Error, StringComparison.Ordinal);

        await fixture.Api.SubmitAsync(NewObservation("cli-hook-1", 40.0, -1.5));
        var received = await fixture.Receiver.AcknowledgedAsync("cli", e => e.Count >= 1);
        Assert.Equal(IdOf("cli-hook-1"), received.Single().Observation.Id);
        Assert.True(fixture.Receiver.To("cli").Single().SignedWith(secret));

        var listed = await RunAsync("list");
        Assert.Contains($"{id}\tcli-hook\tactive\t1\t0\t{fixture.Receiver.Url("cli")}\t-", listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);
        var log = await RunAsync("deliveries", id);
        Assert.Contains("\t1\t204\tdelivered\t", log.Output, StringComparison.Ordinal);
        Assert.Contains($"{id}\tcli-hook\tpaused\t", (await RunAsync("pause", id)).Output, StringComparison.Ordinal);
        Assert.Contains($"{id}\tcli-hook\tpaused\t", (await RunAsync("delete", id)).Output, StringComparison.Ordinal);

        var gone = await RunAsync("show", id);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains($"id: no webhook '{id}'", gone.Error, StringComparison.Ordinal);
        var refused = await RunAsync("create", "x", "ftp://nowhere", "--token-id", analyst);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("url: 'ftp://nowhere' is not an absolute http or https URL", refused.Error, StringComparison.Ordinal);
    }
}
