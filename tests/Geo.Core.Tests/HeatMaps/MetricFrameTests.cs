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

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(2049)]
    public void Forward_Span_IsThePointByPointForward_ToTheLastBit(int count)
    {
        // Points go four at a time, the last few with lanes of their own: a point must land on the
        // same bits whether projected alone, in a full group or in the tail, or two readers of the
        // same rows could bin a point on a cell's edge differently.
        var frame = new MetricFrame(new GeoPoint(29.2, -1.7));
        var random = new Random(count);
        var longitudes = Enumerable.Range(0, count).Select(_ => 27 + (random.NextDouble() * 4)).ToArray();
        var latitudes = Enumerable.Range(0, count).Select(_ => -3.5 + (random.NextDouble() * 4)).ToArray();
        var expected = longitudes.Zip(latitudes, frame.Forward).ToArray();
        // The same points one place further on in a batch: each lands in another lane.
        double[] shiftedLongitudes = [30.5, .. longitudes];
        double[] shiftedLatitudes = [-0.5, .. latitudes];

        frame.Forward(longitudes, latitudes);
        frame.Forward(shiftedLongitudes, shiftedLatitudes);

        Assert.Equal(expected, longitudes.Zip(latitudes).ToArray());
        Assert.Equal(expected, shiftedLongitudes.Zip(shiftedLatitudes).Skip(1).ToArray());
        Assert.Equal((0.0, 0.0), frame.Forward(29.2, -1.7));
    }
}
