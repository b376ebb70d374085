using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Grpc.UseCases;
using Geo.Storage;
using Geo.Storage.Access;
using Geo.Storage.Civilian;

namespace Geo.Grpc.Civilian;

/// <summary>A step asked for: where to, and what the step records.</summary>
internal sealed record QipStep(QipState To, long ExpectedVersion, string ApprovedBy, DateOnly? CompletedOn, string Reason);

internal sealed record AssistanceStep(AssistanceState To, long ExpectedVersion, string DecidedBy, string Reason, string LastResort);

/// <summary>
/// Quick impact projects and civil assistance requests, step by step: each step checked against the
/// workflow (<see cref="CivilWorkSteps"/>) and what it must record, then written with its audit row.
/// </summary>
internal sealed class CivilWorkDesk(CivilWorkStore store, TimeProvider clock)
{
    public Task<Versioned<QuickImpactProject>> CreateAsync(QuickImpactProject project, Caller caller, CancellationToken cancellationToken) =>
        store.CreateQipAsync(project with { State = QipState.Proposed }, new AuditRow(caller.Subject, "qip.propose", "qip", project.Id, new { project.Title, budget_usd = project.BudgetUsd }), cancellationToken);

    public Task<Versioned<CivilAssistanceRequest>> CreateAsync(CivilAssistanceRequest request, Caller caller, CancellationToken cancellationToken) =>
        store.CreateRequestAsync(request with { State = AssistanceState.Requested }, new AuditRow(caller.Subject, "assistance.request", "assistance_request", request.Id, new { request.Title }), cancellationToken);

    public async Task<Versioned<QuickImpactProject>> AdvanceAsync(string id, QipStep step, Caller caller, CancellationToken cancellationToken)
    {
        var current = await store.GetQipAsync(id, cancellationToken).ConfigureAwait(false);
        Expect(current.Version, step.ExpectedVersion, "project", id);
        var project = current.Value;
        if (CivilWorkSteps.Refusal(project, step.To) is { } refusal)
        {
            throw new RefusedByRule("to", refusal);
        }

        var next = step.To switch
        {
            QipState.Approved => project with { State = step.To, ApprovedBy = Required(step.ApprovedBy, "approved_by", "who approved it (the HOMC or a designee, policy 10.2.6)") },
            QipState.Completed => project with { State = step.To, CompletedOn = step.CompletedOn ?? throw new RefusedByRule("completed_on", "is required to complete a project") },
            QipState.Cancelled => project with { State = step.To, CancellationReason = Required(step.Reason, "reason", "why the project is cancelled") },
            _ => project with { State = step.To },
        };
        var audit = new AuditRow(caller.Subject, "qip." + step.To.ToString().ToLowerInvariant(), "qip", id,
            new { from = project.State.ToString().ToLowerInvariant(), approved_by = next.ApprovedBy, completed_on = next.CompletedOn, reason = next.CancellationReason });
        if (!await store.StepQipAsync(next, current.Version, audit, cancellationToken).ConfigureAwait(false))
        {
            throw new VersionMismatchException($"project '{id}' changed while this step was made: read it again and retry") { Field = "expected_version" };
        }

        return await store.GetQipAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Versioned<CivilAssistanceRequest>> AdvanceAsync(string id, AssistanceStep step, Caller caller, CancellationToken cancellationToken)
    {
        var current = await store.GetRequestAsync(id, cancellationToken).ConfigureAwait(false);
        Expect(current.Version, step.ExpectedVersion, "request", id);
        var request = current.Value;
        if (step.LastResort.Trim().Length > 0 && step.To is AssistanceState.Reviewed or AssistanceState.Approved)
        {
            request = request with { LastResort = step.LastResort.Trim() };
        }

        if (CivilWorkSteps.Refusal(request, step.To) is { } refusal)
        {
            throw new RefusedByRule(refusal.Contains("last resort", StringComparison.Ordinal) ? "last_resort" : "to", refusal);
        }

        var now = clock.GetUtcNow();
        var next = step.To switch
        {
            AssistanceState.Approved => request with
            {
                State = step.To, DecidedBy = Required(step.DecidedBy, "decided_by", "who decided (the HOMC or delegated staff, with the DSRSG/RC/HC; policy 10.2.7)"), DecidedAt = now,
            },
            AssistanceState.Refused => request with
            {
                State = step.To, DecidedBy = Required(step.DecidedBy, "decided_by", "who decided"), DecidedAt = now, RefusalReason = Required(step.Reason, "reason", "why it is refused"),
            },
            _ => request with { State = step.To },
        };
        var audit = new AuditRow(caller.Subject, "assistance." + step.To.ToString().ToLowerInvariant(), "assistance_request", id,
            new { from = request.State.ToString().ToLowerInvariant(), decided_by = next.DecidedBy, reason = next.RefusalReason, last_resort = next.LastResort.Length > 0 });
        if (!await store.StepRequestAsync(next, current.Version, audit, cancellationToken).ConfigureAwait(false))
        {
            throw new VersionMismatchException($"request '{id}' changed while this step was made: read it again and retry") { Field = "expected_version" };
        }

        return await store.GetRequestAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes what a project is, while it is neither completed nor cancelled.</summary>
    public async Task<Versioned<QuickImpactProject>> ChangeAsync(QuickImpactProject changed, long expectedVersion, Caller caller, CancellationToken cancellationToken)
    {
        var current = await store.GetQipAsync(changed.Id, cancellationToken).ConfigureAwait(false);
        Expect(current.Version, expectedVersion, "project", changed.Id);
        if (current.Value.State is QipState.Completed or QipState.Cancelled)
        {
            throw new RefusedByRule("project", $"the project is {current.Value.State.ToString().ToLowerInvariant()}: it can no longer change");
        }

        var audit = new AuditRow(caller.Subject, "qip.change", "qip", changed.Id, new { changed.Title, budget_usd = changed.BudgetUsd, planned_completion = changed.PlannedCompletion });
        if (!await store.ChangeQipAsync(changed, current.Version, [QipState.Proposed, QipState.Approved, QipState.Implementing], audit, cancellationToken).ConfigureAwait(false))
        {
            throw new VersionMismatchException($"project '{changed.Id}' changed meanwhile: read it again and retry") { Field = "expected_version" };
        }

        return await store.GetQipAsync(changed.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes what is asked, until it is decided: an approval is of what was asked.</summary>
    public async Task<Versioned<CivilAssistanceRequest>> ChangeAsync(CivilAssistanceRequest changed, long expectedVersion, Caller caller, CancellationToken cancellationToken)
    {
        var current = await store.GetRequestAsync(changed.Id, cancellationToken).ConfigureAwait(false);
        Expect(current.Version, expectedVersion, "request", changed.Id);
        if (current.Value.State is not (AssistanceState.Requested or AssistanceState.Reviewed))
        {
            throw new RefusedByRule("request", $"the request is {current.Value.State.ToString().ToLowerInvariant()}: what was decided on can no longer change");
        }

        var audit = new AuditRow(caller.Subject, "assistance.change", "assistance_request", changed.Id, new { changed.Title, needed_from = changed.NeededFrom, needed_to = changed.NeededTo });
        if (!await store.ChangeRequestAsync(changed, current.Version, [AssistanceState.Requested, AssistanceState.Reviewed], audit, cancellationToken).ConfigureAwait(false))
        {
            throw new VersionMismatchException($"request '{changed.Id}' changed meanwhile: read it again and retry") { Field = "expected_version" };
        }

        return await store.GetRequestAsync(changed.Id, cancellationToken).ConfigureAwait(false);
    }

    private static void Expect(long version, long expected, string kind, string id)
    {
        if (expected != 0 && expected != version)
        {
            throw new VersionMismatchException($"{kind} '{id}' is at version {version}, not the expected {expected}: read it again and retry") { Field = "expected_version" };
        }
    }

    private static string Required(string value, string field, string what) =>
        value.Trim().Length is > 0 and <= 200 ? value.Trim() : throw new RefusedByRule(field, $"is required (1 to 200 characters): {what}");
}
