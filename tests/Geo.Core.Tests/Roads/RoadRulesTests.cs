using Geo.Core.Roads;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Roads;

public sealed class RoadRulesTests
{
    private static (IReadOnlyList<RoadLine> Lines, FieldErrors Errors) Read(string highway, string seasonal = "", string oneway = "", params double[][] lines)
    {
        var errors = new FieldErrors();
        var feature = new RoadFeatureText("way/1", "RN2", highway, seasonal, oneway, lines.Length == 0 ? [[29.0, -1.0, 29.01, -1.0]] : lines);
        return (RoadRules.Read(feature, errors), errors);
    }

    [Theory]
    [InlineData("motorway", RoadClass.Primary)]
    [InlineData("trunk_link", RoadClass.Primary)]
    [InlineData("Primary", RoadClass.Primary)]
    [InlineData("tertiary", RoadClass.Secondary)]
    [InlineData("unclassified", RoadClass.Secondary)]
    [InlineData("residential", RoadClass.Secondary)]
    [InlineData("track", RoadClass.Track)]
    [InlineData("footway", RoadClass.Path)]
    [InlineData(" path ", RoadClass.Path)]
    public void Read_OsmHighwayValues_MapToTheFourClasses(string highway, RoadClass expected)
    {
        var (lines, errors) = Read(highway);

        Assert.False(errors.Any, string.Join("; ", errors.All));
        Assert.Equal(expected, Assert.Single(lines).Class);
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("dry_season", true)]
    [InlineData("no", false)]
    [InlineData("wet_season", false)]
    [InlineData("", false)]
    public void Read_SeasonalValues_CloseOnlyWhatTheRainCloses(string seasonal, bool closesInTheRain)
    {
        var (lines, errors) = Read("track", seasonal);

        Assert.False(errors.Any);
        Assert.Equal(closesInTheRain, Assert.Single(lines).Seasonal);
    }

    [Fact]
    public void Read_OneWayAgainstTheLine_TurnsTheLineRound()
    {
        var (lines, _) = Read("secondary", oneway: "-1", lines: [[29.0, -1.0, 29.01, -1.0, 29.02, -1.0]]);

        var line = Assert.Single(lines);
        Assert.True(line.OneWay);
        Assert.Equal([29.02, 29.01, 29.0], line.Points.Select(p => p.Longitude));
    }

    [Fact]
    public void Read_RepeatedPoints_AreDroppedNotRefused()
    {
        var (lines, errors) = Read("track", lines: [[29.0, -1.0, 29.0, -1.0, 29.01, -1.0]]);

        Assert.False(errors.Any);
        Assert.Equal(2, Assert.Single(lines).Points.Count);
    }

    [Theory]
    [InlineData("proposed", "", "", "highway")]
    [InlineData("", "", "", "highway")]
    [InlineData("track", "summer", "", "seasonal")]
    [InlineData("track", "", "both", "oneway")]
    public void Read_UnknownTags_AreRefusedNamingTheTag(string highway, string seasonal, string oneway, string field)
    {
        var (lines, errors) = Read(highway, seasonal, oneway);

        Assert.Empty(lines);
        Assert.Equal(field, Assert.Single(errors.All).Field);
    }

    [Theory]
    [InlineData(new[] { 29.0, -1.0 }, "needs at least two distinct points")]
    [InlineData(new[] { 29.0, -1.0, 29.0 }, "has 3 numbers")]
    [InlineData(new[] { 29.0, -1.0, 181.0, -1.0 }, "is not a WGS84 longitude, latitude")]
    [InlineData(new[] { 29.0, -1.0, double.NaN, -1.0 }, "is not a WGS84 longitude, latitude")]
    public void Read_BadLines_AreRefusedNamingTheLine(double[] coordinates, string message)
    {
        var (lines, errors) = Read("track", lines: [coordinates]);

        Assert.Empty(lines);
        var error = Assert.Single(errors.All);
        Assert.Equal("lines[0].coordinates", error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
