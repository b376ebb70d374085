using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Operations;

/// <summary>
/// Deconfliction (issue 20, part 3): a plan whose buffer reaches a notified site or a health
/// facility is flagged by its check; it is cleared only by a UN-CIMIC officer with a recorded,
/// audited reason; an edit voids the clearance until the plan is checked again; a site added in
/// reach after a check marks the plan for a re-check, and clearing waits for it.
/// </summary>
public sealed class DeconflictionTests(OperationTests.OperationFixture fixture) : IClassFixture<OperationTests.OperationFixture>
{
    private ApiFixture Api => fixture.Api;

    private Geo.Api.V1.Operations.OperationsClient Planner => Api.As(Role.Planner).Operations;

    private Geo.Api.V1.Operations.OperationsClient Cimic => Api.As(Role.UnCimicOfficer).Operations;

    [Fact]
    public async Task APlanReachingHealthFacilities_IsFlagged_AndClearedOnlyWithAReasonByAUnCimicOfficer_Audited()
    {
        var plan = await Planner.CreateOperationAsync(Plan("op-dec-1", OperationTests.Route));
        Assert.Equal(DeconflictionState.Unchecked, plan.Deconfliction);

        var check = await Planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id });
        Assert.Equal(DeconflictionState.Flagged, check.Deconfliction);
        var flaggedExpected = check.Facilities.Count(f => f.Type is FacilityType.Hospital or FacilityType.Clinic or FacilityType.HealthPost || f.Notified);
        Assert.Equal(flaggedExpected, check.FlaggedSiteIds.Count);
        Assert.Equal(DeconflictionState.Flagged, (await Planner.GetOperationAsync(new GetByIdRequest { Id = plan.Id })).Deconfliction);

        Assert.StartsWith("reason: is required", await FailsWith(StatusCode.InvalidArgument, () => Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id }).ResponseAsync), StringComparison.Ordinal);
        await FailsWith(StatusCode.PermissionDenied, () => Planner.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "we are in a hurry" }).ResponseAsync);
        var cleared = await Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "Route agreed with the clinics' operators; patrol passes at night" });
        Assert.Equal((DeconflictionState.ClearedByOverride, "test-uncimicofficer"), (cleared.Deconfliction, cleared.OverriddenBy));
        Assert.StartsWith("id: the plan is already cleared", await FailsWith(StatusCode.FailedPrecondition, () =>
            Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "again" }).ResponseAsync), StringComparison.Ordinal);
        Assert.Contains("Route agreed with the clinics", await Api.Database.ScalarAsync<string>(
            $"SELECT details::text FROM audit_log WHERE action = 'operation.clear' AND target_id = '{plan.Id}'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEditAfterClearing_VoidsTheClearance_UntilThePlanIsCheckedAgain()
    {
        var plan = await Planner.CreateOperationAsync(Plan("op-dec-2", OperationTests.Route));
        await Planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id });
        var cleared = await Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "agreed" });

        var edited = Plan("op-dec-2", OperationTests.Route);
        edited.BufferMetres = 3000;
        var updated = await Planner.UpdateOperationAsync(new UpdateOperationRequest { Operation = edited, ExpectedVersion = cleared.Version });

        Assert.Equal((DeconflictionState.Unchecked, "", ""), (updated.Deconfliction, updated.OverrideReason, updated.OverriddenBy));
        Assert.StartsWith("id: the plan is unchecked", await FailsWith(StatusCode.FailedPrecondition, () =>
            Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "agreed" }).ResponseAsync), StringComparison.Ordinal);
        Assert.Equal(DeconflictionState.Flagged, (await Planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id })).Deconfliction);
    }

    [Fact]
    public async Task ASiteAddedInReachAfterTheCheck_MarksThePlanForARecheck_AndClearingWaitsForIt()
    {
        var plan = await Planner.CreateOperationAsync(Plan("op-dec-3", "LINESTRING(31.0 -2.5, 31.1 -2.5)"));
        Assert.Equal(DeconflictionState.Clear, (await Planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id })).Deconfliction);
        Assert.StartsWith("id: the plan touches no protected site", await FailsWith(StatusCode.FailedPrecondition, () =>
            Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "x" }).ResponseAsync), StringComparison.Ordinal);

        await Api.As(Role.HumanitarianLiaison).Civilian.CreateFacilityAsync(new Facility
        {
            Id = "fac-new-clinic", Name = "New clinic", Type = FacilityType.Clinic, Sharing = SharingLevel.LiaisonOnly,
            Location = new Shape { Point = new GeoPoint { Longitude = 31.05, Latitude = -2.505 } },
            Notification = new SiteNotification { NotifiedOn = new CalendarDate { Year = 2026, Month = 12, Day = 1 }, NotifiedTo = "parties via OCHA" },
        });

        Assert.True((await Planner.GetOperationAsync(new GetByIdRequest { Id = plan.Id })).NeedsRecheck);
        var recheck = await Planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id });
        // The new site flags the plan even for a planner who may not read it (liaison-only): counted, not named.
        Assert.Equal((DeconflictionState.Flagged, 1, 0), (recheck.Deconfliction, recheck.FlaggedWithheld, recheck.FlaggedSiteIds.Count));
        Assert.False((await Planner.GetOperationAsync(new GetByIdRequest { Id = plan.Id })).NeedsRecheck);
        Assert.Equal(DeconflictionState.ClearedByOverride, (await Cimic.ClearOperationAsync(new ClearOperationRequest { Id = plan.Id, Reason = "clinic informed; route moved 500 m" })).Deconfliction);
    }

    private static PlannedOperation Plan(string id, string route) => new()
    {
        Id = id, Name = "Patrol", Kind = OperationKind.Patrol, Route = new Shape { Wkt = route }, BufferMetres = 2000,
        StartsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(5)),
        EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(5).AddHours(8)),
    };
}
