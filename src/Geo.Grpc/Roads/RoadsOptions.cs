using System.Globalization;
using Geo.Core.Roads;
using Geo.Core.Validation;

namespace Geo.Grpc.Roads;

/// <summary>
/// How teams travel on the roads (configuration section <c>GeoAwareness:Roads</c>): speeds by class
/// for each mode, the off-road walk, the rainy seasons that close seasonal roads, and the grid reach
/// is decided on.
/// </summary>
public sealed class RoadsOptions
{
    public const string SectionName = "GeoAwareness:Roads";

    public SpeedOptions Vehicle { get; set; } = SpeedOptions.From(RoadSpeeds.Vehicle);

    public SpeedOptions OnFoot { get; set; } = SpeedOptions.From(RoadSpeeds.OnFoot);

    /// <summary>Walking pace off the road, to it and from it (bush, fields, slopes).</summary>
    public double OffRoadWalkingKmh { get; set; } = 3;

    /// <summary>A road farther than this from a place is not walked to: the place has no road.</summary>
    public double MaxWalkToRoadMetres { get; set; } = 5_000;

    /// <summary>
    /// Periods of the year (MM-DD/MM-DD, inclusive; may run over the new year) when seasonal
    /// roads are closed. Default: the two rainy seasons of the eastern DRC.
    /// </summary>
    public List<string> RainySeasons { get; set; } = ["03-01/05-31", "09-01/11-30"];

    /// <summary>The side of the cells reach is decided on and isochrones are drawn with.</summary>
    public double CellMetres { get; set; } = 500;

    /// <summary>Cells per grid at most: a larger mission area gets larger cells, not more memory (12 bytes a cell).</summary>
    public int MaxCells { get; set; } = 4_000_000;

    public RoadSpeeds SpeedsFor(TravelMode mode) => (mode == TravelMode.Vehicle ? Vehicle : OnFoot).Speeds;

    /// <summary>Whether seasonal roads are closed on <paramref name="date"/>.</summary>
    public bool IsRainy(DateOnly date) => Seasons().Any(s => s.Contains(date));

    internal string? Problem()
    {
        var errors = new FieldErrors();
        Vehicle.Speeds.Check($"{SectionName}:{nameof(Vehicle)}", errors);
        OnFoot.Speeds.Check($"{SectionName}:{nameof(OnFoot)}", errors);
        if (!double.IsFinite(OffRoadWalkingKmh) || OffRoadWalkingKmh is <= 0 or > 20)
        {
            errors.Add($"{SectionName}:{nameof(OffRoadWalkingKmh)}", $"{OffRoadWalkingKmh} is not a walking pace above 0 and at most 20 km/h");
        }

        if (!double.IsFinite(MaxWalkToRoadMetres) || MaxWalkToRoadMetres is < 0 or > 50_000)
        {
            errors.Add($"{SectionName}:{nameof(MaxWalkToRoadMetres)}", $"{MaxWalkToRoadMetres} is not a distance from 0 to 50,000 m");
        }

        if (!double.IsFinite(CellMetres) || CellMetres is < 50 or > 5_000)
        {
            errors.Add($"{SectionName}:{nameof(CellMetres)}", $"{CellMetres} is not a cell size from 50 to 5,000 m");
        }

        if (MaxCells is < 10_000 or > 100_000_000)
        {
            errors.Add($"{SectionName}:{nameof(MaxCells)}", $"{MaxCells} is not from 10,000 to 100,000,000");
        }

        foreach (var season in RainySeasons)
        {
            if (Season.Parse(season) is null)
            {
                errors.Add($"{SectionName}:{nameof(RainySeasons)}", $"{FieldErrors.Quote(season)} is not a period MM-DD/MM-DD");
            }
        }

        return errors.Any ? string.Join("; ", errors.All) : null;
    }

    private IEnumerable<Season> Seasons() => RainySeasons.Select(Season.Parse).OfType<Season>();

    public sealed class SpeedOptions
    {
        public double PrimaryKmh { get; set; }

        public double SecondaryKmh { get; set; }

        public double TrackKmh { get; set; }

        public double PathKmh { get; set; }

        internal RoadSpeeds Speeds => new(PrimaryKmh, SecondaryKmh, TrackKmh, PathKmh);

        internal static SpeedOptions From(RoadSpeeds speeds) => new()
        {
            PrimaryKmh = speeds.PrimaryKmh, SecondaryKmh = speeds.SecondaryKmh, TrackKmh = speeds.TrackKmh, PathKmh = speeds.PathKmh,
        };
    }

    private sealed record Season(int FromMonth, int FromDay, int ToMonth, int ToDay)
    {
        public static Season? Parse(string text)
        {
            var parts = text.Split('/');
            return parts.Length == 2 && Day(parts[0]) is { } from && Day(parts[1]) is { } to ? new Season(from.Month, from.Day, to.Month, to.Day) : null;
        }

        public bool Contains(DateOnly date)
        {
            var day = (date.Month * 100) + date.Day;
            int from = (FromMonth * 100) + FromDay, to = (ToMonth * 100) + ToDay;
            return from <= to ? day >= from && day <= to : day >= from || day <= to;
        }

        // A leap year, so that 02-29 is a day.
        private static DateOnly? Day(string text) =>
            DateOnly.TryParseExact("2024-" + text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
    }
}
