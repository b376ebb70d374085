using Geo.Grpc.Protocol;
using Xunit;

namespace Geo.Grpc.Tests.Protocol;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("2H", 2 * TimeSpan.TicksPerHour)]
    [InlineData("3M", 3 * TimeSpan.TicksPerMinute)]
    [InlineData("4S", 4 * TimeSpan.TicksPerSecond)]
    [InlineData("250m", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("1500u", 1500 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("1000n", 10)]
    [InlineData("1n", 1)]
    [InlineData("99999999S", 99_999_999 * TimeSpan.TicksPerSecond)]
    [InlineData("99999999H", 99_999_999 * TimeSpan.TicksPerHour)]
    [InlineData("0m", 0)]
    public void TryParse_EveryUnit_GivesTheDuration(string text, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(text, out var timeout));
        Assert.Equal(TimeSpan.FromTicks(ticks), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("10x")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    [InlineData(" 5S")]
    public void TryParse_Malformed_Refuses(string text) => Assert.False(GrpcTimeout.TryParse(text, out _));

    [Theory]
    [InlineData(1, "100n")]
    [InlineData(TimeSpan.TicksPerMillisecond * 20, "20000000n")]
    [InlineData(TimeSpan.TicksPerSecond, "1000000u")]
    [InlineData(TimeSpan.TicksPerSecond * 100, "100000m")]
    [InlineData(TimeSpan.TicksPerDay * 10, "864000S")]
    [InlineData(TimeSpan.TicksPerDay * 3650, "5256000M")]
    public void Format_PicksTheFinestUnitThatFits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Format_ZeroOrNegative_SendsTheSmallestTimeout() => Assert.Equal("1n", GrpcTimeout.Format(TimeSpan.FromSeconds(-1)));

    [Theory]
    [InlineData(0.0015)]
    [InlineData(2.5)]
    [InlineData(86_400.0 * 400)]
    public void Format_ThenParse_NeverShortensTheTimeout(double seconds)
    {
        var timeout = TimeSpan.FromSeconds(seconds);
        Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(timeout), out var parsed));
        Assert.True(parsed >= timeout);
    }
}
