using Geo.Core.Access;
using Geo.Core.Indicators;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Grpc.Civilian;
using Geo.Storage.Access;
using Geo.Storage.Operations;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Operations;

/// <summary>
/// geoawareness.v1.Operations: planned operations, confidential (planners, UN-CIMIC officers,
/// supervisors of the area), every read audited, and the check of what civilian each touches.
/// Never served over gRPC-Web or in any feed.
/// </summary>
internal sealed class OperationsHandler(
    OperationStore store, OperationPlans plans, OperationChecker checker, AccessStore audit, CivilianRequests requests, IOptions<ApiOptions> api, TimeProvider timeProvider)
    : V1.Operations.OperationsBase
{
    public override async Task<V1.PlannedOperation> CreateOperation(V1.PlannedOperation request, ServerCallContext context)
    {
        var created = await plans.CreateAsync(Read(request, string.Empty), string.Empty, null, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        return ToProto(created);
    }

    public override async Task<V1.PlannedOperation> UpdateOperation(V1.UpdateOperationRequest request, ServerCallContext context)
    {
        var operation = Read(request.Operation ?? throw ApiErrors.InvalidArgument("operation", "is required"), "operation");
        var updated = await plans.UpdateAsync(operation, request.ExpectedVersion, "operation", null, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        return ToProto(updated);
    }

    public override async Task<V1.PlannedOperation> GetOperation(V1.GetByIdRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var id = Id(request.Id);
        var found = await store.GetAsync(id, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "operation.read", "operation", id, null).ConfigureAwait(false);
        return ToProto(found);
    }

    public override async Task<V1.ListOperationsResponse> ListOperations(V1.ListOperationsRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var errors = new FieldErrors();
        var area = requests.Area(request.Area, "area", required: false, errors);
        var max = api.Value.MaxListPageSize;
        if (request.PageSize < 0 || request.PageSize > max)
        {
            errors.Add("page_size", $"{request.PageSize} is out of range 1..{max} (0 for the default of 100)");
        }

        ApiErrors.ThrowIfAny(errors);
        var size = request.PageSize == 0 ? 100 : request.PageSize;
        var page = await store.ListAsync(area, caller.ScopeArea, PageToken.ReadList(request.PageToken) ?? string.Empty, size, context.CancellationToken).ConfigureAwait(false);
        foreach (var (operation, _, _, _) in page)
        {
            await audit.AuditChangeAsync(caller.Subject, "operation.read", "operation", operation.Id, new { listed = true }).ConfigureAwait(false);
        }

        var response = new V1.ListOperationsResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Operation.Id) : string.Empty };
        response.Operations.AddRange(page.Select(ToProto));
        return response;
    }

    public override async Task<V1.OperationCheck> CheckOperation(V1.CheckOperationRequest request, ServerCallContext context)
    {
        var days = OperationChecker.ThreatDays(request.ThreatDays);
        var answer = await checker.CheckAsync(Id(request.Id), days, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        return OperationMapping.ToProto(answer);
    }

    public override async Task<V1.PlannedOperation> ClearOperation(V1.ClearOperationRequest request, ServerCallContext context)
    {
        var id = Id(request.Id);
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 2000)
        {
            throw ApiErrors.InvalidArgument("reason", "is required (1 to 2000 characters): why the plan may go ahead despite the protected sites it touches");
        }

        return ToProto(await checker.ClearAsync(id, request.Reason.Trim(), context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.AdvanceNoticeList> AdvanceNotice(V1.AdvanceNoticeRequest request, ServerCallContext context)
    {
        var answer = await checker.AdvanceNoticeAsync(Id(request.Id), context.Caller(), context.CancellationToken).ConfigureAwait(false);
        var o = answer.Plan.Operation;
        var list = new V1.AdvanceNoticeList
        {
            OperationId = o.Id, Kind = (V1.OperationKind)o.Kind, Unit = o.Unit, StartsAt = ApiMapping.ToTimestamp(o.StartsAt), EndsAt = ApiMapping.ToTimestamp(o.EndsAt),
            BufferMetres = o.BufferMetres, InformedBeforeStart = answer.InformedBeforeStart, Communities = answer.Rows.Count,
        };
        foreach (var group in answer.Rows.GroupBy(r => r.Team?.Base.Value.Id ?? string.Empty).OrderBy(g => g.Key.Length == 0).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First().Team;
            var notices = new V1.NoticeGroup { BaseId = group.Key, BaseName = first?.Base.Value.Name ?? string.Empty };
            notices.Communities.AddRange(group.Select(r => new V1.CommunityNotice
            {
                CommunityId = r.Community.Id, CommunityName = r.Community.Name, RiskLevel = (V1.RiskLevel)r.Community.Risk, DistanceMetres = Math.Round(r.Community.DistanceMetres, 1),
                InformedAt = r.Notice is { } n ? ApiMapping.ToTimestamp(n.InformedAt) : null, InformedBy = r.Notice?.InformedBy ?? string.Empty,
                InformedBeforeStart = r.Notice is { } m && m.InformedAt < o.StartsAt,
            }));
            list.Groups.Add(notices);
        }

        return list;
    }

    public override async Task<V1.CommunityNotice> RecordNotice(V1.RecordNoticeRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(request.Id, "id", errors);
        ObservationRules.CheckId(request.CommunityId, "community_id", errors);
        var now = timeProvider.GetUtcNow();
        var informedAt = request.InformedAt is null ? now : ApiMapping.ToTime(request.InformedAt, "informed_at", errors);
        if (!errors.Any && informedAt > now.AddMinutes(5))
        {
            errors.Add("informed_at", $"{informedAt:O} is in the future: record a notice once given");
        }

        if (request.InformedBy.Length > 128)
        {
            errors.Add("informed_by", $"has {request.InformedBy.Length} characters; at most 128 (the CLA's pseudonymous id)");
        }

        ApiErrors.ThrowIfAny(errors);
        var caller = context.Caller();
        await checker.RecordNoticeAsync(request.Id, request.CommunityId, informedAt, request.InformedBy, caller, context.CancellationToken).ConfigureAwait(false);
        return new V1.CommunityNotice { CommunityId = request.CommunityId, InformedAt = ApiMapping.ToTimestamp(informedAt), InformedBy = request.InformedBy };
    }

    public override async Task<V1.NoticeSummary> SummarizeNotices(V1.SummarizeNoticesRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var period = IndicatorPeriod.Read(request.Period, ApiMapping.ToDate(request.From, "from", errors), ApiMapping.ToDate(request.To, "to", errors),
            DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime), errors);
        ApiErrors.ThrowIfAny(errors);
        var caller = context.Caller();
        var counts = await store.NoticeCountsAsync(period!.Start, period.End, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "operation.read", "operation", string.Empty, new { notices = period.Label }).ConfigureAwait(false);
        var summary = new V1.NoticeSummary
        {
            From = ApiMapping.ToCalendarDate(period.First),
            To = ApiMapping.ToCalendarDate(period.Last),
            Total = Tally(new NoticeCount(string.Empty, counts.Sum(c => c.Plans), counts.Sum(c => c.Unchecked), counts.Sum(c => c.Communities), counts.Sum(c => c.InformedBeforeStart))),
        };
        summary.Units.AddRange(counts.Select(Tally));
        return summary;

        static V1.NoticeTally Tally(NoticeCount c)
        {
            var tally = new V1.NoticeTally { Unit = c.Unit, Plans = c.Plans, PlansUnchecked = c.Unchecked, Communities = c.Communities, InformedBeforeStart = c.InformedBeforeStart };
            if (c.Communities > 0)
            {
                tally.PercentInformed = Math.Round(100.0 * c.InformedBeforeStart / c.Communities, 1);
            }

            return tally;
        }
    }

    /// <summary>The plan the message holds, or INVALID_ARGUMENT naming what cannot be read; the plan rules are the use case's.</summary>
    private PlannedOperation Read(V1.PlannedOperation message, string field)
    {
        var all = new FieldErrors();
        var errors = field.Length == 0 ? all : all.At(field);
        Geometry? shape = message.PlaceCase switch
        {
            V1.PlannedOperation.PlaceOneofCase.Area => ApiMapping.ToGeometry(message.Area, "area", api.Value.ShapeLimits, errors),
            V1.PlannedOperation.PlaceOneofCase.Route => ApiMapping.ToGeometry(message.Route, "route", api.Value.ShapeLimits, errors),
            _ => null,
        };
        if (message.PlaceCase == V1.PlannedOperation.PlaceOneofCase.None)
        {
            errors.Add("area", "is required: an area (a polygon) or a route (a line)");
        }
        else if (shape is not null && message.PlaceCase == V1.PlannedOperation.PlaceOneofCase.Route && shape is not LineString)
        {
            errors.Add("route", $"is a {shape.GeometryType}: a route is a line of two points or more");
        }
        else if (shape is not null && message.PlaceCase == V1.PlannedOperation.PlaceOneofCase.Area && shape is not (Polygon or MultiPolygon))
        {
            errors.Add("area", $"is a {shape.GeometryType}: an area is a polygon");
        }

        var operation = new PlannedOperation
        {
            Id = message.Id,
            Name = message.Name,
            Kind = (OperationKind)message.Kind,
            Unit = message.Unit,
            Shape = shape ?? Core.Spatial.ShapeReader.Factory.CreatePolygon(),
            BufferMetres = message.BufferMetres,
            StartsAt = message.StartsAt is null ? default : ApiMapping.ToTime(message.StartsAt, "starts_at", errors),
            EndsAt = message.EndsAt is null ? default : ApiMapping.ToTime(message.EndsAt, "ends_at", errors),
        };
        ApiErrors.ThrowIfAny(all);
        return operation;
    }

    private static string Id(string id)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(id, "id", errors);
        ApiErrors.ThrowIfAny(errors);
        return id;
    }

    private static V1.PlannedOperation ToProto(StoredOperation stored) => OperationMapping.ToProto(stored);
}
