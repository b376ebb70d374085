using System.Runtime.CompilerServices;
using Geo.Core.Domain;

namespace Geo.Storage.ReadModel;

/// <summary>People affected by sex × age group, in the order of the stored <c>affected</c> array.</summary>
[InlineArray(AffectedPeople.CellCount)]
internal struct AffectedCells
{
    private int _first;
}

/// <summary>
/// One observation as the read model takes it in, from the load or from the feed: the fields that
/// heat maps filter and bin on and that the visibility and coarsening rules need, nothing else
/// (no notes, no summary, no source).
/// </summary>
internal struct ModelRow
{
    /// <summary>The server's key of the row (migration 18): a changed row replaces the one of the same key.</summary>
    public long Seq;
    public double Longitude;
    public double Latitude;

    /// <summary>Microseconds since 2000-01-01 UTC, as PostgreSQL stores a timestamptz.</summary>
    public long ObservedAt;
    public byte Category;
    public byte Severity;
    public byte Verification;
    public bool Released;
    public byte Vulnerability;
    public ushort AffectedGroups;
    public int AggregateKey;
    public string? CommunityId;
    public string? BaseId;
    public AffectedCells Affected;
}
