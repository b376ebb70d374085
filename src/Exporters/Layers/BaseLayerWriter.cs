using Geo.Core.Coverage;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;

namespace Geo.Exporters.Layers;

/// <summary>The bases layer: every open base of a coverage report as a point, with its team status (<see cref="BaseFields"/>).</summary>
public static class BaseLayerWriter
{
    public const string Layer = "bases";

    /// <summary>Writes the layer as one FeatureCollection and flushes it; returns the number of features.</summary>
    public static async Task<long> WriteAsync(GeoJsonWriter writer, CoverageQuestion question, CoverageReport report, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(header);
        writer.BeginFeatureCollection();
        foreach (var station in report.Bases)
        {
            var (place, team) = (station.Base, station.Team);
            writer.BeginFeature(place.Id);
            writer.WritePoint(place.Location.Longitude, place.Location.Latitude);
            writer.BeginProperties();
            writer.String(BaseFields.Id.Json, place.Id);
            writer.String(BaseFields.Name.Json, place.Name);
            writer.String(BaseFields.Kind.Json, FeedCodes.BaseKind(place.Kind));
            writer.String(BaseFields.Unit.Json, place.Unit);
            writer.String(BaseFields.Sector.Json, place.Sector);
            writer.String(BaseFields.AdminArea.Json, place.AdminArea);
            writer.String(BaseFields.TeamStatus.Json, FeedCodes.TeamStatus(station.Gaps));
            writer.Number(BaseFields.ClaCount.Json, (long)team.ClaCount);
            writer.Number(BaseFields.FemaleClaCount.Json, (long)team.FemaleCount);
            writer.Number(BaseFields.TemporaryDutyCount.Json, (long)team.TemporaryDutyCount);
            writer.Boolean(BaseFields.Staffed.Json, team.IsStaffed);
            writer.Boolean(BaseFields.HasFemaleCla.Json, team.HasFemaleCla);
            writer.String(BaseFields.Gaps.Json, string.Join(',', station.Gaps.Select(FeedCodes.TeamGap)));
            writer.Boolean(BaseFields.GapNoCla.Json, station.Gaps.Contains(TeamGap.NoCla));
            writer.Boolean(BaseFields.GapBelowMinimum.Json, station.Gaps.Contains(TeamGap.BelowMinimum));
            writer.Boolean(BaseFields.GapNoFemaleCla.Json, station.Gaps.Contains(TeamGap.NoFemaleCla));
            writer.Number(BaseFields.ReachMetres.Json, station.ReachMetres);
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
