using System.Globalization;
using System.Text;
using Geo.Exporters.GeoJson.Internal;
using Xunit;

namespace Geo.Exporters.Tests.GeoJson;

public sealed class CoordinateFormatTests
{
    [Theory]
    [InlineData(30.5, "30.5")]
    [InlineData(-1.1234567, "-1.123457")]
    [InlineData(0.0, "0")]
    [InlineData(-0.0000004, "0")]
    [InlineData(0.0000005, "0.000001")]
    [InlineData(-0.0000005, "-0.000001")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(179.9999996, "180")]
    [InlineData(-180.0, "-180")]
    [InlineData(90.0, "90")]
    [InlineData(12.10, "12.1")]
    [InlineData(1e-300, "0")]
    public void Write_KnownValue_IsPlainDecimalWithoutTrailingZeros(double value, string expected) =>
        Assert.Equal(expected, Format(value));

    [Fact]
    public void Write_NegativeZero_IsZero() => Assert.Equal("0", Format(-0.0));

    [Fact]
    public void Write_ManyRandomCoordinates_ReadBackAsMathRoundToSixDecimals()
    {
        var random = new Random(20260304);
        for (var i = 0; i < 400_000; i++)
        {
            var value = (i % 4) switch
            {
                // Anywhere on the globe, at full double precision.
                0 => (random.NextDouble() * 360) - 180,
                // Exact decimal midpoints, given as text the way they arrive from clients.
                1 => double.Parse(string.Create(CultureInfo.InvariantCulture, $"{random.Next(-180, 180)}.{random.Next(0, 1_000_000):D6}5"), CultureInfo.InvariantCulture),
                // Close to a grid of 1e-7, where rounding is decided by the last bits.
                2 => random.Next(-1_800_000_000, 1_800_000_000) / 1e7,
                // Small magnitudes, where exponent notation would appear.
                _ => (random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(0, 12)),
            };

            AssertRoundsLikeMathRound(value);
        }
    }

    [Fact]
    public void WritePosition_Pair_IsBracketedAndCommaSeparated()
    {
        Span<byte> text = stackalloc byte[CoordinateFormat.MaxPositionLength];
        var length = CoordinateFormat.WritePosition(29.2, -1.6000004, text);

        Assert.Equal("[29.2,-1.6]", Encoding.UTF8.GetString(text[..length]));
    }

    private static void AssertRoundsLikeMathRound(double value)
    {
        var text = Format(value);
        var expected = Math.Round(value, 6, MidpointRounding.AwayFromZero);
        var parsed = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(parsed - expected) <= 1e-9, $"{value:R} written as {text}, expected {expected:R}");
        // Same steps as Math.Round, so not merely close: the very same double.
        Assert.True(parsed.Equals(expected == 0 ? 0.0 : expected), $"{value:R} written as {text} reads as {parsed:R}, Math.Round gives {expected:R}");
        Assert.DoesNotContain("E", text, StringComparison.OrdinalIgnoreCase);
        Assert.False(text.StartsWith("-0", StringComparison.Ordinal) && parsed == 0, $"negative zero written for {value:R}");
        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            Assert.InRange(text.Length - point - 1, 1, 6);
            Assert.NotEqual('0', text[^1]);
        }
    }

    private static string Format(double value)
    {
        Span<byte> text = stackalloc byte[CoordinateFormat.MaxLength];
        return Encoding.UTF8.GetString(text[..CoordinateFormat.Write(value, text)]);
    }
}
