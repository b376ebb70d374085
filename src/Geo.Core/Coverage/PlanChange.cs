using Geo.Core.Domain;
using Geo.Core.Validation;

namespace Geo.Core.Coverage;

/// <summary>One change of a what-if plan; <see cref="Field"/> is where the request carried it, so that a refusal names it.</summary>
public abstract record PlanChange(string Field);

/// <summary>
/// A base the plan opens, with the CLAs deployed there from its opening. A mobile or surge team
/// (<see cref="IsTeam"/>) is one for a period: its kind is a surge team or a temporary base, it
/// has an end date and at least one CLA.
/// </summary>
public sealed record OpenBase(string Field, Base Base, IReadOnlyList<Sex> Clas, bool IsTeam) : PlanChange(Field);

/// <summary>An open base the plan closes on its date: its team no longer counts.</summary>
public sealed record CloseBase(string Field, string BaseId) : PlanChange(Field);

/// <summary>Named CLAs (by deployment id) the plan moves from one base to another.</summary>
public sealed record MoveClas(string Field, string FromBaseId, string ToBaseId, IReadOnlyList<string> DeploymentIds) : PlanChange(Field);

/// <summary>CLAs the plan adds to a base, by sex. <see cref="BaseField"/> names the base's field ("teams[i].base_id" for a planned team).</summary>
public sealed record AddClas(string Field, string BaseId, IReadOnlyList<Sex> Clas) : PlanChange(Field)
{
    public string BaseField => $"{Field}.base_id";

    /// <summary>A planned team of the older request form: its counts as CLAs by sex.</summary>
    public static AddClas Of(PlannedTeam team, string field)
    {
        ArgumentNullException.ThrowIfNull(team);
        return new AddClas(field, team.BaseId, [.. Enumerable.Repeat(Sex.Female, team.FemaleCount), .. Enumerable.Repeat(Sex.Male, team.ClaCount - team.FemaleCount)]);
    }
}

/// <summary>A CLA deployment as a plan's move finds it: active at its base on the plan's date or not, and the rules' warnings at that date.</summary>
public sealed record PlannedDeployment(ClaDeployment Deployment, DeploymentWarnings Warnings);

/// <summary>
/// A what-if plan applied to the open bases of one date: each change checked against the registry
/// and against the changes before it (a base closed twice, CLAs moved from a base they are not
/// at), and the bases with their teams as the plan leaves them. Pure: storage has already said
/// which bases exist and where each named deployment is.
/// </summary>
public static class WhatIfPlan
{
    /// <summary>Teams and changes of one plan, in all: more is a runaway script, not a plan.</summary>
    public const int MaxChanges = 1000;

    /// <summary>
    /// What each change must say, whatever the registry holds: ids, names, kinds, places, dates
    /// against the plan's date, CLAs by sex. Errors are named under each change's field.
    /// </summary>
    public static void Check(DateOnly at, IReadOnlyList<PlanChange> changes, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var change in changes)
        {
            var field = errors.At(change.Field);
            switch (change)
            {
                case OpenBase open:
                    CheckOpening(at, open, field);
                    break;
                case CloseBase close:
                    ObservationRules.CheckId(close.BaseId, "base_id", field);
                    break;
                case MoveClas move:
                    ObservationRules.CheckId(move.FromBaseId, "from_base_id", field);
                    ObservationRules.CheckId(move.ToBaseId, "to_base_id", field);
                    if (move.DeploymentIds.Count == 0)
                    {
                        field.Add("deployment_ids", "is required: at least one CLA deployment to move");
                    }
                    else if (move.DeploymentIds.Count > PlannedTeam.MaxClas)
                    {
                        field.Add("deployment_ids", $"has {move.DeploymentIds.Count} deployments; at most {PlannedTeam.MaxClas}");
                    }

                    for (var j = 0; j < move.DeploymentIds.Count && j < PlannedTeam.MaxClas; j++)
                    {
                        ObservationRules.CheckId(move.DeploymentIds[j], $"deployment_ids[{j}]", field);
                    }

                    if (move.FromBaseId.Length > 0 && string.Equals(move.FromBaseId, move.ToBaseId, StringComparison.Ordinal))
                    {
                        field.Add("to_base_id", $"is from_base_id '{move.FromBaseId}': the CLAs would not move");
                    }

                    break;
                case AddClas add:
                    ObservationRules.CheckId(add.BaseId, "base_id", field);
                    CheckClas(add.Clas, 1, field);
                    break;
                default:
                    throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(changes));
            }
        }
    }

    private static void CheckOpening(DateOnly at, OpenBase open, FieldErrors field)
    {
        var station = open.Base;
        var place = field.At("base");
        RegistryRules.Check(station, place);
        if (open.IsTeam && station.Kind is not (BaseKind.SurgeTeam or BaseKind.TemporaryOperatingBase))
        {
            place.Add("kind", $"{station.Kind} is not a team's kind: SURGE_TEAM (the default) or TEMPORARY_OPERATING_BASE for a mobile team");
        }

        if (station.OpenedOn is { } opened && opened > at)
        {
            place.Add("opened_on", $"{opened:yyyy-MM-dd} is after the plan's date {at:yyyy-MM-dd} (coverage.at): a plan is judged on its date");
        }

        if (station.ClosedOn is { } closed && closed < at && (station.OpenedOn is not { } from || closed >= from))
        {
            place.Add("closed_on", $"{closed:yyyy-MM-dd} is before the plan's date {at:yyyy-MM-dd} (coverage.at): a plan is judged on its date");
        }
        else if (open.IsTeam && station.ClosedOn is null)
        {
            place.Add("closed_on", "is required: a team is deployed for a period (opened_on to closed_on)");
        }

        CheckClas(open.Clas, open.IsTeam ? 1 : 0, field);
    }

    private static void CheckClas(IReadOnlyList<Sex> clas, int least, FieldErrors field)
    {
        if (clas.Count < least)
        {
            field.Add("clas", "is required: at least one CLA, by sex (FEMALE or MALE)");
        }
        else if (clas.Count > PlannedTeam.MaxClas)
        {
            field.Add("clas", $"has {clas.Count} CLAs; at most {PlannedTeam.MaxClas}");
            return;
        }

        for (var j = 0; j < clas.Count; j++)
        {
            if (clas[j] is not (Sex.Female or Sex.Male))
            {
                field.Add($"clas[{j}]", $"{(int)clas[j]} is not FEMALE (1) or MALE (2): a planned CLA's sex decides the team's gaps");
            }
        }
    }

    /// <summary>
    /// The open bases on <paramref name="at"/> with the plan's changes applied in order, ordered by
    /// id. <paramref name="open"/> are the bases open on the date (storage has refused every
    /// registered base a change names that is not among them); <paramref name="deployments"/> holds
    /// the deployments the moves name that the caller may see, by id. What contradicts the registry
    /// or an earlier change is added to <paramref name="errors"/>, under the change's field.
    /// </summary>
    public static IReadOnlyList<BaseTeam> Apply(
        DateOnly at, IEnumerable<BaseTeam> open, IReadOnlyList<PlanChange> changes, IReadOnlyDictionary<string, PlannedDeployment> deployments, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(deployments);
        ArgumentNullException.ThrowIfNull(errors);
        var bases = open.Where(b => b.Base.IsOpenOn(at)).ToDictionary(b => b.Base.Id, StringComparer.Ordinal);
        var closedBy = new Dictionary<string, string>(StringComparer.Ordinal);
        var openedBy = new Dictionary<string, string>(StringComparer.Ordinal);
        var movedTo = new Dictionary<string, string>(StringComparer.Ordinal);

        BaseTeam? Find(string id, string field)
        {
            if (closedBy.TryGetValue(id, out var by))
            {
                errors.Add(field, $"base '{id}' is closed by {by}");
                return null;
            }

            if (bases.TryGetValue(id, out var station))
            {
                return station;
            }

            errors.Add(field, $"base '{id}' is opened by a later change: open it first");
            return null;
        }

        foreach (var change in changes)
        {
            switch (change)
            {
                case OpenBase opening:
                    var id = opening.Base.Id;
                    if (openedBy.TryGetValue(id, out var first) || bases.ContainsKey(id) || closedBy.ContainsKey(id))
                    {
                        errors.Add($"{opening.Field}.base.id", first is null ? $"base '{id}' is a registered base: give the new one an id of its own" : $"base '{id}' is opened by {first} already");
                        break;
                    }

                    openedBy[id] = opening.Field;
                    var female = opening.Clas.Count(s => s == Sex.Female);
                    bases[id] = new BaseTeam(opening.Base with { OpenedOn = opening.Base.OpenedOn ?? at }, new ClaTeam(opening.Clas.Count, female, 0), 0, 0);
                    break;
                case CloseBase close:
                    if (Find(close.BaseId, $"{close.Field}.base_id") is not null)
                    {
                        bases.Remove(close.BaseId);
                        closedBy[close.BaseId] = close.Field;
                    }

                    break;
                case MoveClas move:
                    Move(at, move, Find(move.FromBaseId, $"{move.Field}.from_base_id"), Find(move.ToBaseId, $"{move.Field}.to_base_id"), bases, deployments, movedTo, errors);
                    break;
                case AddClas add:
                    if (Find(add.BaseId, add.BaseField) is { } station)
                    {
                        bases[add.BaseId] = station.With(add.Clas.Count, add.Clas.Count(s => s == Sex.Female));
                    }

                    break;
                default:
                    throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(changes));
            }
        }

        return bases.Values.OrderBy(b => b.Base.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Each named CLA leaves its base and joins the other as a new deployment there (no rule flags
    /// it yet). A CLA must be at the base it moves from on the date, after the plan's earlier moves;
    /// one the caller may not see reads as not there, in the same words.
    /// </summary>
    private static void Move(
        DateOnly at, MoveClas move, BaseTeam? from, BaseTeam? to, Dictionary<string, BaseTeam> bases, IReadOnlyDictionary<string, PlannedDeployment> deployments,
        Dictionary<string, string> movedTo, FieldErrors errors)
    {
        for (var j = 0; j < move.DeploymentIds.Count; j++)
        {
            var id = move.DeploymentIds[j];
            if (!deployments.TryGetValue(id, out var found) || !found.Deployment.IsActiveOn(at)
                || !string.Equals(movedTo.GetValueOrDefault(id, found.Deployment.BaseId), move.FromBaseId, StringComparison.Ordinal))
            {
                errors.Add($"{move.Field}.deployment_ids[{j}]", $"deployment '{id}' is not at base '{move.FromBaseId}' on {at:yyyy-MM-dd}");
                continue;
            }

            if (from is null || to is null)
            {
                continue;
            }

            movedTo[id] = move.ToBaseId;
            from = from.Without(found.Deployment, found.Warnings);
            to = to.With(1, found.Deployment.Sex == Sex.Female ? 1 : 0);
            bases[move.FromBaseId] = from;
            bases[move.ToBaseId] = to;
        }
    }
}
