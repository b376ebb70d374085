using Geo.Core.Domain;

namespace Geo.Storage.ReadModel;

/// <summary>
/// Rows of the load as one reader reads them, before they are ordered: one growable array per
/// column, the same columns as the model's blocks. The model is then built from the stagings one
/// column at a time, each staging column let go once copied, so the load needs little more than
/// the model itself.
/// </summary>
internal sealed class ModelStaging(int capacity)
{
    private const byte Overflow = byte.MaxValue;

    public double[] X = new double[Math.Max(16, capacity)];
    public double[] Y = new double[Math.Max(16, capacity)];
    public long[] Time = new long[Math.Max(16, capacity)];
    public int[] Key = new int[Math.Max(16, capacity)];
    public int[] Community = new int[Math.Max(16, capacity)];
    public int[] Base = new int[Math.Max(16, capacity)];
    public int[] Seq = new int[Math.Max(16, capacity)];
    public ushort[] Groups = new ushort[Math.Max(16, capacity)];
    public byte[] Category = new byte[Math.Max(16, capacity)];
    public byte[] Severity = new byte[Math.Max(16, capacity)];
    public byte[] Status = new byte[Math.Max(16, capacity)];
    public byte[] Vulnerability = new byte[Math.Max(16, capacity)];
    public byte[] Affected = new byte[Math.Max(16, capacity) * AffectedPeople.CellCount];

    public int Count { get; private set; }

    /// <summary>Counts above what a byte holds, by staging row.</summary>
    public Dictionary<int, int[]> LargeCounts { get; } = [];

    public ObservationModel.Names Communities { get; } = new();

    public ObservationModel.Names Bases { get; } = new();

    public double West { get; private set; } = double.MaxValue;

    public double South { get; private set; } = double.MaxValue;

    public double East { get; private set; } = double.MinValue;

    public double North { get; private set; } = double.MinValue;

    public void Add(in ModelRow row)
    {
        if (row.Seq < 1 || row.Seq > int.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row.Seq, "a row's key is outside what the model indexes");
        }

        if (Count == X.Length)
        {
            Grow();
        }

        var i = Count++;
        X[i] = row.Longitude;
        Y[i] = row.Latitude;
        Time[i] = row.ObservedAt;
        Key[i] = row.AggregateKey;
        Community[i] = Communities.IdOf(row.CommunityId);
        Base[i] = Bases.IdOf(row.BaseId);
        Seq[i] = (int)row.Seq;
        Groups[i] = row.AffectedGroups;
        Category[i] = row.Category;
        Severity[i] = row.Severity;
        Status[i] = (byte)(row.Verification | (row.Released ? ObservationModel.Block.ReleasedBit : 0));
        Vulnerability[i] = row.Vulnerability;
        var large = false;
        for (var c = 0; c < AffectedPeople.CellCount; c++)
        {
            var count = row.Affected[c];
            large |= count >= Overflow;
            Affected[(i * AffectedPeople.CellCount) + c] = count >= Overflow ? Overflow : (byte)count;
        }

        if (large)
        {
            LargeCounts[i] = [.. row.Affected];
        }

        West = Math.Min(West, row.Longitude);
        East = Math.Max(East, row.Longitude);
        South = Math.Min(South, row.Latitude);
        North = Math.Max(North, row.Latitude);
    }

    private void Grow()
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
