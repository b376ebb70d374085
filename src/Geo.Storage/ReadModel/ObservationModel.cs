using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Storage.Observations;

namespace Geo.Storage.ReadModel;

/// <summary>
/// The service's in-memory copy of what heat maps read of observations (issue 21), derived from
/// PostGIS and kept in step by the observation feed. Columns of primitives in blocks of
/// <see cref="BlockRows"/> rows, each block with the bounds of its points and times so that a
/// request for an area and a period skips the blocks it cannot match; loaded rows are ordered by
/// month, then along a Z-order curve, so that neighbours in space and time share blocks. A row takes
/// <see cref="BytesPerRow"/> bytes. Readers hold a read lock for one whole scan and each batch of
/// changes is applied under the write lock, whole transactions at a time, so an answer always
/// reflects one watermark and never part of a transaction.
/// </summary>
public sealed class ObservationModel : IDisposable
{
    public const int BlockRows = 4096;

    /// <summary>Bytes a row takes in the blocks, and in the array that finds a row by its key.</summary>
    public const int BytesPerRow = (8 * 3) + (4 * 4) + 2 + 4 + AffectedPeople.CellCount + 4;

    /// <summary>Stored for a count above what a byte holds; the count itself is kept aside.</summary>
    internal const byte Overflow = byte.MaxValue;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly List<Block> _blocks = [];
    private readonly Names _communities = new();
    private readonly Names _bases = new();
    private readonly Dictionary<int, int[]> _largeCounts = [];

    /// <summary>Row (block × BlockRows + index) + 1 of each key; 0 when the key has no row.</summary>
    private int[] _rowOfSeq = new int[1024];
    private int _ordered;

    /// <summary>The rows held.</summary>
    public int Count { get; private set; }

    /// <summary>Rows appended since the model was built: in arrival order, so their blocks span the whole region.</summary>
    public int Unordered => Count - _ordered;

    /// <summary>
    /// Every change settled below this watermark (a transaction id: every older transaction has ended)
    /// is in the model, with every later one that the last snapshot read saw committed.
    /// </summary>
    public ulong Watermark { get; private set; }

    /// <summary>Bytes held by the columns, the key array and the names.</summary>
    public long Bytes => ((long)_blocks.Count * BlockRows * (BytesPerRow - 4)) + (4L * _rowOfSeq.Length) + _communities.Bytes + _bases.Bytes;

    /// <summary>
    /// Builds the model from the rows of one snapshot as its readers staged them, ordered for scans:
    /// by month of observation, then along a Z-order curve over the rows' extent, so that an area
    /// and a period touch few blocks. Column by column, each staging column let go once copied.
    /// <paramref name="watermark"/> is the snapshot's: the rows of later transactions it saw come
    /// again from the feed, and replace themselves.
    /// </summary>
    internal static ObservationModel Build(IReadOnlyList<ModelStaging> parts, ulong watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var model = new ObservationModel { Watermark = watermark };
        var offsets = new int[parts.Count + 1];
        for (var p = 0; p < parts.Count; p++)
        {
            offsets[p + 1] = offsets[p] + parts[p].Count;
        }

        var rows = offsets[^1];
        if (rows == 0)
        {
            return model;
        }

        var (west, south) = (parts.Min(p => p.Rows.West), parts.Min(p => p.Rows.South));
        var width = Math.Max(parts.Max(p => p.Rows.East) - west, 1e-9);
        var height = Math.Max(parts.Max(p => p.Rows.North) - south, 1e-9);
        var keys = new long[rows];
        var order = new int[rows];
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            for (var i = 0; i < part.Count; i++)
            {
                var x = (uint)Math.Clamp((part.Rows.X[i] - west) / width * 65535, 0, 65535);
                var y = (uint)Math.Clamp((part.Rows.Y[i] - south) / height * 65535, 0, 65535);
                keys[offsets[p] + i] = ((long)ModelTime.MonthOf(part.Rows.Time[i]) << 32) | Interleave(x, y);
                order[offsets[p] + i] = offsets[p] + i;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        Array.Sort(keys, order);
        keys = [];

        // Where each row of the model comes from: its part and its row there.
        var fromPart = new byte[rows];
        var fromRow = order;
        for (var k = 0; k < rows; k++)
        {
            var p = 0;
            while (order[k] >= offsets[p + 1])
            {
                p++;
            }

            fromPart[k] = (byte)p;
            fromRow[k] = order[k] - offsets[p];
        }

        for (var b = 0; b * BlockRows < rows; b++)
        {
            model._blocks.Add(new Block(capacity: 0) { Count = Math.Min(BlockRows, rows - (b * BlockRows)) });
        }

        var communities = parts.Select(p => p.Communities.MapInto(model._communities)).ToArray();
        var bases = parts.Select(p => p.Bases.MapInto(model._bases)).ToArray();
        model.Gather(fromPart, fromRow, parts, p => p.Rows.X, (p, v) => p.Rows.X = v, (b, v) => b.X = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Y, (p, v) => p.Rows.Y = v, (b, v) => b.Y = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Time, (p, v) => p.Rows.Time = v, (b, v) => b.Time = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Key, (p, v) => p.Rows.Key = v, (b, v) => b.Key = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Community, (p, v) => p.Rows.Community = v, (b, v) => b.Community = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Base, (p, v) => p.Rows.Base = v, (b, v) => b.Base = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Seq, (p, v) => p.Rows.Seq = v, (b, v) => b.Seq = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Groups, (p, v) => p.Rows.Groups = v, (b, v) => b.Groups = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Category, (p, v) => p.Rows.Category = v, (b, v) => b.Category = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Severity, (p, v) => p.Rows.Severity = v, (b, v) => b.Severity = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Status, (p, v) => p.Rows.Status = v, (b, v) => b.Status = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Vulnerability, (p, v) => p.Rows.Vulnerability = v, (b, v) => b.Vulnerability = v, 1);
        model.Gather(fromPart, fromRow, parts, p => p.Rows.Affected, (p, v) => p.Rows.Affected = v, (b, v) => b.Affected = v, AffectedPeople.CellCount);
        cancellationToken.ThrowIfCancellationRequested();

        var maxSeq = 0;
        for (var b = 0; b < model._blocks.Count; b++)
        {
            var block = model._blocks[b];
            for (var i = 0; i < block.Count; i++)
            {
                var k = (b * BlockRows) + i;
                block.Community[i] = communities[fromPart[k]][block.Community[i]];
                block.Base[i] = bases[fromPart[k]][block.Base[i]];
                block.Include(block.X[i], block.Y[i], block.Time[i]);
                maxSeq = Math.Max(maxSeq, block.Seq[i]);
                if (parts[fromPart[k]].LargeCounts.TryGetValue(fromRow[k], out var large))
                {
                    model._largeCounts[k] = large;
                }
            }
        }

        model._rowOfSeq = new int[maxSeq + 1];
        for (var b = 0; b < model._blocks.Count; b++)
        {
            var block = model._blocks[b];
            for (var i = 0; i < block.Count; i++)
            {
                if (model._rowOfSeq[block.Seq[i]] != 0)
                {
                    throw new InvalidOperationException($"two rows have the key {block.Seq[i]}");
                }

                model._rowOfSeq[block.Seq[i]] = (b * BlockRows) + i + 1;
            }
        }

        model.Count = rows;
        model._ordered = rows;
        return model;
    }

    /// <summary>
    /// The same rows at the same watermark, ordered again for scans (rows taken in since the build
    /// were appended in arrival order). Built beside this model, which readers go on using until
    /// the caller swaps; the caller applies no change meanwhile.
    /// </summary>
    public ObservationModel Reordered(CancellationToken cancellationToken)
    {
        var staging = new ModelStaging(Count);
        for (var b = 0; b < _blocks.Count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = _blocks[b];
            for (var i = 0; i < block.Count; i++)
            {
                staging.Add(ReadRow(block, i, (b * BlockRows) + i));
            }
        }

        return Build([staging], Watermark, cancellationToken);
    }

    private ModelRow ReadRow(Block block, int i, int row)
    {
        var value = new ModelRow
        {
            Seq = block.Seq[i],
            Longitude = block.X[i],
            Latitude = block.Y[i],
            ObservedAt = block.Time[i],
            AggregateKey = block.Key[i],
            CommunityId = _communities.NameOf(block.Community[i]),
            BaseId = _bases.NameOf(block.Base[i]),
            AffectedGroups = block.Groups[i],
            Category = block.Category[i],
            Severity = block.Severity[i],
            Verification = (byte)(block.Status[i] & Block.VerificationBits),
            Released = (block.Status[i] & Block.ReleasedBit) != 0,
            Vulnerability = block.Vulnerability[i],
        };
        for (var c = 0; c < AffectedPeople.CellCount; c++)
        {
            value.Affected[c] = Affected(block, i, row, c);
        }

        return value;
    }

    /// <summary>Copies one column from the stagings into the blocks in model order, then lets the staging's column go.</summary>
    private void Gather<T>(
        byte[] fromPart, int[] fromRow, IReadOnlyList<ModelStaging> parts, Func<ModelStaging, T[]> column, Action<ModelStaging, T[]> release, Action<Block, T[]> assign, int width)
    {
        var sources = parts.Select(column).ToArray();
        for (var b = 0; b < _blocks.Count; b++)
        {
            var block = _blocks[b];
            var values = new T[BlockRows * width];
            for (var i = 0; i < block.Count; i++)
            {
                var k = (b * BlockRows) + i;
                if (width == 1)
                {
                    values[i] = sources[fromPart[k]][fromRow[k]];
                }
                else
                {
                    Array.Copy(sources[fromPart[k]], fromRow[k] * width, values, i * width, width);
                }
            }

            assign(block, values);
        }

        foreach (var part in parts)
        {
            release(part, []);
        }
    }

    /// <summary>
    /// Applies changes read from the feed, all of them settled below <paramref name="watermark"/>
    /// and ending on a whole transaction, as one step that no reader sees half done.
    /// </summary>
    internal void Apply(IReadOnlyList<ModelRow> changes, ulong watermark)
    {
        ArgumentNullException.ThrowIfNull(changes);
        _lock.EnterWriteLock();
        try
        {
            foreach (var change in changes)
            {
                Upsert(change);
            }

            Watermark = Math.Max(Watermark, watermark);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Shows <paramref name="visit"/> every row that matches <paramref name="filter"/> and that
    /// <paramref name="visibility"/> lets through, as <see cref="Observations.FilterSql"/> selects
    /// them in PostGIS, spread over up to <paramref name="workers"/> threads, each with a state of its
    /// own made by <paramref name="newState"/>; all under one read lock, so at one watermark. Null
    /// when the request needs what the model does not hold: a circle (measured on the spheroid by
    /// PostGIS) or a CLA's own reports (the model holds no reporters).
    /// </summary>
    public ModelRead<TState>? TryScan<TState>(ObservationFilter filter, Visibility visibility, int workers, Func<TState> newState, RowVisitor<TState> visit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return TryScanBlocks(filter, visibility, workers, newState, (TState state, in ModelBlockView block) =>
        {
            foreach (var i in block.Rows)
            {
                visit(state, block.Row(i));
            }
        }, cancellationToken);
    }

    /// <summary>
    /// As <see cref="TryScan{TState}"/>, a block at a time: <paramref name="visit"/> sees each block
    /// that holds a match once, with the indices of its matching rows, in order.
    /// </summary>
    public ModelRead<TState>? TryScanBlocks<TState>(ObservationFilter filter, Visibility visibility, int workers, Func<TState> newState, BlockVisitor<TState> visit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(visibility);
        ArgumentNullException.ThrowIfNull(newState);
        ArgumentNullException.ThrowIfNull(visit);
        if (filter.Area is CircleArea || visibility.OnlyReporter is not null)
        {
            return null;
        }

        _lock.EnterReadLock();
        try
        {
            var query = new ModelQuery(filter, visibility, _communities, _bases);
            workers = Math.Clamp(workers, 1, Math.Max(1, _blocks.Count / 4));
            var states = new TState[workers];
            for (var w = 0; w < workers; w++)
            {
                states[w] = newState();
            }

            if (workers == 1)
            {
                Scan(query, states[0], visit, 0, 1, cancellationToken);
            }
            else
            {
                Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
                    w => Scan(query.Fork(), states[w], visit, w, workers, cancellationToken));
            }

            return new ModelRead<TState>(states, Watermark);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void Scan<TState>(ModelQuery query, TState state, BlockVisitor<TState> visit, int first, int stride, CancellationToken cancellationToken)
    {
        var selected = new int[BlockRows];
        for (var b = first; b < _blocks.Count; b += stride)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = _blocks[b];
            var inside = query.Reaches(block);
            if (inside == BlockFit.None)
            {
                continue;
            }

            var matched = query.Select(block, inside == BlockFit.Whole, query.WithinPeriod(block), selected);
            if (matched > 0)
            {
                visit(state, new ModelBlockView(this, block, b * BlockRows, selected.AsSpan(0, matched)));
            }
        }
    }

    /// <summary>People affected in row <paramref name="row"/> (index <paramref name="i"/> of its block) in the cells of the mask <paramref name="cells"/>.</summary>
    internal int People(Block block, int i, int row, int cells)
    {
        var sum = 0;
        for (var c = 0; c < AffectedPeople.CellCount; c++)
        {
            if ((cells & (1 << c)) != 0)
            {
                sum += Affected(block, i, row, c);
            }
        }

        return sum;
    }

    internal int Affected(Block block, int i, int row, int cell)
    {
        var count = block.Affected[(i * AffectedPeople.CellCount) + cell];
        return count == Overflow ? _largeCounts[row][cell] : count;
    }

    internal string? CommunityOf(int id) => _communities.NameOf(id);

    private void Upsert(in ModelRow row)
    {
        if (row.Seq < 1 || row.Seq > int.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row.Seq, "a row's key is outside what the model indexes");
        }

        var seq = (int)row.Seq;
        if (seq >= _rowOfSeq.Length)
        {
            Array.Resize(ref _rowOfSeq, Math.Max(seq + 1, _rowOfSeq.Length * 2));
        }

        var at = _rowOfSeq[seq] - 1;
        if (at < 0)
        {
            if (_blocks.Count == 0 || _blocks[^1].Count == BlockRows)
            {
                _blocks.Add(new Block());
            }

            var tail = _blocks[^1];
            at = ((_blocks.Count - 1) * BlockRows) + tail.Count;
            tail.Count++;
            _rowOfSeq[seq] = at + 1;
            Count++;
        }

        Write(_blocks[at / BlockRows], at % BlockRows, at, row);
    }

    private void Write(Block block, int i, int row, in ModelRow value)
    {
        if (block.Write(i, value, _communities, _bases))
        {
            _largeCounts.Remove(row);
        }
        else
        {
            _largeCounts[row] = [.. value.Affected];
        }
    }

    private static uint Interleave(uint x, uint y) => Spread(x) | (Spread(y) << 1);

    private static uint Spread(uint v)
    {
        v &= 0xFFFF;
        v = (v | (v << 8)) & 0x00FF00FF;
        v = (v | (v << 4)) & 0x0F0F0F0F;
        v = (v | (v << 2)) & 0x33333333;
        return (v | (v << 1)) & 0x55555555;
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>One block's columns, and the bounds of what it holds (they only grow: a changed row may move).</summary>
    internal sealed class Block(int capacity = BlockRows)
    {
        public const byte VerificationBits = 0b11;
        public const byte ReleasedBit = 0b100;

        public double[] X = new double[capacity];
        public double[] Y = new double[capacity];
        public long[] Time = new long[capacity];
        public int[] Key = new int[capacity];
        public int[] Community = new int[capacity];
        public int[] Base = new int[capacity];
        public int[] Seq = new int[capacity];
        public ushort[] Groups = new ushort[capacity];
        public byte[] Category = new byte[capacity];
        public byte[] Severity = new byte[capacity];
        public byte[] Status = new byte[capacity];
        public byte[] Vulnerability = new byte[capacity];
        public byte[] Affected = new byte[capacity * AffectedPeople.CellCount];

        public int Count;
        public double West = double.MaxValue;
        public double South = double.MaxValue;
        public double East = double.MinValue;
        public double North = double.MinValue;
        public long First = long.MaxValue;
        public long Last = long.MinValue;

        public void Include(double x, double y, long time)
        {
            West = Math.Min(West, x);
            East = Math.Max(East, x);
            South = Math.Min(South, y);
            North = Math.Max(North, y);
            First = Math.Min(First, time);
            Last = Math.Max(Last, time);
        }

        /// <summary>
        /// Writes <paramref name="value"/> as row <paramref name="i"/>, its community and base numbered
        /// by the names given, and takes its place and time into the bounds. Returns false when a count
        /// of people is more than a byte holds: the caller keeps the counts aside.
        /// </summary>
        public bool Write(int i, in ModelRow value, Names communities, Names bases)
        {
            if (value.Seq < 1 || value.Seq > int.MaxValue - 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value.Seq, "a row's key is outside what the model indexes");
            }

            X[i] = value.Longitude;
            Y[i] = value.Latitude;
            Time[i] = value.ObservedAt;
            Key[i] = value.AggregateKey;
            Community[i] = communities.IdOf(value.CommunityId);
            Base[i] = bases.IdOf(value.BaseId);
            Seq[i] = (int)value.Seq;
            Groups[i] = value.AffectedGroups;
            Category[i] = value.Category;
            Severity[i] = value.Severity;
            Status[i] = (byte)(value.Verification | (value.Released ? ReleasedBit : 0));
            Vulnerability[i] = value.Vulnerability;
            var fits = true;
            var offset = i * AffectedPeople.CellCount;
            for (var c = 0; c < AffectedPeople.CellCount; c++)
            {
                var count = value.Affected[c];
                fits &= count < Overflow;
                Affected[offset + c] = count >= Overflow ? Overflow : (byte)count;
            }

            Include(value.Longitude, value.Latitude, value.ObservedAt);
            return fits;
        }

        /// <summary>Doubles the rows this block can hold (a staging of the load grows; the model's blocks do not).</summary>
        public void Grow()
        {
            var size = X.Length * 2;
            Array.Resize(ref X, size);
            Array.Resize(ref Y, size);
            Array.Resize(ref Time, size);
            Array.Resize(ref Key, size);
            Array.Resize(ref Community, size);
            Array.Resize(ref Base, size);
            Array.Resize(ref Seq, size);
            Array.Resize(ref Groups, size);
            Array.Resize(ref Category, size);
            Array.Resize(ref Severity, size);
            Array.Resize(ref Status, size);
            Array.Resize(ref Vulnerability, size);
            Array.Resize(ref Affected, size * AffectedPeople.CellCount);
        }
    }

    /// <summary>Strings (community, base, reporter ids) as small numbers; 0 is none.</summary>
    internal sealed class Names
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string?> _names = [null];

        public long Bytes { get; private set; }

        public int IdOf(string? name)
        {
            if (name is null)
            {
                return 0;
            }

            if (!_ids.TryGetValue(name, out var id))
            {
                id = _names.Count;
                _names.Add(name);
                _ids.Add(name, id);
                Bytes += 48 + (2L * name.Length);
            }

            return id;
        }

        /// <summary>The id of a name already held, or -1: a filter naming an id no row has matches nothing by it.</summary>
        public int Find(string name) => _ids.TryGetValue(name, out var id) ? id : -1;

        public string? NameOf(int id) => _names[id];

        /// <summary>Each id of these names as <paramref name="into"/> numbers them (0, none, stays 0).</summary>
        public int[] MapInto(Names into)
        {
            var map = new int[_names.Count];
            for (var id = 1; id < _names.Count; id++)
            {
                map[id] = into.IdOf(_names[id]);
            }

            return map;
        }
    }
}

/// <summary>What a read of the model produced (one state or sink per worker), and the watermark it reflects.</summary>
public sealed record ModelRead<TState>(IReadOnlyList<TState> Sinks, ulong Watermark);

/// <summary>Takes one matching row into a worker's state.</summary>
public delegate void RowVisitor<in TState>(TState state, in ModelRowView row);

/// <summary>Takes the matching rows of one block into a worker's state.</summary>
public delegate void BlockVisitor<in TState>(TState state, in ModelBlockView block);

/// <summary>
/// One block of the model as a scan shows it, with the indices of its matching rows
/// (<see cref="Rows"/>); each column is read by a row's index. Valid only during the visit.
/// </summary>
public readonly ref struct ModelBlockView
{
    private readonly ObservationModel _model;
    private readonly ObservationModel.Block _block;
    private readonly int _rowBase;

    internal ModelBlockView(ObservationModel model, ObservationModel.Block block, int rowBase, ReadOnlySpan<int> rows)
    {
        _model = model;
        _block = block;
        _rowBase = rowBase;
        Rows = rows;
    }

    /// <summary>The indices of the matching rows, in order.</summary>
    public ReadOnlySpan<int> Rows { get; }

    public ReadOnlySpan<double> Longitudes => _block.X;

    public ReadOnlySpan<double> Latitudes => _block.Y;

    public ReadOnlySpan<int> AggregateKeys => _block.Key;

    public ReadOnlySpan<byte> Categories => _block.Category;

    /// <summary>The people affected in row <paramref name="i"/>, by sex × age cell.</summary>
    public void AffectedOf(int i, Span<int> counts)
    {
        var bytes = _block.Affected.AsSpan(i * AffectedPeople.CellCount, AffectedPeople.CellCount);
        for (var cell = 0; cell < bytes.Length; cell++)
        {
            counts[cell] = bytes[cell];
        }

        if (bytes.Contains(ObservationModel.Overflow))
        {
            for (var cell = 0; cell < bytes.Length; cell++)
            {
                counts[cell] = _model.Affected(_block, i, _rowBase + i, cell);
            }
        }
    }

    /// <summary>When row <paramref name="i"/> was observed, as UTC ticks.</summary>
    public long ObservedAtUtcTicks(int i) => ModelTime.ToUtcTicks(_block.Time[i]);

    public ModelRowView Row(int i) => new(_model, _block, i, _rowBase + i);
}

/// <summary>One row of the model as a scan shows it: valid only during the visit.</summary>
public readonly struct ModelRowView
{
    private readonly ObservationModel _model;
    private readonly ObservationModel.Block _block;
    private readonly int _i;
    private readonly int _row;

    internal ModelRowView(ObservationModel model, ObservationModel.Block block, int i, int row)
    {
        _model = model;
        _block = block;
        _i = i;
        _row = row;
    }

    /// <summary>The server's key of the row (migration 18).</summary>
    public long Seq => _block.Seq[_i];

    public double Longitude => _block.X[_i];

    public double Latitude => _block.Y[_i];

    public DateTimeOffset ObservedAt => ModelTime.ToDateTimeOffset(_block.Time[_i]);

    /// <summary>As PostgreSQL keeps it: microseconds since 2000-01-01 UTC.</summary>
    public long ObservedAtMicros => _block.Time[_i];

    public ObservationCategory Category => (ObservationCategory)_block.Category[_i];

    public int Severity => _block.Severity[_i];

    public int AggregateKey => _block.Key[_i];

    public string? CommunityId => _model.CommunityOf(_block.Community[_i]);

    /// <summary>People affected in the sex × age cells of the bitmask <paramref name="cells"/>.</summary>
    public int People(int cells) => _model.People(_block, _i, _row, cells);

    /// <summary>People affected in one sex × age cell.</summary>
    public int Affected(int cell) => _model.Affected(_block, _i, _row, cell);

    /// <summary>The row as the PostGIS path reads it for a surface: what <paramref name="columns"/> leaves out stays at its default.</summary>
    public ObservationPoint ToPoint(PointColumns columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return new ObservationPoint(
            Longitude,
            Latitude,
            columns.ObservedAt ? ObservedAt : default,
            columns.Severity ? Severity : 0,
            columns.PeopleCells == 0 ? 0 : People(columns.PeopleCells),
            columns.CommunityId ? CommunityId : null,
            columns.AggregateKey ? AggregateKey : 0);
    }
}
