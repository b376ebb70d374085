using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Roads;
using Geo.Core.Spatial;

namespace Geo.Core.Coverage;

/// <summary>A base whose team can answer for a group, and how far its team reaches.</summary>
public sealed record CoveringBase(string Id, GeoPoint Location, double ReachMetres, Isochrone? Travel = null)
{
    /// <summary>Whether the team reaches a point <paramref name="metres"/> (geodesic) from the base: within its distance, and its isochrone when it has one.</summary>
    public bool Reaches(GeoPoint point, double metres) => metres <= ReachMetres && (Travel is null || Travel.Reaches(point));
}

/// <summary>A community that may lie in a gap cell.</summary>
public sealed record GapCommunity(string Id, GeoPoint Centroid);

/// <summary>A cell where threats to the group reach the threshold and no qualifying team is within reach.</summary>
public sealed record GroupGapCell(int Index, string? NearestBaseId, double DistanceMetres, IReadOnlyList<string> CommunityIds);

public sealed record GroupGapResult(bool RequiresFemaleCla, IReadOnlyList<GroupGapCell> Cells, int ThreatenedCells);

/// <summary>
/// The gaps of one heat map before and after a planned change, and the cells it closes, each
/// with the base that covers it after the change (the nearest one whose team now reaches it), and
/// the cells it opens, each with its nearest qualifying base after the change.
/// </summary>
public sealed record GroupGapChange(GroupGapResult Before, GroupGapResult After, IReadOnlyList<GroupGapCell> Closed, IReadOnlyList<GroupGapCell> Opened);

/// <summary>
/// Gender and age coverage gaps (policy para 53): cells of a heat map of threats against a
/// selected group whose value reaches a threshold, with no qualifying team within reach — a team
/// with a female CLA when the group is women and/or girls only, any staffed team otherwise.
/// </summary>
public static class GroupGaps
{
    /// <summary>Whether the selector names only females (women, girls, or both): their gaps need a female CLA.</summary>
    public static bool RequiresFemaleCla(GroupSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return selector.Sexes.Count > 0 && selector.Sexes.All(s => s == Sex.Female);
    }

    /// <summary>
    /// The gap cells for <paramref name="selector"/>: the qualifying teams are the staffed bases'
    /// (with a female CLA when the selector names only females), each reaching as far as its kind.
    /// </summary>
    public static GroupGapResult Find(
        HeatMap map, double threshold, GroupSelector selector, IEnumerable<BaseCoverage> bases, IEnumerable<CommunityAtRisk> communities, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(communities);
        var female = RequiresFemaleCla(selector);
        return Find(map, threshold, female, Qualifying(bases, female), communities.Select(c => new GapCommunity(c.Id, c.Centroid)).ToList(), cancellationToken);
    }

    /// <summary>
    /// What a planned change does to the gaps of one heat map: the gaps judged against the bases
    /// as they are and as they would be, and the cells that close.
    /// </summary>
    public static GroupGapChange Compare(
        HeatMap map, double threshold, GroupSelector selector, IEnumerable<BaseCoverage> before, IEnumerable<BaseCoverage> after, IEnumerable<CommunityAtRisk> communities,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(communities);
        var female = RequiresFemaleCla(selector);
        var inside = communities.Select(c => new GapCommunity(c.Id, c.Centroid)).ToList();
        var qualifyingAfter = Qualifying(after, female);
        var was = Find(map, threshold, female, Qualifying(before, female), inside, cancellationToken);
        var now = Find(map, threshold, female, qualifyingAfter, inside, cancellationToken);
        var stillOpen = now.Cells.Select(c => c.Index).ToHashSet();
        var closed = new List<GroupGapCell>();
        foreach (var cell in was.Cells.Where(c => !stillOpen.Contains(c.Index)))
        {
            var centre = CentreOf(map, cell.Index);
            var covering = qualifyingAfter
                .Select(b => (Base: b, Distance: Geodesy.DistanceMetres(centre, b.Location)))
                .Where(b => b.Base.Reaches(centre, b.Distance))
                .MinBy(b => b.Distance);
            closed.Add(cell with { NearestBaseId = covering.Base.Id, DistanceMetres = covering.Distance });
        }

        var wasOpen = was.Cells.Select(c => c.Index).ToHashSet();
        return new GroupGapChange(was, now, closed, [.. now.Cells.Where(c => !wasOpen.Contains(c.Index))]);
    }

    private static List<CoveringBase> Qualifying(IEnumerable<BaseCoverage> bases, bool requiresFemaleCla)
    {
        ArgumentNullException.ThrowIfNull(bases);
        return bases
            .Where(b => b.Team.IsStaffed && (!requiresFemaleCla || b.Team.HasFemaleCla))
            .Select(b => new CoveringBase(b.Base.Id, b.Base.Location, b.ReachMetres, b.Travel))
            .ToList();
    }

    private static GeoPoint CentreOf(HeatMap map, int index)
    {
        var (x, y) = map.Area.Grid.Centre(index);
        return map.Area.Frame.Inverse(x, y);
    }

    /// <summary>
    /// The gap cells of the map's first frame (shown cells only: withheld cells are not revealed
    /// as gaps either). Distances are geodesic from the cell's centre; a base covers a cell when
    /// the centre lies within the base's reach. Cells times bases: <paramref name="cancellationToken"/> is checked as it goes.
    /// </summary>
    public static GroupGapResult Find(
        HeatMap map, double threshold, bool requiresFemaleCla, IReadOnlyList<CoveringBase> qualifying, IReadOnlyList<GapCommunity> communities, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(qualifying);
        ArgumentNullException.ThrowIfNull(communities);
        var area = map.Area;
        var frame = map.Frames[0];
        var grid = area.Grid;
        var basePoints = qualifying.Select(b => area.Frame.Forward(b.Location.Longitude, b.Location.Latitude)).ToArray();
        var communitiesByCell = new Dictionary<int, List<string>>();
        foreach (var community in communities)
        {
            var (x, y) = area.Frame.Forward(community.Centroid.Longitude, community.Centroid.Latitude);
            var cell = grid.IndexOf(x, y);
            if (cell >= 0)
            {
                (communitiesByCell.TryGetValue(cell, out var ids) ? ids : communitiesByCell[cell] = []).Add(community.Id);
            }
        }

        var gaps = new List<GroupGapCell>();
        var threatened = 0;
        for (var index = 0; index < frame.Values.Length; index++)
        {
            if ((index & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!frame.Shown[index] || frame.Values[index] < threshold)
            {
                continue;
            }

            threatened++;
            var (cx, cy) = grid.Centre(index);
            var centre = CentreOf(map, index);
            var covered = false;
            var nearest = -1;
            var nearestPlanar = double.PositiveInfinity;
            for (var b = 0; b < qualifying.Count; b++)
            {
                var planar = Math.Sqrt(((basePoints[b].X - cx) * (basePoints[b].X - cx)) + ((basePoints[b].Y - cy) * (basePoints[b].Y - cy)));
                if (planar < nearestPlanar)
                {
                    (nearest, nearestPlanar) = (b, planar);
                }

                // The plane is true to well under 1% here: only near the edge of reach is the geodesic needed.
                if (!covered && planar <= qualifying[b].ReachMetres * 1.01 && qualifying[b].Reaches(centre, Geodesy.DistanceMetres(centre, qualifying[b].Location)))
                {
                    covered = true;
                }
            }

            if (covered)
            {
                continue;
            }

            gaps.Add(new GroupGapCell(
                index,
                nearest < 0 ? null : qualifying[nearest].Id,
                nearest < 0 ? 0 : Geodesy.DistanceMetres(centre, qualifying[nearest].Location),
                communitiesByCell.TryGetValue(index, out var inside) ? inside : []));
        }

        return new GroupGapResult(requiresFemaleCla, gaps, threatened);
    }
}
