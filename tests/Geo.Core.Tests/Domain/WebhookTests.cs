using System.Text;
using Geo.Core.Access;
using Geo.Core.Domain;
using Xunit;

namespace Geo.Core.Tests.Domain;

public sealed class WebhookTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Signature_IsHexHmacSha256OfTimestampDotBody_WithTheSecretsUtf8Bytes()
    {
        var body = Encoding.UTF8.GetBytes("{\"cursor\":\"c1.x\"}");

        var header = WebhookSignature.Sign("whsec_test", At, body);

        // printf '1796623200.{"cursor":"c1.x"}' | openssl dgst -sha256 -hmac whsec_test
        Assert.Equal("t=1796623200,v1=cf8374e78dff58bf467b70e8822a73a10e41f1c7eea4f205bac0468ae827ae1d", header);
        Assert.True(WebhookSignature.Verify("whsec_test", header, body, At.AddSeconds(30), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData("other body", 0, "whsec_test")]
    [InlineData("{\"cursor\":\"c1.x\"}", 600, "whsec_test")]
    [InlineData("{\"cursor\":\"c1.x\"}", 0, "whsec_other")]
    public void Verify_RefusesAnAlteredBody_AnOldTimestamp_OrAnotherSecret(string received, int secondsLater, string secret)
    {
        var header = WebhookSignature.Sign("whsec_test", At, Encoding.UTF8.GetBytes("{\"cursor\":\"c1.x\"}"));

        Assert.False(WebhookSignature.Verify(secret, header, Encoding.UTF8.GetBytes(received), At.AddSeconds(secondsLater), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("t=,v1=")]
    [InlineData("v1=00,t=1")]
    [InlineData("t=99999999999999999999,v1=00")]
    [InlineData("t=-5,v1=00")]
    public void Verify_RefusesAMalformedHeader_WithoutThrowing(string header) =>
        Assert.False(WebhookSignature.Verify("whsec_test", header, [], At, TimeSpan.FromMinutes(5)));

    [Fact]
    public void Secrets_AreNewEachTime_And256BitsInBase64Url()
    {
        var a = WebhookSignature.NewSecret();
        Assert.NotEqual(a, WebhookSignature.NewSecret());
        Assert.Matches("^whsec_[A-Za-z0-9_-]{43}$", a);
    }

    [Fact]
    public void Backoff_DoublesFromTheFirstWait_UpToTheCeiling()
    {
        var first = TimeSpan.FromSeconds(1);
        var ceiling = TimeSpan.FromMinutes(10);

        int[] failures = [0, 1, 2, 3, 4, 10, 11, 5000];
        Assert.Equal([0, 1, 2, 4, 8, 512, 600, 600], failures.Select(f => WebhookBackoff.After(f, first, ceiling).TotalSeconds));
    }

    [Fact]
    public void AHook_ActsOnlyForRolesThatReadNeitherCaseDetailsNorIncidents_AndDoReadObservations()
    {
        Assert.Equal([Role.Analyst, Role.Importer], Enum.GetValues<Role>().Where(WebhookRules.MayActFor));
    }
}
