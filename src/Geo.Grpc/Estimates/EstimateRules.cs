using System.Globalization;
using Geo.Api;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Estimates;

/// <summary>
/// The stated rules that turn an estimate's sections into risks and opportunities (UN-CIMIC
/// policy annex A: the CIV-OES "identifies risks and opportunities"). Each finding names its rule
/// and the records it rests on; a rule whose sections the caller may not read raises nothing.
/// </summary>
internal static class EstimateRules
{
    public const string HealthDown = "health-facility-down-where-threats-rose";
    public const string OutOfReach = "community-at-risk-out-of-reach";
    public const string WomenAndGirls = "women-and-girls-without-female-cla";
    public const string Unconfirmed = "protected-site-unconfirmed";
    public const string Partner = "partner-where-no-team-reaches";
    public const string Mechanism = "community-protection-mechanism";

    public static void Apply(V1.CivilEstimate estimate, EstimateFacts facts, IReadOnlyList<PartnerFact>? partners, EstimateOptions options)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(options);
        var rules = new List<(V1.EstimateRule Rule, List<V1.Finding> Findings)>
        {
            Rule(HealthDown, V1.FindingKind.Risk,
                "A hospital, clinic or health post that is not functional or partially functional lies in a cell of the threat grid where threats in the period exceed those of the previous period.",
                estimate.Actors is null || estimate.Threats is null ? [] : HealthDownWhereThreatsRose(facts)),
            Rule(OutOfReach, V1.FindingKind.Risk,
                "A community at risk (medium or above) lies out of reach of every staffed CLA team: early warnings and advance notice may not reach it (CLA policy para 33).",
                estimate.Coverage is null ? [] : [.. estimate.Coverage.CommunitiesOutOfReach.Select(CommunityOutOfReach)]),
            Rule(WomenAndGirls, V1.FindingKind.Risk,
                $"Threats against women and girls in a cell reach {options.GroupGapThreshold.ToString(CultureInfo.InvariantCulture)} and no team with a female CLA is within reach (CLA policy para 53).",
                estimate.Coverage is null ? [] : [.. estimate.Coverage.WomenAndGirlsGaps.Select(GroupGap)]),
            Rule(Unconfirmed, V1.FindingKind.Risk,
                "A notified site, or a site of a type the mission flags (health facilities by default), is stale or unconfirmed: it counts as present; confirm it before any operation near it.",
                estimate.Actors is null ? [] : [.. facts.ProtectedUnconfirmed.Select(UnconfirmedSite)]),
            Rule(Partner, V1.FindingKind.Opportunity,
                $"A civilian partner is present within {options.PartnerReachMetres.ToString(CultureInfo.InvariantCulture)} m of a community at risk that no staffed CLA team reaches: " +
                "liaison with it can carry early warning and protection messages there.",
                partners is null ? [] : [.. partners.Select(PartnerPresent)]),
            Rule(Mechanism, V1.FindingKind.Opportunity,
                "A community at risk has a protection committee or a CAN focal point: a channel for early warning and for advance notice of operations.",
                estimate.Situation is null ? [] : [.. facts.AtRisk.Where(c => c.HasProtectionCommittee || c.HasCanFocalPoint).Select(ProtectionMechanism)]),
        };
        foreach (var (rule, findings) in rules)
        {
            rule.Raised = findings.Count;
            estimate.Rules.Add(rule);
            var listed = findings.Take(options.MaxFindingsPerRule);
            (rule.Kind == V1.FindingKind.Risk ? estimate.Risks : estimate.Opportunities).AddRange(listed);
        }

        (V1.EstimateRule, List<V1.Finding>) Rule(string id, V1.FindingKind kind, string text, List<V1.Finding> findings)
        {
            foreach (var finding in findings)
            {
                (finding.Kind, finding.Rule, finding.RuleText) = (kind, id, text);
            }

            return (new V1.EstimateRule { Id = id, Kind = kind, Text = text }, findings);
        }
    }

    /// <summary>Rule 1: each health facility down whose cell of the count grid holds more threats than in the previous period.</summary>
    private static List<V1.Finding> HealthDownWhereThreatsRose(EstimateFacts facts)
    {
        var findings = new List<V1.Finding>();
        if (facts.CellsNow is not { } now || facts.CellsBefore is not { } before)
        {
            return findings;
        }

        var cells = now.Select(c => (Cell: c, Shape: Ring(c))).ToList();
        foreach (var (facility, _) in facts.HealthDown.OrderBy(f => f.Facility.Id, StringComparer.Ordinal))
        {
            var point = facility.Location.InteriorPoint;
            var hit = cells.FirstOrDefault(c => c.Shape.Covers(point)).Cell;
            if (hit is null)
            {
                continue;
            }

            // A cell not in the previous period's answer had no observation (or, for a coarsened
            // caller, fewer than its minimum, below any count it is shown): threats rose there.
            var previous = before.GetValueOrDefault((hit.Column, hit.Row));
            if (previous is not null && hit.Value <= previous.Value)
            {
                continue;
            }

            var finding = new V1.Finding
            {
                Summary = string.Create(CultureInfo.InvariantCulture,
                    $"{facility.Name} ({EnumWords.Spoken(facility.Type)}, {EnumWords.Spoken(facility.Status)}): threats in its cell ({hit.Column}, {hit.Row}) rose from {previous?.Value ?? 0:0.##} to {hit.Value:0.##}"),
                At = new V1.GeoPoint { Longitude = point.X, Latitude = point.Y },
            };
            finding.EvidenceIds.Add(facility.Id);
            finding.Sources.AddRange(facts.ChangeSources);
            findings.Add(finding);
        }

        return findings;
    }

    private static V1.Finding CommunityOutOfReach(V1.CommunityReach community)
    {
        var finding = new V1.Finding
        {
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{community.Name} (risk {EnumWords.Spoken(community.RiskLevel)}, population {community.Population}): no staffed CLA team in reach") +
                (community.NearestBaseId.Length > 0 ? string.Create(CultureInfo.InvariantCulture, $"; the nearest staffed base, {community.NearestBaseId}, is {community.DistanceMetres / 1000:0.#} km away") : string.Empty),
            At = community.Centroid,
        };
        finding.EvidenceIds.Add(community.CommunityId);
        return finding;
    }

    private static V1.Finding GroupGap(V1.GroupGapBrief cell)
    {
        var finding = new V1.Finding
        {
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"Cell ({cell.Column}, {cell.Row}): {cell.ThreatValue:0.##} threats against women and girls, no female CLA within reach") +
                (cell.CommunityIds.Count > 0 ? $"; communities at risk: {string.Join(", ", cell.CommunityIds)}" : string.Empty),
            At = cell.Centre,
        };
        finding.EvidenceIds.AddRange(cell.CommunityIds);
        return finding;
    }

    private static V1.Finding UnconfirmedSite(FacilityFact fact)
    {
        var facility = fact.Facility;
        var point = facility.Location.InteriorPoint;
        var finding = new V1.Finding
        {
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{facility.Name} ({EnumWords.Spoken(facility.Type)}{(facility.Notification is null ? string.Empty : ", notified")}): {EnumWords.Spoken(fact.Confirmation)}") +
                (facility.LastConfirmedOn is { } on ? string.Create(CultureInfo.InvariantCulture, $", last confirmed {on:yyyy-MM-dd}") : ", never confirmed"),
            At = new V1.GeoPoint { Longitude = point.X, Latitude = point.Y },
        };
        finding.EvidenceIds.Add(facility.Id);
        return finding;
    }

    private static V1.Finding PartnerPresent(PartnerFact fact)
    {
        var names = fact.Presence.Select(p => p.OrganisationName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var finding = new V1.Finding
        {
            Summary = $"{fact.Community.Name}: out of reach of every staffed CLA team; present within reach of it: {string.Join(", ", names)}",
            At = fact.Community.Centroid,
        };
        finding.EvidenceIds.Add(fact.Community.CommunityId);
        finding.EvidenceIds.AddRange(fact.Presence.Select(p => p.Id));
        finding.Sources.Add(fact.Source);
        return finding;
    }

    private static V1.Finding ProtectionMechanism(V1.Community community)
    {
        var has = new[] { community.HasProtectionCommittee ? "a protection committee" : null, community.HasCanFocalPoint ? "a CAN focal point" : null }.OfType<string>();
        var finding = new V1.Finding { Summary = $"{community.Name} (risk {EnumWords.Spoken(community.RiskLevel)}): has {string.Join(" and ", has)}", At = community.Centroid };
        finding.EvidenceIds.Add(community.Id);
        return finding;
    }

    private static Polygon Ring(V1.HeatMapCell cell)
    {
        var coordinates = new Coordinate[(cell.Ring.Count / 2) + 1];
        for (var i = 0; i < cell.Ring.Count / 2; i++)
        {
            coordinates[i] = new Coordinate(cell.Ring[2 * i], cell.Ring[(2 * i) + 1]);
        }

        coordinates[^1] = coordinates[0];
        return ShapeReader.Factory.CreatePolygon(coordinates);
    }
}
