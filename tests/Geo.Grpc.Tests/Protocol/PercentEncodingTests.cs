using Geo.Grpc.Protocol;
using Xunit;

namespace Geo.Grpc.Tests.Protocol;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("50% done", "50%25 done")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("Goma – Nord-Kivu", "Goma %E2%80%93 Nord-Kivu")]
    [InlineData("ville d'Abéché", "ville d'Ab%C3%A9ch%C3%A9")]
    public void Encode_NonPrintableOrPercent_EncodesUtf8Bytes(string value, string expected) =>
        Assert.Equal(expected, PercentEncoding.Encode(value));

    [Theory]
    [InlineData("Goma – Nord-Kivu")]
    [InlineData("😀 % \t")]
    [InlineData("")]
    public void Decode_OfEncode_RoundTrips(string value) => Assert.Equal(value, PercentEncoding.Decode(PercentEncoding.Encode(value)));

    [Theory]
    [InlineData("100%", "100%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    public void Decode_MalformedSequence_KeptAsIs(string value, string expected) => Assert.Equal(expected, PercentEncoding.Decode(value));
}
