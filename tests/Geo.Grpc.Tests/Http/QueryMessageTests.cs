using Geo.Api.V1;
using Geo.Grpc.Http;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Xunit;

namespace Geo.Grpc.Tests.Http;

/// <summary>URL parameters read as the proto3 JSON mapping reads the same values, and every way a parameter can be wrong named.</summary>
public sealed class QueryMessageTests
{
    private static HeatMapRequest Read(string query) =>
        (HeatMapRequest)QueryMessage.Read(QueryHelpers.ParseQuery(query), HeatMapRequest.Descriptor);

    private static string Refusal(string query, Google.Protobuf.Reflection.MessageDescriptor? descriptor = null)
    {
        var error = Assert.Throws<RpcException>(() => QueryMessage.Read(QueryHelpers.ParseQuery(query), descriptor ?? HeatMapRequest.Descriptor));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        return error.Status.Detail;
    }

    [Fact]
    public void Read_EveryKindOfField_GivesWhatTheJsonMappingGives()
    {
        var request = Read(
            "filter.area.shape.wkt=POLYGON((29%20-2,29.5%20-2,29.5%20-1.5,29%20-2))&filter.observedFrom=2026-01-01T00:00:00Z&filter.observedTo=2026-02-01T12:30:00.5Z" +
            "&filter.categories=CATEGORY_DISPLACEMENT&filter.categories=1&filter.minSeverity=2&cellSizeMetres=1e3&classes=7&includeEmpty=true" +
            "&weighting.bySeverity=true&weighting.halfLife=86400s&distanceBandMetres=NaN&step=SERIES_STEP_WEEK");

        Assert.Equal(new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Shape = new Shape { Wkt = "POLYGON((29 -2,29.5 -2,29.5 -1.5,29 -2))" } },
                ObservedFrom = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
                ObservedTo = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 2, 1, 12, 30, 0, 500, TimeSpan.Zero)),
                Categories = { Category.Displacement, Category.ThreatOfPhysicalViolence },
                MinSeverity = 2,
            },
            CellSizeMetres = 1000,
            Classes = 7,
            IncludeEmpty = true,
            Weighting = new Weighting { BySeverity = true, HalfLife = Duration.FromTimeSpan(TimeSpan.FromDays(1)) },
            DistanceBandMetres = double.NaN,
            Step = SeriesStep.Week,
        }, request);
    }

    [Fact]
    public void Read_NoParameters_IsTheEmptyMessage()
    {
        Assert.Equal(new HeatMapRequest(), Read(string.Empty));
    }

    [Theory]
    [InlineData("cellsizemetres=1000", "cellsizemetres: is not a parameter (did you mean cellSizeMetres?)")]
    // Deprecated fields are still read, but not suggested.
    [InlineData("cellSize=1000", "cellSize: is not a parameter (known here: filter, shape, cellSizeMetres, method, ")]
    [InlineData("cell_size_metres=1000", "cell_size_metres: is not a parameter (did you mean cellSizeMetres?)")]
    [InlineData("area.box.west=1", "area.box.west: is not a parameter (known here: area.bbox, area.shape, area.circle)")]
    [InlineData("cellSizeMetres=ten", "cellSizeMetres: 'ten' is not a number")]
    [InlineData("classes=2.5", "classes: '2.5' is not a whole number from -2147483648 to 2147483647")]
    [InlineData("classes=99999999999", "classes: '99999999999' is not a whole number from -2147483648 to 2147483647")]
    [InlineData("includeEmpty=1", "includeEmpty: '1' is not true or false")]
    [InlineData("step=weekly", "step: 'weekly' is not one of SERIES_STEP_UNSPECIFIED, SERIES_STEP_WEEK, SERIES_STEP_MONTH (or its number)")]
    [InlineData("observedFrom=2026-01-01", "observedFrom: '2026-01-01' is not an RFC 3339 time such as 2026-03-01T00:00:00Z")]
    [InlineData("weighting.halfLife=1d", "weighting.halfLife: '1d' is not a duration in seconds such as 86400s")]
    [InlineData("classes=5&classes=6", "classes: is given more than once")]
    [InlineData("area=29,-2,30,-1", "area: is a group: give its parts, such as area.bbox.west=...")]
    [InlineData("classes.value=5", "classes.value: classes is a single value with no parts: give it as classes=...")]
    [InlineData("observedFrom.seconds=5", "observedFrom.seconds: observedFrom is a single value with no parts: give it as observedFrom=...")]
    [InlineData("area.bbox.west=1&area.shape.wkt=POINT(1%201)", "area.shape.wkt: area takes one of bbox, shape, circle, and area.bbox.west was given too")]
    [InlineData("=5", "(a parameter without a name): is not a parameter")]
    public void Read_AWrongParameter_IsInvalidArgumentNamingIt(string query, string expected)
    {
        Assert.StartsWith(expected, Refusal(query), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ABadValueAmongRepeatedOnes_NamesTheValue()
    {
        Assert.StartsWith("categories: 'CATEGORY_NOPE' is not one of CATEGORY_UNSPECIFIED, ", Refusal("categories=CATEGORY_DISPLACEMENT&categories=CATEGORY_NOPE"), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AListOfGroups_IsRefusedAsNotExpressibleInAUrl()
    {
        Assert.Equal("teams.baseId: teams is a list of groups, which a URL cannot give; use gRPC", Refusal("teams.baseId=b1", PlanDeploymentRequest.Descriptor));
    }

    [Theory]
    [InlineData("cell_size_metres: 50 is out of range 100..50000 m", "cellSizeMetres: 50 is out of range 100..50000 m")]
    [InlineData("reach.surge_team_metres: -5 m is negative; 0 for the default", "reach.surgeTeamMetres: -5 m is negative; 0 for the default")]
    [InlineData("affected[3].age_group: is required (and 2 more problem(s))", "affected[3].ageGroup: is required (and 2 more problem(s))")]
    [InlineData("area: is required: a bounding box or a polygon", "area: is required: a bounding box or a polygon")]
    [InlineData("a text field contains a NUL character (U+0000): remove it", "a text field contains a NUL character (U+0000): remove it")]
    public void InParameterNames_TheLeadingFieldPath_IsInJsonNames(string detail, string expected)
    {
        Assert.Equal(expected, QueryMessage.InParameterNames(detail));
    }
}
