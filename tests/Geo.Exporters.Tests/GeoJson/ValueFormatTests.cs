using System.Globalization;
using System.Text;
using Geo.Exporters.GeoJson.Internal;
using Xunit;

namespace Geo.Exporters.Tests.GeoJson;

public sealed class ValueFormatTests
{
    [Theory]
    [InlineData(3.0, "3.0")]
    [InlineData(-7.0, "-7.0")]
    [InlineData(2.5, "2.5")]
    [InlineData(-0.001, "-0.001")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1e-7, "0.0000001")]
    [InlineData(74.44298, "74.44298")]
    [InlineData(10470.23859, "10470.23859")]
    [InlineData(1e-12, "1E-12")]
    [InlineData(1e20, "1E+20")]
    [InlineData(double.MaxValue, "1.7976931348623157E+308")]
    [InlineData(-double.Epsilon, "-5E-324")]
    public void WriteDouble_Value_HasAPointOrExponentAndReadsBack(double value, string expected)
    {
        Span<byte> text = stackalloc byte[ValueFormat.MaxDoubleLength];
        var written = Encoding.UTF8.GetString(text[..ValueFormat.WriteDouble(value, text)]);

        Assert.Equal(expected, written);
        Assert.Equal(value, double.Parse(written, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WriteDouble_Zero_IsZeroWhateverItsSign()
    {
        Span<byte> text = stackalloc byte[ValueFormat.MaxDoubleLength];

        Assert.Equal("0.0", Encoding.UTF8.GetString(text[..ValueFormat.WriteDouble(-0.0, text)]));
        Assert.Equal("0.0", Encoding.UTF8.GetString(text[..ValueFormat.WriteDouble(0.0, text)]));
    }

    [Fact]
    public void WriteDouble_ManyRandomValues_ReadBackExactlyAsReals()
    {
        var random = new Random(8259);
        Span<byte> text = stackalloc byte[ValueFormat.MaxDoubleLength];
        for (var i = 0; i < 400_000; i++)
        {
            var value = (i % 4) switch
            {
                // A few decimals, the common case in feeds.
                0 => Math.Round((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 12)), random.Next(0, 10)),
                // Full precision.
                1 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 20)),
                // Whole numbers up to and beyond 2^53.
                2 => Math.Floor((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(0, 70))),
                // Any bit pattern that is finite.
                _ => BitConverter.Int64BitsToDouble(random.NextInt64()),
            };
            if (!double.IsFinite(value))
            {
                continue;
            }

            var written = Encoding.UTF8.GetString(text[..ValueFormat.WriteDouble(value, text)]);

            Assert.True(double.Parse(written, CultureInfo.InvariantCulture) == value, $"{value:R} written as {written}");
            Assert.True(written.Contains('.', StringComparison.Ordinal) || written.Contains('E', StringComparison.Ordinal), $"{value:R} written as {written}, without point or exponent");
            Assert.False(written.Contains('.', StringComparison.Ordinal) && !written.Contains('E', StringComparison.Ordinal) && written.EndsWith('0') && !written.EndsWith(".0", StringComparison.Ordinal), $"{value:R} written as {written}, with a trailing zero");
        }
    }

    [Theory]
    [InlineData("2026-03-04T05:06:07+00:00", "\"2026-03-04T05:06:07Z\"")]
    [InlineData("2026-03-04T07:06:07+02:00", "\"2026-03-04T05:06:07Z\"")]
    [InlineData("2026-03-03T23:06:07-06:00", "\"2026-03-04T05:06:07Z\"")]
    [InlineData("2026-03-04T05:06:07.5+00:00", "\"2026-03-04T05:06:07.5Z\"")]
    [InlineData("2026-03-04T05:06:07.1234567+00:00", "\"2026-03-04T05:06:07.1234567Z\"")]
    [InlineData("0001-01-01T00:00:00+00:00", "\"0001-01-01T00:00:00Z\"")]
    [InlineData("9999-12-31T23:59:59.9999999+00:00", "\"9999-12-31T23:59:59.9999999Z\"")]
    public void WriteQuotedTime_AnyOffset_IsIso8601Utc(string given, string expected)
    {
        var time = DateTimeOffset.Parse(given, CultureInfo.InvariantCulture);
        Span<byte> text = stackalloc byte[ValueFormat.MaxQuotedTimeLength];
        var written = Encoding.UTF8.GetString(text[..ValueFormat.WriteQuotedTime(time, text)]);

        Assert.Equal(expected, written);
        Assert.Equal(time, DateTimeOffset.Parse(written.Trim('"'), CultureInfo.InvariantCulture));
    }
}
