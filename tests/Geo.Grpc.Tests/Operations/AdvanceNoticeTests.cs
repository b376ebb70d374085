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
}
