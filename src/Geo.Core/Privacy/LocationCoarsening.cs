using Geo.Core.Domain;

namespace Geo.Core.Privacy;

/// <summary>How a role's locations are coarsened before they leave the service.</summary>
public enum CoarseningMethod
{
    /// <summary>The stored location, for roles with the right to exact locations.</summary>
    Exact = 1,

    /// <summary>The centre of a fixed global grid cell (see <see cref="LocationCoarsener.SnapToGrid"/>).</summary>
    Grid = 2,

    /// <summary>The linked community's centroid; a grid cell centre when no community is known.</summary>
    CommunityCentroid = 3,

    /// <summary>A keyed, per-observation random displacement in the manner of the DHS Program.</summary>
    Displacement = 4,
}

/// <summary>Whether a location lies in a town or in the countryside (it sets the DHS displacement radius).</summary>
public enum SettlementType
{
    /// <summary>Up to 2 km of displacement. Pass this only when the place is known to be urban.</summary>
    Urban = 1,

    /// <summary>Up to 5 km, and 1% of points up to 10 km. Pass this also when it is not known (the wider radius is the safe default).</summary>
    Rural = 2,
}

/// <summary>
/// A role's location policy (need-to-know, CLA policy para 13): how its locations are coarsened,
/// and the minimum count below which aggregates are withheld from it.
/// </summary>
/// <remarks>
/// <para>
/// Built only through the factories, which validate; the properties have no setters, so a
/// <c>with</c> expression cannot produce an unchecked policy.
/// </para>
/// <para>
/// A coarsened caller must see only coarse points <em>everywhere</em>: the storage layer applies
/// area filters, radius filters and heat-map binning to the coarse location for such callers,
/// never to the exact one. Otherwise a narrow query box, or a heat map of tiny cells, would
/// reveal the exact point by which boxes or cells it falls in, whatever point is returned.
/// </para>
/// </remarks>
public sealed record LocationCoarsening
{
    /// <summary>The smallest grid cell a policy may use: anything finer no longer hides a homestead.</summary>
    public const double MinimumCellMetres = 100;

    /// <summary>The largest grid cell a policy may use.</summary>
    public const double MaximumCellMetres = 1_000_000;

    /// <summary>The grid cell used by <see cref="CoarseningMethod.CommunityCentroid"/> when no community is known, unless the policy says otherwise.</summary>
    public const double DefaultCommunityFallbackCellMetres = 5_000;

    /// <summary>The default minimum aggregate count for coarsened callers.</summary>
    public const int DefaultMinimumAggregateCount = 5;

    private LocationCoarsening(CoarseningMethod method, double cellMetres, int minimumAggregateCount)
    {
        Method = method;
        CellMetres = cellMetres;
        MinimumAggregateCount = minimumAggregateCount;
    }

    /// <summary>No coarsening and nothing withheld.</summary>
    public static LocationCoarsening Exact { get; } = new(CoarseningMethod.Exact, 0, 0);

    public CoarseningMethod Method { get; }

    /// <summary>
    /// The grid cell size in metres for <see cref="CoarseningMethod.Grid"/>, and the fallback cell
    /// size for <see cref="CoarseningMethod.CommunityCentroid"/>; 0 for the other methods.
    /// </summary>
    public double CellMetres { get; }

    /// <summary>Aggregates (counts in a cell, an area, a breakdown) below this are withheld; 0 for <see cref="Exact"/>.</summary>
    public int MinimumAggregateCount { get; }

    /// <summary>Whether this policy hides exact locations.</summary>
    public bool IsCoarsened => Method != CoarseningMethod.Exact;

    /// <summary>Snap to the centre of a global grid cell of <paramref name="cellMetres"/> metres.</summary>
    public static LocationCoarsening Grid(double cellMetres, int minimumAggregateCount = DefaultMinimumAggregateCount) =>
        new(CoarseningMethod.Grid, CheckCell(cellMetres), CheckMinimum(minimumAggregateCount));

    /// <summary>The community's centroid, or the centre of a grid cell of <paramref name="fallbackCellMetres"/> when none is known.</summary>
    public static LocationCoarsening CommunityCentroid(double fallbackCellMetres = DefaultCommunityFallbackCellMetres, int minimumAggregateCount = DefaultMinimumAggregateCount) =>
        new(CoarseningMethod.CommunityCentroid, CheckCell(fallbackCellMetres), CheckMinimum(minimumAggregateCount));

    /// <summary>DHS-style displacement: up to 2 km urban, 5 km rural, 1% of rural points up to 10 km.</summary>
    public static LocationCoarsening Displacement(int minimumAggregateCount = DefaultMinimumAggregateCount) =>
        new(CoarseningMethod.Displacement, 0, CheckMinimum(minimumAggregateCount));

    private static double CheckCell(double cellMetres) =>
        double.IsFinite(cellMetres) && cellMetres is >= MinimumCellMetres and <= MaximumCellMetres
            ? cellMetres
            : throw new ArgumentOutOfRangeException(nameof(cellMetres), cellMetres, $"cell size must be between {MinimumCellMetres} and {MaximumCellMetres} metres.");

    // At least 2: a minimum of 1 would withhold only empty cells, which hides nothing.
    private static int CheckMinimum(int minimumAggregateCount) =>
        minimumAggregateCount is >= 2 and <= 1_000
            ? minimumAggregateCount
            : throw new ArgumentOutOfRangeException(nameof(minimumAggregateCount), minimumAggregateCount, "minimum aggregate count must be between 2 and 1000 for a coarsened role.");

    /// <summary>
    /// How precise a location is once this policy has coarsened it: never better than recorded,
    /// and no better than the coarsening leaves it (a displacement of up to 10 km, or a grid cell
    /// up to that size, is "approximate"; a larger cell is an admin area). Importers read it as
    /// the record's precision, so that nobody takes a coarse point for an exact one.
    /// </summary>
    public LocationPrecision Delivered(LocationPrecision recorded)
    {
        var coarsest = Method switch
        {
            CoarseningMethod.Exact => LocationPrecision.Exact,
            CoarseningMethod.CommunityCentroid => LocationPrecision.Village,
            CoarseningMethod.Grid when CellMetres > LocationCoarsener.RuralFarMaximumMetres => LocationPrecision.AdminArea,
            _ => LocationPrecision.Approximate,
        };
        return Radius(recorded) >= Radius(coarsest) ? recorded : coarsest;
    }

    /// <summary>The codes are not in order of vagueness: a village is a closer fix than "within a few km".</summary>
    private static int Radius(LocationPrecision precision) => precision switch
    {
        LocationPrecision.Exact => 0,
        LocationPrecision.Village => 1,
        LocationPrecision.Approximate => 2,
        _ => 3,
    };
}
