using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using Block = Geo.Storage.ReadModel.ObservationModel.Block;

namespace Geo.Storage.ReadModel;

/// <summary>How much of a block's extent a request's area covers.</summary>
internal enum BlockFit
{
    None,
    Partial,
    Whole,
}

/// <summary>
/// A filter and a visibility as the model tests them, row by row, with the meaning
/// <see cref="Observations.FilterSql"/> gives them in SQL: a box is PostGIS's <c>&amp;&amp;</c> on
/// single-precision boxes rounded outwards, a shape or a scope <c>ST_Intersects</c> (a point on the
/// boundary is in), instants compared at microseconds as Npgsql sends them, lists of ids
/// <c>= ANY</c>, groups and vulnerabilities bitmask tests.
/// </summary>
/// <remarks>Not thread-safe (point locators build their indexes lazily): each worker takes a <see cref="Fork"/>.</remarks>
internal sealed class ModelQuery
{
    /// <summary>Degrees a block's bounds are widened by before deciding it from the box: more than a float's step anywhere on Earth.</summary>
    private const double Margin = 1e-3;

    private readonly ObservationFilter _filter;
    private readonly Visibility _visibility;
    private readonly long _from = long.MinValue;
    private readonly long _to = long.MaxValue;
    private readonly bool _hasBox;
    private readonly float _boxWest, _boxSouth, _boxEast, _boxNorth;
    private readonly Geometry? _shape;
    private readonly Geometry? _scope;
    private readonly IPreparedGeometry? _preparedShape;
    private readonly IPreparedGeometry? _preparedScope;
    private readonly IndexedPointInAreaLocator? _shapeLocator;
    private readonly IndexedPointInAreaLocator? _scopeLocator;
    private readonly int _categories;
    private readonly int _minSeverity;
    private readonly int _verifications;
    private readonly int _groups;
    private readonly int _vulnerabilities;
    private readonly HashSet<int>? _communities;
    private readonly HashSet<int>? _bases;
    private readonly bool _onlyReleased;
    private readonly bool _nothing;
    private readonly bool _testsCategory;
    private readonly bool _testsStatus;
    private readonly ObservationModel.Names _communityNames;
    private readonly ObservationModel.Names _baseNames;

    public ModelQuery(ObservationFilter filter, Visibility visibility, ObservationModel.Names communities, ObservationModel.Names bases)
    {
        _filter = filter;
        _visibility = visibility;
        _communityNames = communities;
        _baseNames = bases;
        switch (filter.Area)
        {
            case BoxArea box:
                _hasBox = true;
                _boxWest = FloatDown(box.West);
                _boxSouth = FloatDown(box.South);
                _boxEast = FloatUp(box.East);
                _boxNorth = FloatUp(box.North);
                break;
            case ShapeArea shape:
                _shape = StoredGeometry.InStorageSrid(shape.Shape);
                break;
            case CircleArea:
                throw new ArgumentException("a circle is measured by PostGIS", nameof(filter));
        }

        if (visibility.OnlyReporter is not null)
        {
            throw new ArgumentException("the model holds no reporters: a CLA's own reports are read from PostGIS", nameof(visibility));
        }

        _scope = visibility.Area;
        if (_shape is not null)
        {
            _preparedShape = PreparedGeometryFactory.Prepare(_shape);
            _shapeLocator = new IndexedPointInAreaLocator(_shape);
        }

        if (_scope is not null)
        {
            _preparedScope = PreparedGeometryFactory.Prepare(_scope);
            _scopeLocator = new IndexedPointInAreaLocator(_scope);
        }

        if (filter.ObservedFrom is { } from)
        {
            _from = ModelTime.ToMicros(from);
        }

        if (filter.ObservedTo is { } to)
        {
            _to = ModelTime.ToMicros(to);
        }

        _categories = filter.Categories.Count == 0 ? ~0 : filter.Categories.Aggregate(0, (mask, c) => mask | (1 << (int)c));
        switch (visibility.Categories)
        {
            case CategoryScope.WithoutSecurityIncidents:
                _categories &= ~(1 << (int)ObservationCategory.SecurityIncidentAgainstCla);
                break;
            case CategoryScope.OnlySecurityIncidents:
                _categories &= 1 << (int)ObservationCategory.SecurityIncidentAgainstCla;
                break;
        }

        _minSeverity = filter.MinSeverity;
        _verifications = filter.Verification.Count == 0 ? ~0 : filter.Verification.Aggregate(0, (mask, v) => mask | (1 << (int)v));
        _groups = filter.Affected.IsAnyone ? 0 : filter.Affected.CellMask;
        _vulnerabilities = (int)filter.Vulnerabilities;
        _onlyReleased = visibility.OnlyReleased;
        if (filter.CommunityIds.Count > 0)
        {
            _communities = [.. filter.CommunityIds.Select(communities.Find).Where(id => id > 0)];
        }

        if (filter.BaseIds.Count > 0)
        {
            _bases = [.. filter.BaseIds.Select(bases.Find).Where(id => id > 0)];
        }

        _testsCategory = _categories != ~0;
        _testsStatus = _verifications != ~0 || _onlyReleased;

        // Listed ids that no row has: nothing can match.
        _nothing = _communities is { Count: 0 } || _bases is { Count: 0 } || _categories == 0;
    }

    /// <summary>The same query with point locators of its own, for another worker.</summary>
    public ModelQuery Fork() => new(_filter, _visibility, _communityNames, _baseNames);

    /// <summary>Whether a block can hold a match, and whether every point of it lies in the area and the scope.</summary>
    public BlockFit Reaches(Block block)
    {
        if (_nothing || block.Count == 0 || block.Last < _from || block.First >= _to)
        {
            return BlockFit.None;
        }

        var whole = true;
        if (_hasBox)
        {
            if (block.East + Margin < _boxWest || block.West - Margin > _boxEast || block.North + Margin < _boxSouth || block.South - Margin > _boxNorth)
            {
                return BlockFit.None;
            }

            whole = block.West - Margin > _boxWest && block.East + Margin < _boxEast && block.South - Margin > _boxSouth && block.North + Margin < _boxNorth;
        }

        if (_preparedShape is not null || _preparedScope is not null)
        {
            var extent = ShapeReader.Factory.ToGeometry(new Envelope(block.West, block.East, block.South, block.North));
            foreach (var area in (ReadOnlySpan<IPreparedGeometry?>)[_preparedShape, _preparedScope])
            {
                if (area is null)
                {
                    continue;
                }

                if (!area.Intersects(extent))
                {
                    return BlockFit.None;
                }

                whole &= area.Covers(extent);
            }
        }

        return whole ? BlockFit.Whole : BlockFit.Partial;
    }

    /// <summary>Whether every row of <paramref name="block"/> lies in the period: its rows' times need no test.</summary>
    public bool WithinPeriod(Block block) => block.First >= _from && block.Last < _to;

    /// <summary>
    /// Writes the indices of the rows of <paramref name="block"/> that match into
    /// <paramref name="selected"/>, in order, and returns how many: their place is taken as
    /// matching when the whole block is inside, their time when the whole block is in the period.
    /// Each test the request makes is one pass over the rows still selected, reading only its own
    /// column, and keeps them without a branch per row: a request that filters on little reads little.
    /// </summary>
    public int Select(Block block, bool placeInside, bool timeInside, Span<int> selected)
    {
        var count = block.Count;
        var n = 0;
        if (timeInside)
        {
            for (var i = 0; i < count; i++)
            {
                selected[i] = i;
            }

            n = count;
        }
        else
        {
            var times = block.Time.AsSpan(0, count);
            for (var i = 0; i < times.Length; i++)
            {
                var time = times[i];
                selected[n] = i;
                n += (time >= _from) & (time < _to) ? 1 : 0;
            }
        }

        if (_testsCategory)
        {
            n = Keep(selected, n, new CategoryIn(block.Category, _categories));
        }

        if (_minSeverity > 1)
        {
            n = Keep(selected, n, new AtLeast(block.Severity, _minSeverity));
        }

        if (_testsStatus)
        {
            n = Keep(selected, n, new StatusIn(block.Status, _verifications, _onlyReleased));
        }

        if (_groups != 0)
        {
            n = Keep(selected, n, new AnyGroup(block.Groups, _groups));
        }

        if (_vulnerabilities != 0)
        {
            n = Keep(selected, n, new AnyBit(block.Vulnerability, _vulnerabilities));
        }

        if (_communities is { } communities)
        {
            n = Keep(selected, n, new OneOf(block.Community, communities));
        }

        if (_bases is { } bases)
        {
            n = Keep(selected, n, new OneOf(block.Base, bases));
        }

        return placeInside ? n : Keep(selected, n, new InPlace(this, block.X, block.Y));
    }

    /// <summary>Keeps the selected rows that pass <paramref name="test"/>, in order; returns how many.</summary>
    /// <remarks>Generic over a struct so that each test is compiled into a loop of its own, not called per row.</remarks>
    private static int Keep<TTest>(Span<int> selected, int n, TTest test)
        where TTest : struct, IRowTest
    {
        var kept = 0;
        for (var k = 0; k < n; k++)
        {
            var i = selected[k];
            selected[kept] = i;
            kept += test.Passes(i) ? 1 : 0;
        }

        return kept;
    }

    /// <summary>A point in the box (as PostGIS's float boxes decide it), the shape and the scope.</summary>
    private bool Contains(double x, double y)
    {
        if (_hasBox && (FloatDown(x) > _boxEast || FloatUp(x) < _boxWest || FloatDown(y) > _boxNorth || FloatUp(y) < _boxSouth))
        {
            return false;
        }

        var at = new Coordinate(x, y);
        return (_shapeLocator is null || _shapeLocator.Locate(at) != Location.Exterior)
            && (_scopeLocator is null || _scopeLocator.Locate(at) != Location.Exterior);
    }

    private interface IRowTest
    {
        bool Passes(int i);
    }

    /// <summary>The bit the row's category numbers is set in <c>mask</c>.</summary>
    private readonly struct CategoryIn(byte[] categories, int mask) : IRowTest
    {
        public bool Passes(int i) => ((mask >> categories[i]) & 1) != 0;
    }

    private readonly struct AnyBit(byte[] values, int mask) : IRowTest
    {
        public bool Passes(int i) => (values[i] & mask) != 0;
    }

    private readonly struct AnyGroup(ushort[] groups, int mask) : IRowTest
    {
        public bool Passes(int i) => (groups[i] & mask) != 0;
    }

    private readonly struct AtLeast(byte[] values, int minimum) : IRowTest
    {
        public bool Passes(int i) => values[i] >= minimum;
    }

    private readonly struct StatusIn(byte[] statuses, int verifications, bool onlyReleased) : IRowTest
    {
        public bool Passes(int i) =>
            (verifications & (1 << (statuses[i] & Block.VerificationBits))) != 0 && (!onlyReleased || (statuses[i] & Block.ReleasedBit) != 0);
    }

    private readonly struct OneOf(int[] ids, HashSet<int> set) : IRowTest
    {
        public bool Passes(int i) => set.Contains(ids[i]);
    }

    private readonly struct InPlace(ModelQuery query, double[] x, double[] y) : IRowTest
    {
        public bool Passes(int i) => query.Contains(x[i], y[i]);
    }

    /// <summary>PostGIS's next_float_down: the largest float not above <paramref name="value"/>.</summary>
    internal static float FloatDown(double value)
    {
        if (value >= float.MaxValue)
        {
            return float.MaxValue;
        }

        if (value <= -float.MaxValue)
        {
            return -float.MaxValue;
        }

        var result = (float)value;
        return result <= value ? result : MathF.BitDecrement(result);
    }

    /// <summary>PostGIS's next_float_up: the smallest float not below <paramref name="value"/>.</summary>
    internal static float FloatUp(double value)
    {
        if (value >= float.MaxValue)
        {
            return float.MaxValue;
        }

        if (value <= -float.MaxValue)
        {
            return -float.MaxValue;
        }

        var result = (float)value;
        return result >= value ? result : MathF.BitIncrement(result);
    }
}
