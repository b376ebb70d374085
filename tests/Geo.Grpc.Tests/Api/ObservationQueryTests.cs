using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Analysts' area queries over a small known data set: a 5 x 5 grid of observations 0.1 degree
/// apart around (30, -3), observed on consecutive days, with categories, severities, groups and
/// vulnerabilities varying by position so that every filter has a known answer.
/// </summary>
public sealed class ObservationQueryTests : IClassFixture<ObservationQueryTests.GridFixture>
{
    private readonly GridFixture _grid;

    public ObservationQueryTests(GridFixture grid) => _grid = grid;

    private ApiFixture Api => _grid.Api;

    public sealed class GridFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community { Id = "grid-village", Name = "Grid", Location = new Shape { Wkt = "POINT(30 -3)" } }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base { Id = "grid-base", Name = "Grid base", Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 30, Latitude = -3 } }).ResponseAsync;
            var observations = new List<Observation>();
            for (var row = 0; row < 5; row++)
            {
                for (var column = 0; column < 5; column++)
                {
                    var index = (row * 5) + column;
                    var o = NewObservation($"grid-{row}{column}", 30 + (column * 0.1), -3 + (row * 0.1), $"2026-01-{index + 1:D2}T12:00:00Z");
                    o.Category = row == 0 ? Category.EarlyWarningAlert : Category.ThreatOfPhysicalViolence;
                    o.Severity = column + 1;
                    o.Affected.Clear();
                    o.Affected.Add(new AffectedCount { Sex = column % 2 == 0 ? Sex.Female : Sex.Male, AgeGroup = row < 2 ? AgeGroup.Child : AgeGroup.Adult, Count = 1 + row });
                    if (column == 4)
                    {
                        o.Vulnerabilities.Add(Vulnerability.Refugees);
                    }

                    if (row == 4)
                    {
                        o.CommunityId = "grid-village";
                        o.BaseId = "grid-base";
                    }

                    observations.Add(o);
                }
            }

            await Api.SubmitAsync([.. observations]);
            await Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("grid-22"), Verification = VerificationStatus.Verified }).ResponseAsync;
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private static ObservationFilter Box(double west, double south, double east, double north) =>
        new() { Area = new Area { Bbox = new BoundingBox { West = west, South = south, East = east, North = north } } };

    private static readonly string[] GridKeys = [.. Enumerable.Range(0, 25).Select(i => $"grid-{i / 5}{i % 5}")];

    private async Task<List<string>> IdsAsync(ObservationFilter filter) => ClientIdsOf(await Api.QueryAllAsync(filter), GridKeys);

    [Fact]
    public async Task Query_BoundingBox_ReturnsTheObservationsInsideInTimeOrder()
    {
        var ids = await IdsAsync(Box(29.95, -3.05, 30.15, -2.85));

        Assert.Equal(["grid-00", "grid-01", "grid-10", "grid-11"], ids);
    }

    [Fact]
    public async Task Query_PolygonAsWktAndAsGeoJson_ReturnTheSame()
    {
        var wkt = new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = "POLYGON((29.95 -3.05, 30.30 -3.05, 29.95 -2.70, 29.95 -3.05))" } } };
        var geojson = new ObservationFilter { Area = new Area { Shape = new Shape { Geojson = """{"type":"Polygon","coordinates":[[[29.95,-3.05],[30.30,-3.05],[29.95,-2.70],[29.95,-3.05]]]}""" } } };

        var fromWkt = await IdsAsync(wkt);
        var fromGeoJson = await IdsAsync(geojson);

        Assert.Equal(["grid-00", "grid-01", "grid-02", "grid-10", "grid-11", "grid-20"], fromWkt);
        Assert.Equal(fromWkt, fromGeoJson);
    }

    [Fact]
    public async Task Query_MultiPolygon_ReturnsBothParts()
    {
        var filter = new ObservationFilter
        {
            Area = new Area { Shape = new Shape { Wkt = "MULTIPOLYGON(((29.95 -3.05, 30.05 -3.05, 30.05 -2.95, 29.95 -2.95, 29.95 -3.05)),((30.35 -2.65, 30.45 -2.65, 30.45 -2.55, 30.35 -2.55, 30.35 -2.65)))" } },
        };

        Assert.Equal(["grid-00", "grid-44"], await IdsAsync(filter));
    }

    [Fact]
    public async Task Query_PointAndRadius_UsesTrueMetres()
    {
        // 0.1 degree of longitude at 3 degrees south is about 11.1 km: 11.5 km reaches the neighbours, 10.5 km does not.
        var center = new GeoPoint { Longitude = 30.2, Latitude = -2.8 };
        var wide = await IdsAsync(new ObservationFilter { Area = new Area { Circle = new Circle { Center = center, RadiusMetres = 11_500 } } });
        var narrow = await IdsAsync(new ObservationFilter { Area = new Area { Circle = new Circle { Center = center, RadiusMetres = 10_500 } } });

        Assert.Equal(["grid-12", "grid-21", "grid-22", "grid-23", "grid-32"], wide);
        Assert.Equal(["grid-22"], narrow);
    }

    [Fact]
    public async Task Query_EachFilter_NarrowsToTheKnownAnswer()
    {
        var all = Box(29.5, -3.5, 30.5, -2.5);
        var period = all.Clone();
        period.ObservedFrom = Time("2026-01-03T00:00:00Z");
        period.ObservedTo = Time("2026-01-05T00:00:00Z");
        var category = all.Clone();
        category.Categories.Add(Category.EarlyWarningAlert);
        var severity = all.Clone();
        severity.MinSeverity = 5;
        var verified = all.Clone();
        verified.Verification.Add(VerificationStatus.Verified);
        var girls = all.Clone();
        girls.AffectedSexes.Add(Sex.Female);
        girls.AffectedAgeGroups.Add(AgeGroup.Child);
        var refugees = all.Clone();
        refugees.Vulnerabilities.Add(Vulnerability.Refugees);
        var community = all.Clone();
        community.CommunityIds.Add("grid-village");
        var station = all.Clone();
        station.BaseIds.Add("grid-base");

        Assert.Equal(25, (await IdsAsync(all)).Count);
        Assert.Equal(["grid-02", "grid-03"], await IdsAsync(period));
        Assert.Equal(["grid-00", "grid-01", "grid-02", "grid-03", "grid-04"], await IdsAsync(category));
        Assert.Equal(["grid-04", "grid-14", "grid-24", "grid-34", "grid-44"], await IdsAsync(severity));
        Assert.Equal(["grid-22"], await IdsAsync(verified));
        Assert.Equal(["grid-00", "grid-02", "grid-04", "grid-10", "grid-12", "grid-14"], await IdsAsync(girls));
        Assert.Equal(["grid-04", "grid-14", "grid-24", "grid-34", "grid-44"], await IdsAsync(refugees));
        Assert.Equal(["grid-40", "grid-41", "grid-42", "grid-43", "grid-44"], await IdsAsync(community));
        Assert.Equal(await IdsAsync(community), await IdsAsync(station));
    }

    [Fact]
    public async Task Query_InPages_StreamsEveryMatchOnceAndAPageTokenResumesAfterIt()
    {
        var all = Box(29.5, -3.5, 30.5, -2.5);

        var pages = await Api.QueryPagesAsync(all, pageSize: 10);
        var resumed = await Api.QueryAllAsync(all, pageSize: 10, pageToken: pages[0].NextPageToken);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Observations.Count));
        Assert.Equal(string.Empty, pages[^1].NextPageToken);
        Assert.Equal(25, pages.SelectMany(p => p.Observations).Select(o => o.Id).Distinct().Count());
        Assert.Equal(pages.Skip(1).SelectMany(p => p.Observations).Select(o => o.Id), resumed.Select(o => o.Id));
    }

    [Fact]
    public async Task Query_PageTokenOfAnotherFilterOrGarbage_IsRefused()
    {
        var pages = await Api.QueryPagesAsync(Box(29.5, -3.5, 30.5, -2.5), pageSize: 10);

        var other = await FailsWith(StatusCode.InvalidArgument, () => Api.QueryAllAsync(Box(29.5, -3.5, 30.4, -2.5), 10, pages[0].NextPageToken));
        var garbage = await FailsWith(StatusCode.InvalidArgument, () => Api.QueryAllAsync(Box(29.5, -3.5, 30.5, -2.5), 10, "not-a-token!"));

        Assert.StartsWith("page_token: was issued for another filter", other, StringComparison.Ordinal);
        Assert.StartsWith("page_token: is not a token this service issued", garbage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountAndSummarize_MatchTheData()
    {
        var all = Box(29.5, -3.5, 30.5, -2.5);

        var count = await Api.As(Geo.Core.Access.Role.Supervisor).Observations.CountAsync(all).ResponseAsync;
        var summary = await Api.As(Geo.Core.Access.Role.Supervisor).Observations.SummarizeAsync(all).ResponseAsync;

        Assert.Equal(25, count.Observations);
        Assert.Equal(25, summary.Observations);
        Assert.Equal(5 * (1 + 2 + 3 + 4 + 5), summary.PeopleAffected);
        Assert.Equal(5, summary.ByCategory.Single(c => c.Category == Category.EarlyWarningAlert).Observations);
        Assert.Equal(20, summary.ByCategory.Single(c => c.Category == Category.ThreatOfPhysicalViolence).Observations);
        var girls = summary.ByGroup.Single(g => g.Sex == Sex.Female && g.AgeGroup == AgeGroup.Child);
        Assert.Equal(6, girls.Observations);
        Assert.Equal((3 * 1) + (3 * 2), girls.People);
        Assert.Equal(12, summary.ByGroup.Count);
    }

    public static TheoryData<string, string> BadFilters => new()
    {
        { "radius zero", "filter.area.circle.radius_metres: 0 must be a positive number of metres" },
        { "radius above maximum", "filter.area.circle.radius_metres: 1500000 is above the maximum of 1000000 m" },
        { "area above maximum", "filter.area: covers" },
        { "inverted period", "filter.observed_to: 2026-01-01T00:00:00Z is not after observed_from" },
        { "inverted box", "filter.area.bbox.north: must be greater than south" },
        { "unknown category", "filter.categories[0]: 77 is not a known ObservationCategory" },
        { "unknown age group", "filter.affected_age_groups[0]: 9 is not a known AgeGroup" },
        { "self-intersecting polygon", "filter.area.shape: is not a valid geometry: Self-intersection" },
        { "polygon across the antimeridian", "filter.area.shape: crosses the antimeridian" },
        { "bad GeoJSON", "filter.area.shape.geojson: is not valid JSON" },
        { "unclosed polygon", "filter.area.shape.wkt: is not a valid geometry" },
        { "unclosed GeoJSON polygon", "filter.area.shape.geojson: is not a valid GeoJSON geometry: ring 0 is not closed" },
        { "empty polygon", "filter.area.shape: is empty" },
        { "blank shape", "filter.area.shape.wkt: is empty" },
        { "NaN circle centre", "filter.area.circle.center.latitude: is not a finite number" },
        { "circle centre out of range", "filter.area.circle.center.longitude: 181 is out of range -180..180" },
        { "missing circle centre", "filter.area.circle.center: is required" },
        { "polygon above maximum", "filter.area: covers" },
        { "multipolygon above maximum", "filter.area: covers" },
    };

    [Theory]
    [MemberData(nameof(BadFilters))]
    public async Task Query_BadFilter_IsRefusedNamingTheField(string problem, string expected)
    {
        var filter = problem switch
        {
            "radius zero" => new ObservationFilter { Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = 30, Latitude = -3 } } } },
            "radius above maximum" => new ObservationFilter { Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = 30, Latitude = -3 }, RadiusMetres = 1_500_000 } } },
            "area above maximum" => Box(20, -10, 30, 0),
            "inverted period" => new ObservationFilter { ObservedFrom = Time("2026-02-01T00:00:00Z"), ObservedTo = Time("2026-01-01T00:00:00Z") },
            "inverted box" => Box(30, -2, 31, -3),
            "unknown category" => new ObservationFilter { Categories = { (Category)77 } },
            "unknown age group" => new ObservationFilter { AffectedAgeGroups = { (AgeGroup)9 } },
            "self-intersecting polygon" => new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = "POLYGON((30 -3, 30.2 -2.8, 30.2 -3, 30 -2.8, 30 -3))" } } },
            "polygon across the antimeridian" => new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = "POLYGON((179 -17, -179 -17, -179 -16, 179 -16, 179 -17))" } } },
            "bad GeoJSON" => new ObservationFilter { Area = new Area { Shape = new Shape { Geojson = "{\"type\": \"Polygon\", " } } },
            "unclosed polygon" => new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = "POLYGON((30 -3, 30.2 -3, 30.2 -2.8, 30 -2.8))" } } },
            "unclosed GeoJSON polygon" => new ObservationFilter
            {
                Area = new Area { Shape = new Shape { Geojson = """{"type":"Polygon","coordinates":[[[30,-3],[30.2,-3],[30.2,-2.8],[30,-2.8]]]}""" } },
            },
            "empty polygon" => new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = "POLYGON EMPTY" } } },
            "blank shape" => new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = " " } } },
            "NaN circle centre" => new ObservationFilter { Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = 30, Latitude = double.NaN }, RadiusMetres = 5000 } } },
            "circle centre out of range" => new ObservationFilter { Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = 181, Latitude = -3 }, RadiusMetres = 5000 } } },
            "missing circle centre" => new ObservationFilter { Area = new Area { Circle = new Circle { RadiusMetres = 5000 } } },
            // 10 x 10 degrees near the equator: about 1,230,000 km², above the 250,000 km² the fixture allows.
            "polygon above maximum" => new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = "POLYGON((20 -10, 30 -10, 30 0, 20 0, 20 -10))" } } },
            // Two parts of about 150,000 km² each: only their sum is above the maximum.
            "multipolygon above maximum" => new ObservationFilter
            {
                Area = new Area { Shape = new Shape { Wkt = "MULTIPOLYGON(((20 -10, 23.5 -10, 23.5 -6.5, 20 -6.5, 20 -10)),((25 -10, 28.5 -10, 28.5 -6.5, 25 -6.5, 25 -10)))" } },
            },
            _ => throw new ArgumentException(problem, nameof(problem)),
        };

        var count = await FailsWith(StatusCode.InvalidArgument, () => Api.As(Geo.Core.Access.Role.Supervisor).Observations.CountAsync(filter).ResponseAsync);
        var query = await FailsWith(StatusCode.InvalidArgument, () => Api.QueryAllAsync(filter));

        Assert.StartsWith(expected, count, StringComparison.Ordinal);
        Assert.Equal(count, query);
    }

    [Theory]
    [InlineData(29.5, -95, 30.5, -2.5, "south: -95 is out of range -90..90")]
    [InlineData(29.5, -3.5, 30.5, 91, "north: 91 is out of range -90..90")]
    [InlineData(-181, -3.5, 30.5, -2.5, "west: -181 is out of range -180..180")]
    [InlineData(29.5, -3.5, double.PositiveInfinity, -2.5, "east: is not a finite number")]
    public async Task Query_BoxCornerOutOfRange_IsRefusedNamingTheBoxSide(double west, double south, double east, double north, string expected)
    {
        var filter = Box(west, south, east, north);

        var count = await FailsWith(StatusCode.InvalidArgument, () => Api.As(Geo.Core.Access.Role.Supervisor).Observations.CountAsync(filter).ResponseAsync);
        var query = await FailsWith(StatusCode.InvalidArgument, () => Api.QueryAllAsync(filter));

        Assert.StartsWith("filter.area.bbox." + expected, count, StringComparison.Ordinal);
        Assert.Equal(count, query);
    }

    [Fact]
    public async Task Query_PageSizeOutOfRange_IsRefused()
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => Api.QueryAllAsync(new ObservationFilter(), pageSize: 5001));

        Assert.StartsWith("page_size: 5001 is out of range 1..5000", detail, StringComparison.Ordinal);
    }
}
