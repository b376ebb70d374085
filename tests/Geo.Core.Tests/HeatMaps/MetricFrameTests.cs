using Geo.Core.HeatMaps;
using Geo.Core.Spatial;
using Xunit;

namespace Geo.Core.Tests.HeatMaps;

/// <summary>The written-out forward projection against ProjNET's, which it replaced for speed.</summary>
public sealed class MetricFrameTests
{
    [Theory]
    [InlineData(29.2, -1.7)]
    [InlineData(0, 0)]
    [InlineData(-179.5, 45)]
    [InlineData(170, -60)]
    [InlineData(15, 85)]
    [InlineData(-70, -89)]
    public void Forward_AnywhereAroundTheCentre_AgreesWithProjNet(double longitude, double latitude)
    {
        var frame = new MetricFrame(new GeoPoint(longitude, latitude));
        var random = new Random(7);
        var worst = 0.0;
        for (var i = 0; i < 20_000; i++)
        {
            // Up to 15 degrees away in latitude, further in longitude near the poles: areas of some thousand kilometres.
            var lat = Math.Clamp(latitude + ((random.NextDouble() - 0.5) * 30), -90, 90);
            var lon = longitude + ((random.NextDouble() - 0.5) * 30 / Math.Max(0.2, Math.Cos(lat * Math.PI / 180)));
            var (x, y) = frame.Forward(lon, lat);
            var (ex, ey) = frame.ForwardByProjNet(lon, lat);
            Assert.True(double.IsFinite(x) && double.IsFinite(y), $"({lon}, {lat}) projected to ({x}, {y})");
            if (double.IsFinite(ex) && double.IsFinite(ey))
            {
                worst = Math.Max(worst, Math.Max(Math.Abs(x - ex), Math.Abs(y - ey)));
            }
        }

        // Near the poles the two part by a fraction of a millimetre over 1,500 km (ProjNET's own
        // authalic latitude), nothing a cell of 100 m or more can tell.
        Assert.True(worst < (Math.Abs(latitude) <= 60 ? 1e-6 : 1e-3), $"{worst} m from ProjNET");
    }

    [Fact]
    public void Forward_Span_IsThePointByPointForward()
    {
        var frame = new MetricFrame(new GeoPoint(29.2, -1.7));
        double[] longitudes = [29.2, 30.1, 27.9, 29.25];
        double[] latitudes = [-1.7, -1.1, -2.6, 0.3];
        var expected = longitudes.Zip(latitudes, frame.Forward).ToArray();

        frame.Forward(longitudes, latitudes);

        Assert.Equal(expected, longitudes.Zip(latitudes).ToArray());
        Assert.Equal((0.0, 0.0), frame.Forward(29.2, -1.7));
    }
}
