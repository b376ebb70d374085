using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Coverage;

/// <summary>A plan's changes applied to the open bases: teams as the plan leaves them, and each contradiction named by its change.</summary>
public sealed class WhatIfPlanTests
{
    private static readonly DateOnly At = new(2026, 3, 1);

    private static Base Station(string id) => new() { Id = id, Name = id, Kind = BaseKind.OperatingBase, Location = new GeoPoint(29.2, -1.7), OpenedOn = new(2024, 1, 1) };

    private static ClaDeployment Cla(string id, string baseId, Sex sex, bool temporaryDuty = false, DateOnly? to = null) =>
        new() { Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = baseId, From = new(2025, 1, 1), To = to, TemporaryDuty = temporaryDuty };

    [Fact]
    public void Move_TakesTheCLAAndHerFlagsFromOneTeamToTheOther()
    {
        var her = Cla("her", "a", Sex.Female, temporaryDuty: true);
        var flags = DeploymentWarnings.OwnLocality | DeploymentWarnings.TemporaryDutyOverThreeMonths;
        var a = BaseTeam.Of(Station("a"), [(her, flags), (Cla("him", "a", Sex.Male), DeploymentWarnings.None)], At);
        var b = BaseTeam.Of(Station("b"), [(Cla("other", "b", Sex.Male), DeploymentWarnings.None)], At);
        var errors = new FieldErrors();

        var planned = WhatIfPlan.Apply(At, [a, b], [new MoveClas("changes[0]", "a", "b", ["her"])], new Dictionary<string, PlannedDeployment> { ["her"] = new(her, flags) }, errors);

        Assert.False(errors.Any);
        Assert.Equal(new BaseTeam(Station("a"), new ClaTeam(1, 0, 0), 0, 0), planned[0]);
        // She joins as a new deployment there: no flag, not on temporary duty.
        Assert.Equal(new BaseTeam(Station("b"), new ClaTeam(2, 1, 0), 0, 0), planned[1]);
    }

    [Fact]
    public void Changes_ThatContradictTheRegistryOrAnEarlierChange_AreEachNamed()
    {
        var a = BaseTeam.Of(Station("a"), [(Cla("her", "a", Sex.Female), DeploymentWarnings.None)], At);
        var b = BaseTeam.Of(Station("b"), [], At);
        var ended = Cla("ended", "a", Sex.Male, to: new(2026, 2, 1));
        var deployments = new Dictionary<string, PlannedDeployment> { ["her"] = new(Cla("her", "a", Sex.Female), DeploymentWarnings.None), ["ended"] = new(ended, DeploymentWarnings.None) };
        var errors = new FieldErrors();
        PlanChange[] changes =
        [
            new MoveClas("changes[0]", "a", "b", ["ended", "nobody"]),
            new CloseBase("changes[1]", "b"),
            new CloseBase("changes[2]", "b"),
            new AddClas("changes[3]", "c", [Sex.Female]),
            new OpenBase("changes[4]", Station("c"), [Sex.Male], IsTeam: false),
            new OpenBase("changes[5]", Station("c"), [], IsTeam: false),
        ];

        WhatIfPlan.Apply(At, [a, b], changes, deployments, errors);

        Assert.Equal(
            [
                "changes[0].deployment_ids[0]: deployment 'ended' is not at base 'a' on 2026-03-01",
                "changes[0].deployment_ids[1]: deployment 'nobody' is not at base 'a' on 2026-03-01",
                "changes[2].base_id: base 'b' is closed by changes[1]",
                "changes[3].base_id: base 'c' is opened by a later change: open it first",
                "changes[5].base.id: base 'c' is opened by changes[4] already",
            ],
            errors.All.Select(e => e.ToString()));
    }

    [Fact]
    public void Check_ATeamWithoutAPeriodOrCLAs_AndAnOpeningAfterThePlansDate_AreRefused()
    {
        var errors = new FieldErrors();
        var later = Station("t") with { Kind = BaseKind.SurgeTeam, OpenedOn = new(2026, 4, 1) };

        WhatIfPlan.Check(At, [new OpenBase("changes[0].deploy_team", later, [], IsTeam: true)], errors);

        Assert.Equal(
            [
                "changes[0].deploy_team.base.opened_on: 2026-04-01 is after the plan's date 2026-03-01 (coverage.at): a plan is judged on its date",
                "changes[0].deploy_team.base.closed_on: is required: a team is deployed for a period (opened_on to closed_on)",
                "changes[0].deploy_team.clas: is required: at least one CLA, by sex (FEMALE or MALE)",
            ],
            errors.All.Select(e => e.ToString()));
    }
}
