using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Grpc.Access;
using Geo.Core.Validation;
using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Geo.Storage;
using Geo.Storage.Access;
using Geo.Storage.Observations;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Options;
using Npgsql;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Observations: what CLAs submit and analysts query.</summary>
internal sealed class ObservationsHandler(
    ObservationStore store, AccessStore audit, LocationPrivacy privacy, NpgsqlDataSource dataSource, IOptions<ApiOptions> options, TimeProvider clock)
{
    private readonly ApiOptions _options = options.Value;

    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.ObservationsReflection.Descriptor.Services[0];

    public async Task<V1.SubmitObservationsResponse> Submit(V1.SubmitObservationsRequest request, ServerCallContext context)
    {
        if (request.Observations.Count == 0)
        {
            throw ApiErrors.InvalidArgument("observations", "is empty");
        }

        if (request.Observations.Count > _options.MaxBatchSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"observations: {request.Observations.Count} in one call, above the maximum of {_options.MaxBatchSize}; use Ingest for bulk loads");
        }

        var caller = context.Caller();
        var response = new V1.SubmitObservationsResponse();
        var prepared = Prepare(request.Observations, "observations", caller, response.Ids);
        await using var writer = await ObservationWriter.OpenAsync(dataSource, _options.QueryLimits.MaxListedIds, context.CancellationToken).ConfigureAwait(false);
        await writer.AddAsync(prepared, context.CancellationToken).ConfigureAwait(false);
        var outcome = await writer.CommitAsync(context.CancellationToken).ConfigureAwait(false);
        response.Stored = (int)outcome.Stored;
        response.AlreadyStoredIds.AddRange(outcome.AlreadyStoredIds);
        return response;
    }

    /// <summary>
    /// Commits whole messages in groups of about <see cref="ApiOptions.IngestCommitRows"/>
    /// observations. A refused message is stored not at all, the messages before it are; a broken
    /// stream keeps what was committed, and a retry with the same ids completes it.
    /// </summary>
    public async Task<V1.IngestResponse> Ingest(IAsyncStreamReader<V1.IngestRequest> requests, ServerCallContext context)
    {
        var token = context.CancellationToken;
        var caller = context.Caller();
        var maxIds = _options.QueryLimits.MaxListedIds;
        // Two writers on two connections: while one group is merged into the indexed table, the
        // next is received, checked and copied into the other's staging table. Commits still
        // happen one after the other, in stream order.
        await using var first = await ObservationWriter.OpenAsync(dataSource, maxIds, token).ConfigureAwait(false);
        await using var second = await ObservationWriter.OpenAsync(dataSource, maxIds, token).ConfigureAwait(false);
        var writer = first;
        Task<WriteOutcome>? merging = null;
        // Messages before this one are stored; the merge in flight holds those up to mergingEnd.
        var storedUpTo = 0;
        var mergingEnd = 0;
        var total = WriteOutcome.Nothing;
        var message = 0;

        // Waits for the merge in flight; once it is committed, its messages count as stored.
        async Task SettleMergeAsync()
        {
            if (merging is not null)
            {
                var merged = merging;
                merging = null;
                total = total.Add(await merged.ConfigureAwait(false), maxIds);
                storedUpTo = mergingEnd;
            }
        }

        try
        {
            while (await requests.MoveNext(token).ConfigureAwait(false))
            {
                IReadOnlyList<PreparedObservation> prepared;
                try
                {
                    prepared = Prepare(requests.Current.Observations, $"requests[{message}].observations", caller);
                }
                catch (RpcException refused)
                {
                    await SettleMergeAsync().ConfigureAwait(false);
                    total = total.Add(await writer.CommitAsync(token).ConfigureAwait(false), maxIds);
                    throw new RpcException(refused.StatusCode, $"{refused.Detail}. {StoredBefore(message, total)}");
                }

                await writer.AddAsync(prepared, token).ConfigureAwait(false);
                if (writer.Pending >= _options.IngestCommitRows)
                {
                    await SettleMergeAsync().ConfigureAwait(false);
                    (merging, mergingEnd) = (writer.CommitAsync(token), message + 1);
                    writer = ReferenceEquals(writer, first) ? second : first;
                }

                message++;
            }

            await SettleMergeAsync().ConfigureAwait(false);
            total = total.Add(await writer.CommitAsync(token).ConfigureAwait(false), maxIds);
        }
        catch (Exception failed) when (ApiErrors.Translate(failed) is { } status)
        {
            // A group failed to store (a conflict, an unknown community, the database gone): say
            // exactly which messages are stored, so that the client resends from the first that
            // is not. The group being merged when another failed may still have been stored.
            try
            {
                await SettleMergeAsync().ConfigureAwait(false);
            }
            catch (Exception mergeFailed) when (mergeFailed is OperationCanceledException || ApiErrors.Translate(mergeFailed) is not null)
            {
                // Not stored either: the failure already caught tells the same story.
            }

            var resend = status.StatusCode == StatusCode.Unavailable ? $"; resend requests[{storedUpTo}] and after with the same client_ids" : string.Empty;
            throw new RpcException(status.StatusCode, $"{status.Detail}. {StoredBefore(storedUpTo, total)}{resend}");
        }
        finally
        {
            // A merge still running when the call fails must end before its connection is disposed.
            if (merging is not null)
            {
                await ((Task)merging).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        var response = new V1.IngestResponse { Received = total.Received, Stored = total.Stored, AlreadyStored = total.AlreadyStored };
        response.AlreadyStoredIds.AddRange(total.AlreadyStoredIds);
        return response;
    }

    private static string StoredBefore(int message, WriteOutcome total) =>
        $"Messages before requests[{message}] were stored ({total.Stored} new, {total.AlreadyStored} already stored); nothing of requests[{message}] or after it";

    public async Task<V1.Observation> Get(V1.GetObservationRequest request, ServerCallContext context)
    {
        CheckId(request.Id, "id");
        var caller = context.Caller();
        var stored = await store.GetAsync(request.Id, AccessRules.VisibilityOf(caller), context.CancellationToken).ConfigureAwait(false);
        var community = stored.Observation.CommunityId;
        var coarsening = await privacy.ForAsync(privacy.PolicyFor(caller), context.CancellationToken, community is null ? [] : [community]).ConfigureAwait(false);
        return ApiMapping.ToProto(coarsening is null ? stored : coarsening.Coarsen(stored));
    }

    public async Task<V1.Observation> Review(V1.ReviewObservationRequest request, ServerCallContext context)
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
        await store.GetAsync(request.Id, AccessRules.VisibilityOf(caller), context.CancellationToken).ConfigureAwait(false);
        var stored = await store.ReviewAsync(
            request.Id, (VerificationStatus)request.Verification, response, caller.Subject, request.Note, request.ExpectedVersion, context.CancellationToken)
            .ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "observation.review", "observation", request.Id,
            new { verification = stored.Verification.ToString(), version = stored.Version, token = caller.TokenId }).ConfigureAwait(false);
        return ApiMapping.ToProto(stored);
    }

    public async Task<V1.ObservationHistory> GetHistory(V1.GetObservationRequest request, ServerCallContext context)
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

    public async Task Query(V1.QueryObservationsRequest request, IServerStreamWriter<V1.ObservationPage> responses, ServerCallContext context)
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
        var policy = privacy.PolicyFor(caller);
        var coarsening = await privacy.ForAsync(policy, context.CancellationToken).ConfigureAwait(false);
        var page = new V1.ObservationPage();
        // A coarsened caller's area is tested on the coarse point: the database is asked for a
        // wider area and the answer narrowed here, so no filter ever touches the exact point.
        await foreach (var exact in store.QueryAsync(LocationPrivacy.Widened(filter, policy), AccessRules.VisibilityOf(caller), after, context.CancellationToken).ConfigureAwait(false))
        {
            var stored = exact;
            if (coarsening is not null)
            {
                stored = coarsening.Coarsen(exact);
                if (!LocationPrivacy.Matches(filter, stored))
                {
                    continue;
                }
            }

            page.Observations.Add(ApiMapping.ToProto(stored));
            if (page.Observations.Count == pageSize)
            {
                page.NextPageToken = PageToken.ForObservation(stored.Observation.ObservedAt, stored.Observation.Id, fingerprint);
                await responses.WriteAsync(page, context.CancellationToken).ConfigureAwait(false);
                page = new V1.ObservationPage();
            }
        }

        await responses.WriteAsync(page, context.CancellationToken).ConfigureAwait(false);
    }

    public async Task<V1.CountResponse> Count(V1.ObservationFilter request, ServerCallContext context)
    {
        var summary = await SummarizeForAsync(Filter(request), context.Caller(), countOnly: true, context.CancellationToken).ConfigureAwait(false);
        var policy = privacy.PolicyFor(context.Caller());
        return AggregateSuppression.IsWithheld(summary.Observations, policy)
            ? new V1.CountResponse { Withheld = true }
            : new V1.CountResponse { Observations = summary.Observations };
    }

    public async Task<V1.ObservationSummary> Summarize(V1.ObservationFilter request, ServerCallContext context)
    {
        var caller = context.Caller();
        var policy = privacy.PolicyFor(caller);
        var summary = await SummarizeForAsync(Filter(request), caller, countOnly: false, context.CancellationToken).ConfigureAwait(false);
        if (AggregateSuppression.IsWithheld(summary.Observations, policy))
        {
            return new V1.ObservationSummary { Withheld = true };
        }

        // The totals are published, so one small part withheld alone would be the total minus the
        // others: the breakdowns are suppressed as a whole (a second part goes with a lone one).
        var message = new V1.ObservationSummary { Observations = summary.Observations, PeopleAffected = summary.PeopleAffected };
        var categories = AggregateSuppression.SuppressBreakdown(summary.ByCategory.Select(c => c.Observations).ToList(), policy);
        message.ByCategory.AddRange(summary.ByCategory.Select((c, i) => categories[i] is null
            ? new V1.CategoryCount { Category = (V1.Category)c.Category, Withheld = true }
            : new V1.CategoryCount { Category = (V1.Category)c.Category, Observations = c.Observations, PeopleAffected = c.PeopleAffected }));
        var groups = AggregateSuppression.SuppressBreakdown(summary.ByGroup.Select(g => g.Observations).ToList(), policy);
        message.ByGroup.AddRange(summary.ByGroup.Select((g, i) => groups[i] is null
            ? new V1.GroupCount { Sex = (V1.Sex)g.Sex, AgeGroup = (V1.AgeGroup)g.Age, Withheld = true }
            : new V1.GroupCount { Sex = (V1.Sex)g.Sex, AgeGroup = (V1.AgeGroup)g.Age, Observations = g.Observations, People = g.People }));
        return message;
    }

    /// <summary>
    /// Exact callers and filters without an area are counted by the database. A coarsened
    /// caller's area is tested on coarse points, so those rows are counted here.
    /// </summary>
    private async Task<ObservationSummary> SummarizeForAsync(ObservationFilter filter, Caller caller, bool countOnly, CancellationToken cancellationToken)
    {
        var policy = privacy.PolicyFor(caller);
        var visibility = AccessRules.VisibilityOf(caller);
        if (!policy.IsCoarsened || filter.Area is null)
        {
            return countOnly
                ? new ObservationSummary(await store.CountAsync(filter, visibility, cancellationToken).ConfigureAwait(false), 0, [], [])
                : await store.SummarizeAsync(filter, visibility, cancellationToken).ConfigureAwait(false);
        }

        var tally = new SummaryTally();
        var coarsening = (await privacy.ForAsync(policy, cancellationToken).ConfigureAwait(false))!;
        await foreach (var exact in store.QueryAsync(LocationPrivacy.Widened(filter, policy), visibility, null, cancellationToken).ConfigureAwait(false))
        {
            var coarse = coarsening.Coarsen(exact);
            if (LocationPrivacy.Matches(filter, coarse))
            {
                tally.Add(coarse.Observation);
            }
        }

        return tally.ToSummary();
    }

    public async Task<V1.SourceReceipt> RecordSource(V1.Source request, ServerCallContext context)
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
        await VisibleObservationAsync(request.ObservationId, caller, context.CancellationToken).ConfigureAwait(false);
        await store.RecordSourceAsync(
            id!, request.ObservationId, (SourceKind)request.Kind, request.Description, request.Contact, caller.Subject, context.CancellationToken)
            .ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "source.record", "observation", request.ObservationId, new { source = id, token = caller.TokenId })
            .ConfigureAwait(false);
        return new V1.SourceReceipt { Id = id };
    }

    /// <summary>The sources of an observation, for its supervisor chain; every read is audited, even an empty one.</summary>
    public async Task<V1.SourceList> GetSources(V1.GetObservationRequest request, ServerCallContext context)
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

    private async Task VisibleObservationAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        try
        {
            await store.GetAsync(id, AccessRules.VisibilityOf(caller), cancellationToken).ConfigureAwait(false);
        }
        catch (RecordNotFoundException)
        {
            throw new RecordNotFoundException($"no observation '{id}'") { Field = "observation_id" };
        }
    }

    private ObservationFilter Filter(V1.ObservationFilter? message)
    {
        var errors = new FieldErrors();
        var filter = ApiMapping.ToFilter(message, _options.ShapeLimits, errors.At("filter"));
        if (!errors.Any)
        {
            QueryRules.Check(filter, _options.QueryLimits, errors.At("filter"));
        }

        ApiErrors.ThrowIfAny(errors);
        return filter;
    }

    /// <summary>
    /// Maps and checks a batch and issues each observation's id; a client_id twice in one batch
    /// must carry the same content (the repeat is then reported as already stored).
    /// </summary>
    /// <param name="issuedIds">Receives the id issued for each message, in request order (repeats included).</param>
    private List<PreparedObservation> Prepare(RepeatedField<V1.Observation> messages, string field, Caller caller, RepeatedField<string>? issuedIds = null)
    {
        var now = clock.GetUtcNow();
        var limits = _options.ObservationLimits;
        var shapeLimits = _options.ShapeLimits;
        var errors = new FieldErrors();
        var prepared = new List<PreparedObservation>(messages.Count);
        var seen = new Dictionary<string, (byte[] Fingerprint, int Index)>(StringComparer.Ordinal);
        for (var i = 0; i < messages.Count; i++)
        {
            var name = $"{field}[{i}]";
            var itemErrors = errors.At(name);
            var message = messages[i];
            if (ClientKeys.Issue(message.ClientId, message.Id, caller.Subject, IssuedIds.Observation, itemErrors) is not { } issuedId)
            {
                break;
            }

            issuedIds?.Add(issuedId);

            var observation = ApiMapping.ToObservation(message, shapeLimits, itemErrors);
            if (errors.Any)
            {
                break;
            }

            ObservationRules.Check(observation, limits, now, itemErrors);
            if (errors.Any)
            {
                break;
            }

            observation = observation with { Id = issuedId };

            if (caller.Role == Role.Cla && observation.ReporterId != caller.Subject)
            {
                throw new RpcException(StatusCode.PermissionDenied, $"{name}.reporter_id: a CLA submits only their own observations (as '{caller.Subject}')");
            }

            AccessRules.EnsureInside(caller, observation.Location, $"{name}.location");

            var fingerprint = ObservationFingerprint.Compute(observation);
            if (seen.TryGetValue(message.ClientId, out var earlier))
            {
                if (!earlier.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    itemErrors.Add("client_id", $"'{message.ClientId}' appears earlier in this batch ({field}[{earlier.Index}]) with other content");
                    break;
                }
            }
            else
            {
                seen[message.ClientId] = (fingerprint, i);
            }

            // An exact repeat goes on with the others: the merge stores it once and reports it as
            // already stored, so every observation sent is accounted for.
            // The fingerprint covers what the client sent, so a replay without reported_at still matches.
            if (observation.ReportedAt == default)
            {
                observation = observation with { ReportedAt = now };
            }

            prepared.Add(new PreparedObservation(observation, message.ClientId, fingerprint, name));
        }

        ApiErrors.ThrowIfAny(errors);
        return prepared;
    }

    private static void CheckId(string id, string field)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(id, field, errors);
        ApiErrors.ThrowIfAny(errors);
    }
}
