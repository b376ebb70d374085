using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Cli;
using Google.Protobuf;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Estimates;

/// <summary>
/// The civil operational estimate (issue 20, part 5) on a small mission made so that every rule
/// has something to find: every figure is checked against the call it names, made again by the
/// test as the same role; the rules raise what was planted; sharing levels and withheld sections
/// hold; bad requests are refused naming the field; the HTTP page and the CLI serve the same.
/// </summary>
public sealed class CivilEstimateTests(CivilEstimateTests.EstimateFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<CivilEstimateTests.EstimateFixture>
{
    private static readonly BoundingBox Box = new() { West = 28.9, South = -1.5, East = 29.7, North = -0.9 };

    /// <summary>Where the clinic that is down stands, and where the threats rose.</summary>
    private const double ClinicLongitude = 29.30, ClinicLatitude = -1.10;

    private const string Hostile = "<script>alert(1)</script> Kibirizi";

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    private static readonly DateOnly First = Today.AddDays(-56);

    private static readonly DateOnly Last = Today.AddDays(-1);

    public sealed class EstimateFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            var random = new Random(2020);
            double Lon() => Box.West + 0.02 + (random.NextDouble() * (Box.East - Box.West - 0.04));
            double Lat() => Box.South + 0.02 + (random.NextDouble() * (Box.North - Box.South - 0.04));
            var planner = Api.As(Role.Planner).Registry;
            for (var i = 0; i < 30; i++)
            {
                await planner.CreateCommunityAsync(new Community
                {
                    Id = $"est-c-{i:D2}", Name = i == 3 ? Hostile : $"Est village {i}", RiskLevel = (RiskLevel)(1 + (i % 4)), Location = Point(Lon(), Lat()),
                    HasProtectionCommittee = i % 5 == 0, HasCanFocalPoint = i % 7 == 0,
                    Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Child, Count = 10 + i }, new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 5 + i } },
                });
            }

            await planner.CreateCommunityAsync(new Community { Id = "est-outside", Name = "Outside", RiskLevel = RiskLevel.High, Location = Point(30.2, -1.2) });
            await planner.CreateCommunityAsync(new Community { Id = "est-far", Name = "Far village", RiskLevel = RiskLevel.Critical, Location = Point(29.62, -0.95) });
            await planner.CreateCommunityAsync(new Community { Id = "est-far-2", Name = "Far village 2", RiskLevel = RiskLevel.High, Location = Point(29.65, -1.45) });

            // A staffed base of two men (no woman: the women-and-girls gap), an unstaffed one, and one outside the area.
            foreach (var (id, kind, lon) in new[] { ("ob-est", BaseKind.OperatingBase, 29.1), ("cob-est-empty", BaseKind.CompanyOperatingBase, 29.5), ("ob-est-outside", BaseKind.OperatingBase, 30.3) })
            {
                await planner.CreateBaseAsync(new Base { Id = id, Name = id, Kind = kind, Location = new GeoPoint { Longitude = lon, Latitude = id == "cob-est-empty" ? -1.3 : -1.2 }, OpenedOn = Date(2025, 1, 1) });
            }

            foreach (var cla in new[] { "cla-est-1", "cla-est-2" })
            {
                await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment { Id = "dep-" + cla, ClaId = cla, Sex = Sex.Male, BaseId = "ob-est", From = Date(2025, 1, 1) });
            }

            var liaison = Api.As(Role.HumanitarianLiaison).Civilian;
            var recent = ToDate(Today.AddDays(-10));
            await liaison.CreateFacilityAsync(new Facility
            {
                Id = "est-clinic-down", Name = "Clinic down", Type = FacilityType.Clinic, Status = FacilityStatus.NotFunctional, Sharing = SharingLevel.Mission,
                Location = Point(ClinicLongitude, ClinicLatitude), LastConfirmedOn = recent,
            });
            await liaison.CreateFacilityAsync(new Facility
            {
                Id = "est-school-notified", Name = "Notified school", Type = FacilityType.School, Status = FacilityStatus.Functional, Sharing = SharingLevel.Mission,
                Location = Point(29.2, -1.3), Notification = new SiteNotification { NotifiedOn = Date(2026, 6, 1), NotifiedTo = "parties via OCHA" },
            });
            await liaison.CreateFacilityAsync(new Facility
            {
                Id = "est-hosp-secret", Name = "Secret hospital", Type = FacilityType.Hospital, Status = FacilityStatus.Functional, Sharing = SharingLevel.LiaisonOnly,
                Location = Point(29.4, -1.2),
            });
            for (var i = 0; i < 40; i++)
            {
                await liaison.CreateFacilityAsync(new Facility
                {
                    Id = $"est-f-{i:D2}", Name = $"Est site {i}", Type = (FacilityType)(1 + (i % 14)), Status = (FacilityStatus)(1 + (i % 4)), Sharing = SharingLevel.Mission,
                    Location = i == 0 ? Point(30.2, -1.2) : Point(Lon(), Lat()), LastConfirmedOn = i % 4 == 0 ? null : recent,
                });
            }

            await liaison.CreateOrganisationAsync(new Organisation { Id = "org-est-ngo", Name = "Open NGO", Kind = OrganisationKind.NationalNgo, Sharing = SharingLevel.Mission });
            await liaison.CreateOrganisationAsync(new Organisation { Id = "org-est-secret", Name = "Secret NGO", Kind = OrganisationKind.NationalNgo, Sharing = SharingLevel.LiaisonOnly });
            await liaison.CreatePresenceAsync(new OperationalPresence
            {
                Id = "pres-est-open", OrganisationId = "org-est-ngo", Sector = Cluster.Protection, Activity = "Protection monitoring", Location = Point(29.625, -0.955),
                Start = Date(2026, 1, 1), Status = PresenceStatus.Ongoing, Sharing = SharingLevel.Mission,
            });
            await liaison.CreatePresenceAsync(new OperationalPresence
            {
                Id = "pres-est-secret", OrganisationId = "org-est-secret", Sector = Cluster.Health, Activity = "Mobile clinic", Location = Point(29.645, -1.445),
                Start = Date(2026, 1, 1), Status = PresenceStatus.Ongoing, Sharing = SharingLevel.LiaisonOnly,
            });

            var cimic = Api.As(Role.UnCimicOfficer).Civilian;
            for (var i = 0; i < 4; i++)
            {
                await cimic.CreateQipAsync(new QuickImpactProject
                {
                    Id = $"qip-est-{i}", Title = $"Well {i}", Sector = i % 2 == 0 ? Cluster.Wash : Cluster.Education, BudgetUsd = 1000, PlannedCompletion = Date(2027, 3, 1),
                    Scope = new CivilWorkScope { Location = i == 3 ? new GeoPoint { Longitude = 30.2, Latitude = -1.2 } : new GeoPoint { Longitude = Lon(), Latitude = Lat() } },
                });
            }

            for (var i = 0; i < 2; i++)
            {
                await cimic.CreateAssistanceRequestAsync(new CivilAssistanceRequest
                {
                    Id = $"car-est-{i}", Title = "Bridge repair", Description = "Engineers for the bridge", NeededFrom = Date(2027, 1, 8), NeededTo = Date(2027, 1, 10),
                    Scope = new CivilWorkScope { Location = new GeoPoint { Longitude = Lon(), Latitude = Lat() } },
                });
            }

            // Threats: six against women and girls around the clinic this period, one there in the
            // previous period, and sixty spread over both periods and the area (and a few outside).
            var now = DateTimeOffset.UtcNow;
            string At(int daysAgo) => now.AddDays(-daysAgo).ToString("O", CultureInfo.InvariantCulture);
            var observations = new List<Observation>();
            for (var i = 0; i < 6; i++)
            {
                observations.Add(NewObservation($"est-clinic-{i}", ClinicLongitude + (0.001 * i), ClinicLatitude + (0.001 * i), At(5 + (4 * i))));
            }

            observations.Add(NewObservation("est-clinic-before", ClinicLongitude, ClinicLatitude, At(80)));
            var categories = new[] { Category.ThreatOfPhysicalViolence, Category.ArmedGroupMovement, Category.Displacement, Category.InformationHarm };
            for (var i = 0; i < 60; i++)
            {
                var o = NewObservation($"est-r-{i:D2}", Lon(), Lat(), At(2 + (i * 108 / 60)));
                o.Category = categories[i % categories.Length];
                o.Affected.Clear();
                o.Affected.Add(new AffectedCount { Sex = i % 2 == 0 ? Sex.Male : Sex.Female, AgeGroup = i % 3 == 0 ? AgeGroup.Child : AgeGroup.Adult, Count = 1 + (i % 5) });
                observations.Add(o);
            }

            observations.Add(NewObservation("est-outside", 30.25, -1.2, At(10)));
            await Api.SubmitAsync([.. observations]);
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ApiFixture Api => fixture.Api;

    private static CivilEstimateRequest Request() => new() { Bbox = Box, From = ToDate(First), To = ToDate(Last) };

    public static TheoryData<Role> Readers() => [Role.Supervisor, Role.Analyst, Role.Planner, Role.UnCimicOfficer, Role.HumanitarianLiaison];

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task EveryFigure_EqualsTheAnswerOfTheCallItNames_MadeAgainAsTheSameRole(Role role)
    {
        var client = Api.As(role);
        var estimate = await client.CivilEstimates.GetCivilEstimateAsync(Request());

        Assert.Equal(Box, estimate.Bbox);
        Assert.Equal((ToDate(First), ToDate(Last)), (estimate.From, estimate.To));
        if (estimate.Situation is { } situation)
        {
            var source = Assert.Single(situation.Sources);
            var all = await PagesAsync(source, client, async (ListRequest r) =>
            {
                var page = await client.Registry.ListCommunitiesAsync(r);
                return (page.Communities, page.NextPageToken);
            });
            var inside = all.Where(c => Holds(c.Centroid)).ToList();
            Assert.Equal(inside.Count, situation.Communities);
            Assert.Equal(30 + 2, situation.Communities);
            Assert.Equal(inside.GroupBy(c => c.RiskLevel).ToDictionary(g => g.Key, g => g.Count()), situation.ByRisk.ToDictionary(r => r.RiskLevel, r => r.Communities));
            Assert.Equal(inside.Sum(c => c.Population.Sum(p => (long)p.Count)), situation.PopulationTotal);
            Assert.Equal(inside.SelectMany(c => c.Population).Where(p => p.Sex == Sex.Female && p.AgeGroup == AgeGroup.Child).Sum(p => p.Count),
                situation.Population.Single(p => p.Sex == Sex.Female && p.AgeGroup == AgeGroup.Child).Count);
            Assert.Equal(inside.Where(c => c.RiskLevel >= RiskLevel.Medium).Select(c => c.Id).Order(StringComparer.Ordinal), situation.AtRisk.Select(c => c.Id).Order(StringComparer.Ordinal));
        }

        if (estimate.Actors is { } actors)
        {
            var summary = await client.Civilian.SummarizePresenceAsync(Parse<SummarizePresenceRequest>(actors.Sources[0], "/geoawareness.v1.CivilianPicture/SummarizePresence"));
            Assert.Equal(summary.Cells.GroupBy(c => c.Sector).ToDictionary(g => g.Key, g => (g.Sum(c => c.Records), g.Sum(c => c.Organisations))),
                actors.Sectors.ToDictionary(s => s.Sector, s => (s.Records, s.OrganisationCells)));
            var facilities = await PagesAsync(actors.Sources[1], client, async (ListFacilitiesRequest r) =>
            {
                var page = await client.Civilian.ListFacilitiesAsync(r);
                return (page.Facilities, page.NextPageToken);
            });
            Assert.Equal(facilities.Count, actors.FacilitiesTotal);
            Assert.Equal(
                facilities.GroupBy(f => (f.Type, f.Status)).ToDictionary(g => g.Key, g => (g.Count(), g.Count(f => f.Confirmation != Confirmation.Current), g.Count(f => f.Notification is not null))),
                actors.Facilities.ToDictionary(f => (f.Type, f.Status), f => (f.Facilities, f.StaleOrUnconfirmed, f.Notified)));
        }

        if (estimate.Threats is { } threats)
        {
            var now = await client.Observations.SummarizeAsync(Parse<ObservationFilter>(threats.Sources[0], "/geoawareness.v1.Observations/Summarize"));
            var before = await client.Observations.SummarizeAsync(Parse<ObservationFilter>(threats.Sources[1], "/geoawareness.v1.Observations/Summarize"));
            Assert.Equal(now.Withheld ? (long?)null : now.Observations, threats.HasObservations ? threats.Observations : null);
            Assert.Equal(before.Withheld ? (long?)null : before.Observations, threats.HasPreviousObservations ? threats.PreviousObservations : null);
            Assert.Equal(now.ByCategory.Where(c => !c.Withheld).ToDictionary(c => c.Category, c => c.Observations),
                threats.ByCategory.Where(c => c.HasObservations).ToDictionary(c => c.Category, c => c.Observations));
            Assert.Equal(before.ByCategory.Where(c => !c.Withheld).ToDictionary(c => c.Category, c => c.Observations),
                threats.ByCategory.Where(c => c.HasPreviousObservations).ToDictionary(c => c.Category, c => c.PreviousObservations));
            Assert.Equal(now.ByGroup.Where(g => !g.Withheld).ToDictionary(g => (g.Sex, g.AgeGroup), g => g.Observations),
                threats.ByGroup.Where(g => g.HasObservations).ToDictionary(g => (g.Sex, g.AgeGroup), g => g.Observations));
            var hot = (await CellsAsync(client, Parse<HeatMapRequest>(threats.Sources[2], "/geoawareness.v1.HeatMaps/Compute"))).Where(c => c.HotSpot > 0).ToList();
            Assert.Equal(hot.Select(c => (c.Column, c.Row, c.Value, c.Count, c.HotSpot)), threats.HotSpots.Select(h => (h.Column, h.Row, h.ZScore, h.Observations, h.Confidence)));
            if (role == Role.Supervisor)
            {
                // The supervisor sees exact counts: 6 at the clinic + the spread ones of the period.
                Assert.True(threats.Observations >= 6, threats.ToString());
            }
        }

        if (estimate.Coverage is { } coverage)
        {
            var report = await client.Coverage.GetCoverageAsync(Parse<CoverageRequest>(coverage.Sources[0], "/geoawareness.v1.Coverage/GetCoverage"));
            var bases = report.Bases.Where(b => Holds(b.Base.Location)).ToList();
            Assert.Equal(bases.Count, coverage.BasesInArea);
            Assert.Equal(2, coverage.BasesInArea);
            Assert.Equal(bases.Where(b => b.Gaps.Count > 0).Select(b => (b.Base.Id, string.Join(",", b.Gaps))), coverage.Bases.Select(b => (b.Id, string.Join(",", b.Gaps))));
            Assert.Equal(report.CommunitiesOutOfReach.Where(c => Holds(c.Centroid)), coverage.CommunitiesOutOfReach);
            var gaps = await client.Coverage.GetGroupGapsAsync(Parse<GroupGapsRequest>(coverage.Sources[1], "/geoawareness.v1.Coverage/GetGroupGaps"));
            Assert.Equal(gaps.Cells.Select(c => (c.Cell.Column, c.Cell.Row, c.Cell.Value, c.NearestBaseId, string.Join(",", c.CommunityIds))),
                coverage.WomenAndGirlsGaps.Select(g => (g.Column, g.Row, g.ThreatValue, g.NearestBaseId, string.Join(",", g.CommunityIds))));
        }

        if (estimate.CivilWorks is { } works)
        {
            var qips = await PagesAsync(works.Sources[0], client, async (ListCivilWorksRequest r) =>
            {
                var page = await client.Civilian.ListQipsAsync(r);
                return (page.Projects, page.NextPageToken);
            });
            Assert.Equal(3, qips.Count);
            Assert.Equal(qips.GroupBy(q => (Word(q.State), q.Sector)).ToDictionary(g => g.Key, g => g.Count()), works.Qips.ToDictionary(q => (q.State, q.Sector), q => q.Count));
            var requests = await PagesAsync(works.Sources[1], client, async (ListCivilWorksRequest r) =>
            {
                var page = await client.Civilian.ListAssistanceRequestsAsync(r);
                return (page.Requests, page.NextPageToken);
            });
            Assert.Equal(requests.GroupBy(q => Word(q.State)).ToDictionary(g => g.Key, g => g.Count()), works.Requests.ToDictionary(q => q.State, q => q.Count));
        }

        // The findings' own sources: the partners listed around a community, and the cells of the threat change.
        foreach (var finding in estimate.Opportunities.Where(f => f.Rule == "partner-where-no-team-reaches"))
        {
            var listed = await client.Civilian.ListPresenceAsync(Parse<ListPresenceRequest>(Assert.Single(finding.Sources), "/geoawareness.v1.CivilianPicture/ListPresence"));
            Assert.Equal(listed.Presence.Where(p => p.Status != PresenceStatus.Finished).Select(p => p.Id), finding.EvidenceIds.Skip(1));
        }

        foreach (var finding in estimate.Risks.Where(f => f.Rule == "health-facility-down-where-threats-rose"))
        {
            Assert.Equal(2, finding.Sources.Count);
            var now = await CellsAsync(client, Parse<HeatMapRequest>(finding.Sources[0], "/geoawareness.v1.HeatMaps/Compute"));
            var before = await CellsAsync(client, Parse<HeatMapRequest>(finding.Sources[1], "/geoawareness.v1.HeatMaps/Compute"));
            var cell = now.Single(c => Inside(c, finding.At));
            var previous = before.SingleOrDefault(c => (c.Column, c.Row) == (cell.Column, cell.Row));
            Assert.True(cell.Value > (previous?.Value ?? 0), $"{finding.Summary}: {cell.Value} after {previous?.Value}");
        }

        Assert.Equal(6, estimate.Rules.Count);
        Assert.Equal(estimate.Rules.Where(r => r.Kind == FindingKind.Risk).Sum(r => r.Raised), estimate.Risks.Count);
        Assert.Equal(estimate.Rules.Where(r => r.Kind == FindingKind.Opportunity).Sum(r => r.Raised), estimate.Opportunities.Count);
    }

    [Fact]
    public async Task TheRules_RaiseWhatWasPlanted_EachFindingNamingItsRuleAndRecords()
    {
        // Threat-based rules on exact locations (a supervisor's): a coarsened caller's points are
        // displaced with the service's own secret, so which cell holds them is not the test's to know.
        var estimate = await Api.As(Role.Supervisor).CivilEstimates.GetCivilEstimateAsync(Request());

        IEnumerable<Finding> Raised(string rule) => estimate.Risks.Concat(estimate.Opportunities).Where(f => f.Rule == rule);
        var down = Assert.Single(Raised("health-facility-down-where-threats-rose"), f => f.EvidenceIds.SequenceEqual(["est-clinic-down"]));
        Assert.EndsWith("rose from 1 to 6", down.Summary, StringComparison.Ordinal);
        Assert.Equal(FindingKind.Risk, down.Kind);
        Assert.Contains("not functional", down.Summary, StringComparison.Ordinal);
        Assert.StartsWith("A hospital, clinic or health post", down.RuleText, StringComparison.Ordinal);

        var outOfReach = Raised("community-at-risk-out-of-reach").SelectMany(f => f.EvidenceIds).ToList();
        Assert.Contains("est-far", outOfReach);
        Assert.Contains("est-far-2", outOfReach);
        Assert.DoesNotContain("est-outside", outOfReach);
        Assert.Equal(estimate.Coverage.CommunitiesOutOfReach.Select(c => c.CommunityId), outOfReach);

        // Six threats against girls by the clinic, and no woman in any team within reach.
        Assert.NotEmpty(Raised("women-and-girls-without-female-cla"));
        Assert.Contains(estimate.Coverage.WomenAndGirlsGaps, g => g.ThreatValue >= 6);

        var unconfirmed = Raised("protected-site-unconfirmed").SelectMany(f => f.EvidenceIds).ToList();
        Assert.Contains("est-school-notified", unconfirmed);
        Assert.DoesNotContain("est-clinic-down", unconfirmed);

        var partners = Raised("partner-where-no-team-reaches").ToDictionary(f => f.EvidenceIds[0], f => f.EvidenceIds.Skip(1).ToList());
        Assert.Equal(["pres-est-open"], partners["est-far"]);
        Assert.All(Raised("partner-where-no-team-reaches"), f => Assert.Equal(FindingKind.Opportunity, f.Kind));

        var mechanisms = Raised("community-protection-mechanism").SelectMany(f => f.EvidenceIds).ToList();
        Assert.Equal(estimate.Situation.AtRisk.Select(c => c.Id).Where(id => int.TryParse(id.AsSpan(6), out var i) && (i % 5 == 0 || i % 7 == 0)).Order(StringComparer.Ordinal),
            mechanisms.Order(StringComparer.Ordinal));
        Assert.Empty(estimate.Withheld);
    }

    [Fact]
    public async Task SharingLevels_ApplyInsideTheEstimate_ALiaisonOnlyRecordNeverReachesAPlanner()
    {
        var planner = await Api.As(Role.Planner).CivilEstimates.GetCivilEstimateAsync(Request());
        var cimic = await Api.As(Role.UnCimicOfficer).CivilEstimates.GetCivilEstimateAsync(Request());

        Assert.Equal(cimic.Actors.FacilitiesTotal - 1, planner.Actors.FacilitiesTotal);
        var text = JsonFormatter.Default.Format(planner);
        foreach (var secret in new[] { "est-hosp-secret", "Secret hospital", "pres-est-secret", "org-est-secret", "Secret NGO" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        // The UN-CIMIC officer reads liaison-only records in full: the secret hospital is a site to
        // confirm, and the secret NGO a partner where no team reaches.
        Assert.Contains(cimic.Risks, f => f.Rule == "protected-site-unconfirmed" && f.EvidenceIds.Contains("est-hosp-secret"));
        Assert.Contains(cimic.Opportunities, f => f.Rule == "partner-where-no-team-reaches" && f.EvidenceIds.SequenceEqual(["est-far-2", "pres-est-secret"]));
        Assert.Contains("Secret NGO", JsonFormatter.Default.Format(cimic), StringComparison.Ordinal);
        // Counted, never named: the presence summary counts every record whatever its level, for both.
        Assert.Equal(cimic.Actors.Sectors, planner.Actors.Sectors);
        Assert.Contains(planner.Actors.Sectors, s => s.Sector == Cluster.Health && s.Records == 1);
    }

    [Fact]
    public async Task ARoleWithoutTheCallsOfASection_GetsItWithheld_NamingThePermission_AndNoRuleRaisesFromIt()
    {
        var estimate = await Api.As(Role.HumanitarianLiaison).CivilEstimates.GetCivilEstimateAsync(Request());

        Assert.Null(estimate.Situation);
        Assert.Null(estimate.Threats);
        Assert.Null(estimate.Coverage);
        Assert.NotNull(estimate.Actors);
        Assert.NotNull(estimate.CivilWorks);
        Assert.Equal(
            [("situation", "ReadRegistry"), ("threats", "ReadObservationSummaries"), ("coverage", "ReadCoverage")],
            estimate.Withheld.Select(w => (w.Section, w.Permission)));
        Assert.Equal(["protected-site-unconfirmed"], estimate.Risks.Select(r => r.Rule).Distinct());
        Assert.Empty(estimate.Opportunities);
        Assert.All(estimate.Rules.Where(r => r.Id != "protected-site-unconfirmed"), r => Assert.Equal(0, r.Raised));
    }

    [Fact]
    public async Task ACoarsenedCaller_AskingForATinyBoxAroundOneObservation_LearnsNothingOfIt()
    {
        // The isolated observation outside the area, alone in a box of a few hundred metres.
        var tiny = new CivilEstimateRequest { Bbox = new BoundingBox { West = 30.248, South = -1.202, East = 30.252, North = -1.198 }, From = ToDate(First), To = ToDate(Last) };

        var supervisor = await Api.As(Role.Supervisor).CivilEstimates.GetCivilEstimateAsync(tiny);
        var planner = await Api.As(Role.Planner).CivilEstimates.GetCivilEstimateAsync(tiny);
        var analyst = await Api.As(Role.Analyst).CivilEstimates.GetCivilEstimateAsync(tiny);

        Assert.Equal(1, supervisor.Threats.Observations);
        foreach (var coarse in new[] { planner, analyst })
        {
            Assert.False(coarse.Threats.HasObservations, coarse.Threats.ToString());
            Assert.All(coarse.Threats.ByCategory, c => Assert.False(c.HasObservations));
            Assert.All(coarse.Threats.ByGroup, g => Assert.False(g.HasObservations));
            Assert.Empty(coarse.Threats.HotSpots);
        }
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { """{"period":"2026-Q3"}""", "bbox" },
        { """{"bbox":{"west":29.5,"south":-1.5,"east":29.0,"north":-1.0},"period":"2026-Q3"}""", "bbox.west" },
        { """{"bbox":{"west":29.0,"south":-1.0,"east":29.5,"north":-1.5},"period":"2026-Q3"}""", "bbox.south" },
        { """{"bbox":{"west":"NaN","south":-1.5,"east":29.5,"north":-1.0},"period":"2026-Q3"}""", "bbox.west" },
        { """{"bbox":{"west":20.0,"south":-6.0,"east":29.5,"north":-1.0},"period":"2026-Q3"}""", "bbox" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0}}""", "period" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0},"period":"2026-W3"}""", "period" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0},"period":"2026-Q3","from":{"year":2026,"month":7,"day":1}}""", "from" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0},"from":{"year":2026,"month":7,"day":1},"to":{"year":2026,"month":6,"day":1}}""", "to" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0},"from":{"year":2026,"month":2,"day":30},"to":{"year":2026,"month":6,"day":1}}""", "from" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0},"from":{"year":2024,"month":1,"day":1},"to":{"year":2025,"month":6,"day":1}}""", "to" },
        { """{"bbox":{"west":29.0,"south":-1.5,"east":29.5,"north":-1.0},"period":"2199-Q1"}""", "period" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ABadRequest_IsRefusedNamingTheField(string json, string field)
    {
        var request = JsonParser.Default.Parse<CivilEstimateRequest>(json);

        var detail = await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Planner).CivilEstimates.GetCivilEstimateAsync(request).ResponseAsync);

        Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverHttp_TheJsonIsTheGrpcAnswer_AndThePageIsPrintableEscapedAndScriptFree()
    {
        using var http = new HttpClient();
        var query = $"?bbox=28.9,-1.5,29.7,-0.9&from={First:yyyy-MM-dd}&to={Last:yyyy-MM-dd}";
        using var json = await GetAsync(http, "/civoes" + query, Role.Planner);
        json.EnsureSuccessStatusCode();
        var overHttp = JsonParser.Default.Parse<CivilEstimate>(await json.Content.ReadAsStringAsync());
        var overGrpc = await Api.As(Role.Planner).CivilEstimates.GetCivilEstimateAsync(Request());
        overHttp.GeneratedAt = overGrpc.GeneratedAt;
        Assert.Equal(overGrpc, overHttp);

        using var page = await GetAsync(http, "/civoes.html" + query, Role.Planner);
        page.EnsureSuccessStatusCode();
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", string.Join(" ", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("@media print", html, StringComparison.Ordinal);
        foreach (var heading in new[] { "1. Civilian situation", "2. Civilian actors and facilities", "3. Threats and how they changed", "4. Coverage gaps", "5. Quick impact projects", "Risks", "Opportunities", "Sources" })
        {
            Assert.Contains(heading, html, StringComparison.Ordinal);
        }

        Assert.Contains("/geoawareness.v1.Observations/Summarize", html, StringComparison.Ordinal);
        Assert.Contains("Notified school", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; Kibirizi", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/civoes?bbox=28.9,-1.5,29.7&period=2026-Q3", "bbox")]
    [InlineData("/civoes?bbox=28.9,-1.5,29.7,-0.9&period=2026-Q3&cell=5", "cell")]
    [InlineData("/civoes?bbox=28.9,-1.5,29.7,-0.9&from=2026-13-01&to=2026-12-01", "from")]
    [InlineData("/civoes.html?period=2026-Q3", "bbox")]
    public async Task OverHttp_ABadParameter_Is400NamingIt(string route, string field)
    {
        using var http = new HttpClient();
        using var response = await GetAsync(http, route, Role.Planner);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCli_WritesThePage_AndPrintsTheSummary()
    {
        var file = Path.Combine(Path.GetTempPath(), $"civoes-{Guid.NewGuid():N}.html");
        try
        {
            var period = $"{First:yyyy-MM-dd}..{Last:yyyy-MM-dd}";
            var written = await CliRunner.RunAsync(Api.Service.GrpcEndpoint, Api.TokenOf(Role.UnCimicOfficer), "civoes", "--bbox", "28.9,-1.5,29.7,-0.9", "--period", period, "--html", file);
            Assert.True(written.ExitCode == 0, written.ToString());
            Assert.Contains("Civil Operational Estimate (CIV-OES)", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

            var summary = await CliRunner.RunAsync(Api.Service.GrpcEndpoint, Api.TokenOf(Role.Supervisor), "civoes", "--bbox", "28.9,-1.5,29.7,-0.9", "--period", period);
            Assert.True(summary.ExitCode == 0, summary.ToString());
            output.WriteLine(summary.Output);
            Assert.Contains("situation: 32 communities", summary.Output, StringComparison.Ordinal);
            Assert.Contains("risk\thealth-facility-down-where-threats-rose\tClinic down", summary.Output, StringComparison.Ordinal);

            var refused = await CliRunner.RunAsync(Api.Service.GrpcEndpoint, Api.TokenOf(Role.UnCimicOfficer), "civoes", "--bbox", "28.9,-1.5,29.7,-0.9", "--period", "2026-W3");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("period", refused.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<HttpResponseMessage> GetAsync(HttpClient http, string route, Role role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Api.Service.HttpEndpoint, route));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Api.TokenOf(role));
        return await http.SendAsync(request);
    }

    private static T Parse<T>(FigureSource source, string method)
        where T : IMessage<T>, new()
    {
        Assert.Equal(method, source.Method);
        return JsonParser.Default.Parse<T>(source.RequestJson);
    }

    /// <summary>Every page of a list call, from the request the source names.</summary>
    private static async Task<List<TItem>> PagesAsync<TRequest, TItem>(FigureSource source, GeoAwarenessClient client, Func<TRequest, Task<(Google.Protobuf.Collections.RepeatedField<TItem> Items, string Next)>> call)
        where TRequest : IMessage<TRequest>, new()
    {
        _ = client;
        var request = JsonParser.Default.Parse<TRequest>(source.RequestJson);
        var token = request.Descriptor.FindFieldByName("page_token");
        var all = new List<TItem>();
        while (true)
        {
            var (items, next) = await call(request);
            all.AddRange(items);
            if (next.Length == 0)
            {
                return all;
            }

            token.Accessor.SetValue(request, next);
        }
    }

    private static async Task<List<HeatMapCell>> CellsAsync(GeoAwarenessClient client, HeatMapRequest request)
    {
        var cells = new List<HeatMapCell>();
        using var call = client.HeatMaps.Compute(request);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            if (chunk.Cells is { } part)
            {
                cells.AddRange(part.Cells);
            }
        }

        return cells;
    }

    private static bool Inside(HeatMapCell cell, GeoPoint point)
    {
        var ring = Enumerable.Range(0, cell.Ring.Count / 2).Select(i => new NetTopologySuite.Geometries.Coordinate(cell.Ring[2 * i], cell.Ring[(2 * i) + 1])).ToList();
        ring.Add(ring[0]);
        return new NetTopologySuite.Geometries.GeometryFactory().CreatePolygon([.. ring]).Covers(new NetTopologySuite.Geometries.Point(point.Longitude, point.Latitude));
    }

    private static bool Holds(GeoPoint point) => point.Longitude >= Box.West && point.Longitude <= Box.East && point.Latitude >= Box.South && point.Latitude <= Box.North;

    private static string Word<T>(T state)
        where T : struct, Enum => state.ToString().ToLowerInvariant();

    private static Shape Point(double longitude, double latitude) => new() { Point = new GeoPoint { Longitude = longitude, Latitude = latitude } };

    private static CalendarDate Date(int year, int month, int day) => new() { Year = year, Month = month, Day = day };

    private static CalendarDate ToDate(DateOnly day) => Date(day.Year, day.Month, day.Day);
}
