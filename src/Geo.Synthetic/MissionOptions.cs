using Geo.Core.Spatial;

namespace Geo.Synthetic;

/// <summary>
/// What kind of synthetic mission to generate. The defaults give a 400 x 400 km area of
/// operations in an eastern-DRC-like setting: a few roads, a few hundred settlements, an
/// operating base, company operating bases, temporary bases and a surge team, and a year of
/// observations ending at <see cref="Now"/>.
/// </summary>
public sealed record MissionOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>The fixed "now" of the mission: every observation and report is before it.</summary>
    public DateTimeOffset Now { get; init; } = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>South-west corner of the region (WGS84 degrees).</summary>
    public GeoPoint SouthWest { get; init; } = new(27.2, -2.3);

    public double WidthKilometres { get; init; } = 400;

    public double HeightKilometres { get; init; } = 400;

    public int Roads { get; init; } = 4;

    /// <summary>Settlements; the first few along roads are towns.</summary>
    public int Communities { get; init; } = 240;

    public int Towns { get; init; } = 6;

    public int CompanyOperatingBases { get; init; } = 5;

    public int TemporaryOperatingBases { get; init; } = 3;

    /// <summary>
    /// Temporary operating bases opened in the last weeks whose CLA team has not arrived: bases
    /// with no CLA at all. None unless asked for, so that the benchmark's mission stays as it was.
    /// </summary>
    public int TemporaryBasesWithoutCla { get; init; }

    public int SurgeTeams { get; init; } = 1;

    /// <summary>Days of observations, ending at the start of the day of <see cref="Now"/>.</summary>
    public int Days { get; init; } = 365;

    /// <summary>Short bursts of reporting around a place (clashes, displacement waves, rumours).</summary>
    public int Bursts { get; init; } = 24;

    /// <summary>Share of all observations that fall in bursts.</summary>
    public double BurstShare { get; init; } = 0.25;
}
