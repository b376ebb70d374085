using System.Collections.Immutable;

namespace Geo.Core.Domain;

/// <summary>
/// People counted by sex (female, male, unknown) and age group (child, youth, adult, older):
/// twelve cells, in that order (cell = (sex - 1) * 4 + (age - 1)). The same layout serves the
/// people affected by an observation and the population of a community.
/// </summary>
public sealed class AffectedPeople : IEquatable<AffectedPeople>
{
    public const int CellCount = 12;

    public static readonly AffectedPeople None = new(ImmutableArray.Create(new int[CellCount]));

    private AffectedPeople(ImmutableArray<int> counts) => Counts = counts;

    /// <summary>The twelve counts in cell order.</summary>
    public ImmutableArray<int> Counts { get; }

    public int Total
    {
        get
        {
            var total = 0;
            foreach (var count in Counts)
            {
                total += count;
            }

            return total;
        }
    }

    /// <summary>Bit <c>cell</c> set where that cell's count is above zero.</summary>
    public int GroupMask
    {
        get
        {
            var mask = 0;
            for (var cell = 0; cell < CellCount; cell++)
            {
                if (Counts[cell] > 0)
                {
                    mask |= 1 << cell;
                }
            }

            return mask;
        }
    }

    public int this[Sex sex, AgeGroup age] => Counts[Cell(sex, age)];

    public static int Cell(Sex sex, AgeGroup age) => (((int)sex - 1) * 4) + ((int)age - 1);

    public static Sex SexOfCell(int cell) => (Sex)((cell / 4) + 1);

    public static AgeGroup AgeOfCell(int cell) => (AgeGroup)((cell % 4) + 1);

    /// <summary>Counts in cell order; the caller has checked there are twelve, none negative.</summary>
    public static AffectedPeople FromCells(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count != CellCount)
        {
            throw new ArgumentException($"expected {CellCount} counts, got {counts.Count}", nameof(counts));
        }

        return new AffectedPeople([.. counts]);
    }

    /// <summary>Adds up (sex, age, count) entries; an entry repeated for one cell is summed.</summary>
    public static AffectedPeople FromEntries(IEnumerable<(Sex Sex, AgeGroup Age, int Count)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var counts = new int[CellCount];
        foreach (var (sex, age, count) in entries)
        {
            counts[Cell(sex, age)] = checked(counts[Cell(sex, age)] + count);
        }

        return new AffectedPeople([.. counts]);
    }

    public bool Equals(AffectedPeople? other) => other is not null && Counts.SequenceEqual(other.Counts);

    public override bool Equals(object? obj) => Equals(obj as AffectedPeople);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var count in Counts)
        {
            hash.Add(count);
        }

        return hash.ToHashCode();
    }
}
