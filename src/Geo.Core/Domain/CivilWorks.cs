using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>A quick impact project's steps (UN-CIMIC policy 10.2.6): proposed → approved → implementing → completed, or cancelled.</summary>
public enum QipState
{
    Proposed = 1,
    Approved = 2,
    Implementing = 3,
    Completed = 4,
    Cancelled = 5,
}

/// <summary>A civil assistance request's steps (10.2.7, annex A): requested → reviewed → approved or refused → executed → closed.</summary>
public enum AssistanceState
{
    Requested = 1,
    Reviewed = 2,
    Approved = 3,
    Refused = 4,
    Executed = 5,
    Closed = 6,
}

/// <summary>What a project or a request is about and where: a place, the community and the facilities it serves, who asked and who does it.</summary>
public sealed record CivilWorkScope(Point? Location, string CommunityId, IReadOnlyList<string> FacilityIds, string RequestedBy, string ImplementedBy);

/// <summary>A small-scale, quickly implementable project that benefits a community (10.2.6), funded by the mission.</summary>
public sealed record QuickImpactProject
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    public Cluster Sector { get; init; }

    public required CivilWorkScope Scope { get; init; }

    /// <summary>Budget in US dollars.</summary>
    public decimal BudgetUsd { get; init; }

    public DateOnly PlannedCompletion { get; init; }

    public QipState State { get; init; } = QipState.Proposed;

    /// <summary>Who approved it (the HOMC or a designee, per 10.2.6), and when; set by the step.</summary>
    public string ApprovedBy { get; init; } = string.Empty;

    public DateOnly? CompletedOn { get; init; }

    public string CancellationReason { get; init; } = string.Empty;

    /// <summary>Completed no later than planned.</summary>
    public bool CompletedOnTime => State == QipState.Completed && CompletedOn is { } done && done <= PlannedCompletion;
}

/// <summary>
/// A request by a humanitarian or development actor for military support "to alleviate human
/// suffering": a last resort, limited in time and space, decided through the mission's process
/// (DSRSG/RC/HC with the HOMC or delegated staff; the SRSG when they disagree).
/// </summary>
public sealed record CivilAssistanceRequest
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    public string Description { get; init; } = string.Empty;

    public required CivilWorkScope Scope { get; init; }

    /// <summary>Limited in time: when the support is needed.</summary>
    public DateOnly NeededFrom { get; init; }

    public DateOnly NeededTo { get; init; }

    /// <summary>Why no civilian capacity can do it in time (OCHA's "last resort"); required before approval.</summary>
    public string LastResort { get; init; } = string.Empty;

    public AssistanceState State { get; init; } = AssistanceState.Requested;

    public DateTimeOffset RequestedAt { get; init; }

    /// <summary>Who decided (approved or refused: the HOMC or a designee with the DSRSG/RC/HC), when, and why when refused.</summary>
    public string DecidedBy { get; init; } = string.Empty;

    public DateTimeOffset? DecidedAt { get; init; }

    public string RefusalReason { get; init; } = string.Empty;
}

/// <summary>The steps each workflow allows, and what each step needs.</summary>
public static class CivilWorkSteps
{
    /// <summary>Why <paramref name="project"/> may not move to <paramref name="to"/>, or null when it may.</summary>
    public static string? Refusal(QuickImpactProject project, QipState to)
    {
        ArgumentNullException.ThrowIfNull(project);
        var allowed = (project.State, to) switch
        {
            (QipState.Proposed, QipState.Approved) or (QipState.Approved, QipState.Implementing) or (QipState.Implementing, QipState.Completed) => true,
            (QipState.Proposed or QipState.Approved or QipState.Implementing, QipState.Cancelled) => true,
            _ => false,
        };
        return allowed ? null : $"the project is {Word(project.State)}: it cannot become {Word(to)} ({Path(project.State)})";

        static string Path(QipState from) => from switch
        {
            QipState.Proposed => "next: approved, or cancelled",
            QipState.Approved => "next: implementing, or cancelled",
            QipState.Implementing => "next: completed, or cancelled",
            _ => "it is final",
        };
    }

    /// <summary>Why <paramref name="request"/> may not move to <paramref name="to"/>, or null when it may.</summary>
    public static string? Refusal(CivilAssistanceRequest request, AssistanceState to)
    {
        ArgumentNullException.ThrowIfNull(request);
        var allowed = (request.State, to) switch
        {
            (AssistanceState.Requested, AssistanceState.Reviewed) => true,
            (AssistanceState.Reviewed, AssistanceState.Approved or AssistanceState.Refused) => true,
            (AssistanceState.Approved, AssistanceState.Executed) => true,
            (AssistanceState.Executed or AssistanceState.Refused, AssistanceState.Closed) => true,
            _ => false,
        };
        if (!allowed)
        {
            return $"the request is {Word(request.State)}: it cannot become {Word(to)} ({Path(request.State)})";
        }

        return to == AssistanceState.Approved && string.IsNullOrWhiteSpace(request.LastResort)
            ? "the request states no last resort: support is given only when no civilian capacity can do it in time (UN-CIMIC policy 10.2.7); record why first (last_resort)"
            : null;

        static string Path(AssistanceState from) => from switch
        {
            AssistanceState.Requested => "next: reviewed",
            AssistanceState.Reviewed => "next: approved or refused",
            AssistanceState.Approved => "next: executed",
            AssistanceState.Executed or AssistanceState.Refused => "next: closed",
            _ => "it is final",
        };
    }

    private static string Word<T>(T state)
        where T : struct, Enum => state.ToString().ToLowerInvariant();
}
