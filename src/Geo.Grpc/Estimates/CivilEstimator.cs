using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Indicators;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Grpc.Civilian;
using Geo.Grpc.UseCases;
using Geo.Storage.Civilian;
using Geo.Storage.Registry;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Estimates;

/// <summary>An estimate asked for, checked: the area as a box and a geometry, the period, and the threat grid's cell.</summary>
internal sealed record EstimateQuestion(V1.BoundingBox Bbox, Geometry Area, DateOnly From, DateOnly Last, double CellMetres)
{
    /// <summary>The day after the period (observations are counted in [From, To)).</summary>
    public DateOnly To => Last.AddDays(1);

    public DateOnly PreviousFrom => From.AddDays(-(To.DayNumber - From.DayNumber));

    /// <summary>A point on or inside the box's edges.</summary>
    public bool Holds(V1.GeoPoint? point) =>
        point is not null && point.Longitude >= Bbox.West && point.Longitude <= Bbox.East && point.Latitude >= Bbox.South && point.Latitude <= Bbox.North;
}

/// <summary>
/// The civil operational estimate of an area for a period (issue 20, part 5; UN-CIMIC policy
/// 10.2.2-10.2.4). Each section is the answer of an API call, made here as that call makes it for
/// the caller (its visibility, coarsening, sharing levels and scope), and names the call and its
/// request so that anyone with the same role can check every figure. A section whose call the
/// caller's role may not make is withheld. The findings come from stated rules over the sections.
/// </summary>
internal sealed class CivilEstimator(
    RegistryStore registry, CivilianStore civilian, FacilityStore facilities, CivilWorkStore works, ObservationReading reading, HeatMapComputer heatMaps,
    GroupGapComputer groupGaps, CoverageReader coverage, RpcPermissions permissions, IOptions<ApiOptions> api, IOptions<CivilianOptions> civilianOptions,
    IOptions<Operations.OperationOptions> operationOptions, IOptions<EstimateOptions> options, TimeProvider clock)
{
    private const int ListPage = 1000;

    private static readonly HashSet<FacilityType> Health = [FacilityType.Hospital, FacilityType.Clinic, FacilityType.HealthPost];

    /// <summary>The request checked, every problem named by its field (INVALID_ARGUMENT otherwise).</summary>
    public EstimateQuestion Read(V1.CivilEstimateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new FieldErrors();
        var limits = options.Value;
        var box = request.Bbox;
        if (box is null)
        {
            errors.Add("bbox", "is required: west, south, east, north in degrees");
        }
        else if (!(double.IsFinite(box.West) && double.IsFinite(box.East) && box.West >= -180 && box.East <= 180 && box.West < box.East))
        {
            errors.Add("bbox.west", $"{box.West} to {box.East}: west must be below east, both within -180 to 180");
        }
        else if (!(double.IsFinite(box.South) && double.IsFinite(box.North) && box.South >= -90 && box.North <= 90 && box.South < box.North))
        {
            errors.Add("bbox.south", $"{box.South} to {box.North}: south must be below north, both within -90 to 90");
        }

        var period = IndicatorPeriod.Read(
            request.Period, ApiMapping.ToDate(request.From, "from", errors), ApiMapping.ToDate(request.To, "to", errors), DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), errors);
        if (period is not null && period.Last.DayNumber - period.First.DayNumber + 1 > limits.MaxPeriodDays)
        {
            errors.Add(request.Period.Length > 0 ? "period" : "to", $"the period is {period.Last.DayNumber - period.First.DayNumber + 1} days, above the maximum of {limits.MaxPeriodDays}");
        }

        var longest = 0.0;
        if (!errors.Any)
        {
            longest = new[]
            {
                Geodesy.DistanceMetres(new GeoPoint(box!.West, box.South), new GeoPoint(box.East, box.South)),
                Geodesy.DistanceMetres(new GeoPoint(box.West, box.North), new GeoPoint(box.East, box.North)),
                Geodesy.DistanceMetres(new GeoPoint(box.West, box.South), new GeoPoint(box.West, box.North)),
            }.Max();
            if (longest > limits.MaxSideKilometres * 1000)
            {
                errors.Add("bbox", $"its longest side is {longest / 1000:0.#} km, above the maximum of {limits.MaxSideKilometres} km");
            }
        }

        ApiErrors.ThrowIfAny(errors);
        var area = ShapeReader.Factory.ToGeometry(new Envelope(box!.West, box.East, box.South, box.North));
        // Whole hundreds of metres, so that the request the estimate names reads back the same.
        var cell = Math.Max(limits.MinCellMetres, Math.Ceiling(longest / limits.MaxCellsPerSide / 100) * 100);
        return new EstimateQuestion(box.Clone(), area, period!.First, period.Last, cell);
    }

    public async Task<V1.CivilEstimate> EstimateAsync(EstimateQuestion question, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(caller);
        var estimate = new V1.CivilEstimate
        {
            Bbox = question.Bbox,
            From = ApiMapping.ToCalendarDate(question.From),
            To = ApiMapping.ToCalendarDate(question.Last),
            GeneratedAt = ApiMapping.ToTimestamp(clock.GetUtcNow()),
            GeneratedFor = caller.Role.ToString(),
        };
        var facts = new EstimateFacts(question);
        if (May(caller, "situation", estimate, Methods.ListCommunities))
        {
            estimate.Situation = await SituationAsync(question, caller, facts, cancellationToken).ConfigureAwait(false);
        }

        if (May(caller, "actors", estimate, Methods.SummarizePresence, Methods.ListFacilities))
        {
            estimate.Actors = await ActorsAsync(question, caller, facts, cancellationToken).ConfigureAwait(false);
        }

        if (May(caller, "threats", estimate, Methods.Summarize, Methods.HeatMaps))
        {
            estimate.Threats = await ThreatsAsync(question, caller, facts, cancellationToken).ConfigureAwait(false);
        }

        if (May(caller, "coverage", estimate, Methods.GetCoverage, Methods.GetGroupGaps))
        {
            estimate.Coverage = await CoverageAsync(question, caller, facts, cancellationToken).ConfigureAwait(false);
        }

        if (May(caller, "civil_works", estimate, Methods.ListQips, Methods.ListAssistanceRequests))
        {
            estimate.CivilWorks = await CivilWorksAsync(question, cancellationToken).ConfigureAwait(false);
        }

        var mayListPresence = caller.Can(permissions.For(Methods.ListPresence) ?? Permission.ManageTokens);
        var partners = mayListPresence && facts.OutOfReach is not null
            ? await PartnersAsync(facts.OutOfReach, caller, cancellationToken).ConfigureAwait(false)
            : null;
        EstimateRules.Apply(estimate, facts, partners, options.Value);
        return estimate;
    }

    /// <summary>Whether the caller may make every call behind a section; a section it may not is listed as withheld.</summary>
    private bool May(Caller caller, string section, V1.CivilEstimate estimate, params string[] methods)
    {
        foreach (var method in methods)
        {
            var needed = permissions.For(method) ?? throw new InvalidOperationException($"{method} has no permission");
            if (!caller.Can(needed))
            {
                estimate.Withheld.Add(new V1.WithheldSection { Section = section, Permission = needed.ToString() });
                return false;
            }
        }

        return true;
    }

    private async Task<V1.CivilSituation> SituationAsync(EstimateQuestion question, Caller caller, EstimateFacts facts, CancellationToken cancellationToken)
    {
        var section = new V1.CivilSituation();
        section.Sources.Add(Source(Methods.ListCommunities, new V1.ListRequest { PageSize = ListPage }, "every page; the communities whose centroid lies in the bbox (edges included)"));
        var population = new Dictionary<(V1.Sex, V1.AgeGroup), long>();
        string? after = null;
        while (true)
        {
            var page = await registry.ListCommunitiesAsync(after, ListPage, string.Empty, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
            foreach (var community in page.Select(ApiMapping.ToProto).Where(c => question.Holds(c.Centroid)))
            {
                facts.Communities.Add(community);
                foreach (var count in community.Population)
                {
                    population[(count.Sex, count.AgeGroup)] = population.GetValueOrDefault((count.Sex, count.AgeGroup)) + count.Count;
                }

                section.CommunitiesWithoutPopulation += community.Population.Count == 0 ? 1 : 0;
            }

            if (page.Count < ListPage)
            {
                break;
            }

            after = page[^1].Community.Id;
        }

        section.Communities = facts.Communities.Count;
        section.ByRisk.AddRange(facts.Communities.GroupBy(c => c.RiskLevel).OrderByDescending(g => g.Key)
            .Select(g => new V1.RiskCount { RiskLevel = g.Key, Communities = g.Count() }));
        section.Population.AddRange(population.OrderBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2)
            .Select(p => new V1.AffectedCount { Sex = p.Key.Item1, AgeGroup = p.Key.Item2, Count = checked((int)p.Value) }));
        section.PopulationTotal = population.Values.Sum();
        section.AtRisk.AddRange(facts.AtRisk.Select(c => new V1.CommunityBrief
        {
            Id = c.Id, Name = c.Name, RiskLevel = c.RiskLevel, Population = c.Population.Sum(p => (long)p.Count), Centroid = c.Centroid,
        }));
        return section;
    }

    private async Task<V1.CivilianActors> ActorsAsync(EstimateQuestion question, Caller caller, EstimateFacts facts, CancellationToken cancellationToken)
    {
        var section = new V1.CivilianActors();
        var degrees = civilianOptions.Value.SummaryCellDegrees;
        section.Sources.Add(Source(Methods.SummarizePresence, new V1.SummarizePresenceRequest { Area = new V1.Area { Bbox = question.Bbox } }, "the cells' records and organisations summed by sector"));
        var cells = await civilian.SummarizeAsync(question.Area, [], degrees, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        section.Sectors.AddRange(cells.GroupBy(c => c.Sector).OrderBy(g => g.Key).Select(g => new V1.SectorActors
        {
            Sector = (V1.Cluster)g.Key, Records = g.Sum(c => c.Records), OrganisationCells = g.Sum(c => c.Organisations),
        }));

        section.Sources.Add(Source(Methods.ListFacilities, new V1.ListFacilitiesRequest { Area = new V1.Area { Bbox = question.Bbox }, PageSize = ListPage },
            "every page, counted by type and status"));
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var staleDays = civilianOptions.Value.FacilityStaleDays;
        var flagged = operationOptions.Value.FlaggedTypes;
        var counts = new Dictionary<(FacilityType, FacilityStatus), V1.FacilityCount>();
        await foreach (var stored in facilities.ReadAsync(new FacilityFilter(question.Area, [], []), CivilianSharing.ReadsInFull(caller), caller.ScopeArea, cancellationToken)
            .ConfigureAwait(false))
        {
            var facility = stored.Value;
            var confirmation = facility.ConfirmationOn(today, staleDays);
            if (!counts.TryGetValue((facility.Type, facility.Status), out var count))
            {
                counts[(facility.Type, facility.Status)] = count = new V1.FacilityCount { Type = (V1.FacilityType)facility.Type, Status = (V1.FacilityStatus)facility.Status };
            }

            count.Facilities++;
            count.StaleOrUnconfirmed += confirmation == Confirmation.Current ? 0 : 1;
            count.Notified += facility.Notification is null ? 0 : 1;
            section.FacilitiesTotal++;
            if (Health.Contains(facility.Type) && facility.Status is FacilityStatus.NotFunctional or FacilityStatus.PartiallyFunctional)
            {
                facts.HealthDown.Add(new FacilityFact(facility, confirmation));
            }

            if ((facility.Notification is not null || flagged.Contains(facility.Type)) && confirmation != Confirmation.Current)
            {
                facts.ProtectedUnconfirmed.Add(new FacilityFact(facility, confirmation));
            }
        }

        section.Facilities.AddRange(counts.OrderBy(c => c.Key.Item1).ThenBy(c => c.Key.Item2).Select(c => c.Value));
        return section;
    }

    private async Task<V1.ThreatPicture> ThreatsAsync(EstimateQuestion question, Caller caller, EstimateFacts facts, CancellationToken cancellationToken)
    {
        var current = ObservationFilter(question, question.From, question.To);
        var previous = ObservationFilter(question, question.PreviousFrom, question.From);
        var section = new V1.ThreatPicture
        {
            From = current.ObservedFrom, To = current.ObservedTo, PreviousFrom = previous.ObservedFrom, HotSpotCellMetres = question.CellMetres,
        };
        section.Sources.Add(Source(Methods.Summarize, current, "the period"));
        section.Sources.Add(Source(Methods.Summarize, previous, "the previous period of the same length"));
        var now = await SummaryAsync(current, caller, cancellationToken).ConfigureAwait(false);
        var before = await SummaryAsync(previous, caller, cancellationToken).ConfigureAwait(false);
        if (!now.Withheld)
        {
            section.Observations = now.Observations;
        }

        if (!before.Withheld)
        {
            section.PreviousObservations = before.Observations;
        }

        foreach (var category in now.ByCategory.Select(c => c.Category).Union(before.ByCategory.Select(c => c.Category)).Order())
        {
            var change = new V1.ThreatChange { Category = category };
            if (now.ByCategory.FirstOrDefault(c => c.Category == category) is { Withheld: false } a)
            {
                change.Observations = a.Observations;
            }

            if (before.ByCategory.FirstOrDefault(c => c.Category == category) is { Withheld: false } b)
            {
                change.PreviousObservations = b.Observations;
            }

            section.ByCategory.Add(change);
        }

        foreach (var (sex, age) in now.ByGroup.Select(g => (g.Sex, g.AgeGroup)).Union(before.ByGroup.Select(g => (g.Sex, g.AgeGroup))).Order())
        {
            var change = new V1.GroupThreatChange { Sex = sex, AgeGroup = age };
            if (now.ByGroup.FirstOrDefault(g => g.Sex == sex && g.AgeGroup == age) is { Withheld: false } a)
            {
                change.Observations = a.Observations;
            }

            if (before.ByGroup.FirstOrDefault(g => g.Sex == sex && g.AgeGroup == age) is { Withheld: false } b)
            {
                change.PreviousObservations = b.Observations;
            }

            section.ByGroup.Add(change);
        }

        var hotRequest = new V1.HeatMapRequest { Filter = current, CellSizeMetres = question.CellMetres, Method = V1.HeatMapMethod.HotSpots };
        section.Sources.Add(Source(Methods.HeatMaps, hotRequest, "the cells with hot_spot above 0"));
        foreach (var cell in await CellsAsync(hotRequest, caller, cancellationToken).ConfigureAwait(false))
        {
            if (cell.HotSpot > 0)
            {
                section.HotSpots.Add(new V1.HotSpot
                {
                    Column = cell.Column, Row = cell.Row, Centre = cell.Centre, ZScore = cell.Value, PValue = cell.PValue, Confidence = cell.HotSpot, Observations = cell.Count,
                });
            }
        }

        // The change cell by cell, on one grid for both periods (same area, same cell), for the rules.
        var changeCell = Math.Max(question.CellMetres, options.Value.ChangeCellMetres);
        var countNow = new V1.HeatMapRequest { Filter = current, CellSizeMetres = changeCell, Method = V1.HeatMapMethod.Count };
        var countBefore = new V1.HeatMapRequest { Filter = previous, CellSizeMetres = changeCell, Method = V1.HeatMapMethod.Count };
        facts.ChangeSources.Add(Source(Methods.HeatMaps, countNow, "the cell holding the facility, in the period"));
        facts.ChangeSources.Add(Source(Methods.HeatMaps, countBefore, "the same cell in the previous period"));
        facts.CellsNow = await CellsAsync(countNow, caller, cancellationToken).ConfigureAwait(false);
        facts.CellsBefore = (await CellsAsync(countBefore, caller, cancellationToken).ConfigureAwait(false)).ToDictionary(c => (c.Column, c.Row));
        return section;
    }

    private async Task<V1.ObservationSummary> SummaryAsync(V1.ObservationFilter message, Caller caller, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var filter = ApiMapping.ToFilter(message, api.Value.ShapeLimits, errors.At("filter"));
        if (!errors.Any)
        {
            QueryRules.Check(filter, api.Value.QueryLimits, errors.At("filter"));
        }

        ApiErrors.ThrowIfAny(errors);
        return await reading.SummarizeAsync(filter, countEvents: false, caller, cancellationToken).ConfigureAwait(false) is { } summary
            ? ApiMapping.ToProto(summary)
            : new V1.ObservationSummary { Withheld = true };
    }

    /// <summary>The cells a HeatMaps/Compute call with this request streams to the caller.</summary>
    private async Task<List<V1.HeatMapCell>> CellsAsync(V1.HeatMapRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var map = await heatMaps.ComputeAsync(heatMaps.Read(request, string.Empty), caller, cancellationToken).ConfigureAwait(false);
        var rings = new CellRings(map.Area);
        var frame = map.Frames[0];
        var cells = new List<V1.HeatMapCell>();
        for (var index = 0; index < frame.Values.Length; index++)
        {
            if (frame.Shown[index])
            {
                cells.Add(HeatMapsHandler.ToProto(map, frame, index, rings));
            }
        }

        return cells;
    }

    private async Task<V1.CoverageGaps> CoverageAsync(EstimateQuestion question, Caller caller, EstimateFacts facts, CancellationToken cancellationToken)
    {
        var at = ApiMapping.ToCalendarDate(question.Last);
        var request = new V1.CoverageRequest { At = at };
        var errors = new FieldErrors();
        var asked = coverage.Read(request, errors);
        ApiErrors.ThrowIfAny(errors);
        (asked, var bases, var communities) = await coverage.ReadAsync(asked, string.Empty, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var report = ApiMapping.ToProto(CoverageAnalysis.Analyse(asked, bases, communities));
        var section = new V1.CoverageGaps { At = at, GroupGapThreshold = options.Value.GroupGapThreshold };
        section.Sources.Add(Source(Methods.GetCoverage, request, "the bases whose location, and the communities out of reach whose centroid, lies in the bbox"));
        var inArea = report.Bases.Where(b => question.Holds(b.Base.Location)).ToList();
        section.BasesInArea = inArea.Count;
        section.Bases.AddRange(inArea.Where(b => b.Gaps.Count > 0).Select(b =>
        {
            var brief = new V1.BaseBrief { Id = b.Base.Id, Name = b.Base.Name };
            brief.Gaps.AddRange(b.Gaps);
            return brief;
        }));
        section.CommunitiesOutOfReach.AddRange(report.CommunitiesOutOfReach.Where(c => question.Holds(c.Centroid)));
        facts.OutOfReach = [.. section.CommunitiesOutOfReach];

        var women = ObservationFilter(question, question.From, question.To);
        women.AffectedSexes.Add(V1.Sex.Female);
        var gapRequest = new V1.GroupGapsRequest
        {
            HeatMap = new V1.HeatMapRequest { Filter = women, CellSizeMetres = question.CellMetres, Method = V1.HeatMapMethod.Count },
            Threshold = options.Value.GroupGapThreshold,
            At = at,
        };
        section.Sources.Add(Source(Methods.GetGroupGaps, gapRequest, "every cell"));
        var answer = await groupGaps.ComputeAsync(gapRequest, string.Empty, caller, cancellationToken).ConfigureAwait(false);
        var gaps = CoverageHandler.GroupGapsReport(answer.Map, answer.Gaps, answer.Communities, answer.Coverage, answer.Coarsened);
        section.WomenAndGirlsGaps.AddRange(gaps.Cells.Select(c =>
        {
            var brief = new V1.GroupGapBrief
            {
                Column = c.Cell.Column, Row = c.Cell.Row, Centre = c.Cell.Centre, ThreatValue = c.Cell.Value, NearestBaseId = c.NearestBaseId, DistanceMetres = c.DistanceMetres,
            };
            brief.CommunityIds.AddRange(c.CommunityIds);
            return brief;
        }));
        return section;
    }

    private async Task<V1.CivilWorks> CivilWorksAsync(EstimateQuestion question, CancellationToken cancellationToken)
    {
        var section = new V1.CivilWorks();
        var request = new V1.ListCivilWorksRequest { Area = new V1.Area { Bbox = question.Bbox }, PageSize = ListPage };
        section.Sources.Add(Source(Methods.ListQips, request, "every page, counted by state and sector"));
        section.Sources.Add(Source(Methods.ListAssistanceRequests, request, "every page, counted by state"));
        var qips = new Dictionary<(string, Cluster), int>();
        var after = string.Empty;
        while (true)
        {
            var page = await works.ListQipsAsync([], question.Area, after, ListPage, cancellationToken).ConfigureAwait(false);
            foreach (var qip in page)
            {
                var key = (qip.Value.State.ToString().ToLowerInvariant(), qip.Value.Sector);
                qips[key] = qips.GetValueOrDefault(key) + 1;
            }

            if (page.Count < ListPage)
            {
                break;
            }

            after = page[^1].Value.Id;
        }

        var requests = new Dictionary<string, int>(StringComparer.Ordinal);
        after = string.Empty;
        while (true)
        {
            var page = await works.ListRequestsAsync([], question.Area, after, ListPage, cancellationToken).ConfigureAwait(false);
            foreach (var asked in page)
            {
                var key = asked.Value.State.ToString().ToLowerInvariant();
                requests[key] = requests.GetValueOrDefault(key) + 1;
            }

            if (page.Count < ListPage)
            {
                break;
            }

            after = page[^1].Value.Id;
        }

        section.Qips.AddRange(qips.OrderBy(q => q.Key.Item1, StringComparer.Ordinal).ThenBy(q => q.Key.Item2)
            .Select(q => new V1.CivilWorksCount { State = q.Key.Item1, Sector = (V1.Cluster)q.Key.Item2, Count = q.Value }));
        section.Requests.AddRange(requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new V1.CivilWorksCount { State = r.Key, Count = r.Value }));
        return section;
    }

    /// <summary>For each community out of reach: the presence records the caller reads within reach of it, as ListPresence lists them, and that call.</summary>
    private async Task<List<PartnerFact>> PartnersAsync(IReadOnlyList<V1.CommunityReach> communities, Caller caller, CancellationToken cancellationToken)
    {
        var found = new List<PartnerFact>();
        var reach = options.Value.PartnerReachMetres;
        foreach (var community in communities)
        {
            var box = Around(community.Centroid, reach);
            var request = new V1.ListPresenceRequest { Area = new V1.Area { Bbox = box }, PageSize = ListPage };
            var area = ShapeReader.Factory.ToGeometry(new Envelope(box.West, box.East, box.South, box.North));
            var page = await civilian.ListPresenceAsync(new PresenceFilter(area, [], [], string.Empty, null), CivilianSharing.ReadsInFull(caller), caller.ScopeArea, string.Empty, ListPage, cancellationToken)
                .ConfigureAwait(false);
            var shown = page.Select(CivilianMapping.ToProto).Where(p => p.Status != V1.PresenceStatus.Finished).ToList();
            if (shown.Count > 0)
            {
                found.Add(new PartnerFact(community, shown, Source(Methods.ListPresence, request, "the records not finished")));
            }
        }

        return found;
    }

    /// <summary>A box of true metres around a point (the bbox a partner's presence must meet).</summary>
    private static V1.BoundingBox Around(V1.GeoPoint centre, double metres)
    {
        var latitude = metres / 111_320.0;
        var longitude = metres / (111_320.0 * Math.Max(0.01, Math.Cos(centre.Latitude * Math.PI / 180)));
        return new V1.BoundingBox
        {
            West = Math.Round(centre.Longitude - longitude, 6), South = Math.Round(centre.Latitude - latitude, 6),
            East = Math.Round(centre.Longitude + longitude, 6), North = Math.Round(centre.Latitude + latitude, 6),
        };
    }

    private static V1.ObservationFilter ObservationFilter(EstimateQuestion question, DateOnly from, DateOnly to) => new()
    {
        Area = new V1.Area { Bbox = question.Bbox },
        ObservedFrom = ApiMapping.ToTimestamp(new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)),
        ObservedTo = ApiMapping.ToTimestamp(new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)),
    };

    internal static V1.FigureSource Source(string method, IMessage request, string selection) =>
        new() { Method = method, RequestJson = JsonFormatter.Default.Format(request), Selection = selection };

    /// <summary>The calls an estimate is made of, by their full names (as the permission table has them).</summary>
    internal static class Methods
    {
        public const string ListCommunities = "/geoawareness.v1.Registry/ListCommunities";
        public const string SummarizePresence = "/geoawareness.v1.CivilianPicture/SummarizePresence";
        public const string ListPresence = "/geoawareness.v1.CivilianPicture/ListPresence";
        public const string ListFacilities = "/geoawareness.v1.CivilianPicture/ListFacilities";
        public const string ListQips = "/geoawareness.v1.CivilianPicture/ListQips";
        public const string ListAssistanceRequests = "/geoawareness.v1.CivilianPicture/ListAssistanceRequests";
        public const string Summarize = "/geoawareness.v1.Observations/Summarize";
        public const string HeatMaps = "/geoawareness.v1.HeatMaps/Compute";
        public const string GetCoverage = "/geoawareness.v1.Coverage/GetCoverage";
        public const string GetGroupGaps = "/geoawareness.v1.Coverage/GetGroupGaps";
    }
}

/// <summary>A facility the rules look at, with its confirmation on the day.</summary>
internal sealed record FacilityFact(Facility Facility, Confirmation Confirmation);

/// <summary>The presence the caller reads within reach of a community out of reach, and the call that listed it.</summary>
internal sealed record PartnerFact(V1.CommunityReach Community, IReadOnlyList<V1.OperationalPresence> Presence, V1.FigureSource Source);

/// <summary>What the sections found that the rules need beyond the sections' own figures.</summary>
internal sealed class EstimateFacts(EstimateQuestion question)
{
    public EstimateQuestion Question { get; } = question;

    public List<V1.Community> Communities { get; } = [];

    public IEnumerable<V1.Community> AtRisk =>
        Communities.Where(c => (int)c.RiskLevel >= (int)CoverageQuestion.DefaultMinRisk).OrderByDescending(c => c.RiskLevel).ThenBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal);

    public List<FacilityFact> HealthDown { get; } = [];

    public List<FacilityFact> ProtectedUnconfirmed { get; } = [];

    public List<V1.FigureSource> ChangeSources { get; } = [];

    public List<V1.HeatMapCell>? CellsNow { get; set; }

    public Dictionary<(int Column, int Row), V1.HeatMapCell>? CellsBefore { get; set; }

    public List<V1.CommunityReach>? OutOfReach { get; set; }
}
