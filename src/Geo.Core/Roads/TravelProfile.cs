using Geo.Core.Validation;

namespace Geo.Core.Roads;

/// <summary>Speeds in km/h by class of road for one way of travelling; 0 where it cannot go (a vehicle on a footpath).</summary>
public sealed record RoadSpeeds(double PrimaryKmh, double SecondaryKmh, double TrackKmh, double PathKmh)
{
    /// <summary>Planning speeds of a mission vehicle: sustained averages with checkpoints and potholes, not limits.</summary>
    public static readonly RoadSpeeds Vehicle = new(60, 40, 20, 0);

    /// <summary>A team on foot with its kit.</summary>
    public static readonly RoadSpeeds OnFoot = new(5, 5, 4.5, 4);

    public double For(RoadClass roadClass) => roadClass switch
    {
        RoadClass.Primary => PrimaryKmh,
        RoadClass.Secondary => SecondaryKmh,
        RoadClass.Track => TrackKmh,
        RoadClass.Path => PathKmh,
        _ => 0,
    };

    public double Fastest => Math.Max(Math.Max(PrimaryKmh, SecondaryKmh), Math.Max(TrackKmh, PathKmh));

    public void Check(string section, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var (name, kmh) in new[] { (nameof(PrimaryKmh), PrimaryKmh), (nameof(SecondaryKmh), SecondaryKmh), (nameof(TrackKmh), TrackKmh), (nameof(PathKmh), PathKmh) })
        {
            if (!double.IsFinite(kmh) || kmh is < 0 or > 200)
            {
                errors.Add($"{section}:{name}", $"{kmh} is not a speed from 0 (cannot use) to 200 km/h");
            }
        }

        if (Fastest <= 0)
        {
            errors.Add(section, "no class of road can be used: give at least one speed above 0");
        }
    }
}

/// <summary>
/// How one question travels: the mode's speeds, whether seasonal roads are closed (the rainy
/// season on the question's date), and the walk off the road at both ends.
/// </summary>
public sealed record TravelProfile(TravelMode Mode, RoadSpeeds Speeds, double OffRoadKmh, double MaxWalkToRoadMetres, bool SeasonalRoadsClosed)
{
    private readonly double _walkMetresPerSecond = OffRoadKmh / 3.6;

    /// <summary>Whether a segment can be travelled at all (and so be walked to as the nearest road).</summary>
    public bool CanUse(in RoadSegment segment) => Speeds.For(segment.Class) > 0 && !(segment.Seasonal && SeasonalRoadsClosed);

    /// <summary>
    /// Seconds to travel <paramref name="metres"/> along <paramref name="segment"/>, forward (From to
    /// To) or against it; infinite where it cannot go (one-way roads bind vehicles only).
    /// </summary>
    public double Seconds(in RoadSegment segment, bool against, double metres)
    {
        if (!CanUse(segment) || (against && segment.OneWay && Mode == TravelMode.Vehicle))
        {
            return double.PositiveInfinity;
        }

        return metres / (Speeds.For(segment.Class) / 3.6);
    }

    public double WalkSeconds(double metres) => metres / _walkMetresPerSecond;

    /// <summary>No point is farther than this from where a team starts after <paramref name="seconds"/>: the fastest road, or the walk.</summary>
    public double FarthestMetres(double seconds) => seconds * Math.Max(Speeds.Fastest, OffRoadKmh) / 3.6;
}
