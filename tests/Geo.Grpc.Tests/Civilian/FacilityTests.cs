using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Gdal;
using Google.Protobuf;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Civilian;

/// <summary>
/// Civilian facilities: imported from GeoJSON as OpenStreetMap export tools write it (unmapped tags
/// kept), exported as GeoJSON that GDAL reads, stale or unconfirmed sites shown as such, shared by level.
/// </summary>
public sealed class FacilityTests(CivilianPictureTests.CivilianFixture fixture) : IClassFixture<CivilianPictureTests.CivilianFixture>
{
    /// <summary>The shape overpass turbo exports: OSM tags as properties, the OSM id as "id" and "@id".</summary>
    private const string OsmExport = """
        {"type":"FeatureCollection","generator":"overpass-turbo","copyright":"The data included in this document is from www.openstreetmap.org.","features":[
         {"type":"Feature","properties":{"@id":"node/1001","amenity":"hospital","name":"Hôpital Général de Référence de Beni","beds":"120","operator":"Ministère de la Santé","healthcare":"hospital","opening_hours":"24/7","check_date":"2026-11-20"},"geometry":{"type":"Point","coordinates":[29.4731,0.4912]},"id":"node/1001"},
         {"type":"Feature","properties":{"@id":"way/2002","amenity":"school","name":"EP Mavivi","isced:level":"1"},"geometry":{"type":"Polygon","coordinates":[[[29.46,0.55],[29.461,0.55],[29.461,0.551],[29.46,0.551],[29.46,0.55]]]},"id":"way/2002"},
         {"type":"Feature","properties":{"@id":"node/1003","man_made":"water_well","pump":"manual","drinking_water":"yes"},"geometry":{"type":"Point","coordinates":[29.47,0.5]},"id":"node/1003"},
         {"type":"Feature","properties":{"@id":"node/1004","amenity":"refugee_site","name":"Site de déplacés de Kanyaruchinya","capacity":"5000"},"geometry":{"type":"Point","coordinates":[29.25,-1.6]},"id":"node/1004"}
        ]}
        """;

    private static readonly Area Beni = new() { Bbox = new BoundingBox { West = 29.2, South = -1.7, East = 29.5, North = 0.6 } };

    private ApiFixture Api => fixture.Api;

    private CivilianPicture.CivilianPictureClient Liaison => Api.As(Role.HumanitarianLiaison).Civilian;

    [Fact]
    public async Task AnOsmExport_Imports_KeepingTheTagsItDoesNotMap_AndImportsAgainUnchanged()
    {
        var first = await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Geojson = ByteString.CopyFromUtf8(OsmExport), DefaultSharing = SharingLevel.Mission });
        Assert.Empty(first.Problems);
        Assert.Equal(4, first.Created + first.Unchanged);

        var again = await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Geojson = ByteString.CopyFromUtf8(OsmExport), DefaultSharing = SharingLevel.Mission });
        Assert.Equal((0, 0, 4), (again.Created, again.Updated, again.Unchanged));

        var hospital = await Api.As(Role.Analyst).Civilian.GetFacilityAsync(new GetByIdRequest { Id = "fac-osm-node-1001" });
        Assert.Equal((FacilityType.Hospital, "Hôpital Général de Référence de Beni", 120), (hospital.Type, hospital.Name, hospital.Capacity));
        Assert.Equal(new Dictionary<string, string> { ["healthcare"] = "hospital", ["operator"] = "Ministère de la Santé", ["opening_hours"] = "24/7" }, hospital.Tags);
        Assert.Equal(new CalendarDate { Year = 2026, Month = 11, Day = 20 }, hospital.LastConfirmedOn);
        var school = await Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-osm-way-2002" });
        Assert.Equal(FacilityType.School, school.Type);
        Assert.StartsWith("POLYGON", school.Location.Wkt, StringComparison.Ordinal);
        Assert.Equal("1", school.Tags["isced:level"]);
        var well = await Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-osm-node-1003" });
        Assert.Equal((FacilityType.WaterWell, Confirmation.Unconfirmed), (well.Type, well.Confirmation));
        Assert.Equal("manual", well.Tags["pump"]);
        Assert.Equal(5000, (await Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-osm-node-1004" })).Capacity);
    }

    /// <summary>A healthsites-style sheet: HXL hashtags under the header, OSM tags as #meta columns, an unknown column kept as a tag.</summary>
    private const string HealthSites =
        "Facility,Lat,Lon,Type,Code,Status,Updated,Beds,Healthcare,Opening hours,Operator\r\n" +
        "#loc+name,#geo+lat,#geo+lon,#loc+type,#loc+code,#status,#date+updated,#meta+beds,#meta+healthcare,#meta+opening_hours,#org+name\r\n" +
        "Centre de Santé Mavivi,0.56,29.47,clinic,HS-001,functional,2026-11-30T10:00:00Z,12,clinic,Mo-Fr 08:00-17:00,Ministère de la Santé\r\n" +
        "Hôpital Oicha,0.70,29.51,hospital,HS-002,partially functional,2026-06-01,80,hospital,24/7,MSF\r\n" +
        "Pharmacie Beni,0.49,29.46,,HS-003,,,,pharmacy,,\r\n";

    [Fact]
    public async Task AHealthsitesStyleHxlSheet_Imports_TypesFromTheWordOrTheTags_KeepingEveryOtherColumn()
    {
        var report = await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Csv = ByteString.CopyFromUtf8(HealthSites), DefaultSharing = SharingLevel.Mission });
        Assert.Empty(report.Problems);
        Assert.Equal(3, report.Created + report.Unchanged);
        var again = await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Csv = ByteString.CopyFromUtf8(HealthSites), DefaultSharing = SharingLevel.Mission });
        Assert.Equal((0, 0, 3), (again.Created, again.Updated, again.Unchanged));

        var clinic = await Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-hxl-hs-001" });
        Assert.Equal((FacilityType.Clinic, FacilityStatus.Functional, 12), (clinic.Type, clinic.Status, clinic.Capacity));
        Assert.Equal(new CalendarDate { Year = 2026, Month = 11, Day = 30 }, clinic.LastConfirmedOn);
        Assert.Equal(new Dictionary<string, string> { ["healthcare"] = "clinic", ["opening_hours"] = "Mo-Fr 08:00-17:00", ["#org+name"] = "Ministère de la Santé" }, clinic.Tags);
        Assert.Equal(FacilityStatus.PartiallyFunctional, (await Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-hxl-hs-002" })).Status);
        var pharmacy = await Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-hxl-hs-003" });
        Assert.Equal((FacilityType.HealthPost, Confirmation.Unconfirmed), (pharmacy.Type, pharmacy.Confirmation));
    }

    [Theory]
    [InlineData("#loc+name,#geo+lon\r\nX,29\r\n", 1, "#geo+lat", "is required")]
    [InlineData("#loc+name,#geo+lat,#geo+lon,#loc+type\r\nX,0.5,29.5,spaceport\r\n", 2, "#loc+type", "'spaceport' is not a facility type")]
    [InlineData("#loc+name,#geo+lat,#geo+lon,#loc+type\r\nX,0.5,29.5,\r\n", 2, "#loc+type", "is empty, and no #meta+amenity")]
    [InlineData("#loc+name,#geo+lat,#geo+lon,#loc+type,#status\r\nX,0.5,29.5,school,haunted\r\n", 2, "#status", "'haunted' is not a status")]
    [InlineData("Name,Place\r\nX,Y\r\n", 0, "hashtag row", "no HXL hashtag row")]
    public async Task ABadHxlSheet_IsRefused_NamingTheRowAndColumn_AndNothingIsStored(string csv, int line, string column, string message)
    {
        var report = await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Csv = ByteString.CopyFromUtf8(csv) });

        var problem = Assert.Single(report.Problems);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.Created);
    }

    [Fact]
    public async Task AnImport_WithBothOrNeitherSource_IsRefusedNamingTheField()
    {
        Assert.StartsWith("geojson: give either", await FailsWith(StatusCode.InvalidArgument, () => Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest()).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("csv: give either", await FailsWith(StatusCode.InvalidArgument, () =>
            Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Geojson = ByteString.CopyFromUtf8("{}"), Csv = ByteString.CopyFromUtf8("#loc+name") }).ResponseAsync), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheExport_IsGeoJsonThatGdalReads_WithEveryFacilityAndTypedFields()
    {
        await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Geojson = ByteString.CopyFromUtf8(OsmExport), DefaultSharing = SharingLevel.Mission });
        var listed = (await Api.As(Role.Planner).Civilian.ListFacilitiesAsync(new ListFacilitiesRequest { Area = Beni, PageSize = 1000 })).Facilities.Count;
        var path = Path.Combine(Directory.CreateTempSubdirectory("facilities").FullName, "facilities.geojson");
        await using (var file = File.Create(path))
        {
            using var call = Api.As(Role.Planner).Civilian.ExportFacilities(new ListFacilitiesRequest { Area = Beni });
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                await file.WriteAsync(chunk.Data.Memory);
            }
        }

        var info = await Ogrinfo.RunAsync("-ro", "-al", "-so", path);

        Assert.Contains($"Feature Count: {listed}", info, StringComparison.Ordinal);
        Assert.True(listed >= 4, $"{listed} facilities listed");
        Assert.Matches(@"capacity: Integer", info);
        Assert.Matches(@"name: String", info);
        Assert.Matches(@"confirmation: String", info);
        Assert.Matches(@"osm_tags: String", info);
        using var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var hospital = document.RootElement.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "fac-osm-node-1001").GetProperty("properties");
        Assert.Equal("hospital", hospital.GetProperty("type").GetString());
        Assert.Equal("amenity=hospital", hospital.GetProperty("osm_tag").GetString());
        using var tags = System.Text.Json.JsonDocument.Parse(hospital.GetProperty("osm_tags").GetString()!);
        Assert.Equal("24/7", tags.RootElement.GetProperty("opening_hours").GetString());
    }

    [Fact]
    public async Task AStaleOrUnconfirmedSite_IsListedAndMarked_NeverDropped()
    {
        Facility Clinic(string id, CalendarDate? confirmed, SiteNotification? notification) => new()
        {
            Id = id, Name = id, Type = FacilityType.Clinic, Location = new Shape { Point = new GeoPoint { Longitude = 29.31, Latitude = -1.41 } },
            Status = FacilityStatus.Functional, LastConfirmedOn = confirmed, Notification = notification, Sharing = SharingLevel.Mission,
        };
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        CalendarDate Day(DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };
        await Liaison.CreateFacilityAsync(Clinic("fac-current", Day(today.AddDays(-10)), null));
        await Liaison.CreateFacilityAsync(Clinic("fac-old", Day(today.AddDays(-200)), null));
        await Liaison.CreateFacilityAsync(Clinic("fac-overdue", Day(today.AddDays(-10)),
            new SiteNotification { NotifiedOn = Day(today.AddDays(-60)), NotifiedTo = "parties to the conflict via OCHA", ReconfirmBy = Day(today.AddDays(-1)) }));
        await Liaison.CreateFacilityAsync(Clinic("fac-never", null, null));

        var request = new ListFacilitiesRequest { Area = new Area { Bbox = new BoundingBox { West = 29.3, South = -1.42, East = 29.32, North = -1.4 } } };
        var listed = (await Api.As(Role.Analyst).Civilian.ListFacilitiesAsync(request)).Facilities.ToDictionary(f => f.Id, f => f.Confirmation);

        Assert.Equal(new Dictionary<string, Confirmation>
        {
            ["fac-current"] = Confirmation.Current, ["fac-old"] = Confirmation.Stale, ["fac-overdue"] = Confirmation.Stale, ["fac-never"] = Confirmation.Unconfirmed,
        }, listed);
    }

    [Fact]
    public async Task ALiaisonOnlyFacility_IsNotFoundForAnAnalyst_AndReadByUnCimic()
    {
        await Liaison.CreateFacilityAsync(new Facility
        {
            Id = "fac-safe-house", Name = "Women's safe house", Type = FacilityType.HumanitarianPremises, Location = new Shape { Point = new GeoPoint { Longitude = 29.33, Latitude = -1.43 } },
            Sharing = SharingLevel.LiaisonOnly,
        });

        var forAnalyst = await FailsWith(StatusCode.NotFound, () => Api.As(Role.Analyst).Civilian.GetFacilityAsync(new GetByIdRequest { Id = "fac-safe-house" }).ResponseAsync);
        Assert.Equal("id: no facility 'fac-safe-house'", forAnalyst);
        Assert.DoesNotContain((await Api.As(Role.Supervisor).Civilian.ListFacilitiesAsync(new ListFacilitiesRequest())).Facilities, f => f.Id == "fac-safe-house");
        Assert.Equal("Women's safe house", (await Api.As(Role.UnCimicOfficer).Civilian.GetFacilityAsync(new GetByIdRequest { Id = "fac-safe-house" })).Name);
    }

    [Theory]
    [InlineData("not json", "{\"type\":", 0, "geojson", "is not JSON")]
    [InlineData("not a collection", "{\"type\":\"Feature\"}", 0, "geojson", "is not a GeoJSON FeatureCollection")]
    [InlineData("no type in the tags", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"node/1\",\"properties\":{\"amenity\":\"hospital\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[29.1,-1.1]}},{\"type\":\"Feature\",\"id\":\"node/2\",\"properties\":{\"shop\":\"bakery\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[29.1,-1.1]}}]}", 2, "properties", "node/2: no facility type")]
    [InlineData("coordinates out of range", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"node/3\",\"properties\":{\"amenity\":\"school\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[29.1,-95]}}]}", 1, "geometry", "fac-osm-node-3: ")]
    public async Task ABadExport_IsRefused_NamingTheFeature_AndNothingIsStored(string what, string geojson, int line, string column, string message)
    {
        _ = what;
        var report = await Liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest { Geojson = ByteString.CopyFromUtf8(geojson) });

        var problem = Assert.Single(report.Problems);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.Created);
        await FailsWith(StatusCode.NotFound, () => Liaison.GetFacilityAsync(new GetByIdRequest { Id = "fac-osm-node-1" }).ResponseAsync);
    }

    [Fact]
    public async Task Requests_WithBadFields_AreRefusedNamingTheField()
    {
        var start = new CalendarDate { Year = 2026, Month = 5, Day = 1 };
        Facility Good() => new()
        {
            Id = "fac-req", Name = "Req", Type = FacilityType.School, Location = new Shape { Point = new GeoPoint { Longitude = 29.35, Latitude = -1.45 } }, Sharing = SharingLevel.Mission,
        };
        Facility With(Action<Facility> change)
        {
            var f = Good();
            change(f);
            return f;
        }

        Assert.StartsWith("type: is required", await FailsWith(StatusCode.InvalidArgument, () => Liaison.CreateFacilityAsync(With(f => f.Type = FacilityType.Unspecified)).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("notification.reconfirm_by: ", await FailsWith(StatusCode.InvalidArgument, () => Liaison.CreateFacilityAsync(With(f => f.Notification = new SiteNotification
        {
            NotifiedOn = start, NotifiedTo = "OCHA", ReconfirmBy = new CalendarDate { Year = 2026, Month = 4, Day = 1 },
        })).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("notification.notified_to: is required", await FailsWith(StatusCode.InvalidArgument, () =>
            Liaison.CreateFacilityAsync(With(f => f.Notification = new SiteNotification { NotifiedOn = start })).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("operator_id: no organisation 'org-nobody'", await FailsWith(StatusCode.NotFound, () => Liaison.CreateFacilityAsync(With(f => f.OperatorId = "org-nobody")).ResponseAsync), StringComparison.Ordinal);
        // A map field (the tags) goes through the same NUL check as every text: named, never a crash.
        Assert.StartsWith("tags['opening_hours']: contains a NUL", await FailsWith(StatusCode.InvalidArgument, () =>
            Liaison.CreateFacilityAsync(With(f => f.Tags.Add("opening_hours", "24/7\0"))).ResponseAsync), StringComparison.Ordinal);
        var created = await Liaison.CreateFacilityAsync(Good());
        Assert.StartsWith("expected_version: ", await FailsWith(StatusCode.Aborted, () =>
            Liaison.UpdateFacilityAsync(new UpdateFacilityRequest { Facility = With(f => f.Name = "Renamed"), ExpectedVersion = created.Version + 5 }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("types[0]: ", await FailsWith(StatusCode.InvalidArgument, () =>
            Api.As(Role.Analyst).Civilian.ListFacilitiesAsync(new ListFacilitiesRequest { Types_ = { (FacilityType)77 } }).ResponseAsync), StringComparison.Ordinal);
    }
}
