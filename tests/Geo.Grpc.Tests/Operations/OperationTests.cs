using System.Globalization;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Operations;

/// <summary>
/// Planned operations and their check (issue 20, parts 1 and 2): confidential and audited; what a
/// 60 km-long route with a 2 km buffer touches compared with PostGIS's own ST_DWithin on the
/// geography against the route as the test drew it; liaison-only sites only counted for a military
/// planner; presence by sector (names for UN-CIMIC); threats of the last days; the teams in reach of
/// the communities at risk; every bad plan refused naming the field.
/// </summary>
public sealed class OperationTests(OperationTests.OperationFixture fixture) : IClassFixture<OperationTests.OperationFixture>
{
    /// <summary>A route of three legs, about 60 km, across a field of generated sites and communities.</summary>
    internal const string Route = "LINESTRING(29.00 -1.00, 29.20 -1.05, 29.35 -1.00, 29.55 -1.08)";

    public sealed class OperationFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            var liaison = Api.As(Role.HumanitarianLiaison).Civilian;
            var random = new Random(20);
            for (var i = 0; i < 150; i++)
            {
                await liaison.CreateFacilityAsync(new Facility
                {
                    Id = $"fac-gen-{i:D3}", Name = $"Site {i}", Type = (FacilityType)(1 + (i % 14)), Sharing = i == 7 ? SharingLevel.LiaisonOnly : SharingLevel.Mission,
                    Location = Point(28.95 + (random.NextDouble() * 0.65), -1.12 + (random.NextDouble() * 0.16)),
                    LastConfirmedOn = i % 3 == 0 ? null : new CalendarDate { Year = 2026, Month = 11, Day = 1 },
                });
            }

            var planner = Api.As(Role.Planner).Registry;
            for (var i = 0; i < 40; i++)
            {
                await planner.CreateCommunityAsync(new Community
                {
                    Id = $"comm-gen-{i:D2}", Name = $"Village {i}", RiskLevel = (RiskLevel)(1 + (i % 4)),
                    Location = Point(28.95 + (random.NextDouble() * 0.65), -1.12 + (random.NextDouble() * 0.16)),
                    Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Child, Count = 10 + i } },
                });
            }

            // A staffed operating base (two CLAs) near the route, to inform the communities at risk in reach.
            await planner.CreateBaseAsync(new Base
            {
                Id = "ob-route", Name = "OB Route", Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 29.25, Latitude = -1.02 },
                OpenedOn = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
            });
            foreach (var (cla, sex) in new[] { ("cla-r1", Sex.Female), ("cla-r2", Sex.Male) })
            {
                await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
                {
                    Id = "dep-" + cla, ClaId = cla, Sex = sex, BaseId = "ob-route", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
                });
            }

            await liaison.CreateOrganisationAsync(new Organisation { Id = "org-route-ngo", Name = "Route NGO", Kind = OrganisationKind.NationalNgo, Sharing = SharingLevel.LiaisonOnly });
            await liaison.CreatePresenceAsync(new OperationalPresence
            {
                Id = "pres-route", OrganisationId = "org-route-ngo", Sector = Cluster.Health, Activity = "Mobile clinic", Location = Point(29.21, -1.04),
                Start = new CalendarDate { Year = 2026, Month = 1, Day = 1 }, Status = PresenceStatus.Ongoing, Sharing = SharingLevel.LiaisonOnly,
            });

            var now = DateTimeOffset.UtcNow;
            string At(int daysAgo) => now.AddDays(-daysAgo).ToString("O", CultureInfo.InvariantCulture);
            await Api.SubmitAsync(
                NewObservation("op-threat-1", 29.20, -1.051, At(2)), NewObservation("op-threat-2", 29.35, -1.001, At(5)),
                With(NewObservation("op-threat-3", 29.10, -1.03, At(10)), o => o.Category = Category.ArmedGroupMovement),
                NewObservation("op-old", 29.20, -1.05, At(60)), NewObservation("op-far", 29.30, -1.40, At(2)));
            await Api.As(Role.Planner).Operations.CreateOperationAsync(Plan("op-route"));
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ApiFixture Api => fixture.Api;

    [Fact]
    public async Task TheCheck_TouchesExactlyWhatPostgisStDWithinOnTheGeographyFinds_WithTheSameDistances()
    {
        var check = await Api.As(Role.UnCimicOfficer).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" });

        var expectedFacilities = await PostgisAsync("facilities");
        Assert.Equal(expectedFacilities.Keys.Order(StringComparer.Ordinal), check.Facilities.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.All(check.Facilities, f => Assert.Equal(expectedFacilities[f.Id], f.DistanceMetres, 0.2));
        var expectedCommunities = await PostgisAsync("communities");
        Assert.Equal(expectedCommunities.Keys.Order(StringComparer.Ordinal), check.Communities.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.True(check.Facilities.Count > 10 && check.Facilities.Count < 150, $"{check.Facilities.Count} facilities: the route should touch some, not all");
        Assert.Equal(0, check.FacilitiesWithheld);
        // A stale or unconfirmed site counts as present, and says so.
        Assert.Contains(check.Facilities, f => f.Confirmation == Confirmation.Unconfirmed);
    }

    [Fact]
    public async Task ALiaisonOnlySite_ReachesAMilitaryPlannersCheckOnlyAsACount_AndPresenceOnlyAsCountsBySector()
    {
        var planner = await Api.As(Role.Planner).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" });
        var cimic = await Api.As(Role.UnCimicOfficer).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" });

        var hiddenTouched = cimic.Facilities.Any(f => f.Id == "fac-gen-007");
        Assert.DoesNotContain(planner.Facilities, f => f.Id == "fac-gen-007");
        Assert.Equal(hiddenTouched ? 1 : 0, planner.FacilitiesWithheld);
        Assert.Equal(cimic.Facilities.Count, planner.Facilities.Count + planner.FacilitiesWithheld);
        var health = Assert.Single(planner.Presence, p => p.Sector == Cluster.Health);
        Assert.Equal((1, 1), (health.Records, health.Organisations));
        Assert.Empty(health.OrganisationNames);
        Assert.DoesNotContain("Route NGO", planner.ToString(), StringComparison.Ordinal);
        Assert.Equal(["Route NGO"], Assert.Single(cimic.Presence, p => p.Sector == Cluster.Health).OrganisationNames);
    }

    [Fact]
    public async Task TheCheck_CountsTheThreatsOfTheLastDays_AndNamesTheStaffedTeamsInReachOfTheCommunitiesAtRisk()
    {
        var check = await Api.As(Role.Supervisor).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route", ThreatDays = 30 });

        Assert.Equal(30, check.ThreatDays);
        Assert.Equal(new Dictionary<Category, long> { [Category.ThreatOfPhysicalViolence] = 2, [Category.ArmedGroupMovement] = 1 }, check.Threats.ToDictionary(t => t.Category, t => t.Count));
        var atRisk = check.Communities.Where(c => c.RiskLevel >= RiskLevel.Medium).ToList();
        Assert.NotEmpty(atRisk);
        foreach (var community in atRisk)
        {
            var distance = await Api.Database.ScalarAsync<double>(
                $"SELECT ST_Distance(ST_PointOnSurface(c.location)::geography, b.location::geography) FROM communities c, bases b WHERE c.id = '{community.Id}' AND b.id = 'ob-route'");
            if (distance <= 30_000)
            {
                var team = Assert.Single(community.Teams);
                Assert.Equal(("ob-route", 2, true), (team.BaseId, team.ClaCount, team.HasFemaleCla));
                Assert.Equal(distance, team.DistanceMetres, 1);
            }
            else
            {
                Assert.Empty(community.Teams);
            }
        }

        Assert.All(check.Communities.Where(c => c.RiskLevel < RiskLevel.Medium), c => Assert.Empty(c.Teams));
        Assert.Equal(60, (await Api.As(Role.Supervisor).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route", ThreatDays = 60 })).ThreatDays);
    }

    [Theory]
    [InlineData(Role.Analyst)]
    [InlineData(Role.Cla)]
    [InlineData(Role.Importer)]
    [InlineData(Role.HumanitarianLiaison)]
    public async Task ARoleWithoutTheRight_IsDenied_AndLearnsNothingAboutThePlan(Role role)
    {
        var known = await FailsWith(StatusCode.PermissionDenied, () => Api.As(role).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" }).ResponseAsync);
        var unknown = await FailsWith(StatusCode.PermissionDenied, () => Api.As(role).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-nosuch" }).ResponseAsync);

        Assert.Equal(unknown, known);
        Assert.DoesNotContain("op-route", known, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryRead_IsAudited_AndAPlanOutsideAScopedReadersAreaIsNotFound()
    {
        var before = await Api.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE target_kind = 'operation' AND target_id = 'op-route' AND action IN ('operation.read', 'operation.check')");
        await Api.As(Role.Supervisor).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-route" });
        await Api.As(Role.Supervisor).Operations.ListOperationsAsync(new ListOperationsRequest());
        await Api.As(Role.Supervisor).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" });
        Assert.Equal(before + 3, await Api.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE target_kind = 'operation' AND target_id = 'op-route' AND action IN ('operation.read', 'operation.check')"));

        await Api.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = "far-sector", Name = "Far", Area = new Shape { Wkt = "POLYGON((31 -3,32 -3,32 -2,31 -2,31 -3))" } });
        var scoped = await Api.ChannelForAsync(Role.Supervisor, "supervisor-far", ["far-sector"]);
        Assert.StartsWith("id: no operation 'op-route'", await FailsWith(StatusCode.NotFound, () => scoped.Operations.GetOperationAsync(new GetByIdRequest { Id = "op-route" }).ResponseAsync), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AScopedReadersCheck_NamesOnlyTheSitesInsideItsArea_AndCountsTheOthers()
    {
        // The western half of the route: the plan meets the area, so the reader may check it; the
        // sites its buffer reaches beyond the area are, for this reader, sites it does not read.
        await Api.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = "route-west", Name = "Route west", Area = new Shape { Wkt = "POLYGON((28.8 -1.3,29.27 -1.3,29.27 -0.8,28.8 -0.8,28.8 -1.3))" } });
        var scoped = await Api.ChannelForAsync(Role.Supervisor, "supervisor-route-west", ["route-west"]);

        var whole = await Api.As(Role.Supervisor).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" });
        var west = await scoped.Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-route" });

        var inside = whole.Facilities.Where(f => f.Id != "fac-gen-007").Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var longitudes = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var id in inside)
        {
            longitudes[id] = await Api.Database.ScalarAsync<double>($"SELECT ST_X(location) FROM facilities WHERE id = '{id}'");
        }

        var expected = longitudes.Where(l => l.Value < 29.27).Select(l => l.Key).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < inside.Count, "the route's sites should lie on both sides of the area's edge");
        Assert.Equal(expected, west.Facilities.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.Equal(whole.Facilities.Count + whole.FacilitiesWithheld, west.Facilities.Count + west.FacilitiesWithheld);
        // The deconfliction is the plan's, whoever checks: every flagging site counts, named or not.
        Assert.Equal(whole.FlaggedSiteIds.Count + whole.FlaggedWithheld, west.FlaggedSiteIds.Count + west.FlaggedWithheld);
        Assert.All(west.FlaggedSiteIds, id => Assert.Contains(id, expected));
    }

    [Theory]
    [InlineData("one-point route", "route", "LINESTRING(29 -1, 29 -1)", 100, 0, "route: ")]
    [InlineData("self-intersecting area", "area", "POLYGON((29 -1, 29.1 -1.1, 29.1 -1, 29 -1.1, 29 -1))", 0, 0, "area: ")]
    [InlineData("buffer out of range", "route", Route, 60_000, 0, "buffer_metres: 60000 is not between 0 and 50000")]
    [InlineData("route without buffer", "route", Route, 0, 0, "buffer_metres: a route needs a buffer")]
    [InlineData("window ending before it starts", "route", Route, 2000, -1, "ends_at: ")]
    [InlineData("an area that is a point", "area", "POINT(29 -1)", 0, 0, "area: is a Point")]
    public async Task ABadPlan_IsRefused_NamingTheField_AndNothingIsStored(string what, string place, string wkt, int buffer, int hours, string expected)
    {
        _ = what;
        var plan = Plan("op-bad");
        plan.BufferMetres = buffer;
        if (place == "area")
        {
            plan.Area = new Shape { Wkt = wkt };
        }
        else
        {
            plan.Route = new Shape { Wkt = wkt };
        }

        if (hours < 0)
        {
            plan.EndsAt = Timestamp.FromDateTimeOffset(plan.StartsAt.ToDateTimeOffset().AddHours(hours));
        }

        var detail = await FailsWith(StatusCode.InvalidArgument, () => Api.As(Role.Planner).Operations.CreateOperationAsync(plan).ResponseAsync);

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
        await FailsWith(StatusCode.NotFound, () => Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-bad" }).ResponseAsync);
    }

    [Fact]
    public async Task APlan_ChangesWithItsVersion_AndTheCheckFollowsTheNewRoute()
    {
        var created = await Api.As(Role.Planner).Operations.CreateOperationAsync(Plan("op-moved"));
        var moved = Plan("op-moved");
        moved.Route = new Shape { Wkt = "LINESTRING(31.0 -2.5, 31.1 -2.5)" };
        var updated = await Api.As(Role.Planner).Operations.UpdateOperationAsync(new UpdateOperationRequest { Operation = moved, ExpectedVersion = created.Version });
        Assert.Equal(created.Version + 1, updated.Version);
        Assert.StartsWith("expected_version: ", await FailsWith(StatusCode.Aborted, () =>
            Api.As(Role.Planner).Operations.UpdateOperationAsync(new UpdateOperationRequest { Operation = Plan("op-moved"), ExpectedVersion = created.Version }).ResponseAsync), StringComparison.Ordinal);
        var check = await Api.As(Role.UnCimicOfficer).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-moved" });
        Assert.Empty(check.Facilities);
        Assert.Empty(check.Communities);
    }

    /// <summary>What PostGIS alone finds within 2 km of the route as this test drew it, and how far.</summary>
    private async Task<Dictionary<string, double>> PostgisAsync(string table)
    {
        var found = new Dictionary<string, double>(StringComparer.Ordinal);
        await using var command = Api.Database.DataSource.CreateCommand(
            $"SELECT id, ST_Distance(location::geography, ST_GeomFromText($1, 4326)::geography) FROM {table} WHERE ST_DWithin(location::geography, ST_GeomFromText($1, 4326)::geography, 2000)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = Route });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetString(0)] = reader.GetDouble(1);
        }

        return found;
    }

    private static PlannedOperation Plan(string id) => new()
    {
        Id = id, Name = "Patrol along the Beni road", Kind = OperationKind.Patrol, Unit = "BANBATT-2", Route = new Shape { Wkt = Route }, BufferMetres = 2000,
        StartsAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 20, 6, 0, 0, TimeSpan.Zero)),
        EndsAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 20, 18, 0, 0, TimeSpan.Zero)),
    };

    private static Shape Point(double longitude, double latitude) => new() { Point = new GeoPoint { Longitude = longitude, Latitude = latitude } };

    private static Observation With(Observation observation, Action<Observation> change)
    {
        change(observation);
        return observation;
    }
}
