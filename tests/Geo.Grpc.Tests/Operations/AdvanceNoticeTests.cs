using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Operations;

/// <summary>
/// Advance notice (issue 20, part 4; CLA policy para 33): the communities a checked plan touches,
/// grouped by the staffed team that could inform each; notices recorded (when, by whom), audited,
/// only for communities the check touched; and the share informed before the plan starts.
/// </summary>
public sealed class AdvanceNoticeTests(OperationTests.OperationFixture fixture) : IClassFixture<OperationTests.OperationFixture>
{
    private ApiFixture Api => fixture.Api;

    [Fact]
    public async Task ACheckedPlan_ListsItsCommunitiesByTeam_AndCountsThoseInformedBeforeItStarts()
    {
        var planner = Api.As(Role.Planner).Operations;
        var supervisor = Api.As(Role.Supervisor).Operations;
        var plan = await planner.CreateOperationAsync(new PlannedOperation
        {
            Id = "op-notice", Name = "Patrol", Kind = OperationKind.Patrol, Unit = "BANBATT-2", Route = new Shape { Wkt = OperationTests.Route }, BufferMetres = 2000,
            StartsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)), EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3).AddHours(10)),
        });
        Assert.StartsWith("id: the plan is unchecked", await FailsWith(StatusCode.FailedPrecondition, () => supervisor.AdvanceNoticeAsync(new AdvanceNoticeRequest { Id = plan.Id }).ResponseAsync), StringComparison.Ordinal);

        var check = await planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id });
        var list = await supervisor.AdvanceNoticeAsync(new AdvanceNoticeRequest { Id = plan.Id });
        Assert.Equal((check.Communities.Count, 0, "BANBATT-2"), (list.Communities, list.InformedBeforeStart, list.Unit));
        Assert.Equal(check.Communities.Select(c => c.Id).Order(StringComparer.Ordinal), list.Groups.SelectMany(g => g.Communities).Select(c => c.CommunityId).Order(StringComparer.Ordinal));
        // Every community a staffed team reaches is in that team's group; the others in the group without a base.
        var covered = list.Groups.Single(g => g.BaseId == "ob-route").Communities.Select(c => c.CommunityId).ToHashSet();
        foreach (var c in check.Communities.Where(c => c.Teams.Count > 0))
        {
            Assert.Contains(c.Id, covered);
        }

        var first = list.Groups.SelectMany(g => g.Communities).First();
        var recorded = await supervisor.RecordNoticeAsync(new RecordNoticeRequest { Id = plan.Id, CommunityId = first.CommunityId, InformedBy = "cla-r1" });
        Assert.Equal("cla-r1", recorded.InformedBy);
        var after = await supervisor.AdvanceNoticeAsync(new AdvanceNoticeRequest { Id = plan.Id });
        Assert.Equal(1, after.InformedBeforeStart);
        var informed = after.Groups.SelectMany(g => g.Communities).Single(c => c.CommunityId == first.CommunityId);
        Assert.True(informed.InformedBeforeStart);
        Assert.Equal("cla-r1", informed.InformedBy);
        Assert.Equal(1, await Api.Database.ScalarAsync<long>($"SELECT count(*) FROM audit_log WHERE action = 'operation.notice' AND target_id = '{plan.Id}'"));
    }

    [Fact]
    public async Task ANotice_ForACommunityTheCheckDidNotTouch_InTheFuture_OrByARoleWithoutTheRight_IsRefused()
    {
        var planner = Api.As(Role.Planner).Operations;
        var plan = await planner.CreateOperationAsync(new PlannedOperation
        {
            Id = "op-notice-2", Name = "Patrol", Kind = OperationKind.Patrol, Route = new Shape { Wkt = "LINESTRING(31.0 -2.5, 31.1 -2.5)" }, BufferMetres = 2000,
            StartsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)), EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(4)),
        });
        await planner.CheckOperationAsync(new CheckOperationRequest { Id = plan.Id });
        var supervisor = Api.As(Role.Supervisor).Operations;

        Assert.StartsWith("community_id: 'comm-gen-00' is not among the communities", await FailsWith(StatusCode.FailedPrecondition, () =>
            supervisor.RecordNoticeAsync(new RecordNoticeRequest { Id = plan.Id, CommunityId = "comm-gen-00" }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("informed_at: ", await FailsWith(StatusCode.InvalidArgument, () => supervisor.RecordNoticeAsync(new RecordNoticeRequest
        {
            Id = plan.Id, CommunityId = "comm-gen-00", InformedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
        }).ResponseAsync), StringComparison.Ordinal);
        await FailsWith(StatusCode.PermissionDenied, () => planner.RecordNoticeAsync(new RecordNoticeRequest { Id = plan.Id, CommunityId = "comm-gen-00" }).ResponseAsync);
        Assert.Equal(0, (await supervisor.AdvanceNoticeAsync(new AdvanceNoticeRequest { Id = plan.Id })).Communities);
    }

    [Fact]
    public async Task SummarizeNotices_GivesTheShareInformedBeforeTheStart_OverThePlansStartingInThePeriod_ByUnit()
    {
        var planner = Api.As(Role.Planner).Operations;
        var supervisor = Api.As(Role.Supervisor).Operations;
        var now = DateTimeOffset.UtcNow;
        PlannedOperation Plan(string id, string unit, DateTimeOffset start) => new()
        {
            Id = id, Name = "Patrol", Kind = OperationKind.Patrol, Unit = unit, Route = new Shape { Wkt = OperationTests.Route }, BufferMetres = 2000,
            StartsAt = Timestamp.FromDateTimeOffset(start), EndsAt = Timestamp.FromDateTimeOffset(start.AddHours(8)),
        };
        await planner.CreateOperationAsync(Plan("op-tally-a", "TALLY-A", now.AddDays(-2)));
        await planner.CreateOperationAsync(Plan("op-tally-b", "TALLY-B", now.AddDays(-1)));
        await planner.CreateOperationAsync(Plan("op-tally-later", "TALLY-A", now.AddDays(40)));
        var check = await planner.CheckOperationAsync(new CheckOperationRequest { Id = "op-tally-a" });
        await planner.CheckOperationAsync(new CheckOperationRequest { Id = "op-tally-later" });
        Assert.True(check.Communities.Count >= 2, $"{check.Communities.Count} communities");
        var (early, late) = (check.Communities[0].Id, check.Communities[1].Id);
        await supervisor.RecordNoticeAsync(new RecordNoticeRequest { Id = "op-tally-a", CommunityId = early, InformedAt = Timestamp.FromDateTimeOffset(now.AddDays(-3)) });
        await supervisor.RecordNoticeAsync(new RecordNoticeRequest { Id = "op-tally-a", CommunityId = late, InformedAt = Timestamp.FromDateTimeOffset(now.AddDays(-1)) });
        var request = new SummarizeNoticesRequest { From = Date(now.AddDays(-10)), To = Date(now.AddDays(20)) };

        var summary = await Api.As(Role.UnCimicOfficer).Operations.SummarizeNoticesAsync(request);

        var a = summary.Units.Single(u => u.Unit == "TALLY-A");
        Assert.Equal((1, 0, check.Communities.Count, 1), (a.Plans, a.PlansUnchecked, a.Communities, a.InformedBeforeStart));
        Assert.Equal(Math.Round(100.0 / check.Communities.Count, 1), a.PercentInformed);
        var b = summary.Units.Single(u => u.Unit == "TALLY-B");
        Assert.Equal((1, 1, 0, 0, false), (b.Plans, b.PlansUnchecked, b.Communities, b.InformedBeforeStart, b.HasPercentInformed));
        Assert.Equal(summary.Units.Sum(u => u.Plans), summary.Total.Plans);
        Assert.Equal(summary.Units.Sum(u => u.InformedBeforeStart), summary.Total.InformedBeforeStart);
        Assert.Equal((request.From, request.To), (summary.From, summary.To));
        Assert.True(await Api.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'operation.read' AND details::text LIKE '%notices%'") >= 1);

        // Confidential like the plans: a role that does not read them is refused; a bad period names its field.
        await FailsWith(StatusCode.PermissionDenied, () => Api.As(Role.CpasFocalPoint).Operations.SummarizeNoticesAsync(request).ResponseAsync);
        await FailsWith(StatusCode.PermissionDenied, () => Api.As(Role.Analyst).Operations.SummarizeNoticesAsync(request).ResponseAsync);
        Assert.StartsWith("period: ", await FailsWith(StatusCode.InvalidArgument, () => planner.SummarizeNoticesAsync(new SummarizeNoticesRequest { Period = "2026-W3" }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("to: ", await FailsWith(StatusCode.InvalidArgument, () => planner.SummarizeNoticesAsync(new SummarizeNoticesRequest { From = request.To, To = request.From }).ResponseAsync), StringComparison.Ordinal);
    }

    private static CalendarDate Date(DateTimeOffset at) => new() { Year = at.Year, Month = at.Month, Day = at.Day };
}
