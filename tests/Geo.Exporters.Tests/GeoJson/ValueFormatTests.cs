using System.Globalization;
using System.Text;
using Geo.Exporters.GeoJson.Internal;
using Xunit;

namespace Geo.Exporters.Tests.GeoJson;

public sealed class ValueFormatTests
{
    [Theory]
    [InlineData(3.0, "3.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(2.5, "2.5")]
    [InlineData(1e-7, "1E-07")]
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
