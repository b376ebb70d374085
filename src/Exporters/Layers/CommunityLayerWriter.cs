using Geo.Core.Coverage;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Layers;

/// <summary>The communities-at-risk layer: every community at risk at its point or polygon, with its reach (<see cref="CommunityAtRiskFields"/>).</summary>
public static class CommunityLayerWriter
{
    public const string Layer = "communities-at-risk";

    /// <summary>
    /// Writes the layer as one FeatureCollection and flushes it; returns the number of features.
    /// <paramref name="locations"/> holds each community's point or polygon by id; one missing
    /// there is shown at its centroid.
    /// </summary>
    public static async Task<long> WriteAsync(
        GeoJsonWriter writer, CoverageQuestion question, CoverageReport report, IReadOnlyList<CommunityCoverage> communities,
        IReadOnlyDictionary<string, Geometry> locations, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(communities);
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(header);
        writer.BeginFeatureCollection();
        foreach (var judged in communities)
        {
            var community = judged.Community;
            writer.BeginFeature(community.Id);
            CommunityLocation.Write(writer, community, locations);
            writer.BeginProperties();
            writer.String(CommunityAtRiskFields.Id.Json, community.Id);
            writer.String(CommunityAtRiskFields.Name.Json, community.Name);
            writer.String(CommunityAtRiskFields.RiskLevel.Json, FeedCodes.RiskLevel(community.RiskLevel));
            writer.Number(CommunityAtRiskFields.RiskLevelCode.Json, (long)community.RiskLevel);
            writer.Number(CommunityAtRiskFields.Population.Json, community.Population);
            writer.Boolean(CommunityAtRiskFields.WithinReach.Json, judged.WithinReach);
            CommunityLocation.WriteNearest(writer, judged.Reach, CommunityAtRiskFields.NearestBaseId, CommunityAtRiskFields.DistanceMetres);
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        var total = writer.FeatureCount;
        writer.EndFeatureCollection(json => LayerMembers.Write(json, Layer, header, total, product => CoverageMembers.Write(product, question, report)));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }
}

/// <summary>How both community layers show a community: where it is, and its nearest staffed base.</summary>
internal static class CommunityLocation
{
    public static void Write(GeoJsonWriter writer, CommunityAtRisk community, IReadOnlyDictionary<string, Geometry> locations)
    {
        if (locations.TryGetValue(community.Id, out var location))
        {
            writer.WriteGeometry(location);
        }
        else
        {
            writer.WritePoint(community.Centroid.Longitude, community.Centroid.Latitude);
        }
    }

    /// <summary>The nearest staffed base and its distance, both null when no base is staffed.</summary>
    public static void WriteNearest(GeoJsonWriter writer, CommunityReach reach, FeedField baseId, FeedField distance)
    {
        writer.String(baseId.Json, reach.NearestBaseId);
        if (reach.NearestBaseId is null)
        {
            writer.Null(distance.Json);
        }
        else
        {
            writer.Number(distance.Json, reach.DistanceMetres);
        }
    }
}
