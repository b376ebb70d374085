using System.Text.Json;
using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The honest defaults of threat aggregates (issue 22): a heat map, hot spots, group gaps or a
/// layer that names no categories counts the threat and alert categories, and one that names no
/// status leaves discredited reports out; each answer says what it counted; a caller still gets
/// anything it asks for by name. Each test works in its own patch of the map (its own longitude):
/// in one spot, three reported threats, one discredited threat, two community meetings, one
/// information-harm narrative and one verified early warning.
/// </summary>
public sealed class ThreatDefaultsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const int Threats = 4;
    private const int Everything = 8;
    private static readonly Category[] ThreatCategories = [Category.ThreatOfPhysicalViolence, Category.ArmedGroupMovement, Category.Displacement, Category.EarlyWarningAlert];

    private async Task SeedAsync(string prefix, double longitude)
    {
        Observation At(string id, Category category)
        {
            var observation = NewObservation($"{prefix}-{id}", longitude, 0.5);
            observation.Category = category;
            return observation;
        }

        await api.SubmitAsync(
            At("t1", Category.ThreatOfPhysicalViolence), At("t2", Category.ThreatOfPhysicalViolence), At("t3", Category.ThreatOfPhysicalViolence),
            At("false", Category.ThreatOfPhysicalViolence), At("meeting1", Category.CommunityEngagement), At("meeting2", Category.CommunityEngagement),
            At("rumour", Category.InformationHarm), At("alert", Category.EarlyWarningAlert));
        var supervisor = api.As(Role.Supervisor).Observations;
        await supervisor.ReviewAsync(new ReviewObservationRequest { Id = IdOf($"{prefix}-false"), Verification = VerificationStatus.Discredited }).ResponseAsync;
        await supervisor.ReviewAsync(new ReviewObservationRequest { Id = IdOf($"{prefix}-alert"), Verification = VerificationStatus.Verified }).ResponseAsync;
    }

    private static HeatMapRequest Around(double longitude, HeatMapMethod method = HeatMapMethod.Count) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = longitude - 0.05, South = 0.45, East = longitude + 0.05, North = 0.55 } },
            ObservedFrom = Time("2026-02-01T00:00:00Z"),
            ObservedTo = Time("2026-04-01T00:00:00Z"),
        },
        CellSizeMetres = 2000,
        Method = method,
    };

    private static void StatesTheDefaults(AppliedFilter? applied, CountedUnit counted = CountedUnit.Reports)
    {
        Assert.NotNull(applied);
        Assert.Equal(ThreatCategories, applied.Categories);
        Assert.Equal([VerificationStatus.Reported, VerificationStatus.Verified], applied.Verification);
        Assert.True(applied.CategoriesDefaulted);
        Assert.True(applied.VerificationDefaulted);
        Assert.Equal(counted, applied.Counted);
    }

    public static TheoryData<HeatMapMethod, SeriesStep> Methods => new()
    {
        { HeatMapMethod.Count, SeriesStep.Unspecified },
        { HeatMapMethod.WeightedSum, SeriesStep.Unspecified },
        { HeatMapMethod.KernelDensity, SeriesStep.Unspecified },
        { HeatMapMethod.HotSpots, SeriesStep.Unspecified },
        { HeatMapMethod.Count, SeriesStep.Week },
        { HeatMapMethod.KernelDensity, SeriesStep.Month },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Compute_NoCategoriesNorStatuses_CountsThreatsNotDiscredited_AndSaysSo(HeatMapMethod method, SeriesStep step)
    {
        var longitude = 10 + ((int)method * 0.5) + ((int)step * 0.1);
        await SeedAsync($"td-{method}-{step}", longitude);
        var request = Around(longitude, method);
        request.Step = step;
        if (method == HeatMapMethod.WeightedSum)
        {
            request.Weighting = new Weighting { BySeverity = true };
        }

        var answer = await HeatMapTests.ComputeAsync(api.Channel, request);

        StatesTheDefaults(answer.Grid.AppliedFilter);
        Assert.Equal(Threats, answer.Grid.Frames.Sum(f => f.Observations));
        if (method == HeatMapMethod.Count)
        {
            Assert.Equal(Threats, answer.Cells.Sum(c => c.Cell.Value));
        }

        if (method == HeatMapMethod.WeightedSum)
        {
            Assert.Equal(Threats * 3, answer.Cells.Sum(c => c.Cell.Value));
        }
    }

    [Fact]
    public async Task Compute_EveryCategoryAndStatusAskedByName_CountsEverything()
    {
        await SeedAsync("td-all", 20);
        var request = Around(20);
        request.Filter.Categories.Add(System.Enum.GetValues<Category>().Where(c => c != Category.Unspecified));
        request.Filter.Verification.Add([VerificationStatus.Reported, VerificationStatus.Verified, VerificationStatus.Discredited]);

        var answer = await HeatMapTests.ComputeAsync(api.Channel, request);

        Assert.Equal(Everything, answer.Cells.Sum(c => c.Cell.Value));
        Assert.False(answer.Grid.AppliedFilter.CategoriesDefaulted);
        Assert.False(answer.Grid.AppliedFilter.VerificationDefaulted);
        Assert.Equal(8, answer.Grid.AppliedFilter.Categories.Count);
        Assert.Equal(3, answer.Grid.AppliedFilter.Verification.Count);
    }

    [Fact]
    public async Task Compute_OneDefaultOverridden_KeepsTheOther()
    {
        await SeedAsync("td-one", 21);
        var discredited = Around(21);
        discredited.Filter.Verification.Add(VerificationStatus.Discredited);
        var meetings = Around(21);
        meetings.Filter.Categories.Add(Category.CommunityEngagement);

        var onlyDiscredited = await HeatMapTests.ComputeAsync(api.Channel, discredited);
        var onlyMeetings = await HeatMapTests.ComputeAsync(api.Channel, meetings);

        // The discredited threat, of the threat categories still defaulted.
        Assert.Equal(1, onlyDiscredited.Cells.Sum(c => c.Cell.Value));
        Assert.True(onlyDiscredited.Grid.AppliedFilter.CategoriesDefaulted);
        Assert.False(onlyDiscredited.Grid.AppliedFilter.VerificationDefaulted);
        Assert.Equal(2, onlyMeetings.Cells.Sum(c => c.Cell.Value));
        Assert.Equal([Category.CommunityEngagement], onlyMeetings.Grid.AppliedFilter.Categories);
        Assert.True(onlyMeetings.Grid.AppliedFilter.VerificationDefaulted);
    }

    [Fact]
    public async Task GetGroupGaps_NoCategoriesNorStatuses_JudgesThreatsNotDiscredited_AndSaysSo()
    {
        await SeedAsync("td-gaps", 22);
        var heatMap = Around(22);
        heatMap.Filter.AffectedSexes.Add(Sex.Female);

        var report = await api.Channel.Coverage.GetGroupGapsAsync(new GroupGapsRequest { HeatMap = heatMap, Threshold = 1 }).ResponseAsync;

        StatesTheDefaults(report.Grid.AppliedFilter);
        var gap = Assert.Single(report.Cells);
        Assert.Equal(Threats, gap.Cell.Count);
    }

    [Fact]
    public async Task PlanDeployment_GroupGapsOfMeetingsAndAFalseReport_AreNoGapsUnlessAskedFor()
    {
        // Only what the defaults leave out, by an open base: a community meeting and a discredited threat.
        var meeting = NewObservation("td-plan-meeting", 27.0, 0.5);
        meeting.Category = Category.CommunityEngagement;
        await api.SubmitAsync(meeting, NewObservation("td-plan-false", 27.0, 0.5));
        await api.As(Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("td-plan-false"), Verification = VerificationStatus.Discredited }).ResponseAsync;
        await api.As(Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = "td-plan-base", Name = "Post", Kind = BaseKind.TemporaryOperatingBase, Unit = "BATT", Location = new GeoPoint { Longitude = 28.0, Latitude = 0.5 },
            OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;
        var at = new CalendarDate { Year = 2026, Month = 3, Day = 1 };
        PlanDeploymentRequest Plan(Action<ObservationFilter> ask)
        {
            var heatMap = Around(27.0);
            heatMap.Filter.AffectedSexes.Add(Sex.Female);
            ask(heatMap.Filter);
            return new PlanDeploymentRequest
            {
                Coverage = new CoverageRequest { At = at },
                Teams = { new PlannedTeam { BaseId = "td-plan-base", ClaCount = 2, FemaleCount = 1 } },
                GroupGaps = new GroupGapsRequest { HeatMap = heatMap, Threshold = 1 },
            };
        }

        var byDefault = await api.Channel.Coverage.PlanDeploymentAsync(Plan(_ => { })).ResponseAsync;
        var asked = await api.Channel.Coverage.PlanDeploymentAsync(Plan(f =>
        {
            f.Categories.Add([Category.ThreatOfPhysicalViolence, Category.CommunityEngagement]);
            f.Verification.Add([VerificationStatus.Reported, VerificationStatus.Discredited]);
        })).ResponseAsync;

        Assert.Equal(0, byDefault.GroupGapCellsBefore);
        Assert.Equal(1, asked.GroupGapCellsBefore);
    }

    [Theory]
    [InlineData("heat_map")]
    [InlineData("hot_spots")]
    [InlineData("group_gaps")]
    public async Task PullLayer_NoCategoriesNorStatuses_ItsParametersNameTheCategoriesAndStatusesCounted(string layer)
    {
        var longitude = 23 + (layer.Length * 0.1);
        await SeedAsync($"td-layer-{layer}", longitude);
        var request = new PullLayerRequest();
        var heatMap = Around(longitude);
        switch (layer)
        {
            case "heat_map":
                request.HeatMap = heatMap;
                break;
            case "hot_spots":
                heatMap.IncludeEmpty = true;
                heatMap.Method = HeatMapMethod.HotSpots;
                request.HotSpots = heatMap;
                break;
            default:
                request.GroupGaps = new GroupGapsRequest { HeatMap = heatMap, Threshold = 1 };
                break;
        }

        using var call = api.Channel.Feeds.PullLayer(request);
        var document = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Geojson.WriteTo(document);
        }

        using var json = JsonDocument.Parse(document.ToArray());
        var parameters = json.RootElement.GetProperty("parameters");
        var filter = (layer == "group_gaps" ? parameters.GetProperty("heatMap") : parameters).GetProperty("filter");
        Assert.Equal(
            ["CATEGORY_THREAT_OF_PHYSICAL_VIOLENCE", "CATEGORY_ARMED_GROUP_MOVEMENT", "CATEGORY_DISPLACEMENT", "CATEGORY_EARLY_WARNING_ALERT"],
            filter.GetProperty("categories").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["VERIFICATION_STATUS_REPORTED", "VERIFICATION_STATUS_VERIFIED"], filter.GetProperty("verification").EnumerateArray().Select(e => e.GetString()));
    }
}
