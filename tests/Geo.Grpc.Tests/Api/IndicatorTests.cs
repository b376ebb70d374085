using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Api;
using Geo.Grpc.Hosting;
using Grpc.Core;
using Geo.Testing;
using Geo.Testing.Echo;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// CPAS indicators end to end on a small known mission, registered and reported through the API
/// on a service whose clock stands at 2026-10-15 09:30 UTC (so that Q3 is over and Q4 runs):
/// two sectors, Nord (20-21 E, 0-1 N) and Sud (0-1 S); in Nord an operating base with a mixed
/// team of three (one CLA in his own locality, one on temporary duty for five months) and a
/// company base with a lone female CLA; in Sud a company base with an all-male team of two (one
/// on six weeks' temporary duty), an empty temporary base, and a temporary base closed in August;
/// communities at risk in and out of reach; and the observations of the quarter, among them
/// early warnings answered in 10 h, in exactly 24 h, in 25 h and never, and information-harm
/// narratives with different targets. Exact numbers are read from a second service on the same
/// database with authentication off (the unscoped caller that sees exact counts); the roles
/// with indicators see small observation counts withheld, as their locations are coarsened.
/// </summary>
public sealed class IndicatorTests(IndicatorTests.MissionFixture mission) : IClassFixture<IndicatorTests.MissionFixture>
{
    public sealed class MissionFixture : IAsyncLifetime
    {
        public static readonly DateTimeOffset Now = new(2026, 10, 15, 9, 30, 0, TimeSpan.Zero);

        private GeoAwarenessService? _exact;

        public ApiFixture Api { get; } = new([], Clock);

        /// <summary>The same database behind a service with authentication off: exact numbers.</summary>
        public GeoAwarenessClient? Exact { get; private set; }

        public GeoAwarenessClient? CpasScopedToNord { get; private set; }

        internal static void Clock(IServiceCollection services) => services.AddSingleton<TimeProvider>(new FixedClock(Now));

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            await SeedAsync();
            _exact = await GrpcTestServer.StartAsync(Api.Database.ConnectionString, [.. Settings, "--GeoAwareness:Auth:Enabled=false"], Clock);
            Exact = new GeoAwarenessClient(_exact.GrpcEndpoint);
            CpasScopedToNord = await Api.ChannelForAsync(Role.CpasFocalPoint, "cpas-nord", ["Nord"]);
        }

        public async Task DisposeAsync()
        {
            Exact?.Dispose();
            CpasScopedToNord?.Dispose();
            if (_exact is not null)
            {
                await _exact.DisposeAsync();
            }

            await Api.DisposeAsync();
        }

        private async Task SeedAsync()
        {
            await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "Nord", Name = "Nord", Area = new Shape { Wkt = "POLYGON((20 0, 21 0, 21 1, 20 1, 20 0))" } }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "Sud", Name = "Sud", Area = new Shape { Wkt = "POLYGON((20 -1, 21 -1, 21 0, 20 0, 20 -1))" } }).ResponseAsync;
            await BaseAsync("ob-nord", "Nord", BaseKind.OperatingBase, 20.2, 0.5, "Beni");
            await BaseAsync("cob-nord", "Nord", BaseKind.CompanyOperatingBase, 20.8, 0.5);
            await BaseAsync("cob-sud", "Sud", BaseKind.CompanyOperatingBase, 20.2, -0.5);
            await BaseAsync("tob-sud", "Sud", BaseKind.TemporaryOperatingBase, 20.8, -0.5);
            await BaseAsync("tob-closed", "Sud", BaseKind.TemporaryOperatingBase, 20.5, -0.8, closedOn: new CalendarDate { Year = 2026, Month = 8, Day = 31 });

            await DeployAsync("f-1", "ob-nord", Sex.Female);
            await DeployAsync("m-1", "ob-nord", Sex.Male, homeLocality: "Beni");
            await DeployAsync("m-2", "ob-nord", Sex.Male, from: new CalendarDate { Year = 2026, Month = 5, Day = 1 }, temporaryDuty: true);
            await DeployAsync("f-2", "cob-nord", Sex.Female);
            await DeployAsync("m-3", "cob-sud", Sex.Male);
            await DeployAsync("m-4", "cob-sud", Sex.Male, from: new CalendarDate { Year = 2026, Month = 8, Day = 15 }, temporaryDuty: true);
            await DeployAsync("m-5", "tob-sud", Sex.Male, to: new CalendarDate { Year = 2026, Month = 6, Day = 30 });

            await CommunityAsync("v-nord-near", "Nord", 20.3, 0.5, RiskLevel.High, plan: true, committee: true);
            await CommunityAsync("v-nord-far", "Nord", 20.75, 0.5, RiskLevel.Critical, plan: false, committee: true);
            await CommunityAsync("v-sud-near", "Sud", 20.25, -0.5, RiskLevel.Medium, plan: true, committee: false);
            await CommunityAsync("v-sud-low", "Sud", 20.2, -0.45, RiskLevel.Low, plan: true, committee: true);
            await CommunityAsync("v-sud-far", "Sud", 20.8, -0.45, RiskLevel.High, plan: false, committee: false);
            await CommunityAsync("v-no-sector", "", 20.45, 0.05, RiskLevel.High, plan: true, committee: false);

            await Api.SubmitAsync(
                Seen("o-threat-1", "2026-07-10T08:00:00Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Child, 4), (Sex.Male, AgeGroup.Adult, 2)),
                Seen("o-threat-2", "2026-08-01T06:00:00Z", Category.ArmedGroupMovement, "ob-nord", 0.5, (Sex.Female, AgeGroup.Adult, 3)),
                Seen("o-ew-fast", "2026-08-05T10:00:00Z", Category.EarlyWarningAlert, "ob-nord", 0.5, (Sex.Female, AgeGroup.Youth, 1)),
                Seen("o-ew-slow", "2026-09-01T08:00:00Z", Category.EarlyWarningAlert, "cob-nord", 0.5, (Sex.Male, AgeGroup.Older, 2)),
                Seen("o-ew-none", "2026-08-20T08:00:00Z", Category.EarlyWarningAlert, "ob-nord", 0.5, (Sex.Unknown, AgeGroup.Child, 1)),
                Seen("o-ew-exact24", "2026-09-10T00:00:00Z", Category.EarlyWarningAlert, "cob-sud", -0.5, (Sex.Male, AgeGroup.Child, 2)),
                Seen("o-mdmh-women", "2026-07-15T12:00:00Z", Category.InformationHarm, "ob-nord", 0.5, (Sex.Female, AgeGroup.Adult, 5)),
                Flagged(Seen("o-mdmh-minorities", "2026-07-16T12:00:00Z", Category.InformationHarm, "cob-sud", -0.5, (Sex.Male, AgeGroup.Adult, 1)),
                    Vulnerability.Minorities, Vulnerability.JournalistsAndActivists),
                Seen("o-mdmh-none", "2026-07-17T12:00:00Z", Category.InformationHarm, null, -0.5, (Sex.Male, AgeGroup.Adult, 1)),
                Seen("o-displacement", "2026-09-20T12:00:00Z", Category.Displacement, "cob-sud", -0.5, (Sex.Female, AgeGroup.Child, 10), (Sex.Female, AgeGroup.Adult, 20)),
                Seen("o-threat-closed", "2026-08-20T12:00:00Z", Category.ThreatOfPhysicalViolence, "tob-closed", -0.5, (Sex.Male, AgeGroup.Youth, 3)),
                Seen("o-threat-no-base", "2026-07-20T12:00:00Z", Category.ThreatOfPhysicalViolence, null, 0.5, (Sex.Female, AgeGroup.Older, 1)),
                Seen("o-discredited", "2026-07-21T12:00:00Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Adult, 9)),
                Seen("o-engagement", "2026-07-22T12:00:00Z", Category.CommunityEngagement, "ob-nord", 0.5, (Sex.Male, AgeGroup.Youth, 30)),
                Seen("o-june", "2026-06-30T23:59:59Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Adult, 1)),
                Seen("o-october", "2026-10-01T00:00:00Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Adult, 1)));
            await ReviewAsync("o-ew-fast", VerificationStatus.Verified, "2026-08-05T20:00:00Z");
            await ReviewAsync("o-ew-slow", VerificationStatus.Verified, "2026-09-02T09:00:00Z");
            await ReviewAsync("o-ew-exact24", VerificationStatus.Reported, "2026-09-11T00:00:00Z");
            await ReviewAsync("o-discredited", VerificationStatus.Discredited, null);
            await SeedEventsAsync();
        }

        /// <summary>
        /// For the events switch, apart from the quarter: in April one incident told three times, a
        /// threat at ob-nord reported first, then an alert at cob-nord (answered in 10 h) and a
        /// threat at cob-sud, linked, and two observations of their own at ob-nord (a threat and an
        /// information-harm narrative); in May one incident told six times at ob-nord, linked.
        /// </summary>
        private async Task SeedEventsAsync()
        {
            Observation[] incident =
            [
                Reported(Seen("o-event-threat", "2026-04-02T06:00:00Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Child, 4), (Sex.Male, AgeGroup.Adult, 2)), 8),
                Reported(Seen("o-event-alert", "2026-04-02T06:00:00Z", Category.EarlyWarningAlert, "cob-nord", 0.5, (Sex.Female, AgeGroup.Child, 5)), 9),
                Reported(Seen("o-event-sud", "2026-04-02T07:00:00Z", Category.ThreatOfPhysicalViolence, "cob-sud", -0.5, (Sex.Female, AgeGroup.Adult, 3)), 10),
            ];
            Observation[] toldSixTimes = [.. Enumerable.Range(0, 6).Select(i =>
                Reported(Seen($"o-told-{i}", "2026-05-05T06:00:00Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Child, 2)), 7 + i))];
            await Api.SubmitAsync(
            [
                .. incident, .. toldSixTimes,
                Seen("o-own-threat", "2026-04-10T06:00:00Z", Category.ThreatOfPhysicalViolence, "ob-nord", 0.5, (Sex.Female, AgeGroup.Child, 4), (Sex.Male, AgeGroup.Adult, 2)),
                Seen("o-own-mdmh", "2026-04-11T06:00:00Z", Category.InformationHarm, "ob-nord", 0.5, (Sex.Female, AgeGroup.Adult, 1)),
            ]);
            await ReviewAsync("o-event-alert", VerificationStatus.Verified, "2026-04-02T16:00:00Z");
            foreach (var linked in new[] { incident, toldSixTimes })
            {
                await Api.As(Role.Supervisor).Observations.LinkEventAsync(new LinkEventRequest { Ids = { linked.Select(o => IdOf(o.ClientId)) } }).ResponseAsync;
            }
        }

        /// <summary>The observation, reported on the day it was observed at <paramref name="hour"/> (UTC).</summary>
        private static Observation Reported(Observation observation, int hour)
        {
            var day = observation.ObservedAt.ToDateTimeOffset().UtcDateTime.Date;
            observation.ReportedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(day.AddHours(hour), DateTimeKind.Utc));
            return observation;
        }

        private Task<Base> BaseAsync(string id, string sector, BaseKind kind, double longitude, double latitude, string adminArea = "Butembo", CalendarDate? closedOn = null) =>
            Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
            {
                Id = id, Name = "Base " + id, Kind = kind, Sector = sector, AdminArea = adminArea, Unit = "BANBATT-1",
                Location = new GeoPoint { Longitude = longitude, Latitude = latitude },
                OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 }, ClosedOn = closedOn,
            }).ResponseAsync;

        private Task<ClaDeployment> DeployAsync(string id, string baseId, Sex sex, CalendarDate? from = null, CalendarDate? to = null, bool temporaryDuty = false, string homeLocality = "Goma") =>
            Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = baseId, From = from ?? new CalendarDate { Year = 2025, Month = 6, Day = 1 }, To = to,
                TemporaryDuty = temporaryDuty, HomeLocality = homeLocality,
            }).ResponseAsync;

        private Task<Community> CommunityAsync(string id, string sector, double longitude, double latitude, RiskLevel risk, bool plan, bool committee) =>
            Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
            {
                Id = id, Name = "Village " + id, Sector = sector, RiskLevel = risk, HasProtectionPlan = plan, HasProtectionCommittee = committee,
                Location = new Shape { Wkt = FormattableString.Invariant($"POINT({longitude} {latitude})") },
            }).ResponseAsync;

        private static Observation Seen(string id, string observedAt, Category category, string? baseId, double latitude, params (Sex Sex, AgeGroup Age, int Count)[] affected)
        {
            var longitude = baseId switch { "ob-nord" or "cob-sud" => 20.2, "cob-nord" => 20.8, _ => 20.5 };
            var observation = NewObservation(id, longitude, latitude, observedAt);
            observation.Category = category;
            observation.BaseId = baseId ?? string.Empty;
            observation.Affected.Clear();
            observation.Affected.AddRange(affected.Select(a => new AffectedCount { Sex = a.Sex, AgeGroup = a.Age, Count = a.Count }));
            return observation;
        }

        private static Observation Flagged(Observation observation, params Vulnerability[] flags)
        {
            observation.Vulnerabilities.AddRange(flags);
            return observation;
        }

        private Task<Observation> ReviewAsync(string id, VerificationStatus verification, string? respondedAt) =>
            Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest
            {
                Id = IdOf(id), Verification = verification, Note = "checked with the CAN focal point",
                Response = respondedAt is null ? null : new Response { Actions = "Patrol sent to the village", At = Time(respondedAt) },
            }).ResponseAsync;
    }


    private static readonly string[] TeamCodes = ["CLA-STAFFED", "CLA-FEMALE", "CLA-OWN-LOCALITY", "CLA-TDY-LONG"];
    private static readonly string[] CommunityCodes = ["COMM-REACH", "COMM-PLAN", "COMM-COMMITTEE"];
    private static readonly string[] WithheldCodes = ["EW-ALERTS", "EW-RESPONSE-24H", "MDMH-OBS"];
    private static readonly string[] SexNames = ["female", "male", "unknown"];
    private static readonly string[] AgeNames = ["child", "youth", "adult", "older"];

    private ApiFixture Api => mission.Api;

    private Task<IndicatorReport> ExactAsync(string period, IndicatorLevel level = IndicatorLevel.Mission, string id = "") =>
        mission.Exact!.Indicators.ComputeAsync(new IndicatorRequest { Period = period, Level = level, Id = id }).ResponseAsync;

    private static IndicatorUnit Unit(IndicatorReport report, string key) =>
        report.Units.Single(u => (report.Level == IndicatorLevel.Base ? u.BaseId : u.Sector) == key);

    private static Geo.Api.V1.IndicatorValue Value(IndicatorUnit unit, string code) => unit.Values.Single(v => v.Code == code);

    private static (double? Value, long? Numerator, long? Denominator) Ratio(IndicatorUnit unit, string code)
    {
        var value = Value(unit, code);
        return (value.HasValue ? value.Value : null, value.HasNumerator ? value.Numerator : null, value.HasDenominator ? value.Denominator : null);
    }

    private static double? Count(IndicatorUnit unit, string code) => Value(unit, code) is { HasValue: true } value ? value.Value : null;

    private static Dictionary<string, long?> Parts(IndicatorUnit unit, string code, DisaggregationDimension dimension) =>
        Value(unit, code).Disaggregations.Where(d => d.Dimension == dimension).ToDictionary(d => d.Key, d => d.HasValue ? d.Value : (long?)null);

    /// <summary>The twelve sex x age cells, all 0 but those given.</summary>
    private static Dictionary<string, long?> Groups(params (string Key, long Count)[] counts)
    {
        var cells = new Dictionary<string, long?>();
        foreach (var sex in SexNames)
        {
            foreach (var age in AgeNames)
            {
                cells[$"{sex}_{age}"] = 0;
            }
        }

        foreach (var (key, count) in counts)
        {
            cells[key] = count;
        }

        return cells;
    }

    [Fact]
    public async Task Compute_QuarterAtMissionLevel_GivesEveryIndicatorExactly()
    {
        var report = await ExactAsync("2026-Q3");

        Assert.Equal(("2026-Q3", new CalendarDate { Year = 2026, Month = 7, Day = 1 }, new CalendarDate { Year = 2026, Month = 9, Day = 30 }, new CalendarDate { Year = 2026, Month = 9, Day = 30 }),
            (report.Period, report.PeriodStart, report.PeriodEnd, report.EvaluatedOn));
        Assert.Equal(Time("2026-10-15T09:30:00Z"), report.ComputedAt);
        Assert.Equal(16, report.Indicators.Count);
        // No project and no request in this mission: the mission's civil-works shares have no value (0 of 0).
        Assert.All(report.Units.Single().Values.Where(v => v.Code is "QIP-ON-TIME" or "CAR-APPROVED" or "CAR-DECIDED-72H"), v => Assert.Equal((false, 0L), (v.HasValue, v.Denominator)));
        Assert.Equal(0, report.Units.Single().Values.Single(v => v.Code == "QIP-COUNT").Value);
        Assert.Equal("GeoAwareness: CLA observations", report.Indicators.Single(d => d.Code == "EW-ALERTS").DataSource);
        var mission = Assert.Single(report.Units);
        Assert.Equal((IndicatorLevel.Mission, "", ""), (mission.Level, mission.Sector, mission.BaseId));
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, "CLA-STAFFED"));
        Assert.Equal((66.7, 2L, 3L), Ratio(mission, "CLA-FEMALE"));
        Assert.Equal((16.7, 1L, 6L), Ratio(mission, "CLA-OWN-LOCALITY"));
        Assert.Equal((50.0, 1L, 2L), Ratio(mission, "CLA-TDY-LONG"));
        Assert.Equal((40.0, 2L, 5L), Ratio(mission, "COMM-REACH"));
        Assert.Equal((60.0, 3L, 5L), Ratio(mission, "COMM-PLAN"));
        Assert.Equal((40.0, 2L, 5L), Ratio(mission, "COMM-COMMITTEE"));
        Assert.Equal(9, Count(mission, "THREAT-OBS"));
        Assert.Equal(new Dictionary<string, long?> { ["threat_of_physical_violence"] = 3, ["armed_group_movement"] = 1, ["displacement"] = 1, ["early_warning_alert"] = 4 },
            Parts(mission, "THREAT-OBS", DisaggregationDimension.Category));
        Assert.Equal(Groups(("female_child", 2), ("female_youth", 1), ("female_adult", 2), ("female_older", 1), ("male_child", 1), ("male_youth", 1), ("male_adult", 1), ("male_older", 1), ("unknown_child", 1)),
            Parts(mission, "THREAT-OBS", DisaggregationDimension.SexAge));
        Assert.Equal(49, Count(mission, "THREAT-PEOPLE"));
        Assert.Equal(Groups(("female_child", 14), ("female_youth", 1), ("female_adult", 23), ("female_older", 1), ("male_child", 2), ("male_youth", 3), ("male_adult", 2), ("male_older", 2), ("unknown_child", 1)),
            Parts(mission, "THREAT-PEOPLE", DisaggregationDimension.SexAge));
        Assert.Equal(4, Count(mission, "EW-ALERTS"));
        Assert.Equal(Groups(("female_youth", 1), ("male_older", 1), ("unknown_child", 1), ("male_child", 1)), Parts(mission, "EW-ALERTS", DisaggregationDimension.SexAge));
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, "EW-RESPONSE-24H"));
        Assert.Equal(3, Count(mission, "MDMH-OBS"));
        Assert.Equal(new Dictionary<string, long?>
        {
            ["women_and_girls"] = 1, ["minorities"] = 1, ["journalists_and_activists"] = 1, ["displaced_people"] = 0, ["persons_with_disabilities"] = 0, ["not_recorded"] = 1,
        }, Parts(mission, "MDMH-OBS", DisaggregationDimension.Target));
        var girls = Value(mission, "THREAT-PEOPLE").Disaggregations.Single(d => d.Key == "female_child");
        Assert.Equal((Sex.Female, AgeGroup.Child, "#affected+f+children", false), (girls.Sex, girls.AgeGroup, girls.HxlGroup, girls.Withheld));
    }

    [Fact]
    public async Task Compute_QuarterAtSectorLevel_CountsObservationsByTheirBasesSectorAndCommunitiesByTheirOwn()
    {
        var report = await ExactAsync("2026-Q3", IndicatorLevel.Sector);

        Assert.Equal(["Nord", "Sud"], report.Units.Select(u => u.Sector));
        var (nord, sud) = (Unit(report, "Nord"), Unit(report, "Sud"));
        Assert.Equal([(50.0, 1L, 2L), (100.0, 2L, 2L), (25.0, 1L, 4L), (100.0, 1L, 1L)],
            TeamCodes.Select(c => Ratio(nord, c)));
        Assert.Equal([(50.0, 1L, 2L), (0.0, 0L, 1L), (0.0, 0L, 2L), (0.0, 0L, 1L)],
            TeamCodes.Select(c => Ratio(sud, c)));
        Assert.Equal([(50.0, 1L, 2L), (50.0, 1L, 2L), (100.0, 2L, 2L)], CommunityCodes.Select(c => Ratio(nord, c)));
        Assert.Equal([(50.0, 1L, 2L), (50.0, 1L, 2L), (0.0, 0L, 2L)], CommunityCodes.Select(c => Ratio(sud, c)));
        Assert.Equal((5.0, 3.0, 1.0), (Count(nord, "THREAT-OBS"), Count(nord, "EW-ALERTS"), Count(nord, "MDMH-OBS")));
        Assert.Equal([1L, 1L, 0L, 3L], Parts(nord, "THREAT-OBS", DisaggregationDimension.Category).Values);
        Assert.Equal((33.3, 1L, 3L), Ratio(nord, "EW-RESPONSE-24H"));
        Assert.Equal((3.0, 1.0, 1.0), (Count(sud, "THREAT-OBS"), Count(sud, "EW-ALERTS"), Count(sud, "MDMH-OBS")));
        Assert.Equal([1L, 0L, 1L, 1L], Parts(sud, "THREAT-OBS", DisaggregationDimension.Category).Values);
        Assert.Equal((100.0, 1L, 1L), Ratio(sud, "EW-RESPONSE-24H"));
        Assert.Equal([0L, 1L, 1L, 0L, 0L, 0L], Parts(sud, "MDMH-OBS", DisaggregationDimension.Target).Values);
    }

    [Fact]
    public async Task Compute_QuarterAtBaseLevel_GivesEachBaseItsTeamItsObservationsAndTheCommunitiesNearestIt()
    {
        var report = await ExactAsync("2026-Q3", IndicatorLevel.Base);

        Assert.Equal(["cob-nord", "cob-sud", "ob-nord", "tob-closed", "tob-sud"], report.Units.Select(u => u.BaseId));
        var (obNord, cobNord, cobSud, tobSud, closed) = (Unit(report, "ob-nord"), Unit(report, "cob-nord"), Unit(report, "cob-sud"), Unit(report, "tob-sud"), Unit(report, "tob-closed"));
        Assert.Equal(("Nord", "Base ob-nord"), (obNord.Sector, obNord.BaseName));
        Assert.Equal([(100.0, 1L, 1L), (100.0, 1L, 1L), (33.3, 1L, 3L), (100.0, 1L, 1L)],
            TeamCodes.Select(c => Ratio(obNord, c)));
        Assert.Equal([(0.0, 0L, 1L), (100.0, 1L, 1L), (0.0, 0L, 1L), (null, 0L, 0L)],
            TeamCodes.Select(c => Ratio(cobNord, c)));
        Assert.Equal([(100.0, 1L, 1L), (0.0, 0L, 1L), (0.0, 0L, 2L), (0.0, 0L, 1L)],
            TeamCodes.Select(c => Ratio(cobSud, c)));
        Assert.Equal([(0.0, 0L, 1L), (null, 0L, 0L)], TeamCodes[..2].Select(c => Ratio(tobSud, c)));
        Assert.Equal([(50.0, 1L, 2L), (100.0, 2L, 2L), (50.0, 1L, 2L)], CommunityCodes.Select(c => Ratio(obNord, c)));
        Assert.Equal([(0.0, 0L, 1L), (0.0, 0L, 1L), (100.0, 1L, 1L)], CommunityCodes.Select(c => Ratio(cobNord, c)));
        Assert.Equal([(100.0, 1L, 1L), (100.0, 1L, 1L), (0.0, 0L, 1L)], CommunityCodes.Select(c => Ratio(cobSud, c)));
        Assert.Equal((0.0, 0L, 1L), Ratio(tobSud, "COMM-REACH"));
        Assert.Equal([4.0, 1.0, 2.0, 0.0, 1.0], new[] { obNord, cobNord, cobSud, tobSud, closed }.Select(u => Count(u, "THREAT-OBS")));
        Assert.Equal([(50.0, 1L, 2L), (0.0, 0L, 1L), (100.0, 1L, 1L), (null, 0L, 0L)], new[] { obNord, cobNord, cobSud, tobSud }.Select(u => Ratio(u, "EW-RESPONSE-24H")));
        Assert.Equal(("Sud", "Base tob-closed", (double?)null), (closed.Sector, closed.BaseName, Ratio(closed, "CLA-STAFFED").Value));
    }

    [Fact]
    public async Task Compute_NamedSectorOrBase_GivesThatUnitOnly()
    {
        var sector = await ExactAsync("2026-Q3", IndicatorLevel.Sector, "Sud");
        var closedBase = await ExactAsync("2026-Q3", IndicatorLevel.Base, "tob-closed");

        Assert.Equal("Sud", Assert.Single(sector.Units).Sector);
        Assert.Equal(3, Count(sector.Units[0], "THREAT-OBS"));
        Assert.Equal("tob-closed", Assert.Single(closedBase.Units).BaseId);
        Assert.Equal(1, Count(closedBase.Units[0], "THREAT-OBS"));
    }

    [Fact]
    public async Task Compute_PeriodStillRunning_TakesTeamsTodayAndCountsItsObservationsSoFar()
    {
        var report = await ExactAsync("2026-Q4");

        Assert.Equal(new CalendarDate { Year = 2026, Month = 10, Day = 15 }, report.EvaluatedOn);
        Assert.Equal(1, Count(report.Units[0], "THREAT-OBS"));
        Assert.Equal((50.0, 1L, 2L), Ratio(report.Units[0], "CLA-TDY-LONG"));
    }

    [Fact]
    public async Task Compute_MonthOrCustomDays_CountsTheObservationsOfThoseDays()
    {
        var september = await ExactAsync("2026-09");
        var custom = await mission.Exact!.Indicators.ComputeAsync(new IndicatorRequest
        {
            From = new CalendarDate { Year = 2026, Month = 8, Day = 1 }, To = new CalendarDate { Year = 2026, Month = 8, Day = 5 },
        }).ResponseAsync;

        Assert.Equal((3.0, (50.0, 1L, 2L)), (Count(september.Units[0], "THREAT-OBS"), Ratio(september.Units[0], "EW-RESPONSE-24H")));
        Assert.Equal(("2026-08-01/2026-08-05", new CalendarDate { Year = 2026, Month = 8, Day = 5 }), (custom.Period, custom.EvaluatedOn));
        Assert.Equal(2, Count(custom.Units[0], "THREAT-OBS"));
    }

    [Fact]
    public async Task Compute_CpasFocalPoint_WithholdsSmallObservationCountsButNotRegistryRatios()
    {
        var report = await Api.As(Role.CpasFocalPoint).Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3" }).ResponseAsync;

        var mission = report.Units[0];
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, "CLA-STAFFED"));
        Assert.Equal((40.0, 2L, 5L), Ratio(mission, "COMM-REACH"));
        // Counts are perturbed by the keys of the observations they count: the nine threats of Q3.
        var threats = new[] { "o-threat-1", "o-threat-2", "o-ew-fast", "o-ew-slow", "o-ew-none", "o-ew-exact24", "o-displacement", "o-threat-closed", "o-threat-no-base" };
        var shown = (await Api.ShownCountAsync(threats.Select(t => IdOf(t)).ToList()))!.Value;
        Assert.Equal(((double)shown, (double)Geo.Core.Privacy.AggregateSuppression.Scaled(49, 9, shown)), (Count(mission, "THREAT-OBS"), Count(mission, "THREAT-PEOPLE")));
        Assert.All(Value(mission, "THREAT-OBS").Disaggregations, d => Assert.True(d.Withheld && !d.HasValue, d.Key));
        foreach (var code in WithheldCodes)
        {
            var value = Value(mission, code);
            Assert.True(value.Withheld && !value.HasValue && !value.HasNumerator && !value.HasDenominator, code);
        }
    }

    [Fact]
    public async Task Compute_CallerScopedToASector_CountsOnlyWhatLiesInItsArea()
    {
        var area = (await mission.CpasScopedToNord!.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3" }).ResponseAsync).Units[0];
        var sectors = await mission.CpasScopedToNord.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3", Level = IndicatorLevel.Sector }).ResponseAsync;

        Assert.Equal((50.0, 1L, 2L), Ratio(area, "CLA-STAFFED"));
        Assert.Equal((33.3, 1L, 3L), Ratio(area, "COMM-REACH"));
        Assert.Equal((66.7, 2L, 3L), Ratio(area, "COMM-PLAN"));
        var inNord = new[] { "o-threat-1", "o-threat-2", "o-ew-fast", "o-ew-slow", "o-ew-none", "o-threat-no-base" };
        Assert.Equal((double)(await Api.ShownCountAsync(inNord.Select(t => IdOf(t)).ToList()))!, Count(area, "THREAT-OBS"));
        Assert.True(Value(area, "MDMH-OBS").Withheld);
        Assert.Equal(["Nord"], sectors.Units.Select(u => u.Sector));
        await FailsWith(StatusCode.NotFound, () => mission.CpasScopedToNord.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3", Level = IndicatorLevel.Sector, Id = "Sud" }).ResponseAsync);
        var detail = await FailsWith(StatusCode.NotFound, () => mission.CpasScopedToNord.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3", Level = IndicatorLevel.Base, Id = "cob-sud" }).ResponseAsync);
        Assert.Equal("id: no base 'cob-sud'", detail);
    }

    [Fact]
    public async Task Compute_TargetsAndDataSourceConfigured_AreReportedAndABadTargetStopsTheStart()
    {
        await using var configured = await GrpcTestServer.StartAsync(Api.Database.ConnectionString,
        [
            .. Settings, "--GeoAwareness:Auth:Enabled=false", "--GeoAwareness:Indicators:DataSource=MONUSCO GeoAwareness",
            "--GeoAwareness:Indicators:Targets:CLA-STAFFED:Baseline=45", "--GeoAwareness:Indicators:Targets:CLA-STAFFED:Target=80",
            "--GeoAwareness:Indicators:Targets:EW-ALERTS:Target=20",
        ], MissionFixture.Clock);
        using var channel = new GeoAwarenessClient(configured.GrpcEndpoint);

        var mission = (await channel.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3" }).ResponseAsync).Units[0];
        var sectors = await channel.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3", Level = IndicatorLevel.Sector }).ResponseAsync;
        var refused = await Assert.ThrowsAsync<StartupException>(() => GrpcTestServer.StartAsync(
            Api.Database.ConnectionString, [.. Settings, "--GeoAwareness:Indicators:Targets:CLA-STAFFED:Target=120"]));

        Assert.Equal((45.0, 80.0), (Value(mission, "CLA-STAFFED").Baseline, Value(mission, "CLA-STAFFED").Target));
        Assert.Equal((false, 20.0), (Value(mission, "EW-ALERTS").HasBaseline, Value(mission, "EW-ALERTS").Target));
        Assert.Equal(80.0, Value(sectors.Units[0], "CLA-STAFFED").Target);
        Assert.False(Value(sectors.Units[0], "EW-ALERTS").HasTarget);
        Assert.Equal("MONUSCO GeoAwareness: CLA deployments", sectors.Indicators.Single(d => d.Code == "CLA-STAFFED").DataSource);
        Assert.Equal("GeoAwareness:Indicators:Targets:CLA-STAFFED:Target: 120 is above 100: CLA-STAFFED is a percentage", refused.Message);
    }

    // ---- events (count_events) ----

    private static Task<IndicatorReport> EventsAsync(GeoAwarenessClient client, string period, IndicatorLevel level = IndicatorLevel.Mission) =>
        client.Indicators.ComputeAsync(new IndicatorRequest { Period = period, Level = level, CountEvents = true }).ResponseAsync;

    /// <summary>The indicators read from observations, the ones the switch changes.</summary>
    private static readonly string[] ObservationCodes = ["THREAT-OBS", "THREAT-PEOPLE", "EW-ALERTS", "EW-RESPONSE-24H", "MDMH-OBS"];

    [Fact]
    public async Task Compute_EventsSwitchAtMissionLevel_AnIncidentToldThreeTimesCountsOnceAsItsFirstReport()
    {
        var reports = (await ExactAsync("2026-04")).Units.Single();
        var report = await EventsAsync(mission.Exact!, "2026-04");
        var events = report.Units.Single();

        // Reports: the incident's three and the two of their own.
        Assert.Equal(4, Count(reports, "THREAT-OBS"));
        Assert.Equal(new Dictionary<string, long?> { ["threat_of_physical_violence"] = 3, ["armed_group_movement"] = 0, ["displacement"] = 0, ["early_warning_alert"] = 1 },
            Parts(reports, "THREAT-OBS", DisaggregationDimension.Category));
        Assert.Equal(Groups(("female_child", 3), ("male_adult", 2), ("female_adult", 1)), Parts(reports, "THREAT-OBS", DisaggregationDimension.SexAge));
        Assert.Equal(20, Count(reports, "THREAT-PEOPLE"));
        // Events: the incident once, as its first report (a threat: 4 girls and 2 men), beside the threat of its own.
        Assert.Equal(CountedUnit.Events, report.Counted);
        Assert.Equal(2, Count(events, "THREAT-OBS"));
        Assert.Equal(new Dictionary<string, long?> { ["threat_of_physical_violence"] = 2, ["armed_group_movement"] = 0, ["displacement"] = 0, ["early_warning_alert"] = 0 },
            Parts(events, "THREAT-OBS", DisaggregationDimension.Category));
        Assert.Equal(Groups(("female_child", 2), ("male_adult", 2)), Parts(events, "THREAT-OBS", DisaggregationDimension.SexAge));
        Assert.Equal(12, Count(events, "THREAT-PEOPLE"));
        Assert.Equal(Groups(("female_child", 8), ("male_adult", 4)), Parts(events, "THREAT-PEOPLE", DisaggregationDimension.SexAge));
        // As an alert the incident is its alert report, answered in 10 h; the narrative stands alone.
        Assert.Equal(1, Count(events, "EW-ALERTS"));
        Assert.Equal(Groups(("female_child", 1)), Parts(events, "EW-ALERTS", DisaggregationDimension.SexAge));
        Assert.Equal((100.0, 1L, 1L), Ratio(events, "EW-RESPONSE-24H"));
        Assert.Equal(1, Count(events, "MDMH-OBS"));
        Assert.Equal(("events", "people", "percent", "events"), (Unit("THREAT-OBS"), Unit("THREAT-PEOPLE"), Unit("EW-RESPONSE-24H"), Unit("MDMH-OBS")));
        Assert.Contains("Counted as events", report.Indicators.Single(d => d.Code == "THREAT-PEOPLE").Definition, StringComparison.Ordinal);

        string Unit(string code) => report.Indicators.Single(d => d.Code == code).UnitOfMeasure;
    }

    [Fact]
    public async Task Compute_EventsSwitchBySectorAndBase_AnEventCountsWhereItsFirstReportIs_AndAsAnAlertWhereItsAlertIs()
    {
        var sectors = await EventsAsync(mission.Exact!, "2026-04", IndicatorLevel.Sector);
        var bases = await EventsAsync(mission.Exact!, "2026-04", IndicatorLevel.Base);
        var reportsByBase = await ExactAsync("2026-04", IndicatorLevel.Base);

        Assert.Equal((2.0, 0.0), (Count(Unit(sectors, "Nord"), "THREAT-OBS"), Count(Unit(sectors, "Sud"), "THREAT-OBS")));
        Assert.Equal((2.0, 0.0, 0.0), (Count(Unit(bases, "ob-nord"), "THREAT-OBS"), Count(Unit(bases, "cob-nord"), "THREAT-OBS"), Count(Unit(bases, "cob-sud"), "THREAT-OBS")));
        Assert.Equal((2.0, 1.0, 1.0), (Count(Unit(reportsByBase, "ob-nord"), "THREAT-OBS"), Count(Unit(reportsByBase, "cob-nord"), "THREAT-OBS"), Count(Unit(reportsByBase, "cob-sud"), "THREAT-OBS")));
        Assert.Equal((0.0, 1.0), (Count(Unit(bases, "ob-nord"), "EW-ALERTS"), Count(Unit(bases, "cob-nord"), "EW-ALERTS")));
        Assert.Equal((100.0, 1L, 1L), Ratio(Unit(bases, "cob-nord"), "EW-RESPONSE-24H"));
        Assert.Equal(1, Count(Unit(bases, "ob-nord"), "MDMH-OBS"));
    }

    [Fact]
    public async Task Compute_EventsSwitch_IndicatorsNotReadFromObservationsAreTheSame()
    {
        foreach (var level in new[] { IndicatorLevel.Mission, IndicatorLevel.Sector, IndicatorLevel.Base })
        {
            var reports = await ExactAsync("2026-Q3", level);
            var events = await EventsAsync(mission.Exact!, "2026-Q3", level);

            Assert.Equal(CountedUnit.Reports, reports.Counted);
            Assert.Equal(reports.Units.Count, events.Units.Count);
            for (var u = 0; u < reports.Units.Count; u++)
            {
                Assert.Equal(
                    reports.Units[u].Values.Where(v => !ObservationCodes.Contains(v.Code)),
                    events.Units[u].Values.Where(v => !ObservationCodes.Contains(v.Code)));
            }

            Assert.Equal(reports.Indicators.Where(d => !ObservationCodes.Contains(d.Code)), events.Indicators.Where(d => !ObservationCodes.Contains(d.Code)));
        }
    }

    /// <summary>
    /// The attack on indicators: one incident told six times in May. As reports its six threats
    /// reach the minimum and a coarsened caller sees them (with their noise); as events it is one,
    /// and every role with indicators, scoped or not, gets it withheld with its people and parts.
    /// </summary>
    [Fact]
    public async Task Compute_EventsSwitch_OneIncidentToldSixTimes_IsWithheldFromEveryCoarsenedCaller()
    {
        var told = Enumerable.Range(0, 6).Select(i => IdOf($"o-told-{i}")).ToList();
        var shown = (await Api.ShownCountAsync(told))!.Value;
        var exact = (await EventsAsync(mission.Exact!, "2026-05")).Units.Single();

        Assert.Equal((1.0, 2.0), (Count(exact, "THREAT-OBS"), Count(exact, "THREAT-PEOPLE")));
        foreach (var client in new[] { Api.As(Role.CpasFocalPoint), Api.As(Role.Planner), Api.As(Role.UnCimicOfficer), mission.CpasScopedToNord! })
        {
            var asReports = (await client.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-05" }).ResponseAsync).Units.Single();
            var asEvents = (await EventsAsync(client, "2026-05")).Units.Single();

            Assert.Equal((double)shown, Count(asReports, "THREAT-OBS"));
            Assert.Equal((double)Geo.Core.Privacy.AggregateSuppression.Scaled(12, 6, shown), Count(asReports, "THREAT-PEOPLE"));
            foreach (var code in new[] { "THREAT-OBS", "THREAT-PEOPLE" })
            {
                var value = Value(asEvents, code);
                Assert.True(value.Withheld && !value.HasValue, code);
                Assert.All(value.Disaggregations, d => Assert.True(d.Withheld && !d.HasValue, $"{code} {d.Key}"));
            }
        }
    }

    [Fact]
    public async Task Export_EventsSwitch_SaysEventsInTheDocumentAndItsName_AndGetIndicatorsAnswersTheSameBytes()
    {
        var token = Api.TokenOf(Role.CpasFocalPoint);
        var json = await Api.As(Role.CpasFocalPoint).Indicators.ExportAsync(new ExportIndicatorsRequest { Period = "2026-04", Format = ExportFormat.Json, CountEvents = true }).ResponseAsync;
        var csv = await mission.Exact!.Indicators.ExportAsync(new ExportIndicatorsRequest { Period = "2026-04", Format = ExportFormat.Csv, CountEvents = true }).ResponseAsync;
        using var http = await GetAsync("?period=2026-04&format=json&count_events=true", token);
        using var refused = await GetAsync("?period=2026-04&count_events=yes", token);

        Assert.Equal("geoawareness-indicators-2026-04-mission-events.json", json.Filename);
        Assert.Equal(json.Content.ToByteArray(), await http.Content.ReadAsByteArrayAsync());
        using var document = JsonDocument.Parse(json.Content.Memory);
        Assert.Equal("events", document.RootElement.GetProperty("counted").GetString());
        Assert.Equal("events", document.RootElement.GetProperty("indicators").EnumerateArray().Single(i => i.GetProperty("indicator_code").GetString() == "EW-ALERTS").GetProperty("unit_of_measure").GetString());
        var threats = System.Text.Encoding.UTF8.GetString(csv.Content.Span).Split("\r\n").Single(l => l.Contains(",THREAT-OBS,", StringComparison.Ordinal) && l.Contains(",total,", StringComparison.Ordinal));
        Assert.Contains(",Threat observations,events,total,,,,,2,,,false,", threats, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("count_events: 'yes' is not true or false", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // ---- exports ----

    /// <summary>GET /indicators with <paramref name="token"/> (none when null) on the authenticated service.</summary>
    private async Task<HttpResponseMessage> GetAsync(string query, string? token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Api.Service.HttpEndpoint, "/indicators" + query));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    [Theory]
    [InlineData("?period=2026-Q3&level=sector&format=csv&hxl=true", IndicatorLevel.Sector, ExportFormat.Csv, true, "text/csv; charset=utf-8", "geoawareness-indicators-2026-Q3-sector.csv")]
    [InlineData("?period=2026-Q3&level=base&id=ob-nord&format=json", IndicatorLevel.Base, ExportFormat.Json, false, "application/json", "geoawareness-indicators-2026-Q3-base-ob-nord.json")]
    [InlineData("?period=2026-Q3", IndicatorLevel.Mission, ExportFormat.Csv, false, "text/csv; charset=utf-8", "geoawareness-indicators-2026-Q3-mission.csv")]
    public async Task Export_HttpAndGrpc_AnswerTheSameBytes(string query, IndicatorLevel level, ExportFormat format, bool hxl, string contentType, string fileName)
    {
        var token = Api.TokenOf(Role.CpasFocalPoint);
        using var http = await GetAsync(query, token);
        var grpc = await Api.As(Role.CpasFocalPoint).Indicators.ExportAsync(new ExportIndicatorsRequest
        {
            Period = "2026-Q3", Level = level, Id = level == IndicatorLevel.Base ? "ob-nord" : string.Empty, Format = format, Hxl = hxl,
        }).ResponseAsync;

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        Assert.Equal(contentType, http.Content.Headers.ContentType!.ToString());
        Assert.Equal(fileName, http.Content.Headers.ContentDisposition!.FileName);
        Assert.Equal((contentType, fileName), (grpc.ContentType, grpc.Filename));
        Assert.Equal(grpc.Content.ToByteArray(), await http.Content.ReadAsByteArrayAsync());
    }

    /// <summary>
    /// The CSV read by Python's csv module (Debian's /usr/bin/python3), header and HXL row
    /// recognised, numbers read as floats: row for row and value for value the JSON export of the
    /// same request (flattened: one row per unit, indicator and disaggregation, the total first).
    /// </summary>
    [Fact]
    public async Task Export_CsvReadByPythonCsvModule_EqualsTheJsonValueForValue()
    {
        var request = new ExportIndicatorsRequest { Period = "2026-Q3", Level = IndicatorLevel.Base, Format = ExportFormat.Csv, Hxl = true };
        var csv = await mission.Exact!.Indicators.ExportAsync(request).ResponseAsync;
        var json = await mission.Exact.Indicators.ExportAsync(new ExportIndicatorsRequest { Period = "2026-Q3", Level = IndicatorLevel.Base, Format = ExportFormat.Json }).ResponseAsync;
        var file = Path.Combine(Path.GetTempPath(), $"indicators-{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(file, csv.Content.ToByteArray());
        JsonElement python;
        try
        {
            python = RunPython(PythonCsvReader, file);
        }
        finally
        {
            File.Delete(file);
        }

        using var document = JsonDocument.Parse(json.Content.Memory);
        var expected = Flatten(document.RootElement);
        var header = python.GetProperty("header").EnumerateArray().Select(h => h.GetString()!).ToList();
        var rows = python.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(Flattened, header);
        Assert.Equal("#indicator+code", python.GetProperty("hxl")[header.IndexOf("indicator_code")].GetString());
        Assert.Equal(5 * 62, rows.Count);
        Assert.Equal(expected.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            foreach (var column in header)
            {
                var ours = expected[i][column];
                var theirs = rows[i].GetProperty(column);
                Assert.True(SameValue(ours, theirs), $"row {i}, {column}: JSON {ours} but CSV read as {theirs}");
            }
        }
    }

    private static readonly string[] Flattened =
    [
        "period", "period_start", "period_end", "evaluated_on", "level", "sector", "base_id", "base_name", "indicator_code", "indicator_title", "unit_of_measure",
        "disaggregation", "disaggregation_key", "sex", "age_group", "hxl_group", "value", "numerator", "denominator", "withheld", "baseline", "target", "data_source", "computed_at",
    ];

    /// <summary>Reads the CSV with the csv module and prints {header, hxl, rows}; numbers as floats, empty numbers as null, withheld as a boolean.</summary>
    private const string PythonCsvReader = """
        import csv, json, sys
        with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f, strict=True))
        header, body = rows[0], rows[1:]
        hxl = body[0] if all(c.startswith("#") for c in body[0]) else None
        body = body[1:] if hxl else body
        numbers = {"value", "numerator", "denominator", "baseline", "target"}
        out = []
        for row in body:
            assert len(row) == len(header), row
            record = dict(zip(header, row))
            for name in numbers:
                record[name] = None if record[name] == "" else float(record[name])
            record["withheld"] = {"true": True, "false": False}[record["withheld"]]
            out.append(record)
        json.dump({"header": header, "hxl": hxl, "rows": out}, sys.stdout)
        """;

    private static JsonElement RunPython(string script, string argument)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "python: " + error);
        return JsonDocument.Parse(output.Result).RootElement.Clone();
    }

    /// <summary>The JSON export as the CSV's rows: each unit's values, the total then every disaggregation, with the catalogue's title, unit and source.</summary>
    private static List<Dictionary<string, JsonElement>> Flatten(JsonElement root)
    {
        var catalogue = root.GetProperty("indicators").EnumerateArray().ToDictionary(i => i.GetProperty("indicator_code").GetString()!);
        var rows = new List<Dictionary<string, JsonElement>>();
        JsonElement Text(string text) => JsonSerializer.SerializeToElement(text);
        foreach (var unit in root.GetProperty("units").EnumerateArray())
        {
            foreach (var value in unit.GetProperty("values").EnumerateArray())
            {
                var definition = catalogue[value.GetProperty("indicator_code").GetString()!];
                Dictionary<string, JsonElement> Row(JsonElement? part) => new()
                {
                    ["period"] = root.GetProperty("period"), ["period_start"] = root.GetProperty("period_start"), ["period_end"] = root.GetProperty("period_end"),
                    ["evaluated_on"] = root.GetProperty("evaluated_on"), ["level"] = unit.GetProperty("level"), ["sector"] = unit.GetProperty("sector"),
                    ["base_id"] = unit.GetProperty("base_id"), ["base_name"] = unit.GetProperty("base_name"), ["indicator_code"] = definition.GetProperty("indicator_code"),
                    ["indicator_title"] = definition.GetProperty("indicator_title"), ["unit_of_measure"] = definition.GetProperty("unit_of_measure"),
                    ["disaggregation"] = part?.GetProperty("disaggregation") ?? Text("total"), ["disaggregation_key"] = part?.GetProperty("disaggregation_key") ?? Text(""),
                    ["sex"] = part?.GetProperty("sex") ?? Text(""), ["age_group"] = part?.GetProperty("age_group") ?? Text(""), ["hxl_group"] = part?.GetProperty("hxl_group") ?? Text(""),
                    ["value"] = (part ?? value).GetProperty("value"),
                    ["numerator"] = part is null ? value.GetProperty("numerator") : default, ["denominator"] = part is null ? value.GetProperty("denominator") : default,
                    ["withheld"] = (part ?? value).GetProperty("withheld"), ["baseline"] = value.GetProperty("baseline"), ["target"] = value.GetProperty("target"),
                    ["data_source"] = definition.GetProperty("data_source"), ["computed_at"] = root.GetProperty("computed_at"),
                };

                rows.Add(Row(null));
                rows.AddRange(value.GetProperty("disaggregations").EnumerateArray().Select(d => Row(d)));
            }
        }

        return rows;
    }

    /// <summary>A JSON value and what Python read from the CSV: equal strings, equal booleans, equal numbers, or both absent.</summary>
    private static bool SameValue(JsonElement json, JsonElement python) => (json.ValueKind, python.ValueKind) switch
    {
        (JsonValueKind.Undefined or JsonValueKind.Null, JsonValueKind.Null) => true,
        (JsonValueKind.Number, JsonValueKind.Number) => json.GetDouble() == python.GetDouble(),
        (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) => json.GetBoolean() == python.GetBoolean(),
        (JsonValueKind.String, JsonValueKind.String) => json.GetString() == python.GetString(),
        _ => false,
    };

    // ---- refusals ----

    public static TheoryData<string, ExportIndicatorsRequest> BadExports() => new()
    {
        { "period: is required: a month (2026-08), a quarter (2026-Q3), or from and to", new ExportIndicatorsRequest { Format = ExportFormat.Csv } },
        { "period: '2026-Q5' is not a month (2026-08) or a quarter (2026-Q3)", new ExportIndicatorsRequest { Period = "2026-Q5", Format = ExportFormat.Csv } },
        { "period: 'last quarter' is not a month", new ExportIndicatorsRequest { Period = "last quarter", Format = ExportFormat.Csv } },
        { "period: 2026-11 begins on 2026-11-01, after today (2026-10-15)", new ExportIndicatorsRequest { Period = "2026-11", Format = ExportFormat.Csv } },
        { "from: give either period or from and to, not both", new ExportIndicatorsRequest { Period = "2026-Q3", From = Day(2026, 7, 1), Format = ExportFormat.Csv } },
        { "to: 2026-06-30 is before from (2026-07-01)", new ExportIndicatorsRequest { From = Day(2026, 7, 1), To = Day(2026, 6, 30), Format = ExportFormat.Csv } },
        { "to: is required with from", new ExportIndicatorsRequest { From = Day(2026, 7, 1), Format = ExportFormat.Csv } },
        { "from: 2026-02-30 is not a valid calendar date", new ExportIndicatorsRequest { From = Day(2026, 2, 30), To = Day(2026, 3, 1), Format = ExportFormat.Csv } },
        { "level: 9 is not a known IndicatorLevel (1 MISSION, 2 SECTOR, 3 BASE; 0 for the mission)", new ExportIndicatorsRequest { Period = "2026-Q3", Level = (IndicatorLevel)9, Format = ExportFormat.Csv } },
        { "id: the mission level has one unit", new ExportIndicatorsRequest { Period = "2026-Q3", Id = "ob-nord", Format = ExportFormat.Csv } },
        { "id: has 129 characters; at most 128", new ExportIndicatorsRequest { Period = "2026-Q3", Level = IndicatorLevel.Base, Id = new string('b', 129), Format = ExportFormat.Csv } },
        { "format: is required", new ExportIndicatorsRequest { Period = "2026-Q3" } },
        { "format: 7 is not a known IndicatorFormat (known: 1 Csv, 2 Json)", new ExportIndicatorsRequest { Period = "2026-Q3", Format = (ExportFormat)7 } },
        { "hxl: the HXL hashtag row is for CSV only", new ExportIndicatorsRequest { Period = "2026-Q3", Format = ExportFormat.Json, Hxl = true } },
    };

    private static CalendarDate Day(int year, int month, int day) => new() { Year = year, Month = month, Day = day };

    [Theory]
    [MemberData(nameof(BadExports))]
    public async Task Export_BadInput_IsRefusedNamingTheField(string expected, ExportIndicatorsRequest request)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.CpasFocalPoint).Indicators.ExportAsync(request).ResponseAsync);

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compute_BadInput_IsRefusedNamingTheField()
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Planner).Indicators.ComputeAsync(new IndicatorRequest { Period = "Q3-2026", Level = IndicatorLevel.Sector }).ResponseAsync);

        Assert.StartsWith("period: 'Q3-2026' is not a month", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "period: is required: a month (2026-08), a quarter (2026-Q3), or from and to")]
    [InlineData("?period=2026-Q3&perod=x", "perod: is not a parameter of GET /indicators (period, from, to, level, id, format, hxl, count_events)")]
    [InlineData("?period=2026-Q3&period=2026-Q2", "period: is given 2 times; give it once")]
    [InlineData("?from=2026-7-1&to=2026-09-30", "from: '2026-7-1' is not a calendar date (YYYY-MM-DD, years 1900 to 2200)")]
    [InlineData("?from=2026-07-01", "to: is required with from")]
    [InlineData("?period=2026-Q3&level=region", "level: 'region' is not a level: mission, sector or base")]
    [InlineData("?period=2026-Q3&id=ob-nord", "id: the mission level has one unit")]
    [InlineData("?period=2026-Q3&format=xlsx", "format: 'xlsx' is not an export format: csv or json")]
    [InlineData("?period=2026-Q3&format=json&hxl=true", "hxl: the HXL hashtag row is for CSV only")]
    [InlineData("?period=2026-Q3&hxl=yes", "hxl: 'yes' is not true or false")]
    public async Task Http_BadQuery_Is400NamingTheField(string query, string expected)
    {
        using var response = await GetAsync(query, Api.TokenOf(Role.CpasFocalPoint));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", body.GetProperty("status").GetString());
        Assert.StartsWith(expected, body.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(IndicatorLevel.Base, "no-such-base", "id: no base 'no-such-base'")]
    [InlineData(IndicatorLevel.Sector, "Ouest", "id: no sector 'Ouest': no base or community carries it")]
    public async Task Compute_UnknownUnit_IsNotFound(IndicatorLevel level, string id, string expected)
    {
        var detail = await FailsWith(StatusCode.NotFound, () => Api.As(Role.Planner).Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3", Level = level, Id = id }).ResponseAsync);

        Assert.Equal(expected, detail);
    }

    [Fact]
    public async Task Http_UnknownBase_Is404()
    {
        using var response = await GetAsync("?period=2026-Q3&level=base&id=no-such-base", Api.TokenOf(Role.CpasFocalPoint));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(("NOT_FOUND", "id: no base 'no-such-base'"), (body.GetProperty("status").GetString(), body.GetProperty("problem").GetString()));
    }

    // ---- permissions ----

    [Theory]
    [InlineData(Role.Importer)]
    [InlineData(Role.Analyst)]
    [InlineData(Role.Cla)]
    public async Task Compute_RoleWithoutIndicators_IsPermissionDenied(Role role)
    {
        var detail = await FailsWith(StatusCode.PermissionDenied, () => Api.As(role).Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q3" }).ResponseAsync);

        Assert.Equal($"the {role} role may not call /geoawareness.v1.Indicators/Compute", detail);
    }

    [Fact]
    public async Task Http_NoToken_Is401_WrongRole_Is403_CpasFocalPoint_Is200()
    {
        using var anonymous = await GetAsync("?period=2026-Q3", token: null);
        using var importer = await GetAsync("?period=2026-Q3", Api.TokenOf(Role.Importer));
        using var cpas = await GetAsync("?period=2026-Q3", Api.TokenOf(Role.CpasFocalPoint));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, importer.StatusCode);
        Assert.Equal("the Importer role may not call GET /indicators",
            JsonDocument.Parse(await importer.Content.ReadAsStringAsync()).RootElement.GetProperty("problem").GetString());
        Assert.Equal(HttpStatusCode.OK, cpas.StatusCode);
    }
}
