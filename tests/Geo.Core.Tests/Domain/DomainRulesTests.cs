using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Domain;

public sealed class DomainRulesTests
{
    private static readonly Base Station = new() { Id = "b", Name = "B", Kind = BaseKind.OperatingBase, AdminArea = "Masisi", Location = new GeoPoint(29.0, -1.5) };

    [Fact]
    public void GroupSelector_WomenAndGirls_CoversFemaleOfEveryAge()
    {
        var selector = new GroupSelector([Sex.Female], []);

        Assert.Equal(0b1111, selector.CellMask);
        Assert.Equal(0b1111_1111_1111, GroupSelector.Anyone.CellMask);
        Assert.Equal(1 << AffectedPeople.Cell(Sex.Male, AgeGroup.Child), new GroupSelector([Sex.Male], [AgeGroup.Child]).CellMask);
    }

    [Fact]
    public void GroupSelector_CountIn_AddsTheSelectedCellsOnly()
    {
        var people = AffectedPeople.FromEntries([(Sex.Female, AgeGroup.Child, 3), (Sex.Female, AgeGroup.Adult, 2), (Sex.Male, AgeGroup.Child, 5)]);

        Assert.Equal(3, new GroupSelector([Sex.Female], [AgeGroup.Child]).CountIn(people));
        Assert.Equal(8, new GroupSelector([], [AgeGroup.Child]).CountIn(people));
        Assert.Equal(10, GroupSelector.Anyone.CountIn(people));
        Assert.Equal(10, people.Total);
    }

    [Fact]
    public void AffectedPeople_RepeatedEntriesForOneCell_AreSummed()
    {
        var people = AffectedPeople.FromEntries([(Sex.Unknown, AgeGroup.Older, 1), (Sex.Unknown, AgeGroup.Older, 2)]);

        Assert.Equal(3, people[Sex.Unknown, AgeGroup.Older]);
        Assert.Equal(1 << 11, people.GroupMask);
    }

    [Theory]
    [InlineData("Masisi", null, null, true)]
    [InlineData(" masisi ", null, null, true)]
    [InlineData("Rutshuru", 29.1, -1.5, true)]
    [InlineData("Rutshuru", 29.3, -1.5, false)]
    [InlineData("", null, null, false)]
    public void Evaluate_OwnLocality_ByAdminAreaOrHomeCommunityWithin20Km(string homeLocality, double? homeLongitude, double? homeLatitude, bool flagged)
    {
        var deployment = new ClaDeployment { Id = "d", ClaId = "c", BaseId = "b", Sex = Sex.Female, HomeLocality = homeLocality, From = new DateOnly(2026, 1, 1) };
        GeoPoint? home = homeLongitude is { } lon ? new GeoPoint(lon, homeLatitude!.Value) : null;

        var warnings = DeploymentRules.Evaluate(deployment, Station, home, new DateOnly(2026, 2, 1));

        Assert.Equal(flagged, warnings.HasFlag(DeploymentWarnings.OwnLocality));
    }

    [Theory]
    [InlineData(true, null, "2026-04-01", false)]
    [InlineData(true, null, "2026-04-02", true)]
    [InlineData(true, "2026-03-15", "2026-12-01", false)]
    [InlineData(false, null, "2027-01-01", false)]
    public void Evaluate_TemporaryDuty_IsFlaggedBeyondThreeMonths(bool temporaryDuty, string? to, string at, bool flagged)
    {
        var deployment = new ClaDeployment
        {
            Id = "d", ClaId = "c", BaseId = "b", Sex = Sex.Male, TemporaryDuty = temporaryDuty, From = new DateOnly(2026, 1, 1),
            To = to is null ? null : DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture),
        };

        var warnings = DeploymentRules.Evaluate(deployment, Station, null, DateOnly.Parse(at, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(flagged, warnings.HasFlag(DeploymentWarnings.TemporaryDutyOverThreeMonths));
    }

    [Fact]
    public void ClaTeam_PolicyThresholds()
    {
        Assert.False(new ClaTeam(1, 1, 0).IsStaffed);
        Assert.True(new ClaTeam(2, 0, 0).IsStaffed);
        Assert.False(new ClaTeam(2, 0, 0).HasFemaleCla);
    }

    [Fact]
    public void ObservationFingerprint_ChangesWithContentOnly()
    {
        var observation = new Observation
        {
            Id = "o1", ReporterId = "cla", ObservedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Location = new GeoPoint(29, -1), Category = ObservationCategory.Displacement, Precision = LocationPrecision.Exact, Severity = 2,
        };

        Assert.Equal(ObservationFingerprint.Compute(observation), ObservationFingerprint.Compute(observation with { }));
        Assert.NotEqual(ObservationFingerprint.Compute(observation), ObservationFingerprint.Compute(observation with { Severity = 3 }));
        Assert.NotEqual(ObservationFingerprint.Compute(observation), ObservationFingerprint.Compute(observation with { CommunityId = "" }));
    }

    [Fact]
    public void QueryRules_AreaAboveTheLimit_SaysHowBig()
    {
        var errors = new FieldErrors();

        QueryRules.Check(new ObservationFilter { Area = new BoxArea(0, 0, 10, 10) }, new QueryLimits { MaxAreaSquareKilometres = 1000 }, errors);

        Assert.Equal("area", errors.First!.Field);
        Assert.Contains("km², above the maximum of 1000 km²", errors.First.Message, StringComparison.Ordinal);
    }
}
