using Geo.Core.Domain;
using Geo.Storage.Observations;

namespace Geo.Grpc.Api;

/// <summary>Adds observations up by category and by sex x age group, as the database's summary does.</summary>
internal sealed class SummaryTally
{
    private readonly Dictionary<ObservationCategory, (long Observations, long People)> _byCategory = [];
    private readonly long[] _groupObservations = new long[AffectedPeople.CellCount];
    private readonly long[] _groupPeople = new long[AffectedPeople.CellCount];

    public void Add(Observation observation)
    {
        var total = observation.Affected.Total;
        _byCategory[observation.Category] = _byCategory.TryGetValue(observation.Category, out var sofar)
            ? (sofar.Observations + 1, sofar.People + total)
            : (1, total);
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            var count = observation.Affected.Counts[cell];
            if (count > 0)
            {
                _groupObservations[cell]++;
                _groupPeople[cell] += count;
            }
        }
    }

    public ObservationSummary ToSummary()
    {
        var categories = _byCategory.OrderBy(c => c.Key).Select(c => new CategoryTally(c.Key, c.Value.Observations, c.Value.People)).ToList();
        var groups = Enumerable.Range(0, AffectedPeople.CellCount)
            .Select(cell => new GroupTally(AffectedPeople.SexOfCell(cell), AffectedPeople.AgeOfCell(cell), _groupObservations[cell], _groupPeople[cell]))
            .ToList();
        return new ObservationSummary(categories.Sum(c => c.Observations), categories.Sum(c => c.PeopleAffected), categories, groups);
    }
}
