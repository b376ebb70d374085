using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Geo.Api.V1;

namespace Geo.Cli.Arguments;

/// <summary>The options of a Coverage.GetCoverage question, shared by <c>gaps</c> and the coverage layers of <c>feed layer</c>.</summary>
internal static partial class CoverageOptions
{
    public static readonly Option<DateOnly?> At = CliOptions.Day("--at", "the date the teams are taken on (default today, UTC)");

    public static readonly Option<string> Sector = new("--sector") { Description = "only the bases and communities of this sector", HelpName = "sector" };

    /// <summary>A travel time: 2h, 90m, 1h30m, or a number of minutes. The service checks the range.</summary>
    public static readonly Option<int?> ReachTime = new("--reach-time")
    {
        Description = "reach as a travel time by road instead of distances: 2h, 90m, 1h30m or minutes (1 minute to 24 hours)",
        HelpName = "time",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value.Trim();
            if (Minutes(text) is { } minutes)
            {
                return minutes;
            }

            result.AddError($"--reach-time: '{text}' is not a travel time (2h, 90m, 1h30m or a number of minutes)");
            return null;
        },
    };

    public static readonly Option<string> Travel = CliOptions.OneOf("--travel", "how teams travel for --reach-time", "vehicle", "on-foot");

    public static readonly Option<string> Season = CliOptions.OneOf(
        "--season", "for --reach-time: whether seasonal roads are open (by-date: closed in the configured rainy seasons)", "by-date", "dry", "rainy");

    public static void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(At);
        command.Options.Add(Sector);
        command.Options.Add(ReachTime);
        command.Options.Add(Travel);
        command.Options.Add(Season);
    }

    public static CoverageRequest Request(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var request = new CoverageRequest { Sector = parse.GetValue(Sector) ?? string.Empty, ReachTime = TravelTime(parse) };
        if (parse.GetValue(At) is { } day)
        {
            request.At = new CalendarDate { Year = day.Year, Month = day.Month, Day = day.Day };
        }

        return request;
    }

    /// <summary>The travel time asked with --reach-time, --travel and --season; null when --reach-time is not given.</summary>
    public static TravelTimeReach? TravelTime(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(ReachTime) is not { } minutes ? null : new TravelTimeReach
        {
            Minutes = minutes,
            Mode = parse.GetValue(Travel) == "on-foot" ? TravelMode.OnFoot : TravelMode.Vehicle,
            Season = parse.GetValue(Season) switch { "dry" => RoadSeason.Dry, "rainy" => RoadSeason.Rainy, _ => RoadSeason.ByDate },
        };
    }

    /// <summary>Words for a travel time as answered: "2 h 30 min by vehicle, dry season".</summary>
    public static string Describe(TravelTimeReach time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var span = time.Minutes >= 60 ? $"{time.Minutes / 60} h" + (time.Minutes % 60 == 0 ? string.Empty : $" {time.Minutes % 60} min") : $"{time.Minutes} min";
        return $"{span} {(time.Mode == TravelMode.OnFoot ? "on foot" : "by vehicle")}, {(time.Season == RoadSeason.Rainy ? "rainy season (seasonal roads closed)" : "dry season")}";
    }

    private static int? Minutes(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
        {
            return plain;
        }

        var match = DurationPattern().Match(text);
        if (!match.Success || (match.Groups[1].Length == 0 && match.Groups[2].Length == 0))
        {
            return null;
        }

        long hours = match.Groups[1].Length > 0 ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        long minutes = match.Groups[2].Length > 0 ? long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        var total = (hours * 60) + minutes;
        // Out of the service's range is for the service to say; beyond an int is no time at all.
        return total > int.MaxValue ? null : (int)total;
    }

    [GeneratedRegex(@"^(?:(\d{1,9})h)?(?:(\d{1,9})m(?:in)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
