using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Synthetic;
using Geo.Core.Validation;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Core.Tests.Synthetic;

public sealed class MissionGeneratorTests
{
    private static readonly MissionOptions Options = new() { Seed = 42 };
    private static readonly Mission Mission = MissionGenerator.Generate(Options);
    private static readonly List<Observation> Sample = Mission.Observations(20_000).ToList();

    [Fact]
    public void Generate_SameSeed_SameMissionAndObservations()
    {
        var again = MissionGenerator.Generate(new MissionOptions { Seed = 42 });
        Assert.Equal(Mission.Communities.Select(Describe), again.Communities.Select(Describe));
        Assert.Equal(Mission.Bases, again.Bases);
        Assert.Equal(Mission.Deployments, again.Deployments);
        var first = again.Observations(20_000).ToList();
        Assert.Equal(Sample.Count, first.Count);
        for (var i = 0; i < Sample.Count; i++)
        {
            Assert.Equal(ObservationFingerprint.Compute(Sample[i]), ObservationFingerprint.Compute(first[i]));
        }
    }

    [Fact]
    public void Generate_OtherSeed_OtherData()
    {
        var other = MissionGenerator.Generate(new MissionOptions { Seed = 43 });
        Assert.NotEqual(Mission.Communities.Select(Describe), other.Communities.Select(Describe));
        Assert.NotEqual(Sample[0].Id, other.Observations(1).Single().Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(123_457)]
    public void Observations_CountAsAsked_UniqueIdsInTimeOrder(int count)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var previous = DateTimeOffset.MinValue;
        var n = 0;
        foreach (var observation in Mission.Observations(count))
        {
            Assert.True(ids.Add(observation.Id), $"duplicate id {observation.Id}");
            Assert.True(observation.ObservedAt >= previous);
            previous = observation.ObservedAt;
            n++;
        }

        Assert.Equal(count, n);
    }

    [Fact]
    public void Observations_AreLazy()
    {
        // Taking a few of a billion must not generate the billion.
        var few = Mission.Observations(1_000_000_000).Take(5).ToList();
        Assert.Equal(5, few.Count);
    }

    [Fact]
    public void Observations_ValidUnderTheRules_InThePastAndInTheRegion()
    {
        var limits = new ObservationLimits { MaxClockSkew = TimeSpan.Zero };
        var communities = Mission.Communities.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var bases = Mission.Bases.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var clas = Mission.Deployments.Select(d => d.ClaId).ToHashSet(StringComparer.Ordinal);
        foreach (var observation in Sample)
        {
            var errors = new FieldErrors();
            ObservationRules.Check(observation, limits, Options.Now, errors);
            Assert.False(errors.Any, $"{observation.Id}: {errors.First}");
            Assert.True(observation.ObservedAt < Options.Now && observation.ReportedAt <= Options.Now && observation.ReportedAt >= observation.ObservedAt);
            Assert.True(observation.ObservedAt >= Mission.ObservedFrom && observation.ObservedAt < Mission.ObservedTo);
            Assert.True(Mission.Region.Contains(observation.Location));
            Assert.True(observation.CommunityId is null || communities.Contains(observation.CommunityId));
            Assert.True(observation.BaseId is null || bases.Contains(observation.BaseId));
            Assert.Contains(observation.ReporterId, clas);
        }
    }

    [Fact]
    public void Registry_ValidUnderTheRules()
    {
        foreach (var community in Mission.Communities)
        {
            var errors = new FieldErrors();
            RegistryRules.Check(community, errors);
            Assert.False(errors.Any, $"{community.Id}: {errors.First}");
        }

        foreach (var station in Mission.Bases)
        {
            var errors = new FieldErrors();
            RegistryRules.Check(station, errors);
            Assert.False(errors.Any, $"{station.Id}: {errors.First}");
        }

        foreach (var deployment in Mission.Deployments)
        {
            var errors = new FieldErrors();
            RegistryRules.Check(deployment, errors);
            Assert.False(errors.Any, $"{deployment.Id}: {errors.First}");
            Assert.Contains(Mission.Bases, b => b.Id == deployment.BaseId);
        }

        Assert.Equal(Mission.Communities.Count, Mission.Communities.Select(c => c.Id).Distinct().Count());
        Assert.Equal(Mission.Deployments.Count, Mission.Deployments.Select(d => d.ClaId).Distinct().Count());
    }

    [Fact]
    public void Region_IsAFewHundredKilometres()
    {
        var r = Mission.Region;
        var width = Geodesy.DistanceMetres(new GeoPoint(r.West, r.Center.Latitude), new GeoPoint(r.East, r.Center.Latitude));
        var height = Geodesy.DistanceMetres(new GeoPoint(r.Center.Longitude, r.South), new GeoPoint(r.Center.Longitude, r.North));
        Assert.InRange(width, 395_000, 405_000);
        Assert.InRange(height, 395_000, 405_000);
        Assert.All(Mission.Communities, c => Assert.True(Mission.Region.Contains(Centroid(c))));
    }

    [Fact]
    public void Communities_PointsAndPolygons_WithPopulationRiskAndFlags()
    {
        var c = Mission.Communities;
        Assert.Equal(Options.Communities, c.Count);
        Assert.Contains(c, x => x.Location is Polygon);
        Assert.True(c.Count(x => x.Location is Point) > c.Count / 2);
        Assert.Contains(c, x => x.Population is null);
        Assert.All(c.Where(x => x.Population is not null), x => Assert.True(x.Population!.Total > 0));
        foreach (var level in new[] { RiskLevel.Low, RiskLevel.Medium, RiskLevel.High, RiskLevel.Critical })
        {
            Assert.Contains(c, x => x.RiskLevel == level);
        }

        Assert.Contains(c, x => x.HasProtectionPlan);
        Assert.Contains(c, x => !x.HasProtectionPlan);
        Assert.Contains(c, x => x.HasProtectionCommittee);
        Assert.Contains(c, x => x.HasCanFocalPoint);
    }

    [Fact]
    public void Bases_OfEveryKind()
    {
        Assert.Single(Mission.Bases, b => b.Kind == BaseKind.OperatingBase);
        Assert.Equal(Options.CompanyOperatingBases, Mission.Bases.Count(b => b.Kind == BaseKind.CompanyOperatingBase));
        Assert.Equal(Options.TemporaryOperatingBases, Mission.Bases.Count(b => b.Kind == BaseKind.TemporaryOperatingBase));
        Assert.Equal(Options.SurgeTeams, Mission.Bases.Count(b => b.Kind == BaseKind.SurgeTeam));
        Assert.Contains(Mission.Bases, b => b.ClosedOn is not null);
    }

    [Fact]
    public void Deployments_HaveTheDeliberateGaps()
    {
        var today = DateOnly.FromDateTime(Options.Now.UtcDateTime);
        var teams = Mission.Bases
            .Where(b => b.IsOpenOn(today))
            .Select(b => (Base: b, Active: Mission.Deployments.Where(d => d.BaseId == b.Id && d.IsActiveOn(today)).ToList()))
            .ToList();
        Assert.Contains(teams, t => t.Active.Count == 1);
        Assert.Contains(teams, t => t.Active.Count >= 2 && t.Active.All(d => d.Sex == Sex.Male));

        var bases = Mission.Bases.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var centroids = Mission.Communities.ToDictionary(c => c.Id, Centroid, StringComparer.Ordinal);
        var warnings = Mission.Deployments
            .Select(d => DeploymentRules.Evaluate(d, bases[d.BaseId], d.HomeCommunityId is { } home ? centroids[home] : null, DeploymentRules.WriteDate(d, today)))
            .ToList();
        Assert.Contains(warnings, w => w.HasFlag(DeploymentWarnings.TemporaryDutyOverThreeMonths));
        Assert.Contains(warnings, w => w.HasFlag(DeploymentWarnings.OwnLocality));
        Assert.True(warnings.Count(w => w == DeploymentWarnings.None) > warnings.Count / 2);
    }

    [Fact]
    public void Observations_ClusterAroundSettlements()
    {
        var centroids = Mission.Communities.Select(Centroid).ToArray();
        var sample = Sample.Where((_, i) => i % 4 == 0).ToList();
        var near = sample.Count(o => centroids.Any(c => Geodesy.DistanceMetres(c, o.Location) <= 10_000));
        Assert.True(near > sample.Count * 0.8, $"{near} of {sample.Count} within 10 km of a settlement");

        // A uniform spread would put far fewer there: compare with the share of the region's area
        // within 10 km of a settlement, estimated on a grid.
        var r = Mission.Region;
        var grid = 0;
        var covered = 0;
        for (var x = 0.5; x < 40; x++)
        {
            for (var y = 0.5; y < 40; y++)
            {
                var p = new GeoPoint(r.West + ((r.East - r.West) * x / 40), r.South + ((r.North - r.South) * y / 40));
                grid++;
                covered += centroids.Any(c => Geodesy.DistanceMetres(c, p) <= 10_000) ? 1 : 0;
            }
        }

        Assert.True(covered < grid * 0.6, $"{covered} of {grid} grid points within 10 km of a settlement");
        Assert.True((double)near / sample.Count > ((double)covered / grid) + 0.25);
    }

    [Fact]
    public void Observations_BurstInTime()
    {
        var perDay = Sample.GroupBy(o => o.ObservedAt.UtcDateTime.Date).Select(g => g.Count()).OrderBy(n => n).ToList();
        var median = perDay[perDay.Count / 2];
        Assert.True(perDay[^1] > median * 3, $"busiest day {perDay[^1]}, median {median}");
        Assert.True(perDay.Count > Options.Days * 0.95);
    }

    [Fact]
    public void Observations_RealisticMix()
    {
        var byCategory = Sample.GroupBy(o => o.Category).ToDictionary(g => g.Key, g => g.Count() / (double)Sample.Count);
        Assert.Equal(8, byCategory.Count);
        Assert.InRange(byCategory[ObservationCategory.ThreatOfPhysicalViolence], 0.15, 0.35);
        Assert.InRange(byCategory[ObservationCategory.SecurityIncidentAgainstCla], 0.005, 0.06);
        var bySeverity = Sample.GroupBy(o => o.Severity).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(5, bySeverity.Count);
        Assert.True(bySeverity[2] > bySeverity[5] * 3);

        var people = new long[AffectedPeople.CellCount];
        foreach (var o in Sample)
        {
            for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
            {
                people[cell] += o.Affected.Counts[cell];
            }
        }

        Assert.All(people, p => Assert.True(p > 0));
        var female = Enumerable.Range(0, 4).Sum(a => people[a]);
        var male = Enumerable.Range(4, 4).Sum(a => people[a]);
        Assert.True(female > male);
        Assert.Contains(Sample, o => o.Affected.Total == 0);
        var displaced = Sample.Where(o => o.Category == ObservationCategory.Displacement).ToList();
        Assert.True(displaced.Count(o => o.Vulnerabilities.HasFlag(Vulnerabilities.InternallyDisplaced)) > displaced.Count * 0.7);
        foreach (var flag in Enum.GetValues<Vulnerabilities>().Where(f => f != Vulnerabilities.None))
        {
            Assert.Contains(Sample, o => o.Vulnerabilities.HasFlag(flag));
        }

        Assert.Contains(Sample, o => o.Area is not null);
        Assert.True(Sample.Count(o => o.Area is not null) < Sample.Count / 10);
        Assert.Equal(4, Sample.Select(o => o.Precision).Distinct().Count());
    }

    private static GeoPoint Centroid(Community community)
    {
        var c = community.Location.Centroid;
        return new GeoPoint(c.X, c.Y);
    }

    private static string Describe(Community c) =>
        $"{c.Id}|{c.Name}|{c.Location.AsText()}|{c.RiskLevel}|{c.Population?.Total}|{c.HasProtectionPlan}{c.HasProtectionCommittee}{c.HasCanFocalPoint}";
}
