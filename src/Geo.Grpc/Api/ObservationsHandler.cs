using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Grpc.Access;
using Geo.Grpc.Telemetry;
using Geo.Core.Validation;
using Grpc.Core;
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
    ObservationStore store, AccessStore audit, LocationPrivacy privacy, NpgsqlDataSource dataSource, IOptions<ApiOptions> options,
    IOptions<ReleaseOptions> release, TimeProvider clock, GeoAwarenessMetrics metrics)
    : V1.Observations.ObservationsBase
{
    /// <summary>How many ids of the security incidents one read returned its audit entry lists.</summary>
    private const int AuditedIds = 1000;

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
        var prepared = Prepare(request.Observations, "observations", caller, response.Ids);
        await using var writer = await ObservationWriter.OpenAsync(dataSource, _options.QueryLimits.MaxListedIds, context.CancellationToken).ConfigureAwait(false);
        await writer.AddAsync(prepared, context.CancellationToken).ConfigureAwait(false);
        var outcome = await writer.CommitAsync(context.CancellationToken).ConfigureAwait(false);
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
                    throw new RpcException(new Status(refused.StatusCode, $"{refused.Status.Detail}. {StoredBefore(message, total)}"));
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
            throw new RpcException(new Status(status.StatusCode, $"{status.Detail}. {StoredBefore(storedUpTo, total)}{resend}"));
        }
        finally
        {
            // A merge still running when the call fails must end before its connection is disposed.
            if (merging is not null)
            {
                await ((Task)merging).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            // What is committed counts, also when the stream failed after it.
            metrics.Ingested(context.Method, total.Stored, total.AlreadyStored);
        }

        var response = new V1.IngestResponse { Received = total.Received, Stored = total.Stored, AlreadyStored = total.AlreadyStored };
        response.AlreadyStoredIds.AddRange(total.AlreadyStoredIds);
        return response;
    }

    private static string StoredBefore(int message, WriteOutcome total) =>
        $"Messages before requests[{message}] were stored ({total.Stored} new, {total.AlreadyStored} already stored); nothing of requests[{message}] or after it";

    public override async Task<V1.Observation> Get(V1.GetObservationRequest request, ServerCallContext context)
    {
        CheckId(request.Id, "id");
        var caller = context.Caller();
        var delivered = await VisibleAsync(request.Id, caller, "id", context.CancellationToken).ConfigureAwait(false);
        await AuditIncidentsAsync(caller, delivered.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla ? [delivered.Observation.Id] : [], 0, context.CancellationToken)
            .ConfigureAwait(false);
        return ApiMapping.ToProto(delivered, caller.SeesCaseDetails);
    }

    /// <summary>
    /// The observation as the caller sees it, or NOT_FOUND naming <paramref name="field"/> when it
    /// may not: for a coarsened caller, also when its coarse point lies outside the caller's scope.
    /// </summary>
    private async Task<StoredObservation> VisibleAsync(string id, Caller caller, string field, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken).ConfigureAwait(false);
        StoredObservation? delivered = null;
        try
        {
            var stored = await store.GetAsync(id, sight.Visibility, cancellationToken).ConfigureAwait(false);
            var community = stored.Observation.CommunityId;
            if (sight.Coarsening is not null && community is not null && sight.Policy.Method == CoarseningMethod.CommunityCentroid)
            {
                sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken, [community]).ConfigureAwait(false);
            }

            delivered = sight.Deliver(stored);
        }
        catch (RecordNotFoundException)
        {
        }

        return delivered ?? throw new RecordNotFoundException($"no observation '{id}'") { Field = field };
    }

    /// <summary>
    /// Security incidents against CLAs have their own audit: who read which, every time, whatever
    /// the role (CLA policy paras 45-47). Nothing is written when none was read.
    /// </summary>
    private async Task AuditIncidentsAsync(Caller caller, List<string> ids, long more, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await audit.AuditAsync(caller.Subject, "security_incident.read", "observation", ids.Count == 1 && more == 0 ? ids[0] : string.Empty,
            new { ids, more, token = caller.TokenId, role = caller.Role.ToString() }, cancellationToken).ConfigureAwait(false);
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
        await VisibleAsync(request.Id, caller, "id", context.CancellationToken).ConfigureAwait(false);
        var verification = (VerificationStatus)request.Verification;
        var stored = await store.ReviewAsync(
            request.Id, verification, response, caller.Subject, request.Note, request.ExpectedVersion, release.Value.OnVerification,
            version => new AuditRow(caller.Subject, "observation.review", "observation", request.Id,
                new { verification = verification.ToString(), version, token = caller.TokenId }),
            context.CancellationToken)
            .ConfigureAwait(false);
        return ApiMapping.ToProto(stored, caller.SeesCaseDetails);
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
        var current = await VisibleAsync(request.Id, caller, "id", context.CancellationToken).ConfigureAwait(false);
        if (current.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "id: a security incident against a CLA is never exported; it stays with the supervisor chain and the security focal point"));
        }

        var stored = await store.ReleaseAsync(
            request.Id, request.Summary, caller.Subject, request.ExpectedVersion,
            version => new AuditRow(caller.Subject, "observation.release", "observation", request.Id,
                new { version, summary_characters = request.Summary.Length, token = caller.TokenId }),
            context.CancellationToken).ConfigureAwait(false);
        return ApiMapping.ToProto(stored, caller.SeesCaseDetails);
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
        var sight = await privacy.SightAsync(caller, filter, context.CancellationToken).ConfigureAwait(false);
        var incidents = new List<string>();
        var moreIncidents = 0L;
        var page = new V1.ObservationPage();
        try
        {
            // A coarsened caller's area and scope are tested on the coarse point: the database is
            // asked for a wider area and the answer narrowed here, so no filter touches the exact point.
            await foreach (var exact in store.QueryAsync(sight.Filter, sight.Visibility, after, context.CancellationToken).ConfigureAwait(false))
            {
                if (sight.Deliver(exact) is not { } stored)
                {
                    continue;
                }

                if (stored.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla)
                {
                    if (incidents.Count < AuditedIds)
                    {
                        incidents.Add(stored.Observation.Id);
                    }
                    else
                    {
                        moreIncidents++;
                    }
                }

                page.Observations.Add(ApiMapping.ToProto(stored, caller.SeesCaseDetails));
                if (page.Observations.Count == pageSize)
                {
                    page.NextPageToken = PageToken.ForObservation(stored.Observation.ObservedAt, stored.Observation.Id, fingerprint);
                    await responses.WriteAsync(page, context.CancellationToken).ConfigureAwait(false);
                    page = new V1.ObservationPage();
                }
            }

            await responses.WriteAsync(page, context.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever was read is recorded, also when the stream breaks halfway.
            await AuditIncidentsAsync(caller, incidents, moreIncidents, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override async Task<V1.CountResponse> Count(V1.ObservationFilter request, ServerCallContext context)
    {
        var sight = await privacy.SightAsync(context.Caller(), Filter(request), context.CancellationToken).ConfigureAwait(false);
        long count, key;
        if (sight.NeedsEachPoint)
        {
            var summary = await TallyAsync(sight, context.CancellationToken).ConfigureAwait(false);
            (count, key) = (summary.Observations, summary.Key);
        }
        else
        {
            (count, key) = await store.CountAsync(sight.Filter, sight.Visibility, context.CancellationToken).ConfigureAwait(false);
        }

        return AggregateSuppression.Publishable(count, key, sight.Policy) is { } shown
            ? new V1.CountResponse { Observations = shown }
            : new V1.CountResponse { Withheld = true };
    }

    public override async Task<V1.ObservationSummary> Summarize(V1.ObservationFilter request, ServerCallContext context)
    {
        var sight = await privacy.SightAsync(context.Caller(), Filter(request), context.CancellationToken).ConfigureAwait(false);
        var policy = sight.Policy;
        var summary = sight.NeedsEachPoint
            ? await TallyAsync(sight, context.CancellationToken).ConfigureAwait(false)
            : await store.SummarizeAsync(sight.Filter, sight.Visibility, context.CancellationToken).ConfigureAwait(false);
        if (AggregateSuppression.Publishable(summary.Observations, summary.Key, policy) is not { } total)
        {
            return new V1.ObservationSummary { Withheld = true };
        }

        // Every count a coarsened caller gets carries its own set's noise, and the people counted
        // with it are scaled alike. The totals are published, so one small part withheld alone
        // would be the total minus the others: a second part goes with a lone one.
        var message = new V1.ObservationSummary { Observations = total, PeopleAffected = AggregateSuppression.Scaled(summary.PeopleAffected, summary.Observations, total) };
        var categories = AggregateSuppression.SuppressBreakdown(
            summary.ByCategory.Select(c => c.Observations).ToList(), summary.ByCategory.Select(c => c.Key).ToList(), policy);
        message.ByCategory.AddRange(summary.ByCategory.Select((c, i) => categories[i] is not { } shown
            ? new V1.CategoryCount { Category = (V1.Category)c.Category, Withheld = true }
            : new V1.CategoryCount
            {
                Category = (V1.Category)c.Category, Observations = shown, PeopleAffected = AggregateSuppression.Scaled(c.PeopleAffected, c.Observations, shown),
            }));
        var groups = AggregateSuppression.SuppressBreakdown(summary.ByGroup.Select(g => g.Observations).ToList(), summary.ByGroup.Select(g => g.Key).ToList(), policy);
        message.ByGroup.AddRange(summary.ByGroup.Select((g, i) => groups[i] is not { } shown
            ? new V1.GroupCount { Sex = (V1.Sex)g.Sex, AgeGroup = (V1.AgeGroup)g.Age, Withheld = true }
            : new V1.GroupCount
            {
                Sex = (V1.Sex)g.Sex, AgeGroup = (V1.AgeGroup)g.Age, Observations = shown, People = AggregateSuppression.Scaled(g.People, g.Observations, shown),
            }));
        return message;
    }

    /// <summary>A coarsened caller's area and scope are tested on coarse points, so those rows are counted here, one by one.</summary>
    private async Task<ObservationSummary> TallyAsync(ObservationSight sight, CancellationToken cancellationToken)
    {
        var tally = new SummaryTally();
        await foreach (var row in store.TallyRowsAsync(sight.Filter, sight.Visibility, cancellationToken).ConfigureAwait(false))
        {
            if (sight.Sees(sight.Coarsening!.Coarsen(row.Location, row.CommunityId)))
            {
                tally.Add(row.Category, row.Key, row.Affected);
            }
        }

        return tally.ToSummary();
    }

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
        await VisibleObservationAsync(request.ObservationId, caller, context.CancellationToken).ConfigureAwait(false);
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

    private Task<StoredObservation> VisibleObservationAsync(string id, Caller caller, CancellationToken cancellationToken) =>
        VisibleAsync(id, caller, "observation_id", cancellationToken);

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
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"{name}.reporter_id: a CLA submits only their own observations (as '{caller.Subject}')"));
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
