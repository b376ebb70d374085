using System.Text;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Exporters.Hxl;
using SheetProblem = Geo.Exporters.Hxl.SheetProblem;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage.Civilian;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Civilian;

/// <summary>
/// geoawareness.v1.CivilianPicture: administrative areas, civilian actors and their presence. Every
/// read gives the caller the records it reads in full (<see cref="CivilianSharing.ReadsInFull"/>);
/// the others are for it not there, except as counts per grid cell.
/// </summary>
internal sealed class CivilianHandler(
    CivilianStore store, FacilityStore facilities, CivilWorkStore works, CivilWorkDesk desk, PresenceImport import, CivilianRequests requests, IOptions<ApiOptions> api, IOptions<CivilianOptions> options, TimeProvider clock)
    : V1.CivilianPicture.CivilianPictureBase
{
    private const int ChunkBytes = 64 * 1024;

    // ---- administrative areas ----

    public override async Task<V1.AdminArea> PutAdminArea(V1.AdminArea request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var shape = ApiMapping.ToGeometry(request.Area, "area", api.Value.ShapeLimits, errors);
        var area = new AdminArea(request.Pcode, request.Name, request.Level, request.ParentPcode, shape ?? Core.Spatial.ShapeReader.Factory.CreatePolygon());
        if (!errors.Any)
        {
            CivilianRules.Check(area, errors);
        }

        ApiErrors.ThrowIfAny(errors);
        var version = await store.PutAdminAreaAsync(area, context.CancellationToken).ConfigureAwait(false);
        var answer = request.Clone();
        answer.Version = version;
        return answer;
    }

    public override async Task<V1.ListAdminAreasResponse> ListAdminAreas(V1.ListAdminAreasRequest request, ServerCallContext context)
    {
        if (request.Level is < 0 or > 2)
        {
            throw ApiErrors.InvalidArgument("level", $"{request.Level} is not 0 (both), 1 or 2");
        }

        var response = new V1.ListAdminAreasResponse();
        foreach (var (area, version) in await store.ListAdminAreasAsync(request.Level, context.CancellationToken).ConfigureAwait(false))
        {
            response.Areas.Add(new V1.AdminArea { Pcode = area.Pcode, Name = area.Name, Level = area.Level, ParentPcode = area.ParentPcode, Version = version });
        }

        return response;
    }

    // ---- organisations ----

    public override async Task<V1.Organisation> CreateOrganisation(V1.Organisation request, ServerCallContext context) =>
        CivilianMapping.ToProto(await store.CreateOrganisationAsync(Checked(request, string.Empty), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.Organisation> UpdateOrganisation(V1.UpdateOrganisationRequest request, ServerCallContext context)
    {
        var organisation = Checked(request.Organisation ?? throw ApiErrors.InvalidArgument("organisation", "is required"), "organisation");
        return CivilianMapping.ToProto(await store.UpdateOrganisationAsync(organisation, Version(request.ExpectedVersion), context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.Organisation> GetOrganisation(V1.GetByIdRequest request, ServerCallContext context) =>
        CivilianMapping.ToProto(await store.GetOrganisationAsync(Id(request.Id), Widest(context), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListOrganisationsResponse> ListOrganisations(V1.ListOrganisationsRequest request, ServerCallContext context)
    {
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await store.ListOrganisationsAsync(after ?? string.Empty, size, Widest(context), context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListOrganisationsResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Value.Id) : string.Empty };
        response.Organisations.AddRange(page.Select(CivilianMapping.ToProto));
        return response;
    }

    // ---- presence ----

    public override async Task<V1.OperationalPresence> CreatePresence(V1.OperationalPresence request, ServerCallContext context)
    {
        var presence = Checked(request, string.Empty, context.Caller());
        return CivilianMapping.ToProto(await store.CreatePresenceAsync(presence, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.OperationalPresence> UpdatePresence(V1.UpdatePresenceRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var presence = Checked(request.Presence ?? throw ApiErrors.InvalidArgument("presence", "is required"), "presence", caller);
        // A scoped liaison changes only records inside its area (NOT_FOUND otherwise, as for an unknown id).
        await store.GetPresenceAsync(presence.Id, SharingLevel.LiaisonOnly, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
        return CivilianMapping.ToProto(await store.UpdatePresenceAsync(presence, Version(request.ExpectedVersion), context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.OperationalPresence> GetPresence(V1.GetByIdRequest request, ServerCallContext context) =>
        CivilianMapping.ToProto(await store.GetPresenceAsync(Id(request.Id), Widest(context), context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListPresenceResponse> ListPresence(V1.ListPresenceRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var filter = new PresenceFilter(
            requests.Area(request.Area, "area", required: false, errors),
            CivilianRequests.Codes<V1.Cluster, Cluster>(request.Sectors, "sectors", errors),
            CivilianRequests.Codes<V1.PresenceStatus, PresenceStatus>(request.Statuses, "statuses", errors),
            request.OrganisationId,
            ApiMapping.ToDate(request.ActiveOn, "active_on", errors));
        if (request.OrganisationId.Length > 0)
        {
            ObservationRules.CheckId(request.OrganisationId, "organisation_id", errors);
        }

        ApiErrors.ThrowIfAny(errors);
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await store.ListPresenceAsync(filter, Widest(context), context.Caller().ScopeArea, after ?? string.Empty, size, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListPresenceResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Presence.Id) : string.Empty };
        response.Presence.AddRange(page.Select(CivilianMapping.ToProto));
        return response;
    }

    public override async Task<V1.PresenceSummary> SummarizePresence(V1.SummarizePresenceRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var area = requests.Area(request.Area, "area", required: true, errors);
        var sectors = CivilianRequests.Codes<V1.Cluster, Cluster>(request.Sectors, "sectors", errors);
        ApiErrors.ThrowIfAny(errors);
        var degrees = options.Value.SummaryCellDegrees;
        var counts = await store.SummarizeAsync(area!, sectors, degrees, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false);
        var summary = new V1.PresenceSummary { CellDegrees = degrees };
        summary.Cells.AddRange(counts.Select(c => new V1.PresenceCell
        {
            Cell = new V1.BoundingBox { West = c.Column * degrees, South = c.Row * degrees, East = (c.Column + 1) * degrees, North = (c.Row + 1) * degrees },
            Sector = (V1.Cluster)c.Sector,
            Organisations = c.Organisations,
            Records = c.Records,
        }));
        return summary;
    }

    public override async Task<V1.ImportPresenceReport> ImportPresence(V1.ImportPresenceRequest request, ServerCallContext context)
    {
        if (request.Csv.IsEmpty)
        {
            throw ApiErrors.InvalidArgument("csv", "is empty: send the 3W sheet as UTF-8 CSV with its HXL hashtag row");
        }

        var sharing = request.DefaultSharing == V1.SharingLevel.Unspecified ? SharingLevel.LiaisonOnly : (SharingLevel)request.DefaultSharing;
        var errors = new FieldErrors();
        CodeRules.CheckDefined(sharing, "default_sharing", errors);
        ApiErrors.ThrowIfAny(errors);
        var report = await import.ImportAsync(request.Csv.ToByteArray(), sharing, request.DryRun, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ImportPresenceReport
        {
            Rows = report.Rows,
            Created = report.Outcome?.Created ?? 0,
            Updated = report.Outcome?.Updated ?? 0,
            Unchanged = report.Outcome?.Unchanged ?? 0,
            OrganisationsCreated = report.Outcome?.OrganisationsCreated ?? 0,
        };
        response.Problems.AddRange(report.Problems.Select(p => new V1.ImportProblem { Line = p.Line, Column = p.Column, Message = p.Message }));
        response.IgnoredColumns.AddRange(report.IgnoredColumns);
        return response;
    }

    public override async Task ExportPresence(V1.ExportPresenceRequest request, IServerStreamWriter<V1.FileChunk> responses, ServerCallContext context)
    {
        var filter = requests.Presence(request, string.Empty);
        var cancellationToken = context.CancellationToken;
        var organisations = (await store.AllOrganisationsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(o => o.Id, StringComparer.Ordinal);
        var areas = (await store.ListAdminAreasAsync(0, cancellationToken).ConfigureAwait(false)).ToDictionary(a => a.Area.Pcode, a => a.Area, StringComparer.Ordinal);
        var chunk = new StringBuilder(string.Concat(ThreeWSheet.Header()));
        var named = false;
        await foreach (var stored in store.ReadPresenceAsync(filter, Widest(context), context.Caller().ScopeArea, cancellationToken).ConfigureAwait(false))
        {
            var p = stored.Presence;
            chunk.Append(ThreeWSheet.Line(Record(p, organisations[p.OrganisationId], areas)));
            if (chunk.Length >= ChunkBytes)
            {
                await SendAsync().ConfigureAwait(false);
            }
        }

        await SendAsync().ConfigureAwait(false);

        async Task SendAsync()
        {
            var message = new V1.FileChunk { Data = Google.Protobuf.ByteString.CopyFromUtf8(chunk.ToString()) };
            if (!named)
            {
                message.Name = "geoawareness-3w.csv";
                message.MediaType = ThreeWSheet.MediaType;
                named = true;
            }

            chunk.Clear();
            await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    // ---- facilities ----

    public override async Task<V1.Facility> CreateFacility(V1.Facility request, ServerCallContext context)
    {
        var facility = Checked(request, string.Empty, context.Caller());
        return Shown(await facilities.CreateAsync(facility, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.Facility> UpdateFacility(V1.UpdateFacilityRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var facility = Checked(request.Facility ?? throw ApiErrors.InvalidArgument("facility", "is required"), "facility", caller);
        await facilities.GetAsync(facility.Id, SharingLevel.LiaisonOnly, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
        return Shown(await facilities.UpdateAsync(facility, Version(request.ExpectedVersion), context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.Facility> GetFacility(V1.GetByIdRequest request, ServerCallContext context) =>
        Shown(await facilities.GetAsync(Id(request.Id), Widest(context), context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListFacilitiesResponse> ListFacilities(V1.ListFacilitiesRequest request, ServerCallContext context)
    {
        var filter = requests.Facilities(request, string.Empty);
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await facilities.ListAsync(filter, Widest(context), context.Caller().ScopeArea, after ?? string.Empty, size, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListFacilitiesResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Value.Id) : string.Empty };
        response.Facilities.AddRange(page.Select(Shown));
        return response;
    }

    public override async Task<V1.ImportFacilitiesReport> ImportFacilities(V1.ImportFacilitiesRequest request, ServerCallContext context)
    {
        if (request.Geojson.IsEmpty == request.Csv.IsEmpty)
        {
            throw ApiErrors.InvalidArgument(request.Geojson.IsEmpty ? "geojson" : "csv",
                "give either geojson (an OpenStreetMap export) or csv (HXL-tagged, healthsites-style), not both and not neither");
        }

        var sharing = request.DefaultSharing == V1.SharingLevel.Unspecified ? SharingLevel.LiaisonOnly : (SharingLevel)request.DefaultSharing;
        var errors = new FieldErrors();
        CodeRules.CheckDefined(sharing, "default_sharing", errors);
        ApiErrors.ThrowIfAny(errors);
        var read = request.Geojson.IsEmpty
            ? HxlFacilities.Read(request.Csv.ToStringUtf8().TrimStart('\uFEFF'))
            : Exporters.Osm.OsmFacilities.Read(request.Geojson.ToStringUtf8(), api.Value.ShapeLimits);
        var problems = read.Problems.ToList();
        var checkedFacilities = new List<Facility>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (index, drafted) in read.Facilities)
        {
            var facility = drafted with { Sharing = sharing };
            var rules = new FieldErrors();
            CivilianRules.Check(facility, rules);
            problems.AddRange(rules.All.Select(e => new SheetProblem(index, e.Field == "location" ? "geometry" : e.Field, $"{facility.Id}: {e.Message}")));
            if (!seen.TryAdd(facility.Id, index))
            {
                problems.Add(new SheetProblem(index, "id", $"'{facility.Id}' is also feature {seen[facility.Id]}"));
            }
            else if (!rules.Any)
            {
                checkedFacilities.Add(facility);
            }
        }

        var report = new V1.ImportFacilitiesReport { Features = read.Facilities.Count + read.Problems.Select(p => p.Line).Where(l => l > 0).Distinct().Count() };
        if (problems.Count == 0)
        {
            var outcome = await facilities.ImportAsync(checkedFacilities, request.DryRun, context.CancellationToken).ConfigureAwait(false);
            (report.Created, report.Updated, report.Unchanged) = (outcome.Created, outcome.Updated, outcome.Unchanged);
        }

        report.Problems.AddRange(problems.OrderBy(p => p.Line).Select(p => new V1.ImportProblem { Line = p.Line, Column = p.Column, Message = p.Message }));
        return report;
    }

    public override async Task ExportFacilities(V1.ListFacilitiesRequest request, IServerStreamWriter<V1.FileChunk> responses, ServerCallContext context)
    {
        var filter = requests.Facilities(request, string.Empty);
        var cancellationToken = context.CancellationToken;
        var names = (await store.AllOrganisationsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(o => o.Id, o => o.Name, StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var staleDays = options.Value.FacilityStaleDays;
        var named = false;
        await using var writer = new Exporters.GeoJson.GeoJsonWriter(async (bytes, token) =>
        {
            var chunk = new V1.FileChunk { Data = Google.Protobuf.ByteString.CopyFrom(bytes.Span) };
            if (!named)
            {
                (chunk.Name, chunk.MediaType, named) = ("geoawareness-facilities.geojson", "application/geo+json", true);
            }

            await responses.WriteAsync(chunk, token).ConfigureAwait(false);
        });
        var header = new Exporters.Layers.LayerHeader(Google.Protobuf.JsonFormatter.Default.Format(request), DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds()));
        await Exporters.Layers.FacilityLayerWriter.WriteAsync(writer, Features(), header, cancellationToken).ConfigureAwait(false);

        async IAsyncEnumerable<Exporters.Layers.FacilityFeature> Features()
        {
            await foreach (var stored in facilities.ReadAsync(filter, Widest(context), context.Caller().ScopeArea, cancellationToken).ConfigureAwait(false))
            {
                var f = stored.Value;
                yield return new Exporters.Layers.FacilityFeature(f, f.ConfirmationOn(today, staleDays), names.GetValueOrDefault(f.OperatorId, string.Empty));
            }
        }
    }

    // ---- quick impact projects and civil assistance requests ----

    public override async Task<V1.QuickImpactProject> CreateQip(V1.QuickImpactProject request, ServerCallContext context) =>
        ToProto(await desk.CreateAsync(CheckedQip(request, string.Empty), context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.QuickImpactProject> UpdateQip(V1.ChangeQipRequest request, ServerCallContext context)
    {
        var project = CheckedQip(request.Project ?? throw ApiErrors.InvalidArgument("project", "is required"), "project");
        return ToProto(await desk.ChangeAsync(project, Version(request.ExpectedVersion), context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    private static QuickImpactProject CheckedQip(V1.QuickImpactProject request, string field)
    {
        var all = new FieldErrors();
        var errors = field.Length == 0 ? all : all.At(field);
        var scope = Scope(request.Scope, errors);
        if (!double.IsFinite(request.BudgetUsd) || request.BudgetUsd < 0 || request.BudgetUsd > 1e12)
        {
            errors.Add("budget_usd", $"{request.BudgetUsd} is not an amount of 0 or more");
        }

        var planned = ApiMapping.ToDate(request.PlannedCompletion, "planned_completion", errors);
        if (planned is null && request.PlannedCompletion is null)
        {
            errors.Add("planned_completion", "is required");
        }

        var project = new QuickImpactProject
        {
            Id = request.Id,
            Title = request.Title,
            Sector = (Cluster)request.Sector,
            Scope = scope,
            BudgetUsd = all.Any ? 0 : Math.Round((decimal)request.BudgetUsd, 2),
            PlannedCompletion = planned ?? default,
        };
        CheckWork(project.Id, project.Title, errors);
        CodeRules.CheckDefined(project.Sector, "sector", errors);
        ApiErrors.ThrowIfAny(all);
        return project;
    }

    public override async Task<V1.QuickImpactProject> GetQip(V1.GetByIdRequest request, ServerCallContext context) =>
        ToProto(await works.GetQipAsync(Id(request.Id), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListQipsResponse> ListQips(V1.ListCivilWorksRequest request, ServerCallContext context)
    {
        var states = CivilianRequests.States<QipState>(request.States, string.Empty);
        var area = AreaOf(request.Area);
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await works.ListQipsAsync(states, area, after ?? string.Empty, size, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListQipsResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Value.Id) : string.Empty };
        response.Projects.AddRange(page.Select(ToProto));
        return response;
    }

    public override async Task<V1.QuickImpactProject> AdvanceQip(V1.AdvanceQipRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var to = (QipState)request.To;
        CodeRules.CheckDefined(to, "to", errors);
        var completed = ApiMapping.ToDate(request.CompletedOn, "completed_on", errors);
        Needed(to == QipState.Approved, request.ApprovedBy, "approved_by", "who approved it (the HOMC or a designee, policy 10.2.6)", errors);
        Needed(to == QipState.Cancelled, request.Reason, "reason", "why it is cancelled", errors);
        if (to == QipState.Completed && completed is null && !errors.Any)
        {
            errors.Add("completed_on", "is required to complete a project");
        }

        ApiErrors.ThrowIfAny(errors);
        var step = new QipStep(to, Version(request.ExpectedVersion), request.ApprovedBy, completed, request.Reason);
        return ToProto(await desk.AdvanceAsync(Id(request.Id), step, context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.CivilAssistanceRequest> CreateAssistanceRequest(V1.CivilAssistanceRequest request, ServerCallContext context) =>
        ToProto(await desk.CreateAsync(CheckedAssistance(request, string.Empty), context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.CivilAssistanceRequest> UpdateAssistanceRequest(V1.ChangeAssistanceRequest request, ServerCallContext context)
    {
        var assistance = CheckedAssistance(request.Request ?? throw ApiErrors.InvalidArgument("request", "is required"), "request");
        return ToProto(await desk.ChangeAsync(assistance, Version(request.ExpectedVersion), context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    private static CivilAssistanceRequest CheckedAssistance(V1.CivilAssistanceRequest request, string field)
    {
        var all = new FieldErrors();
        var errors = field.Length == 0 ? all : all.At(field);
        var scope = Scope(request.Scope, errors);
        var from = ApiMapping.ToDate(request.NeededFrom, "needed_from", errors);
        var to = ApiMapping.ToDate(request.NeededTo, "needed_to", errors);
        if (!all.Any && (from is null || to is null))
        {
            errors.Add(from is null ? "needed_from" : "needed_to", "is required: support is limited in time (policy 10.2.7)");
        }
        else if (from is { } start && to is { } end && end < start)
        {
            errors.Add("needed_to", $"{end:yyyy-MM-dd} is before needed_from {start:yyyy-MM-dd}");
        }

        CheckWork(request.Id, request.Title, errors);
        if (request.Description.Length > 4000)
        {
            errors.Add("description", $"has {request.Description.Length} characters; at most 4000");
        }

        if (request.LastResort.Length > 2000)
        {
            errors.Add("last_resort", $"has {request.LastResort.Length} characters; at most 2000");
        }

        ApiErrors.ThrowIfAny(all);
        return new CivilAssistanceRequest
        {
            Id = request.Id, Title = request.Title, Description = request.Description, Scope = scope, NeededFrom = from!.Value, NeededTo = to!.Value, LastResort = request.LastResort.Trim(),
        };
    }

    public override async Task<V1.CivilAssistanceRequest> GetAssistanceRequest(V1.GetByIdRequest request, ServerCallContext context) =>
        ToProto(await works.GetRequestAsync(Id(request.Id), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListAssistanceRequestsResponse> ListAssistanceRequests(V1.ListCivilWorksRequest request, ServerCallContext context)
    {
        var states = CivilianRequests.States<AssistanceState>(request.States, string.Empty);
        var area = AreaOf(request.Area);
        var (after, size) = Page(request.PageToken, request.PageSize);
        var page = await works.ListRequestsAsync(states, area, after ?? string.Empty, size, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.ListAssistanceRequestsResponse { NextPageToken = page.Count == size ? PageToken.ForList(page[^1].Value.Id) : string.Empty };
        response.Requests.AddRange(page.Select(ToProto));
        return response;
    }

    public override async Task<V1.CivilAssistanceRequest> AdvanceAssistanceRequest(V1.AssistanceStepRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var to = (AssistanceState)request.To;
        CodeRules.CheckDefined(to, "to", errors);
        Needed(to is AssistanceState.Approved or AssistanceState.Refused, request.DecidedBy, "decided_by", "who decided (the HOMC or delegated staff, with the DSRSG/RC/HC; policy 10.2.7)", errors);
        Needed(to == AssistanceState.Refused, request.Reason, "reason", "why it is refused", errors);
        if (request.LastResort.Length > 2000)
        {
            errors.Add("last_resort", $"has {request.LastResort.Length} characters; at most 2000");
        }

        ApiErrors.ThrowIfAny(errors);
        var step = new AssistanceStep(to, Version(request.ExpectedVersion), request.DecidedBy, request.Reason, request.LastResort);
        return ToProto(await desk.AdvanceAsync(Id(request.Id), step, context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<V1.CivilWorksSummary> SummarizeCivilWorks(V1.SummarizeCivilWorksRequest request, ServerCallContext context)
    {
        var figures = await works.FiguresAsync(context.CancellationToken).ConfigureAwait(false);
        var summary = new V1.CivilWorksSummary
        {
            QipsCompleted = figures.Completed,
            QipsCompletedOnTime = figures.CompletedOnTime,
            RequestsDecided = figures.Decided,
            MeanHoursToDecision = Math.Round(figures.MeanHours, 2),
            MedianHoursToDecision = Math.Round(figures.MedianHours, 2),
        };
        summary.Qips.AddRange(figures.Projects.Select(c => new V1.CivilWorksCount { State = ((QipState)c.State).ToString().ToLowerInvariant(), Sector = (V1.Cluster)c.Sector!.Value, Count = c.Count }));
        summary.Requests.AddRange(figures.Requests.Select(c => new V1.CivilWorksCount { State = ((AssistanceState)c.State).ToString().ToLowerInvariant(), Count = c.Count }));
        return summary;
    }

    private static CivilWorkScope Scope(V1.CivilWorkScope? scope, FieldErrors errors)
    {
        if (scope is null || (scope.Location is null && scope.CommunityId.Length == 0))
        {
            errors.Add("scope", "is required: a location, a community_id, or both");
            return new CivilWorkScope(null, string.Empty, [], string.Empty, string.Empty);
        }

        Core.Spatial.GeoPoint? location = scope.Location is null ? null : ApiMapping.ToPoint(scope.Location, "scope.location", errors);
        if (scope.CommunityId.Length > 0)
        {
            ObservationRules.CheckId(scope.CommunityId, "scope.community_id", errors);
        }

        if (scope.FacilityIds.Count > 50)
        {
            errors.Add("scope.facility_ids", $"{scope.FacilityIds.Count} facilities; at most 50");
        }

        for (var i = 0; i < scope.FacilityIds.Count && i < 50; i++)
        {
            ObservationRules.CheckId(scope.FacilityIds[i], $"scope.facility_ids[{i}]", errors);
        }

        foreach (var (text, field) in new[] { (scope.RequestedBy, "scope.requested_by"), (scope.ImplementedBy, "scope.implemented_by") })
        {
            if (text.Length > 200)
            {
                errors.Add(field, $"has {text.Length} characters; at most 200");
            }
        }

        var point = location is { } p ? Core.Spatial.ShapeReader.Factory.CreatePoint(new Coordinate(p.Longitude, p.Latitude)) : null;
        return new CivilWorkScope(point, scope.CommunityId, [.. scope.FacilityIds], scope.RequestedBy, scope.ImplementedBy);
    }

    private Geometry? AreaOf(V1.Area? area)
    {
        var errors = new FieldErrors();
        var geometry = requests.Area(area, "area", required: false, errors);
        ApiErrors.ThrowIfAny(errors);
        return geometry;
    }

    private static void CheckWork(string id, string title, FieldErrors errors)
    {
        ObservationRules.CheckId(id, "id", errors);
        if (string.IsNullOrWhiteSpace(title) || title.Length > 200)
        {
            errors.Add("title", "must have 1 to 200 characters, not only spaces");
        }
    }

    private static void Needed(bool needed, string value, string field, string what, FieldErrors errors)
    {
        if (needed && (value.Trim().Length == 0 || value.Length > 200))
        {
            errors.Add(field, $"is required for this step (1 to 200 characters): {what}");
        }
    }

    private static V1.CivilWorkScope ToProto(CivilWorkScope scope)
    {
        var message = new V1.CivilWorkScope { CommunityId = scope.CommunityId, RequestedBy = scope.RequestedBy, ImplementedBy = scope.ImplementedBy };
        message.FacilityIds.AddRange(scope.FacilityIds);
        if (scope.Location is { } point)
        {
            message.Location = new V1.GeoPoint { Longitude = point.X, Latitude = point.Y };
        }

        return message;
    }

    private static V1.QuickImpactProject ToProto(Versioned<QuickImpactProject> stored)
    {
        var p = stored.Value;
        return new V1.QuickImpactProject
        {
            Id = p.Id, Title = p.Title, Sector = (V1.Cluster)p.Sector, Scope = ToProto(p.Scope), BudgetUsd = (double)p.BudgetUsd,
            PlannedCompletion = ApiMapping.ToCalendarDate(p.PlannedCompletion), State = (V1.QipState)p.State, ApprovedBy = p.ApprovedBy,
            CompletedOn = ApiMapping.ToCalendarDate(p.CompletedOn), CancellationReason = p.CancellationReason, CompletedOnTime = p.CompletedOnTime, Version = stored.Version,
        };
    }

    private static V1.CivilAssistanceRequest ToProto(Versioned<CivilAssistanceRequest> stored)
    {
        var r = stored.Value;
        return new V1.CivilAssistanceRequest
        {
            Id = r.Id, Title = r.Title, Description = r.Description, Scope = ToProto(r.Scope), NeededFrom = ApiMapping.ToCalendarDate(r.NeededFrom),
            NeededTo = ApiMapping.ToCalendarDate(r.NeededTo), LastResort = r.LastResort, State = (V1.AssistanceState)r.State, RequestedAt = ApiMapping.ToTimestamp(r.RequestedAt),
            DecidedBy = r.DecidedBy, DecidedAt = r.DecidedAt is { } at ? ApiMapping.ToTimestamp(at) : null, RefusalReason = r.RefusalReason, Version = stored.Version,
        };
    }

    private V1.Facility Shown(Versioned<Facility> stored) =>
        CivilianMapping.ToProto(stored, stored.Value.ConfirmationOn(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), options.Value.FacilityStaleDays));

    private Facility Checked(V1.Facility message, string field, Caller caller)
    {
        var errors = new FieldErrors();
        var scoped = field.Length == 0 ? errors : errors.At(field);
        var facility = CivilianMapping.ToFacility(message, api.Value.ShapeLimits, scoped);
        if (!errors.Any)
        {
            CivilianRules.Check(facility, scoped);
        }

        ApiErrors.ThrowIfAny(errors);
        AccessRules.EnsureInside(caller, facility.Location, field.Length == 0 ? "location" : $"{field}.location");
        return facility;
    }

    /// <summary>A record with its admin areas' names (and, for an adm2 area, its adm1), as a 3W sheet writes them.</summary>
    private static ThreeWRecord Record(Presence presence, Organisation organisation, Dictionary<string, AdminArea> areas)
    {
        if (presence.Location is not null || !areas.TryGetValue(presence.Pcode, out var area))
        {
            return new ThreeWRecord(presence, organisation, 2);
        }

        if (area.Level == 1)
        {
            return new ThreeWRecord(presence, organisation, 1, area.Pcode, area.Name);
        }

        var parent = areas.GetValueOrDefault(area.ParentPcode);
        return new ThreeWRecord(presence, organisation, 2, area.ParentPcode, parent?.Name ?? string.Empty, area.Name);
    }

    // ---- helpers ----

    private static SharingLevel Widest(ServerCallContext context) => CivilianSharing.ReadsInFull(context.Caller());

    private static Organisation Checked(V1.Organisation message, string field)
    {
        var errors = new FieldErrors();
        CivilianRules.Check(CivilianMapping.ToOrganisation(message), field.Length == 0 ? errors : errors.At(field));
        ApiErrors.ThrowIfAny(errors);
        return CivilianMapping.ToOrganisation(message);
    }

    private Presence Checked(V1.OperationalPresence message, string field, Caller caller)
    {
        var errors = new FieldErrors();
        var scoped = field.Length == 0 ? errors : errors.At(field);
        var presence = CivilianMapping.ToPresence(message, api.Value.ShapeLimits, scoped);
        if (!errors.Any)
        {
            CivilianRules.Check(presence, scoped);
        }

        ApiErrors.ThrowIfAny(errors);
        if (presence.Location is { } location)
        {
            AccessRules.EnsureInside(caller, location, field.Length == 0 ? "location" : $"{field}.location");
        }

        return presence;
    }

    private (string? After, int Size) Page(string token, int pageSize)
    {
        var max = api.Value.MaxListPageSize;
        if (pageSize < 0 || pageSize > max)
        {
            throw ApiErrors.InvalidArgument("page_size", $"{pageSize} is out of range 1..{max} (0 for the default of 100)");
        }

        return (PageToken.ReadList(token), pageSize == 0 ? 100 : pageSize);
    }

    private static long Version(long expected) => expected >= 0 ? expected : throw ApiErrors.InvalidArgument("expected_version", $"{expected} is below 0");

    private static string Id(string id)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(id, "id", errors);
        ApiErrors.ThrowIfAny(errors);
        return id;
    }
}
