namespace Geo.Exporters.Hxl;

/// <summary>
/// One HXL hashtag with its attributes, as a column's hashtag cell spells it ("#targeted +f +children",
/// "#adm1+code"): the tag and the attributes, lowercased, in any order.
/// </summary>
public sealed record HxlTag(string Tag, IReadOnlySet<string> Attributes)
{
    /// <summary>The hashtag of a cell, or null when the cell is not one (empty, or no leading '#').</summary>
    public static HxlTag? Parse(string cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var text = cell.Trim().ToLowerInvariant();
        if (text.Length < 2 || text[0] != '#')
        {
            return null;
        }

        var parts = text[1..].Replace(" ", string.Empty, StringComparison.Ordinal).Split('+');
        if (parts[0].Length == 0 || !parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || parts.Skip(1).Any(a => a.Length == 0))
        {
            return null;
        }

        return new HxlTag("#" + parts[0], parts.Skip(1).ToHashSet(StringComparer.Ordinal));
    }

    public bool Has(string attribute) => Attributes.Contains(attribute);

    public override string ToString() => Tag + string.Concat(Attributes.Order(StringComparer.Ordinal).Select(a => "+" + a));
}
