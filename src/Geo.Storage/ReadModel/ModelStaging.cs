namespace Geo.Storage.ReadModel;

/// <summary>
/// Rows of the load as one reader reads them, before they are ordered: one block that grows, its
/// communities and bases numbered by names of its own. The model is then built from the stagings
/// one column at a time, each staging column let go once copied, so the load needs little more
/// than the model itself.
/// </summary>
internal sealed class ModelStaging(int capacity)
{
    public ObservationModel.Block Rows { get; } = new(Math.Max(16, capacity));

    public int Count => Rows.Count;

    /// <summary>Counts above what a byte holds, by staging row.</summary>
    public Dictionary<int, int[]> LargeCounts { get; } = [];

    public ObservationModel.Names Communities { get; } = new();

    public ObservationModel.Names Bases { get; } = new();

    public void Add(in ModelRow row)
    {
        if (Rows.Count == Rows.X.Length)
        {
            Rows.Grow();
        }

        var i = Rows.Count++;
        if (!Rows.Write(i, row, Communities, Bases))
        {
            LargeCounts[i] = [.. row.Affected];
        }
    }
}
