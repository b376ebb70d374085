using Geo.Core.Coverage;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Layers;

/// <summary>
/// The coverage-gaps layer: each team gap of each base, at the base, in the report's order of
/// bases; then each community at risk out of reach of every staffed base, at its location, most
/// urgent first (<see cref="CoverageGapFields"/>).
/// </summary>
public static class CoverageGapLayerWriter
{
    public const string Layer = "coverage-gaps";

    /// <summary>The gap word of a community out of reach, beside the team gaps' words.</summary>
    public const string CommunityOutOfReach = "community_out_of_reach";

    /// <summary>
    /// Writes the layer as one FeatureCollection and flushes it; returns the number of features.
    /// <paramref name="locations"/> holds the point or polygon of each community out of reach by
    /// id; one missing there is shown at its centroid.
    /// </summary>
    public static async Task<long> WriteAsync(
        GeoJsonWriter writer, CoverageQuestion question, CoverageReport report, IReadOnlyDictionary<string, Geometry> locations, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(header);
        writer.BeginFeatureCollection();
        foreach (var station in report.Bases)
        {
            foreach (var gap in station.Gaps)
            {
                var word = FeedCodes.TeamGap(gap);
                writer.BeginFeature($"{station.Base.Id}/{word}");
                writer.WritePoint(station.Base.Location.Longitude, station.Base.Location.Latitude);
                writer.BeginProperties();
                writer.String(CoverageGapFields.Id.Json, $"{station.Base.Id}/{word}");
                writer.String(CoverageGapFields.Gap.Json, word);
                writer.String(CoverageGapFields.BaseId.Json, station.Base.Id);
                writer.Null(CoverageGapFields.CommunityId.Json);
                writer.String(CoverageGapFields.Name.Json, station.Base.Name);
                writer.String(CoverageGapFields.BaseKind.Json, FeedCodes.BaseKind(station.Base.Kind));
                writer.Number(CoverageGapFields.ClaCount.Json, (long)station.Team.ClaCount);
                writer.Number(CoverageGapFields.FemaleClaCount.Json, (long)station.Team.FemaleCount);
                writer.Null(CoverageGapFields.RiskLevel.Json);
                writer.Null(CoverageGapFields.RiskLevelCode.Json);
                writer.Null(CoverageGapFields.Population.Json);
                writer.Null(CoverageGapFields.NearestBaseId.Json);
                writer.Null(CoverageGapFields.DistanceMetres.Json);
                writer.Number(CoverageGapFields.ReachMetres.Json, station.ReachMetres);
                writer.EndProperties();
                writer.EndFeature();
                await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var reach in report.CommunitiesOutOfReach)
        {
            var community = reach.Community;
            writer.BeginFeature("community/" + community.Id);
            CommunityLocation.Write(writer, community, locations);
            writer.BeginProperties();
            writer.String(CoverageGapFields.Id.Json, "community/" + community.Id);
            writer.String(CoverageGapFields.Gap.Json, CommunityOutOfReach);
            writer.Null(CoverageGapFields.BaseId.Json);
            writer.String(CoverageGapFields.CommunityId.Json, community.Id);
            writer.String(CoverageGapFields.Name.Json, community.Name);
            writer.Null(CoverageGapFields.BaseKind.Json);
            writer.Null(CoverageGapFields.ClaCount.Json);
            writer.Null(CoverageGapFields.FemaleClaCount.Json);
            writer.String(CoverageGapFields.RiskLevel.Json, FeedCodes.RiskLevel(community.RiskLevel));
            writer.Number(CoverageGapFields.RiskLevelCode.Json, (long)community.RiskLevel);
            writer.Number(CoverageGapFields.Population.Json, community.Population);
            CommunityLocation.WriteNearest(writer, reach, CoverageGapFields.NearestBaseId, CoverageGapFields.DistanceMetres);
            writer.Null(CoverageGapFields.ReachMetres.Json);
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
