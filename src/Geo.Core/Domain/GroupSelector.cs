namespace Geo.Core.Domain;

/// <summary>
/// A gender/age selector: any combination of sexes and age groups, e.g. "girls" = female x
/// child, "women and girls" = female x any age. An empty list means any.
/// </summary>
public sealed record GroupSelector(IReadOnlyCollection<Sex> Sexes, IReadOnlyCollection<AgeGroup> Ages)
{
    public static readonly GroupSelector Anyone = new([], []);

    public bool IsAnyone => Sexes.Count == 0 && Ages.Count == 0;

    /// <summary>The cells of <see cref="AffectedPeople"/> the selector covers, as a bitmask.</summary>
    public int CellMask
    {
        get
        {
            var mask = 0;
            foreach (var sex in Sexes.Count == 0 ? Enum.GetValues<Sex>() : Sexes)
            {
                foreach (var age in Ages.Count == 0 ? Enum.GetValues<AgeGroup>() : Ages)
                {
                    mask |= 1 << AffectedPeople.Cell(sex, age);
                }
            }

            return mask;
        }
    }

    /// <summary>People of the selected groups among <paramref name="people"/>.</summary>
    public int CountIn(AffectedPeople people)
    {
        ArgumentNullException.ThrowIfNull(people);
        var mask = CellMask;
        var total = 0;
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            if ((mask & (1 << cell)) != 0)
            {
                total += people.Counts[cell];
            }
        }

        return total;
    }
}
