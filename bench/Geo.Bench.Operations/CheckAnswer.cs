using System.Globalization;
using Geo.Api.V1;

namespace Geo.Bench.Operations;

/// <summary>One thing a check touched: what it is, how far (true metres, 0 when distance means nothing), and the rest of what the check says of it.</summary>
internal sealed record Touch(string Id, double Metres, string Detail);

/// <summary>
/// What a check answers, in one form for both sides, so that ours and PostGIS's can be compared
/// item by item: the facilities (flagged or not), the communities (risk and population by sex and
/// age), the staffed teams in reach of each community at risk, presence by sector, and threat
/// counts by category.
/// </summary>
internal sealed record CheckAnswer(
    IReadOnlyList<Touch> Facilities, IReadOnlyList<Touch> Communities, IReadOnlyList<Touch> Teams, IReadOnlyList<Touch> Presence, IReadOnlyList<Touch> Threats)
{
    // Ours rounds distances to 0.1 m (OperationsHandler); a peer's exact metres can round either way at the last digit.
    private const double MetresTolerance = 0.06;

    public static CheckAnswer Of(OperationCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var flagged = check.FlaggedSiteIds.ToHashSet(StringComparer.Ordinal);
        return new CheckAnswer(
            [.. check.Facilities.Select(f => new Touch(f.Id, f.DistanceMetres, flagged.Contains(f.Id) ? "flagged" : "not flagged"))],
            [.. check.Communities.Select(c => new Touch(c.Id, c.DistanceMetres, Community((int)c.RiskLevel, Cells(c.Population))))],
            [.. check.Communities.SelectMany(c => c.Teams.Select(t => new Touch($"{c.Id} <- {t.BaseId}", t.DistanceMetres, Team(t.ClaCount, t.HasFemaleCla))))],
            [.. check.Presence.Select(p => new Touch(Code((int)p.Sector), 0, Sector(p.Records, p.Organisations, p.OrganisationNames)))],
            [.. check.Threats.Select(t => new Touch(Code((int)t.Category), 0, Code(t.Count)))]);
    }

    public static string Community(int risk, int[]? population) =>
        // A population of zeros reaches a client as none at all, as an unknown one does.
        $"risk {Code(risk)}, population {(population is null || population.All(n => n == 0) ? "none known" : string.Join(" ", population.Select((n, cell) => (n, cell)).Where(c => c.n > 0).Select(c => $"{Code(c.cell)}:{Code(c.n)}")))}";

    public static string Team(long clas, bool woman) => $"{Code(clas)} CLAs{(woman ? ", a woman among them" : ", no woman")}";

    public static string Sector(long records, long organisations, IEnumerable<string> names) =>
        $"{Code(records)} records of {Code(organisations)} organisations: {string.Join("; ", names.Order(StringComparer.Ordinal))}";

    public static string Code(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The differences between two answers, each a line; none when they agree.</summary>
    public IReadOnlyList<string> Differences(CheckAnswer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        Compare("facility", Facilities, other.Facilities, differences);
        Compare("community", Communities, other.Communities, differences);
        Compare("team", Teams, other.Teams, differences);
        Compare("presence", Presence, other.Presence, differences);
        Compare("threats", Threats, other.Threats, differences);
        return differences;
    }

    private static void Compare(string what, IReadOnlyList<Touch> ours, IReadOnlyList<Touch> theirs, List<string> differences)
    {
        var mine = ours.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var peer = theirs.ToDictionary(t => t.Id, StringComparer.Ordinal);
        foreach (var id in mine.Keys.Union(peer.Keys).Order(StringComparer.Ordinal))
        {
            var (a, b) = (mine.GetValueOrDefault(id), peer.GetValueOrDefault(id));
            if (a is null || b is null || a.Detail != b.Detail || Math.Abs(a.Metres - b.Metres) > MetresTolerance)
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{what} {id}: ours {(a is null ? "(missing)" : $"{a.Metres:0.0} m, {a.Detail}")}; PostGIS {(b is null ? "(missing)" : $"{b.Metres:0.000} m, {b.Detail}")}"));
            }
        }
    }

    private static int[]? Cells(Google.Protobuf.Collections.RepeatedField<AffectedCount> counts)
    {
        if (counts.Count == 0)
        {
            return null;
        }

        // The registry's cell order: sex (female, male, unknown) x age (child, youth, adult, older).
        var cells = new int[12];
        foreach (var count in counts)
        {
            cells[(((int)count.Sex - 1) * 4) + ((int)count.AgeGroup - 1)] = count.Count;
        }

        return cells;
    }
}
