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

    /// <summary>
    /// The centre of the point's keyed anchor cell, displaced by a keyed draw of that cell in the
    /// manner of the DHS Program, with a minimum distance (see <see cref="LocationCoarsener"/>).
    /// </summary>
    Displacement = 4,
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

    /// <summary>The default anchor cell of displacement: reports within one such cell share one coarse point.</summary>
    public const double DefaultAnchorCellMetres = 1_000;

    /// <summary>The default least displacement from the anchor cell's centre.</summary>
    public const double DefaultMinimumDisplacementMetres = 2_000;

    /// <summary>The default greatest displacement (DHS, rural), doubled for 1% of cells (DHS: 10 km).</summary>
    public const double DefaultMaximumDisplacementMetres = 5_000;

    /// <summary>The largest displacement a policy may set; twice it is the far maximum.</summary>
    public const double MaximumDisplacementLimitMetres = 50_000;

    /// <summary>
    /// How far a point of an anchor cell can lie from the cell's centre, as a share of the cell's
    /// size: half the diagonal (0.707) of a square cell, with room for cells that are a little
    /// wider than tall where a band's longitude steps are rounded.
    /// </summary>
    public const double HalfDiagonalShare = 0.75;

    private LocationCoarsening(
        CoarseningMethod method, double cellMetres, int minimumAggregateCount,
        double anchorCellMetres = 0, double minimumDisplacementMetres = 0, double maximumDisplacementMetres = 0)
    {
        Method = method;
        NoiseRatio = method == CoarseningMethod.Exact ? 0 : CountNoise.DefaultRatio;
        CellMetres = cellMetres;
        MinimumAggregateCount = minimumAggregateCount;
        AnchorCellMetres = anchorCellMetres;
        MinimumDisplacementMetres = minimumDisplacementMetres;
        MaximumDisplacementMetres = maximumDisplacementMetres;
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

    /// <summary>
    /// The ratio of the keyed noise added to every count this caller receives (see
    /// <see cref="CountNoise"/>); 0 for <see cref="Exact"/>, whose counts are exact.
    /// </summary>
    public double NoiseRatio { get; private init; }

    /// <summary>This policy with another noise ratio, in [0.05, 0.95].</summary>
    public LocationCoarsening WithNoiseRatio(double ratio)
    {
        if (!IsCoarsened)
        {
            throw new InvalidOperationException("exact callers get exact counts.");
        }

        return double.IsFinite(ratio) && ratio is >= 0.05 and <= 0.95
            ? this with { NoiseRatio = ratio }
            : throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "the noise ratio must be between 0.05 and 0.95.");
    }

    /// <summary>This policy's withholding without its noise, for figures whose keys were not read.</summary>
    internal LocationCoarsening WithoutNoise() => this with { NoiseRatio = 0 };

    /// <summary>The keyed anchor cell of <see cref="CoarseningMethod.Displacement"/>; 0 for the other methods.</summary>
    public double AnchorCellMetres { get; }

    /// <summary>The least distance a displaced anchor moves; 0 for the other methods.</summary>
    public double MinimumDisplacementMetres { get; }

    /// <summary>The greatest distance a displaced anchor moves, but for 1% of cells; 0 for the other methods.</summary>
    public double MaximumDisplacementMetres { get; }

    /// <summary>The greatest distance 1% of anchors move: twice <see cref="MaximumDisplacementMetres"/>.</summary>
    public double FarMaximumDisplacementMetres => 2 * MaximumDisplacementMetres;

    /// <summary>How far a point of an anchor cell can lie from the cell's centre.</summary>
    public double AnchorHalfDiagonalMetres => HalfDiagonalShare * AnchorCellMetres;

    /// <summary>Whether this policy hides exact locations.</summary>
    public bool IsCoarsened => Method != CoarseningMethod.Exact;

    /// <summary>
    /// How far a coarse point can lie from the exact one: an area is searched that much wider in
    /// the database, then tested on the coarse point.
    /// </summary>
    public double MaximumShiftMetres => Method switch
    {
        CoarseningMethod.Exact => 0,
        CoarseningMethod.Grid => HalfDiagonalShare * CellMetres,
        // The centroid is used only within one cell size of the point; otherwise the grid centre.
        CoarseningMethod.CommunityCentroid => CellMetres,
        _ => FarMaximumDisplacementMetres + AnchorHalfDiagonalMetres,
    };

    /// <summary>
    /// The guaranteed distance between any coarse point and the exact one it stands for, whatever
    /// number of reports share the spot: the least displacement less the anchor cell's half
    /// diagonal for <see cref="CoarseningMethod.Displacement"/>; 0 for the other methods, which
    /// place a report only to its cell or community (a spot at the cell's centre is placed at it).
    /// </summary>
    public double GuaranteedDistanceMetres => Method == CoarseningMethod.Displacement ? MinimumDisplacementMetres - AnchorHalfDiagonalMetres : 0;

    /// <summary>Snap to the centre of a global grid cell of <paramref name="cellMetres"/> metres.</summary>
    public static LocationCoarsening Grid(double cellMetres, int minimumAggregateCount = DefaultMinimumAggregateCount) =>
        new(CoarseningMethod.Grid, CheckCell(cellMetres), CheckMinimum(minimumAggregateCount));

    /// <summary>The community's centroid, or the centre of a grid cell of <paramref name="fallbackCellMetres"/> when none is known.</summary>
    public static LocationCoarsening CommunityCentroid(double fallbackCellMetres = DefaultCommunityFallbackCellMetres, int minimumAggregateCount = DefaultMinimumAggregateCount) =>
        new(CoarseningMethod.CommunityCentroid, CheckCell(fallbackCellMetres), CheckMinimum(minimumAggregateCount));

    /// <summary>
    /// Keyed anchor-cell displacement: the centre of the point's cell of <paramref name="anchorCellMetres"/>
    /// moved between <paramref name="minimumDisplacementMetres"/> and <paramref name="maximumDisplacementMetres"/>
    /// (twice the maximum for 1% of cells). The minimum must exceed the cell's half diagonal, so that
    /// the guaranteed distance is positive.
    /// </summary>
    public static LocationCoarsening Displacement(
        int minimumAggregateCount = DefaultMinimumAggregateCount,
        double anchorCellMetres = DefaultAnchorCellMetres,
        double minimumDisplacementMetres = DefaultMinimumDisplacementMetres,
        double maximumDisplacementMetres = DefaultMaximumDisplacementMetres)
    {
        var anchor = CheckCell(anchorCellMetres);
        if (!double.IsFinite(minimumDisplacementMetres) || minimumDisplacementMetres < anchor || minimumDisplacementMetres > MaximumDisplacementLimitMetres)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumDisplacementMetres), minimumDisplacementMetres,
                $"the minimum displacement must be at least the anchor cell ({anchor} m), so that no coarse point can lie on its spot, and at most {MaximumDisplacementLimitMetres} m.");
        }

        if (!double.IsFinite(maximumDisplacementMetres) || maximumDisplacementMetres <= minimumDisplacementMetres || maximumDisplacementMetres > MaximumDisplacementLimitMetres)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumDisplacementMetres), maximumDisplacementMetres,
                $"the maximum displacement must exceed the minimum ({minimumDisplacementMetres} m) and be at most {MaximumDisplacementLimitMetres} m.");
        }

        return new(CoarseningMethod.Displacement, 0, CheckMinimum(minimumAggregateCount), anchor, minimumDisplacementMetres, maximumDisplacementMetres);
    }

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
    /// up to that size, is "approximate"; a larger shift is an admin area). Every caller reads it
    /// as the record's precision, so that nobody takes a coarse point for an exact one.
    /// </summary>
    public LocationPrecision Delivered(LocationPrecision recorded)
    {
        var coarsest = Method switch
        {
            CoarseningMethod.Exact => LocationPrecision.Exact,
            CoarseningMethod.CommunityCentroid => LocationPrecision.Village,
            CoarseningMethod.Grid when CellMetres > ApproximateMetres => LocationPrecision.AdminArea,
            CoarseningMethod.Displacement when FarMaximumDisplacementMetres > ApproximateMetres => LocationPrecision.AdminArea,
            _ => LocationPrecision.Approximate,
        };
        return Radius(recorded) >= Radius(coarsest) ? recorded : coarsest;
    }

    /// <summary>The largest cell or displacement still called approximate (DHS's far rural displacement).</summary>
    private const double ApproximateMetres = 10_000;

    /// <summary>The codes are not in order of vagueness: a village is a closer fix than "within a few km".</summary>
    private static int Radius(LocationPrecision precision) => precision switch
    {
        LocationPrecision.Exact => 0,
        LocationPrecision.Village => 1,
        LocationPrecision.Approximate => 2,
        _ => 3,
    };
}
