namespace Geo.Cli.Ingest;

/// <summary>Where a kind of record has its location.</summary>
internal enum LocationRule
{
    /// <summary>No location: a GeoJSON feature's geometry is null, a CSV has no coordinate columns.</summary>
    None,

    Point,

    /// <summary>A point, polygon or multipolygon.</summary>
    Shape,
}

/// <summary>
/// The columns (CSV) or properties (GeoJSON) of one kind of record: each known name has a slot in
/// <see cref="InputRow.Values"/>; names the service's own exports write but that are computed
/// (a feed's title, a layer's team status) are read and ignored, so an export can be loaded back;
/// any other name is refused.
/// </summary>
internal sealed class ColumnSet
{
    public const int Ignored = -1;
    public const int Unknown = -2;

    private readonly Dictionary<string, int> _slots;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public ColumnSet(IngestKind kind, IReadOnlyList<string> names, IEnumerable<string> ignored, IReadOnlyList<string> required, LocationRule location)
    {
        Kind = kind;
        Names = names;
        Required = required;
        Location = location;
        _slots = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var slot = 0; slot < names.Count; slot++)
        {
            _slots.Add(names[slot], slot);
        }

        foreach (var name in ignored)
        {
            _slots.TryAdd(name, Ignored);
        }

        _lookup = _slots.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IngestKind Kind { get; }

    /// <summary>The names with a slot, in slot order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>What a CSV header must name (the location's columns aside).</summary>
    public IReadOnlyList<string> Required { get; }

    public LocationRule Location { get; }

    public int Resolve(ReadOnlySpan<char> name) => _lookup.TryGetValue(name, out var slot) ? slot : Unknown;

    public string UnknownReason => $"is not a property of {IngestNames.Of(Kind)} (known: {string.Join(", ", Names)})";

    public static ColumnSet For(IngestKind kind) => kind switch
    {
        IngestKind.Observations => ObservationRecords.AllColumns,
        IngestKind.Communities => CommunityRecords.AllColumns,
        IngestKind.Bases => BaseRecords.AllColumns,
        _ => DeploymentRecords.AllColumns,
    };

    /// <summary>The kind a set of names belongs to, by the name only that kind has; null when none tells.</summary>
    public static IngestKind? Infer(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.Contains("observed_at") ? IngestKind.Observations
            : names.Contains("cla_id") ? IngestKind.Deployments
            : names.Contains("kind") ? IngestKind.Bases
            : names.Contains("name") ? IngestKind.Communities
            : null;
    }
}
