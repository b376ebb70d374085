using Geo.Core.Domain;
using Geo.Core.Indicators;

namespace Geo.Storage.Observations;

/// <summary>One observation as the indicators count it: its unit of the level, category, response in time, people by sex × age cell, targets recorded, record key and event.</summary>
internal sealed record IndicatorRow(
    string Unit, string BaseName, string Sector, ObservationCategory Category, bool RespondedInTime, int[] Affected, bool[] Targets, int Key, EventMember Event);

/// <summary>
/// Indicator tallies of events (count_events): each event counts once per indicator, as its earliest
/// report among those the indicator counts (<see cref="EarliestReports{T}"/>, as heat maps and
/// summaries count events), with that report's unit, category, groups, people, targets and response.
/// The threats (THREAT-OBS, THREAT-PEOPLE), the early-warning alerts (EW-ALERTS, EW-RESPONSE-24H)
/// and the information-harm narratives (MDMH-OBS) each choose their own: an incident told first as
/// a threat and later as an alert is a threat event as its first report, and an alert event as the
/// alert. The tallies are those <see cref="ObservationStore.IndicatorTalliesAsync"/> reads, of events.
/// </summary>
internal sealed class IndicatorEventTally(int targets)
{
    private readonly EventSet _threats = new(targets);
    private readonly EventSet _alerts = new(targets);
    private readonly EventSet _harm = new(targets);

    public void Add(IndicatorRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (ObservationTally.ThreatCategories.Contains(row.Category))
        {
            _threats.Add(row);
        }

        if (row.Category == ObservationCategory.EarlyWarningAlert)
        {
            _alerts.Add(row);
        }

        if (row.Category == ObservationCategory.InformationHarm)
        {
            _harm.Add(row);
        }
    }

    /// <summary>The tallies of threats and information harm, and apart those of the alerts.</summary>
    public (IReadOnlyList<ObservationTally> Observations, IReadOnlyList<ObservationTally> EarlyWarnings) ToTallies() =>
        ([.. _threats.ToTallies(), .. _harm.ToTallies()], _alerts.ToTallies());

    /// <summary>The events of one indicator's reports, summed by unit and category as their earliest reports.</summary>
    private sealed class EventSet(int targets)
    {
        private readonly EarliestReports<IndicatorRow> _linked = new();
        private readonly Dictionary<(string Unit, ObservationCategory Category), Sums> _sums = [];

        public void Add(IndicatorRow row)
        {
            if (!_linked.TakeLinked(row.Event, row))
            {
                Count(row);
            }
        }

        public List<ObservationTally> ToTallies()
        {
            foreach (var row in _linked.Earliest)
            {
                Count(row);
            }

            return [.. _sums.Select(s => s.Value.ToTally(s.Key.Category))];
        }

        private void Count(IndicatorRow row)
        {
            if (!_sums.TryGetValue((row.Unit, row.Category), out var sums))
            {
                _sums[(row.Unit, row.Category)] = sums = new Sums(row.Unit, row.BaseName, row.Sector, targets);
            }

            sums.Add(row);
        }
    }

    /// <summary>The counts of one unit and category, each with the sum of its record keys.</summary>
    private sealed class Sums(string unit, string baseName, string sector, int targets)
    {
        private readonly long[] _groups = new long[AffectedPeople.CellCount];
        private readonly long[] _people = new long[AffectedPeople.CellCount];
        private readonly long[] _groupKeys = new long[AffectedPeople.CellCount];
        private readonly long[] _targets = new long[targets];
        private readonly long[] _targetKeys = new long[targets];
        private long _observations;
        private long _inTime;
        private long _key;
        private long _inTimeKey;

        public void Add(IndicatorRow row)
        {
            _observations++;
            _key += row.Key;
            if (row.RespondedInTime)
            {
                _inTime++;
                _inTimeKey += row.Key;
            }

            for (var cell = 0; cell < _groups.Length; cell++)
            {
                if (row.Affected[cell] > 0)
                {
                    _groups[cell]++;
                    _groupKeys[cell] += row.Key;
                    _people[cell] += row.Affected[cell];
                }
            }

            for (var target = 0; target < _targets.Length; target++)
            {
                if (row.Targets[target])
                {
                    _targets[target]++;
                    _targetKeys[target] += row.Key;
                }
            }
        }

        public ObservationTally ToTally(ObservationCategory category) =>
            new(unit, baseName, sector, category, _observations, _inTime, _groups, _people, _targets, new TallyKeys(_key, _inTimeKey, _groupKeys, _targetKeys));
    }
}
