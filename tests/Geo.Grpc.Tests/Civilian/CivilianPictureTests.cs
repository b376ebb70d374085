using System.Text;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Google.Protobuf;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Civilian;

/// <summary>
/// The civilian picture end to end: a 3W sheet written by the HXL standard's rules (not by our
/// exporter) imported, exported and imported again unchanged; each record shared only as far as
/// its level and the caller's role allow, attacked as a hostile analyst would; bad sheets and bad
/// requests refused with the row or field named and nothing stored.
/// </summary>
public sealed class CivilianPictureTests(CivilianPictureTests.CivilianFixture fixture) : IClassFixture<CivilianPictureTests.CivilianFixture>
{
    /// <summary>The areas and the sheet, loaded once by the liaison.</summary>
    public sealed class CivilianFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public ImportPresenceReport Imported { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            var liaison = Api.As(Role.HumanitarianLiaison).Civilian;
            await liaison.PutAdminAreaAsync(new AdminArea { Pcode = "CD61", Name = "Nord-Kivu", Level = 1, Area = Box(28.5, -2.0, 29.9, -0.5) });
            await liaison.PutAdminAreaAsync(new AdminArea { Pcode = "CD6101", Name = "Beni", Level = 2, ParentPcode = "CD61", Area = Box(29.2, -0.8, 29.6, -0.4) });
            Imported = await liaison.ImportPresenceAsync(new ImportPresenceRequest { Csv = ByteString.CopyFromUtf8(Sheet), DefaultSharing = SharingLevel.Mission });
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    /// <summary>
    /// A 3W sheet as an OCHA office writes it: a title line, the header row, the HXL hashtag row
    /// under it (attributes in any order and spacing), a column the service does not know.
    /// </summary>
    internal const string Sheet =
        "3W Nord-Kivu, October 2026,,,,,,,,,,,,\r\n" +
        "Organisation,Acronym,Type,Cluster,Activity,Province,Territory,Place,Lat,Long,Status,Start,End,Girls,Boys,Women,Men,Total targeted,Sharing,Contact\r\n" +
        "#org +name,#org +acronym,#org+type,#sector,#activity,#adm1 +code,#adm2+code,#loc +name,#geo+lat,#geo+lon,#status,#date +start,#date+end,#targeted +f +children,#targeted+m+children,#targeted +f +adults,#targeted+adults+m,#targeted+total,#meta+sharing,#contact+email\r\n" +
        "United Nations Children's Fund,UNICEF,UN Agency,WASH,Water trucking,CD61,CD6101,Beni town,,,Ongoing,2026-09-01,,120,110,80,40,350,,wash@example.org\r\n" +
        "Médecins Sans Frontières,MSF,INGO,Health,\"Mobile clinic, 3 days a week\",CD61,,Oicha,0.7012,29.5134,Ongoing,2026-08-15,2026-12-31,,,,,900,public,\r\n" +
        "Solidarité Femmes Kivu,SOFEKI,NNGO,Protection,GBV case management,CD61,CD6101,Mavivi,,,Planned,2026-11-01,,30,,45,,75,liaison-only,\r\n" +
        "Solidarité Femmes Kivu,SOFEKI,NNGO,Protection,Safe spaces,CD61,,Butembo,0.1412,29.2911,Ongoing,2026-10-01,,10,,20,,30,liaison-only,\r\n";

    private ApiFixture Api => fixture.Api;

    private CivilianPicture.CivilianPictureClient Liaison => Api.As(Role.HumanitarianLiaison).Civilian;

    [Fact]
    public void TheSheet_ImportsEveryRow_CreatesItsOrganisations_AndReportsTheColumnItDoesNotKnow()
    {
        var report = fixture.Imported;
        Assert.Empty(report.Problems);
        Assert.Equal((4, 4, 0, 0, 3), (report.Rows, report.Created, report.Updated, report.Unchanged, report.OrganisationsCreated));
        Assert.Contains(report.IgnoredColumns, c => c.StartsWith("#contact+email (column 20, \"Contact\")", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheSheet_RoundTrips_ImportExportImport_ChangesNothing()
    {
        var before = await AllAsync(Role.HumanitarianLiaison);
        var exported = await ExportAsync(Role.HumanitarianLiaison, wholeMission: true);
        var lines = exported.Split("\r\n");
        Assert.StartsWith("Organisation,Acronym,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("#org+name,#org+acronym,#org+type,", lines[1], StringComparison.Ordinal);
        // UNICEF's place is the adm2 area CD6101: written with its name and its adm1, as a 3W sheet has them.
        Assert.Contains(lines, l => l.Contains(",CD61,Nord-Kivu,CD6101,Beni,Beni town,", StringComparison.Ordinal));

        var again = await Liaison.ImportPresenceAsync(new ImportPresenceRequest { Csv = ByteString.CopyFromUtf8(exported) });

        Assert.Empty(again.Problems);
        // Other tests of the class may have added records: all of them come back unchanged.
        Assert.Equal((0, 0, again.Rows, 0), (again.Created, again.Updated, again.Unchanged, again.OrganisationsCreated));
        Assert.True(again.Rows >= 4);
        Assert.Equal(before, await AllAsync(Role.HumanitarianLiaison));
        var msf = before.Single(p => p.OrganisationAcronym == "MSF" && !p.Id.StartsWith("pres-req", StringComparison.Ordinal));
        Assert.Equal((0.7012, 29.5134), (msf.Location.Point.Latitude, msf.Location.Point.Longitude));
        Assert.Equal("Mobile clinic, 3 days a week", msf.Activity);
        var unicef = before.Single(p => p.OrganisationAcronym == "UNICEF");
        Assert.Equal("CD6101", unicef.Pcode);
        Assert.Equal(350, unicef.TargetedTotal);
        Assert.Equal(120, unicef.Targeted.Single(c => c.Sex == Sex.Female && c.AgeGroup == AgeGroup.Child).Count);
        Assert.Equal(SharingLevel.Mission, unicef.Sharing);
    }

    [Fact]
    public async Task AdminAreaNames_AreRead_NotReportedAsUnknown_AndNameThePlaceWhenTheSheetGivesNoLocationName()
    {
        const string Csv = "#org+name,#org+type,#sector,#date+start,#adm1+code,#adm1+name,#adm2+code,#adm2+name\r\n" +
            "Adm Names NGO,NNGO,Education,2026-02-01,CD61,Nord-Kivu,CD6101,Beni\r\n";

        var report = await Liaison.ImportPresenceAsync(new ImportPresenceRequest { Csv = ByteString.CopyFromUtf8(Csv), DefaultSharing = SharingLevel.Mission });

        Assert.Empty(report.Problems);
        Assert.Empty(report.IgnoredColumns);
        var record = (await AllAsync(Role.HumanitarianLiaison)).Single(p => p.OrganisationName == "Adm Names NGO");
        Assert.Equal(("CD6101", "Beni"), (record.Pcode, record.LocationName));
    }

    [Theory]
    [InlineData(Role.HumanitarianLiaison, 4, 3)]
    [InlineData(Role.UnCimicOfficer, 4, 3)]
    [InlineData(Role.Analyst, 2, 2)]
    [InlineData(Role.Planner, 2, 2)]
    [InlineData(Role.Supervisor, 2, 2)]
    public async Task EachRole_ReadsInFull_OnlyWhatItsLevelAllows(Role role, int presence, int organisations)
    {
        var listed = await AllAsync(role);
        var orgs = await Api.As(role).Civilian.ListOrganisationsAsync(new ListOrganisationsRequest());
        var exported = await ExportAsync(role);

        // Counted on the sheet's organisations: other tests of the class add their own.
        string[] sheet = ["org-unicef", "org-msf", "org-sofeki"];
        Assert.Equal(presence, listed.Count(p => sheet.Contains(p.OrganisationId) && !p.Id.StartsWith("pres-req", StringComparison.Ordinal)));
        Assert.Equal(organisations, orgs.Organisations.Count(o => sheet.Contains(o.Id)));
        Assert.Equal(presence, exported.Split("\r\n").Count(l => !l.Contains("pres-req", StringComparison.Ordinal)
            && (l.Contains(",UNICEF,", StringComparison.Ordinal) || l.Contains(",MSF,", StringComparison.Ordinal) || l.Contains(",SOFEKI,", StringComparison.Ordinal))));
        if (role is not (Role.HumanitarianLiaison or Role.UnCimicOfficer))
        {
            // Nothing of the liaison-only organisation, by name, acronym or place, in anything it gets.
            foreach (var text in new[] { exported, string.Concat(listed.Select(p => p.ToString())), orgs.ToString() })
            {
                Assert.DoesNotContain("SOFEKI", text, StringComparison.Ordinal);
                Assert.DoesNotContain("Solidarit", text, StringComparison.Ordinal);
                Assert.DoesNotContain("Mavivi", text, StringComparison.Ordinal);
                Assert.DoesNotContain("29.2911", text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task ALiaisonOnlyRecord_IsNotFound_ForOthers_ExactlyAsAnUnknownId()
    {
        var hidden = (await AllAsync(Role.HumanitarianLiaison)).First(p => p.OrganisationAcronym == "SOFEKI");
        var analyst = Api.As(Role.Analyst).Civilian;

        var forHidden = await FailsWith(StatusCode.NotFound, () => analyst.GetPresenceAsync(new GetByIdRequest { Id = hidden.Id }).ResponseAsync);
        var forUnknown = await FailsWith(StatusCode.NotFound, () => analyst.GetPresenceAsync(new GetByIdRequest { Id = "pres-nosuch" }).ResponseAsync);

        Assert.Equal(forUnknown.Replace("pres-nosuch", hidden.Id, StringComparison.Ordinal), forHidden);
        await FailsWith(StatusCode.NotFound, () => analyst.GetOrganisationAsync(new GetByIdRequest { Id = hidden.OrganisationId }).ResponseAsync);
        Assert.Equal(hidden.Id, (await Api.As(Role.UnCimicOfficer).Civilian.GetPresenceAsync(new GetByIdRequest { Id = hidden.Id })).Id);
    }

    [Fact]
    public async Task AMissionRecordOfALiaisonOnlyOrganisation_IsSharedNoFurtherThanItsOrganisation()
    {
        var organisation = await Liaison.CreateOrganisationAsync(new Organisation
        {
            Id = "org-quiet", Name = "Quiet Partner", Kind = OrganisationKind.NationalNgo, Humanitarian = true, Sharing = SharingLevel.LiaisonOnly,
        });
        var record = await Liaison.CreatePresenceAsync(new OperationalPresence
        {
            Id = "pres-quiet-1", OrganisationId = organisation.Id, Sector = Cluster.Education, Activity = "Temporary learning spaces", Pcode = "CD6101",
            Start = new CalendarDate { Year = 2026, Month = 10, Day = 1 }, Status = PresenceStatus.Ongoing, Sharing = SharingLevel.Public,
        });

        await FailsWith(StatusCode.NotFound, () => Api.As(Role.Planner).Civilian.GetPresenceAsync(new GetByIdRequest { Id = record.Id }).ResponseAsync);
        Assert.DoesNotContain(await AllAsync(Role.Planner), p => p.Id == record.Id);
        Assert.Equal("Quiet Partner", (await Liaison.GetPresenceAsync(new GetByIdRequest { Id = record.Id })).OrganisationName);
    }

    /// <summary>
    /// An analyst who knows roughly where a liaison-only record is draws ever smaller boxes to find
    /// it: every box inside one grid cell gets the counts of the whole cell, so bisecting stops at
    /// the cell (0.25 degrees), and no answer carries a name or a point.
    /// </summary>
    [Fact]
    public async Task Summaries_CountEveryRecordByWholeCells_SoBisectingCannotLocateALiaisonOnlyOne()
    {
        var analyst = Api.As(Role.Analyst).Civilian;
        async Task<List<PresenceCell>> CellsAsync(double west, double south, double east, double north)
        {
            var request = new SummarizePresenceRequest { Area = new Area { Bbox = new BoundingBox { West = west, South = south, East = east, North = north } } };
            request.Sectors.Add(Cluster.Protection);
            return [.. (await analyst.SummarizePresenceAsync(request)).Cells];
        }

        // Butembo's safe spaces, liaison-only, at (29.2911, 0.1412): the cell is [29.25, 29.5] x [0, 0.25].
        var tiny = await CellsAsync(29.2910, 0.1411, 29.2912, 0.1413);
        var elsewhereInTheCell = await CellsAsync(29.45, 0.01, 29.46, 0.02);
        var wholeCell = await CellsAsync(29.25, 0.0, 29.5, 0.25);

        var cell = Assert.Single(tiny);
        Assert.Equal((1, 1, Cluster.Protection), (cell.Organisations, cell.Records, cell.Sector));
        Assert.Equal((29.25, 0.0, 29.5, 0.25), (cell.Cell.West, cell.Cell.South, cell.Cell.East, cell.Cell.North));
        Assert.Equal(tiny, elsewhereInTheCell);
        Assert.Equal(tiny, wholeCell);
        Assert.DoesNotContain("SOFEKI", string.Concat(tiny.Select(c => c.ToString())), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no hashtag row", "Organisation,Sector\r\nMSF,Health\r\n", 0, "hashtag row", "no HXL hashtag row")]
    [InlineData("misspelt hashtag", "#org+name,#org+type,#sectr,#date+start,#adm1+code\r\nX,INGO,Health,2026-01-01,CD61\r\n", 1, "#sector", "is required")]
    [InlineData("unknown sector", "#org+name,#org+type,#sector,#date+start,#adm1+code\r\nX,INGO,Astrology,2026-01-01,CD61\r\n", 2, "#sector", "'Astrology' is not a sector")]
    [InlineData("unknown P-code", "#org+name,#org+type,#sector,#date+start,#adm2+code\r\nX,INGO,Health,2026-01-01,CD9999\r\n", 2, "#adm1+code or #adm2+code", "'CD9999' matches no administrative area")]
    [InlineData("latitude out of range", "#org+name,#org+type,#sector,#date+start,#geo+lat,#geo+lon\r\nX,INGO,Health,2026-01-01,91,29\r\n", 2, "#geo+lat", "'91' is not a number between -90 and 90")]
    [InlineData("end before start", "#org+name,#org+type,#sector,#date+start,#date+end,#adm1+code\r\nX,INGO,Health,2026-05-01,2026-04-01,CD61\r\n", 2, "#date+end", "2026-04-01 is before start 2026-05-01")]
    [InlineData("bad date", "#org+name,#org+type,#sector,#date+start,#adm1+code\r\nX,INGO,Health,01/05/2026,CD61\r\n", 2, "#date+start", "'01/05/2026' is not a date as YYYY-MM-DD")]
    [InlineData("new organisation without its kind", "#org+name,#sector,#date+start,#adm1+code\r\nNobody Known,Health,2026-01-01,CD61\r\n", 2, "#org+type", "is a new organisation here")]
    [InlineData("unknown status", "#org+name,#org+type,#sector,#date+start,#adm1+code,#status\r\nX,INGO,Health,2026-01-01,CD61,Dormant\r\n", 2, "#status", "'Dormant' is not a status")]
    public async Task ABadSheet_IsRefused_NamingTheRowAndColumn_AndNothingIsStored(string what, string csv, int line, string column, string message)
    {
        _ = what;
        var before = (await AllAsync(Role.HumanitarianLiaison)).Count;
        // A good row first: it must not be stored either.
        var good = csv.Contains("#org+type", StringComparison.Ordinal) && line == 2 ? csv.Replace("\r\nX,", "\r\nGood Org,", StringComparison.Ordinal) : csv;

        var report = await Liaison.ImportPresenceAsync(new ImportPresenceRequest { Csv = ByteString.CopyFromUtf8(good) });

        var problem = Assert.Single(report.Problems);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.Created);
        Assert.Equal(before, (await AllAsync(Role.HumanitarianLiaison)).Count);
    }

    [Fact]
    public async Task ABadRowAmongGoodOnes_StoresNothing_AndEveryBadRowIsReported()
    {
        var before = (await AllAsync(Role.HumanitarianLiaison)).Count;
        const string csv = "#org+name,#org+type,#sector,#date+start,#adm1+code\r\nAlpha Aid,INGO,Health,2026-01-01,CD61\r\nBeta Aid,INGO,Astrology,2026-01-01,CD61\r\nGamma Aid,INGO,Health,2026-01-01,ZZ1\r\n";

        var report = await Liaison.ImportPresenceAsync(new ImportPresenceRequest { Csv = ByteString.CopyFromUtf8(csv) });

        Assert.Equal([3, 4], report.Problems.Select(p => p.Line));
        Assert.Equal(before, (await AllAsync(Role.HumanitarianLiaison)).Count);
        await FailsWith(StatusCode.NotFound, () => Liaison.GetOrganisationAsync(new GetByIdRequest { Id = "org-alpha-aid" }).ResponseAsync);
    }

    [Fact]
    public async Task Requests_WithBadFields_AreRefusedNamingTheField()
    {
        var start = new CalendarDate { Year = 2026, Month = 3, Day = 1 };
        OperationalPresence Good() => new()
        {
            Id = "pres-req-1", OrganisationId = "org-msf", Sector = Cluster.Health, Activity = "Clinic", Location = new Shape { Point = new GeoPoint { Longitude = 29.3, Latitude = -0.6 } },
            Start = start, Status = PresenceStatus.Ongoing, Sharing = SharingLevel.Mission,
        };
        Assert.StartsWith("end: ", await FailsWith(StatusCode.InvalidArgument, () => Liaison.CreatePresenceAsync(With(Good(), p => p.End = new CalendarDate { Year = 2026, Month = 2, Day = 1 })).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("sector: ", await FailsWith(StatusCode.InvalidArgument, () => Liaison.CreatePresenceAsync(With(Good(), p => p.Sector = (Cluster)99)).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("sharing: is required", await FailsWith(StatusCode.InvalidArgument, () => Liaison.CreatePresenceAsync(With(Good(), p => p.Sharing = SharingLevel.Unspecified)).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("organisation_id: no organisation 'org-nosuch'", await FailsWith(StatusCode.NotFound, () => Liaison.CreatePresenceAsync(With(Good(), p => p.OrganisationId = "org-nosuch")).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("pcode: no administrative area 'CD0000'", await FailsWith(StatusCode.NotFound, () => Liaison.CreatePresenceAsync(With(Good(), p => p.Pcode = "CD0000")).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("pcode: ", await FailsWith(StatusCode.InvalidArgument, () => Liaison.CreatePresenceAsync(With(Good(), p => p.Pcode = "CD 61; DROP")).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("area: ", await FailsWith(StatusCode.InvalidArgument, () => Liaison.PutAdminAreaAsync(new AdminArea { Pcode = "CD62", Name = "Sud-Kivu", Level = 1 }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("area: is required", await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Analyst).Civilian.SummarizePresenceAsync(new SummarizePresenceRequest()).ResponseAsync), StringComparison.Ordinal);

        // Found by the fuzz test: a NaN edge is named, never made into a geometry (it was UNKNOWN).
        var nan = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 30, North = double.NaN } };
        Assert.StartsWith("area.", await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Analyst).Civilian.ListPresenceAsync(new ListPresenceRequest { Area = nan }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("area.", await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Analyst).Civilian.SummarizePresenceAsync(new SummarizePresenceRequest { Area = nan }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("area.", await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Planner).Operations.ListOperationsAsync(new ListOperationsRequest { Area = nan }).ResponseAsync), StringComparison.Ordinal);

        var created = await Liaison.CreatePresenceAsync(Good());
        var updated = await Liaison.UpdatePresenceAsync(new UpdatePresenceRequest { Presence = With(Good(), p => p.Activity = "Clinic and outreach"), ExpectedVersion = created.Version });
        Assert.Equal(created.Version + 1, updated.Version);
        Assert.StartsWith("expected_version: ", await FailsWith(StatusCode.Aborted, () =>
            Liaison.UpdatePresenceAsync(new UpdatePresenceRequest { Presence = With(Good(), p => p.Activity = "stale"), ExpectedVersion = created.Version }).ResponseAsync), StringComparison.Ordinal);
        Assert.Equal("Clinic and outreach", (await Liaison.GetPresenceAsync(new GetByIdRequest { Id = created.Id })).Activity);
    }

    private static OperationalPresence With(OperationalPresence presence, Action<OperationalPresence> change)
    {
        change(presence);
        return presence;
    }

    private async Task<List<OperationalPresence>> AllAsync(Role role)
    {
        var all = new List<OperationalPresence>();
        var request = new ListPresenceRequest { PageSize = 2 };
        while (true)
        {
            var page = await Api.As(role).Civilian.ListPresenceAsync(request);
            all.AddRange(page.Presence);
            if (page.NextPageToken.Length == 0)
            {
                return all;
            }

            request.PageToken = page.NextPageToken;
        }
    }

    private async Task<string> ExportAsync(Role role, bool wholeMission = false)
    {
        using var call = Api.As(role).Civilian.ExportPresence(wholeMission
            ? new ExportPresenceRequest()
            : new ExportPresenceRequest { Area = new Area { Bbox = new BoundingBox { West = 28.5, South = -2, East = 29.9, North = 1 } } });
        var text = new StringBuilder();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            text.Append(chunk.Data.ToStringUtf8());
        }

        return text.ToString();
    }

    private static Shape Box(double west, double south, double east, double north) => new()
    {
        Wkt = FormattableString.Invariant($"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"),
    };
}
