using Geo.Core.Domain;
using Geo.Core.Validation;

namespace Geo.Core.Indicators;

/// <summary>The organisational level indicators are reported for. The numbers are the API's enum values.</summary>
public enum IndicatorLevel
{
    /// <summary>The whole mission (or the caller's area): one unit.</summary>
    Mission = 1,

    /// <summary>
    /// One unit per sector: observations by the sector of their base; bases by their sector;
    /// communities by their own sector. Records with no sector count at mission level only.
    /// </summary>
    Sector = 2,

    /// <summary>
    /// One unit per base: observations linked to it; its own team; the communities at risk whose
    /// nearest open base it is on the evaluation date. Observations with no base count at mission
    /// level only.
    /// </summary>
    Base = 3,
}

/// <summary>
/// What a request asks for: a period, a level, and optionally one sector (its name) or base (its
/// id) of that level; and whether the indicators counting observations count events instead.
/// </summary>
public sealed record IndicatorQuestion(IndicatorPeriod Period, IndicatorLevel Level, string? UnitId)
{
    /// <summary>Whether observations a supervisor linked as reports of one event count once (see <see cref="IndicatorDefinition.CountingEvents"/>).</summary>
    public bool CountEvents { get; init; }

    /// <summary>
    /// The question of a request, or null with field errors. <paramref name="level"/> 0 (not given)
    /// is the mission; <paramref name="id"/> picks one unit of a sector or base level.
    /// </summary>
    public static IndicatorQuestion? Read(string? period, DateOnly? from, DateOnly? to, IndicatorLevel level, string? id, DateOnly today, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var read = IndicatorPeriod.Read(period, from, to, today, errors);
        if (level == 0)
        {
            level = IndicatorLevel.Mission;
        }
        else if (!Enum.IsDefined(level))
        {
            errors.Add("level", $"{(int)level} is not a known IndicatorLevel (1 MISSION, 2 SECTOR, 3 BASE; 0 for the mission)");
        }

        ObservationRules.CheckOptionalId(id, "id", errors);
        if (level == IndicatorLevel.Mission && !string.IsNullOrEmpty(id))
        {
            errors.Add("id", "the mission level has one unit: leave id empty, or ask for the sector or base level");
        }

        return read is null || errors.Any ? null : new IndicatorQuestion(read, level, string.IsNullOrEmpty(id) ? null : id);
    }

    /// <summary>A level named in a query string: mission, sector or base (any case); empty for the mission.</summary>
    public static IndicatorLevel ReadLevel(string? text, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return IndicatorLevel.Mission;
        }

        foreach (var level in Enum.GetValues<IndicatorLevel>())
        {
            if (string.Equals(text, Name(level), StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }

        errors.Add("level", $"'{text}' is not a level: mission, sector or base");
        return IndicatorLevel.Mission;
    }

    /// <summary>The level as exported: "mission", "sector" or "base".</summary>
    public static string Name(IndicatorLevel level) => level switch
    {
        IndicatorLevel.Mission => "mission",
        IndicatorLevel.Sector => "sector",
        IndicatorLevel.Base => "base",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "not a level"),
    };
}
