using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Grpc.Access;
using Geo.Core.Validation;
using Grpc.Core;
using Geo.Storage;
using Geo.Storage.Access;
using Geo.Storage.Observations;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Options;
using Geo.Grpc.Telemetry;
using Geo.Grpc.UseCases;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Observations: what CLAs submit and analysts query.</summary>
internal sealed class ObservationsHandler(
    ObservationStore store, AccessStore audit, ObservationIntake intake, ObservationIngest ingest, ObservationReading reading, SupervisorReview review,
    Watch.ObservationWatch watch, Watch.WatchRequests watchRequests, IOptions<Alerts.AlertOptions> alertOptions, IOptions<ApiOptions> options, GeoAwarenessMetrics metrics)
    : V1.Observations.ObservationsBase
{
    /// <summary>Observations one LinkEvent may name: an incident told by more is linked in several calls (the events merge).</summary>
    private const int MaxEventLinks = 100;

    private readonly ApiOptions _options = options.Value;

    public override async Task<V1.SubmitObservationsResponse> Submit(V1.SubmitObservationsRequest request, ServerCallContext context)
    {
        if (request.Observations.Count == 0)
        {
            throw ApiErrors.InvalidArgument("observations", "is empty");
        }

        if (request.Observations.Count > _options.MaxBatchSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"observations: {request.Observations.Count} in one call, above the maximum of {_options.MaxBatchSize}; use Ingest for bulk loads"));
        }

        var caller = context.Caller();
        var response = new V1.SubmitObservationsResponse();
        var prepared = intake.Prepare(request.Observations, "observations", caller, response.Ids);
        var outcome = await ingest.SubmitAsync(prepared, context.CancellationToken).ConfigureAwait(false);
        metrics.Ingested(context.Method, outcome.Stored, outcome.AlreadyStored);
        response.Stored = (int)outcome.Stored;
        response.AlreadyStoredIds.AddRange(outcome.AlreadyStoredIds);
        return response;
    }

    /// <summary>
    /// Commits whole messages in groups of about <see cref="ApiOptions.IngestCommitRows"/>
    /// observations. A refused message is stored not at all, the messages before it are; a broken
    /// stream keeps what was committed, and a retry with the same ids completes it.
    /// </summary>
    public override async Task<V1.IngestResponse> Ingest(IAsyncStreamReader<V1.IngestRequest> requests, ServerCallContext context)
    {
        WriteOutcome total;
        try
        {
            total = await ingest.IngestAsync(Messages(requests, context.Caller(), context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
            metrics.Ingested(context.Method, total.Stored, total.AlreadyStored);
        }
        catch (IngestStopped stopped)
        {
            // What was committed before the stream stopped counts as ingested.
            metrics.Ingested(context.Method, stopped.Stored.Stored, stopped.Stored.AlreadyStored);
            throw Refusal(stopped);
        }

        var response = new V1.IngestResponse { Received = total.Received, Stored = total.Stored, AlreadyStored = total.AlreadyStored };
        response.AlreadyStoredIds.AddRange(total.AlreadyStoredIds);
        return response;
    }

    /// <summary>
    /// How a stopped ingest ends its call: the refusal or the failure's own status, saying which
    /// messages are stored (and, when the database was unavailable or the write collided with
    /// another, where to resend from).
    /// </summary>
    private static Exception Refusal(IngestStopped stopped)
    {
        var cause = stopped.InnerException!;
        if (stopped.RefusedMessage && cause is RpcException refused)
        {
            return new RpcException(new Status(refused.StatusCode, $"{refused.Status.Detail}. {StoredBefore(stopped.AtMessage, stopped.Stored)}"));
        }

        if (!stopped.RefusedMessage && ApiErrors.Translate(cause) is { } status)
        {
            var resend = status.StatusCode is StatusCode.Unavailable or StatusCode.Aborted ? $"; resend requests[{stopped.AtMessage}] and after with the same client_ids" : string.Empty;
            return new RpcException(new Status(status.StatusCode, $"{status.Detail}. {StoredBefore(stopped.AtMessage, stopped.Stored)}{resend}"));
        }

        // Neither a refusal nor a failure with a status of its own: the error translation's to answer.
        return cause;
    }

    /// <summary>The stream's messages, each checked whole before it is stored; a bad one ends the stream (refused, naming its item).</summary>
    private async IAsyncEnumerable<IReadOnlyList<PreparedObservation>> Messages(
        IAsyncStreamReader<V1.IngestRequest> requests, Caller caller, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var message = 0; await requests.MoveNext(cancellationToken).ConfigureAwait(false); message++)
        {
            yield return intake.Prepare(requests.Current.Observations, $"requests[{message}].observations", caller);
        }
    }

    private static string StoredBefore(int message, WriteOutcome total) =>
        $"Messages before requests[{message}] were stored ({total.Stored} new, {total.AlreadyStored} already stored); nothing of requests[{message}] or after it";

    public override async Task<V1.Observation> Get(V1.GetObservationRequest request, ServerCallContext context)
    {
        CheckId(request.Id, "id");
        var caller = context.Caller();
        var delivered = await reading.GetAsync(request.Id, caller, "id", context.CancellationToken).ConfigureAwait(false);
        return ApiMapping.ToProto(delivered, caller.SeesCaseDetails, caller.SeesEvents);
    }

    public override async Task<V1.Observation> Review(V1.ReviewObservationRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var errors = new FieldErrors();
        ObservationRules.CheckId(request.Id, "id", errors);
        CodeRules.CheckDefined((VerificationStatus)request.Verification, "verification", errors);
        if (request.ReviewerId.Length > 0 && request.ReviewerId != caller.Subject)
        {
            errors.Add("reviewer_id", $"must be empty or your own id ('{caller.Subject}'): reviews are recorded under the caller's identity");
        }
        ObservationResponse? response = null;
        if (request.Response is not null)
        {
            var at = request.Response.At is null ? (DateTimeOffset?)null : ApiMapping.ToTime(request.Response.At, "response.at", errors);
            response = new ObservationResponse(request.Response.Actions, at);
        }

        if (request.Note.Length > 4000)
        {
            errors.Add("note", $"has {request.Note.Length} characters; at most 4000");
        }

        ApiErrors.ThrowIfAny(errors);
        var stored = await review.ReviewAsync(
            request.Id, (VerificationStatus)request.Verification, response, request.Note, request.ExpectedVersion, caller, context.CancellationToken).ConfigureAwait(false);
        return ApiMapping.ToProto(stored, caller.SeesCaseDetails, caller.SeesEvents);
    }

    /// <summary>Releases an observation for export with the summary that may leave the supervisor chain; audited with the change.</summary>
    public override async Task<V1.Observation> Release(V1.ReleaseObservationRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var errors = new FieldErrors();
        ObservationRules.CheckId(request.Id, "id", errors);
        var limit = _options.ObservationLimits.MaxSummaryLength;
        if (request.Summary.Length > limit)
        {
            errors.Add("summary", $"has {request.Summary.Length} characters; at most {limit}");
        }

        if (request.ExpectedVersion < 0)
        {
            errors.Add("expected_version", $"{request.ExpectedVersion} is negative; 0 means any version");
        }

        ApiErrors.ThrowIfAny(errors);
        var stored = await review.ReleaseAsync(request.Id, request.Summary, request.ExpectedVersion, caller, context.CancellationToken).ConfigureAwait(false);
        return ApiMapping.ToProto(stored, caller.SeesCaseDetails, caller.SeesEvents);
    }

    /// <summary>Links observations as reports of one event; audited with the change.</summary>
    public override async Task<V1.ObservationEvent> LinkEvent(V1.LinkEventRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        if (request.Ids.Count is < 2 or > MaxEventLinks)
        {
            errors.Add("ids", $"has {request.Ids.Count} ids; link 2 to {MaxEventLinks} observations at once");
        }

        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < request.Ids.Count; i++)
        {
            ObservationRules.CheckId(request.Ids[i], $"ids[{i}]", errors);
            if (!first.TryAdd(request.Ids[i], i))
            {
                errors.Add($"ids[{i}]", $"repeats ids[{first[request.Ids[i]]}]: an observation cannot be linked to itself");
            }
        }

        ApiErrors.ThrowIfAny(errors);
        return ToProto(await review.LinkAsync([.. request.Ids], context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    /// <summary>Takes an observation out of its event; audited with the change.</summary>
    public override async Task<V1.ObservationEvent> UnlinkEvent(V1.UnlinkEventRequest request, ServerCallContext context)
    {
        CheckId(request.Id, "id");
        return ToProto(await review.UnlinkAsync(request.Id, context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    private static V1.ObservationEvent ToProto(EventLinks links)
    {
        var message = new V1.ObservationEvent { EventId = links.EventId ?? string.Empty, Changed = links.Changed };
        message.ObservationIds.AddRange(links.Members);
        return message;
    }

    public override async Task<V1.ObservationHistory> GetHistory(V1.GetObservationRequest request, ServerCallContext context)
    {
        CheckId(request.Id, "id");
        var history = new V1.ObservationHistory();
        foreach (var review in await store.HistoryAsync(request.Id, AccessRules.VisibilityOf(context.Caller()), context.CancellationToken).ConfigureAwait(false))
        {
            var message = new V1.Review
            {
                Verification = (V1.VerificationStatus)review.Verification,
                ReviewerId = review.ReviewerId,
                ReviewedAt = ApiMapping.ToTimestamp(review.ReviewedAt),
                Note = review.Note,
            };
            if (review.Response is { } response)
            {
                message.Response = ApiMapping.ToProto(response);
            }

            history.Reviews.Add(message);
        }

        return history;
    }

    public override async Task Query(V1.QueryObservationsRequest request, IServerStreamWriter<V1.ObservationPage> responses, ServerCallContext context)
    {
        var filter = Filter(request.Filter);
        var limits = _options.QueryLimits;
        if (request.PageSize < 0 || request.PageSize > limits.MaxPageSize)
        {
            throw ApiErrors.InvalidArgument("page_size", $"{request.PageSize} is out of range 1..{limits.MaxPageSize} (0 for the default of {limits.DefaultPageSize})");
        }

        var pageSize = request.PageSize == 0 ? limits.DefaultPageSize : request.PageSize;
        var fingerprint = PageToken.Fingerprint(request.Filter);
        var after = PageToken.ReadObservation(request.PageToken, fingerprint);
        var caller = context.Caller();
        var page = new V1.ObservationPage();
        await foreach (var stored in reading.QueryAsync(filter, caller, after, context.CancellationToken).ConfigureAwait(false))
        {
            page.Observations.Add(ApiMapping.ToProto(stored, caller.SeesCaseDetails, caller.SeesEvents));
            if (page.Observations.Count == pageSize)
            {
                page.NextPageToken = PageToken.ForObservation(stored.Observation.ObservedAt, stored.Observation.Id, fingerprint);
                await responses.WriteAsync(page, context.CancellationToken).ConfigureAwait(false);
                page = new V1.ObservationPage();
            }
        }

        await responses.WriteAsync(page, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task Watch(V1.WatchRequest request, IServerStreamWriter<V1.WatchEvent> responses, ServerCallContext context)
    {
        var caller = context.Caller();
        var asked = await watchRequests.ReadAsync(request, caller, string.Empty, context.CancellationToken).ConfigureAwait(false);
        try
        {
            var deadlines = alertOptions.Value.Deadlines;
            await foreach (var change in watch.RunAsync(asked.Filter, asked.Cursor, caller, Hosting.GrpcTransport.IsGrpcProper(context), context.CancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(ApiMapping.ToProto(change, caller.SeesCaseDetails, deadlines), context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (Watch.WatchEndedException ended)
        {
            var resume = Geo.Exporters.Feeds.FeedCursor.Format(ended.Resume);
            throw new RpcException(new Status(ended.Code, $"{ended.Message} (resume from cursor {resume})"), new Metadata { { ApiMapping.ResumeCursorKey, resume } });
        }
    }

    public override async Task<V1.CountResponse> Count(V1.ObservationFilter request, ServerCallContext context) =>
        await reading.CountAsync(Filter(request, aggregate: true), request.CountEvents, context.Caller(), context.CancellationToken).ConfigureAwait(false) is { } shown
            ? new V1.CountResponse { Observations = shown.Observations, Events = shown.Events ?? 0 }
            : new V1.CountResponse { Withheld = true };

    public override async Task<V1.ObservationSummary> Summarize(V1.ObservationFilter request, ServerCallContext context) =>
        await reading.SummarizeAsync(Filter(request, aggregate: true), request.CountEvents, context.Caller(), context.CancellationToken).ConfigureAwait(false) is { } summary
            ? ApiMapping.ToProto(summary)
            : new V1.ObservationSummary { Withheld = true };

    public override async Task<V1.SourceReceipt> RecordSource(V1.Source request, ServerCallContext context)
    {
        var caller = context.Caller();
        var errors = new FieldErrors();
        var id = ClientKeys.Issue(request.ClientId, request.Id, caller.Subject, IssuedIds.Source, errors);
        ObservationRules.CheckId(request.ObservationId, "observation_id", errors);
        if (request.RecordedBy.Length > 0 && request.RecordedBy != caller.Subject)
        {
            errors.Add("recorded_by", $"must be empty or your own id ('{caller.Subject}')");
        }

        CodeRules.CheckDefined((SourceKind)request.Kind, "kind", errors);
        if (request.Description.Length > 4000 || request.Contact.Length > 1000)
        {
            errors.Add(request.Description.Length > 4000 ? "description" : "contact", "is too long (description at most 4000, contact at most 1000 characters)");
        }

        ApiErrors.ThrowIfAny(errors);
        await reading.VisibleAsync(request.ObservationId, caller, "observation_id", context.CancellationToken).ConfigureAwait(false);
        await store.RecordSourceAsync(
            id!, request.ObservationId, (SourceKind)request.Kind, request.Description, request.Contact, caller.Subject, context.CancellationToken)
            .ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "source.record", "observation", request.ObservationId, new { source = id, token = caller.TokenId })
            .ConfigureAwait(false);
        return new V1.SourceReceipt { Id = id };
    }

    /// <summary>The sources of an observation, for its supervisor chain; every read is audited, even an empty one.</summary>
    public override async Task<V1.SourceList> GetSources(V1.GetObservationRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        CheckId(request.Id, "id");
        await store.GetAsync(request.Id, AccessRules.VisibilityOf(caller), context.CancellationToken).ConfigureAwait(false);
        var sources = await store.SourcesAsync(request.Id, context.CancellationToken).ConfigureAwait(false);
        await audit.AuditAsync(caller.Subject, "source.read", "observation", request.Id, new { count = sources.Count, token = caller.TokenId }, context.CancellationToken)
            .ConfigureAwait(false);
        var list = new V1.SourceList();
        list.Sources.AddRange(sources.Select(s => new V1.Source
        {
            Id = s.Id, ObservationId = s.ObservationId, Kind = (V1.SourceKind)s.Kind, Description = s.Description, Contact = s.Contact, RecordedBy = s.RecordedBy,
        }));
        return list;
    }

    /// <param name="aggregate">Whether the filter may ask to count events (Count and Summarize; Query lists reports).</param>
    private ObservationFilter Filter(V1.ObservationFilter? message, bool aggregate = false)
    {
        var errors = new FieldErrors();
        var filter = ApiMapping.ToFilter(message, _options.ShapeLimits, errors.At("filter"), aggregate);
        if (!errors.Any)
        {
            QueryRules.Check(filter, _options.QueryLimits, errors.At("filter"));
        }

        ApiErrors.ThrowIfAny(errors);
        return filter;
    }

    private static void CheckId(string id, string field)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(id, field, errors);
        ApiErrors.ThrowIfAny(errors);
    }
}
