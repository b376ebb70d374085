using Geo.Core.Domain;

namespace Geo.Core.Indicators;

/// <summary>
/// Observations of one category in one unit of a level over a period, as storage counts them in
/// one pass: discredited ones left out, and a scoped caller's only inside its area.
/// </summary>
/// <param name="Unit">"" at mission level, the sector's name, or the base's id.</param>
/// <param name="BaseName">The base's name at base level; otherwise empty.</param>
/// <param name="Sector">The sector of the unit at sector and base level; otherwise empty.</param>
/// <param name="RespondedInTime">Observations whose response was recorded within <see cref="ObservationTally.ResponseWindow"/> of being observed.</param>
/// <param name="GroupObservations">Per sex × age cell (see <see cref="AffectedPeople"/>): observations affecting someone of that group.</param>
/// <param name="GroupPeople">Per sex × age cell: people of that group affected, summed.</param>
/// <param name="TargetObservations">Per <see cref="InformationHarmTargets.Recorded"/> target, in that order: observations recording it; then those recording none.</param>
/// <param name="Keys">The keys of the counts above (sums of record keys, see <see cref="Privacy.CountNoise"/>); null when not read, and then no count is perturbed.</param>
public sealed record ObservationTally(
    string Unit,
    string BaseName,
    string Sector,
    ObservationCategory Category,
    long Observations,
    long RespondedInTime,
    IReadOnlyList<long> GroupObservations,
    IReadOnlyList<long> GroupPeople,
    IReadOnlyList<long> TargetObservations,
    TallyKeys? Keys = null)
{
    /// <summary>An early-warning alert is answered in time when its response is recorded at most this long after it was observed.</summary>
    public static readonly TimeSpan ResponseWindow = TimeSpan.FromHours(24);

    /// <summary>The categories that are threats to civilians (THREAT-OBS).</summary>
    public static IReadOnlyList<ObservationCategory> ThreatCategories => ThreatDefaults.Categories;
}

/// <summary>The keys of a tally's counts: of its observations, of those answered in time, per sex × age cell, per target.</summary>
public sealed record TallyKeys(long Observations, long RespondedInTime, IReadOnlyList<long> Groups, IReadOnlyList<long> Targets);
