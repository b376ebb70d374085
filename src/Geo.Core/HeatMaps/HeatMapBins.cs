namespace Geo.Core.HeatMaps;

/// <summary>One frame of a heat map series: [From, To).</summary>
public sealed record HeatMapPeriod(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The frames of a period: one, or consecutive weeks from its start, or calendar months (UTC).</summary>
    public static List<HeatMapPeriod> Frames(DateTimeOffset from, DateTimeOffset to, SeriesStep step)
    {
        var frames = new List<HeatMapPeriod>();
        if (step == SeriesStep.None)
        {
            frames.Add(new HeatMapPeriod(from, to));
            return frames;
        }

        var start = from;
        while (start < to)
        {
            var next = Next(start, to, step);
            frames.Add(new HeatMapPeriod(start, next < to ? next : to));
            start = next;
        }

        return frames;
    }

    /// <summary>
    /// Where the frame starting at <paramref name="start"/> ends: a week or the calendar month on, or
    /// the period's end when that would pass the last instant a DateTimeOffset holds (a period in
    /// December 9999 is a valid request, and AddDays would throw).
    /// </summary>
    private static DateTimeOffset Next(DateTimeOffset start, DateTimeOffset to, SeriesStep step)
    {
        if (step == SeriesStep.Week)
        {
            return DateTimeOffset.MaxValue - start < TimeSpan.FromDays(7) ? to : start.AddDays(7);
        }

        var month = new DateTimeOffset(start.UtcDateTime.Year, start.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return month.Year == DateTimeOffset.MaxValue.Year && month.Month == 12 ? to : month.AddMonths(1);
    }

    /// <summary>How many frames <see cref="Frames"/> would give, without building them.</summary>
    public static long CountFrames(DateTimeOffset from, DateTimeOffset to, SeriesStep step) => step switch
    {
        _ when to <= from => 0,
        SeriesStep.Week => (long)Math.Ceiling((to - from).TotalDays / 7),
        SeriesStep.Month => ((to.UtcDateTime.Year - from.UtcDateTime.Year) * 12L) + to.UtcDateTime.Month - from.UtcDateTime.Month
            + (to.UtcDateTime == new DateTime(to.UtcDateTime.Year, to.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc) ? 0 : 1),
        _ => 1,
    };
}

/// <summary>
/// Observations binned into the cells of each frame as they stream past: counts and weights per
/// cell, nothing kept per observation. Points are projected in batches (one call into the
/// projection per batch rather than per point). Not thread-safe: parallel readers bin into their
/// own and <see cref="Merge"/> at the end.
/// </summary>
public sealed class HeatMapBins
{
    private const int BatchSize = 2048;

    private readonly CellGrid _grid;
    private readonly MetricFrame _frame;
    private readonly Weighting _weighting;
    private readonly long[] _starts;
    private readonly long _end;
    private readonly double[] _x = new double[BatchSize];
    private readonly double[] _y = new double[BatchSize];
    private readonly int[] _frames = new int[BatchSize];
    private readonly double[] _weights = new double[BatchSize];
    private readonly int[] _keys = new int[BatchSize];
    private readonly int[] _cells = new int[BatchSize];
    private int _pending;

    /// <param name="keyed">Whether each observation's record key is summed per cell, for <see cref="Perturb"/>.</param>
    public HeatMapBins(AreaGrid area, IReadOnlyList<HeatMapPeriod> periods, HeatMapSpec spec, bool keyed = false)
    {
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(spec);
        _grid = area.Grid;
        // A frame of its own: projections keep scratch state, and bins may be filled in parallel.
        _frame = new MetricFrame(area.Frame.Centre);
        _weighting = spec.Weighting;
        Periods = periods;
        _starts = [.. periods.Select(p => p.From.UtcTicks)];
        _end = periods.Count == 0 ? long.MinValue : periods[^1].To.UtcTicks;
        Counts = periods.Select(_ => new double[_grid.Count]).ToArray();
        Weights = spec.IsWeighted ? periods.Select(_ => new double[_grid.Count]).ToArray() : null;
        Observations = new long[periods.Count];
        if (keyed)
        {
            Keys = periods.Select(_ => new long[_grid.Count]).ToArray();
            FrameKeys = new long[periods.Count];
        }
    }

    public IReadOnlyList<HeatMapPeriod> Periods { get; }

    /// <summary>By frame, then cell (complete once <see cref="Flush"/> has run).</summary>
    public double[][] Counts { get; }

    public double[][]? Weights { get; }

    /// <summary>Observations binned, by frame.</summary>
    public long[] Observations { get; }

    /// <summary>By frame, then cell: the sum of the record keys of the observations binned there; null unless keyed.</summary>
    public long[][]? Keys { get; }

    /// <summary>By frame: the sum of the record keys of its observations; null unless keyed.</summary>
    public long[]? FrameKeys { get; }

    /// <summary>
    /// Once <see cref="Perturb"/> ran, the counts as they were (by frame, then cell): what a cell
    /// or a frame must rest on to be shown at all is decided on them, never on the perturbed ones.
    /// </summary>
    public double[][]? TrueCounts { get; private set; }

    /// <summary>Once <see cref="Perturb"/> ran, each frame's observations as they were.</summary>
    public long[]? TrueObservations { get; private set; }

    /// <summary>Observations outside the grid or the period (none when the database filtered as asked).</summary>
    public long Skipped { get; private set; }

    /// <summary>
    /// Adds one observation. With a single frame and no time decay, <paramref name="observedAt"/>
    /// is not looked at (the database already kept the period), so readers need not fetch it.
    /// </summary>
    public void Add(double longitude, double latitude, DateTimeOffset observedAt, int severity, int people, int key = 0)
    {
        var frame = _starts.Length == 1 && _weighting.HalfLife is null ? 0 : FrameOf(observedAt.UtcTicks);
        if (frame < 0)
        {
            Skipped++;
            return;
        }

        if (Weights is not null)
        {
            _weights[_pending] = _weighting.Of(severity, people, Periods[frame].To - observedAt);
        }

        Enqueue(longitude, latitude, frame, key);
    }

    /// <summary>
    /// Whether every observation weighs one and no record keys are kept: then <see cref="AddPoints"/>
    /// may take points by their place and frame alone.
    /// </summary>
    public bool TakesPoints => _weighting.HalfLife is null && Weights is null && Keys is null;

    /// <summary>
    /// Adds the points at <paramref name="rows"/> of two columns of places, as <see cref="Add"/>
    /// would one by one; only when <see cref="TakesPoints"/>. With more than one frame,
    /// <paramref name="frames"/> gives each one's (<see cref="FrameOf"/>, -1 outside the period), in
    /// the order of <paramref name="rows"/>; with one it is not looked at, as <see cref="Add"/> does not look at the time.
    /// </summary>
    public void AddPoints(ReadOnlySpan<double> longitudes, ReadOnlySpan<double> latitudes, ReadOnlySpan<int> rows, ReadOnlySpan<int> frames = default)
    {
        if (!TakesPoints)
        {
            throw new InvalidOperationException("these bins need each observation's weight or key: add them one by one.");
        }

        var single = _starts.Length == 1;
        if (!single && frames.Length != rows.Length)
        {
            throw new ArgumentException("with more than one frame, each point's frame is needed.", nameof(frames));
        }

        for (var k = 0; k < rows.Length; k++)
        {
            var frame = single ? 0 : frames[k];
            if (frame < 0)
            {
                Skipped++;
                continue;
            }

            Enqueue(longitudes[rows[k]], latitudes[rows[k]], frame, key: 0);
        }
    }

    /// <summary>Puts a point in the batch (its weight, if any, already there), binning the batch when full.</summary>
    private void Enqueue(double longitude, double latitude, int frame, int key)
    {
        _x[_pending] = longitude;
        _y[_pending] = latitude;
        _frames[_pending] = frame;
        _keys[_pending] = key;
        if (++_pending == BatchSize)
        {
            Flush();
        }
    }

    /// <summary>The frame an instant (its UTC ticks) falls in, or -1 outside the period.</summary>
    public int FrameOf(long utcTicks)
    {
        if (_starts.Length == 0 || utcTicks < _starts[0] || utcTicks >= _end)
        {
            return -1;
        }

        var index = Array.BinarySearch(_starts, utcTicks);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>Bins the points still waiting in the batch.</summary>
    public void Flush()
    {
        var count = _pending;
        _pending = 0;
        _frame.Forward(_x.AsSpan(0, count), _y.AsSpan(0, count));
        _grid.IndexOf(_x.AsSpan(0, count), _y.AsSpan(0, count), _cells.AsSpan(0, count));
        for (var i = 0; i < count; i++)
        {
            var cell = _cells[i];
            if (cell < 0)
            {
                Skipped++;
                continue;
            }

            var frame = _frames[i];
            Counts[frame][cell]++;
            Observations[frame]++;
            if (Weights is not null)
            {
                Weights[frame][cell] += _weights[i];
            }

            if (Keys is not null)
            {
                Keys[frame][cell] += _keys[i];
                FrameKeys![frame] += _keys[i];
            }
        }
    }

    /// <summary>
    /// Replaces every cell's count, and each frame's total, by the count perturbed with the key of
    /// the observations behind it (<see cref="CountNoise"/>), and scales each cell's weight alike,
    /// before any surface is computed from them: kernel densities and hot spots of a caller without
    /// exact locations then rest on perturbed cells too, so that no difference between two maps
    /// isolates a small count. The true counts are kept (<see cref="TrueCounts"/>) for deciding what
    /// may be shown. Needs keyed bins.
    /// </summary>
    public void Perturb(double ratio)
    {
        if (Keys is null)
        {
            throw new InvalidOperationException("the bins were not keyed.");
        }

        Flush();
        TrueCounts = Counts.Select(c => (double[])c.Clone()).ToArray();
        TrueObservations = (long[])Observations.Clone();
        for (var frame = 0; frame < Counts.Length; frame++)
        {
            var counts = Counts[frame];
            var keys = Keys[frame];
            for (var cell = 0; cell < counts.Length; cell++)
            {
                var count = (long)counts[cell];
                if (count == 0)
                {
                    continue;
                }

                var published = Privacy.CountNoise.Perturb(count, keys[cell], ratio);
                if (Weights is not null)
                {
                    Weights[frame][cell] *= (double)published / count;
                }

                counts[cell] = published;
            }

            Observations[frame] = Privacy.CountNoise.Perturb(Observations[frame], FrameKeys![frame], ratio);
        }
    }

    public void Merge(HeatMapBins other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Flush();
        other.Flush();
        for (var frame = 0; frame < Counts.Length; frame++)
        {
            Observations[frame] += other.Observations[frame];
            Add(Counts[frame], other.Counts[frame]);
            if (Weights is not null && other.Weights is not null)
            {
                Add(Weights[frame], other.Weights[frame]);
            }

            if (Keys is not null && other.Keys is not null)
            {
                for (var cell = 0; cell < Keys[frame].Length; cell++)
                {
                    Keys[frame][cell] += other.Keys[frame][cell];
                }

                FrameKeys![frame] += other.FrameKeys![frame];
            }
        }

        Skipped += other.Skipped;
    }

    private static void Add(double[] into, double[] from)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] += from[i];
        }
    }
}
