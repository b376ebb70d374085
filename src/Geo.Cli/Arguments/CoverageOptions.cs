using System.CommandLine;
using Geo.Api.V1;

namespace Geo.Cli.Arguments;

/// <summary>The options of a Coverage.GetCoverage question, shared by <c>gaps</c> and the coverage layers of <c>feed layer</c>.</summary>
internal static class CoverageOptions
{
    public static readonly Option<DateOnly?> At = CliOptions.Day("--at", "the date the teams are taken on (default today, UTC)");

    public static readonly Option<string> Sector = new("--sector") { Description = "only the bases and communities of this sector", HelpName = "sector" };

    public static void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(At);
        command.Options.Add(Sector);
    }

    public static CoverageRequest Request(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var request = new CoverageRequest { Sector = parse.GetValue(Sector) ?? string.Empty };
        if (parse.GetValue(At) is { } day)
        {
            request.At = new CalendarDate { Year = day.Year, Month = day.Month, Day = day.Day };
        }

        return request;
    }
}
