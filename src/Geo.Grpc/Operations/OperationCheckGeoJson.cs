using System.Text.Json;
using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;
using Geo.Exporters.Hxl;

namespace Geo.Grpc.Operations;

/// <summary>
/// A plan's check as the map draws it: one GeoJSON FeatureCollection of the plan's footprint (the
/// area or route grown by the buffer), the plan's own area or route, each facility and each community
/// the check touched (the layer each belongs to in its "layer" property), and what has no place on a
/// map (the deconfliction state, presence by sector, threat counts, what was withheld) in the
/// collection's "properties". Written from the same <see cref="CheckAnswer"/> as gRPC's OperationCheck,
/// with the same figures (<see cref="OperationMapping"/>), so it holds what that holds and nothing
/// more: a liaison-only site the caller may not read is only counted in <c>facilities_withheld</c>.
/// </summary>
internal static class OperationCheckGeoJson
{
    public const string Layer = "operation-check";

    public static async Task WriteAsync(GeoJsonWriter writer, CheckAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(answer);
        var plan = answer.Plan.Operation;
        writer.BeginFeatureCollection();

        writer.BeginFeature("footprint:" + plan.Id);
        writer.WriteGeometry(answer.Footprint);
        writer.BeginProperties();
        writer.String("layer", "footprint");
        writer.String("operation_id", plan.Id);
        writer.Number("buffer_metres", (long)plan.BufferMetres);
        writer.EndProperties();
        writer.EndFeature();

        writer.BeginFeature("plan:" + plan.Id);
        writer.WriteGeometry(plan.Shape);
        writer.BeginProperties();
        writer.String("layer", "plan");
        writer.String("id", plan.Id);
        writer.String("name", plan.Name);
        writer.String("kind", OperationMapping.Word(plan.Kind));
        writer.String("unit", plan.Unit);
        writer.String("place", OperationMapping.Place(plan));
        writer.Number("buffer_metres", (long)plan.BufferMetres);
        writer.Time("starts_at", plan.StartsAt);
        writer.Time("ends_at", plan.EndsAt);
        writer.Number("version", answer.Plan.Version);
        writer.EndProperties();
        writer.EndFeature();

        var flagged = answer.FlaggedReadable.ToHashSet(StringComparer.Ordinal);
        foreach (var (touch, confirmation) in answer.Facilities)
        {
            var facility = touch.Facility;
            writer.BeginFeature("facility:" + facility.Id);
            writer.WriteGeometry(facility.Location);
            writer.BeginProperties();
            writer.String("layer", "facility");
            writer.String("id", facility.Id);
            writer.String("name", facility.Name);
            writer.String("type", FacilityTags.HxlType(facility.Type));
            writer.String("status", OperationMapping.Word(facility.Status));
            writer.String("confirmation", OperationMapping.Word(confirmation));
            writer.Number("distance_metres", OperationMapping.Metres(touch.DistanceMetres));
            writer.Boolean("notified", facility.Notification is not null);
            writer.Boolean("flagged", flagged.Contains(facility.Id));
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (community, teams) in answer.Communities)
        {
            writer.BeginFeature("community:" + community.Id);
            writer.WritePoint(community.Point.Longitude, community.Point.Latitude);
            writer.BeginProperties();
            writer.String("layer", "community");
            writer.String("id", community.Id);
            writer.String("name", community.Name);
            writer.String("risk_level", FeedCodes.RiskLevel(community.Risk));
            writer.Boolean("at_risk", community.Risk >= CoverageQuestion.DefaultMinRisk);
            writer.Number("population", (long?)community.Population?.Total);
            writer.Number("distance_metres", OperationMapping.Metres(community.DistanceMetres));
            var json = writer.Json;
            json.WriteStartArray("population_by_group");
            for (var cell = 0; community.Population is { } population && cell < AffectedPeople.CellCount; cell++)
            {
                if (population.Counts[cell] > 0)
                {
                    json.WriteStartObject();
                    json.WriteString("sex", FeedCodes.Sex(AffectedPeople.SexOfCell(cell)));
                    json.WriteString("age_group", FeedCodes.Age(AffectedPeople.AgeOfCell(cell)));
                    json.WriteNumber("count", population.Counts[cell]);
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            // The staffed bases in reach that could inform it in advance (CLA policy para 33), nearest first.
            json.WriteStartArray("teams");
            foreach (var team in teams)
            {
                json.WriteStartObject();
                json.WriteString("base_id", team.Base.Value.Id);
                json.WriteString("base_name", team.Base.Value.Name);
                json.WriteNumber("distance_metres", OperationMapping.Metres(team.DistanceMetres));
                json.WriteNumber("cla_count", team.Team.ClaCount);
                json.WriteBoolean("has_female_cla", team.Team.HasFemaleCla);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        writer.EndFeatureCollection(json => WriteSummary(json, answer));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The collection's "layer" and "properties": what the check found that is not a place.</summary>
    private static void WriteSummary(Utf8JsonWriter json, CheckAnswer answer)
    {
        json.WriteString("layer", Layer);
        json.WriteStartObject("properties");
        json.WriteString("operation_id", answer.OperationId);
        json.WriteString("checked_at", answer.CheckedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("deconfliction", OperationMapping.Word(answer.Deconfliction));
        json.WriteNumber("facilities", answer.Facilities.Count);
        // Liaison-only sites the caller may not read: counted, never named or placed.
        json.WriteNumber("facilities_withheld", answer.FacilitiesWithheld);
        json.WriteStartArray("flagged_site_ids");
        foreach (var id in answer.FlaggedReadable)
        {
            json.WriteStringValue(id);
        }

        json.WriteEndArray();
        json.WriteNumber("flagged_withheld", answer.FlaggedWithheld);
        json.WriteNumber("communities", answer.Communities.Count);
        json.WriteNumber("communities_at_risk", answer.Communities.Count(c => c.Community.Risk >= CoverageQuestion.DefaultMinRisk));
        json.WriteStartArray("presence");
        foreach (var p in answer.Presence)
        {
            json.WriteStartObject();
            json.WriteString("sector", ThreeWWords.Of(p.Sector));
            json.WriteNumber("records", p.Records);
            json.WriteNumber("organisations", p.Organisations);
            // Names for those who read liaison-only records; the others get the counts alone.
            json.WriteStartArray("organisation_names");
            foreach (var name in p.Names)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("threat_days", answer.ThreatDays);
        json.WriteStartArray("threats");
        foreach (var (category, count) in answer.Threats)
        {
            json.WriteStartObject();
            json.WriteString("category", FeedCodes.Category(category));
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
