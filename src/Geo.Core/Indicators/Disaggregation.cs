using Geo.Core.Domain;

namespace Geo.Core.Indicators;

public enum DisaggregationDimension
{
    Category = 1,
    SexAndAge = 2,
    Target = 3,

    /// <summary>A quick impact project's state (proposed ... cancelled).</summary>
    State = 4,

    /// <summary>An IASC cluster.</summary>
    Sector = 5,
}

/// <summary>
/// Whom an information-harm (MDMH) narrative targets, as far as an observation records it (policy
/// para 31: ethnic minorities, women, journalists and activists among civilians). Observations
/// have no field for the target itself: it is read from the people affected and the
/// vulnerability flags, so one observation can name several targets. The numbers are the API's.
/// </summary>
public enum InformationHarmTarget
{
    /// <summary>Affects a female of any age.</summary>
    WomenAndGirls = 1,
    Minorities = 2,
    JournalistsAndActivists = 3,

    /// <summary>Internally displaced people or refugees.</summary>
    DisplacedPeople = 4,
    PersonsWithDisabilities = 5,

    /// <summary>
    /// None of the above recorded: narratives against the mission, peacekeepers or UN agencies, or
    /// against civilians at large, which an observation cannot tell apart.
    /// </summary>
    NotRecorded = 6,
}

/// <summary>How an observation records each target: bits of its affected groups (cell = (sex - 1) * 4 + age - 1) or of its vulnerability flags.</summary>
public static class InformationHarmTargets
{
    /// <summary>The four cells of females (child, youth, adult, older).</summary>
    private const int FemaleCells = 0b1111;

    /// <summary>The targets that observations record, each with its bits; <see cref="InformationHarmTarget.NotRecorded"/> is none of them.</summary>
    public static IReadOnlyList<(InformationHarmTarget Target, int AffectedGroups, Vulnerabilities Vulnerabilities)> Recorded { get; } =
    [
        (InformationHarmTarget.WomenAndGirls, FemaleCells, Vulnerabilities.None),
        (InformationHarmTarget.Minorities, 0, Vulnerabilities.Minorities),
        (InformationHarmTarget.JournalistsAndActivists, 0, Vulnerabilities.JournalistsAndActivists),
        (InformationHarmTarget.DisplacedPeople, 0, Vulnerabilities.InternallyDisplaced | Vulnerabilities.Refugees),
        (InformationHarmTarget.PersonsWithDisabilities, 0, Vulnerabilities.PersonsWithDisabilities),
    ];
}

/// <summary>
/// One part of a breakdown, with a stable key ("female_child", "displacement", "minorities") and,
/// for sex and age, the HXL tag a wide table would give the group (#affected+f+children).
/// </summary>
public sealed record Disaggregation(DisaggregationDimension Dimension, string Key, Sex? Sex = null, AgeGroup? Age = null, ObservationCategory? Category = null, InformationHarmTarget? Target = null)
{
    /// <summary>The dimension as exported: "category", "sex_age" or "target".</summary>
    public string DimensionName => Dimension switch
    {
        DisaggregationDimension.Category => "category",
        DisaggregationDimension.SexAndAge => "sex_age",
        DisaggregationDimension.State => "state",
        DisaggregationDimension.Sector => "sector",
        _ => "target",
    };

    /// <summary>The HXL hashtag of the group for sex and age (#affected+f+children); empty for other dimensions.</summary>
    public string Hxl => Sex is { } sex && Age is { } age ? HxlOf(sex, age) : string.Empty;

    /// <summary>The HXL hashtag of people of one sex and age group (#affected+f+children): one spelling for feeds and indicators.</summary>
    public static string HxlOf(Sex sex, AgeGroup age) => $"#affected+{HxlSex(sex)}+{HxlAge(age)}";

    public static Disaggregation OfCell(int cell)
    {
        var sex = AffectedPeople.SexOfCell(cell);
        var age = AffectedPeople.AgeOfCell(cell);
        return new Disaggregation(DisaggregationDimension.SexAndAge, $"{SexName(sex)}_{AgeName(age)}", sex, age);
    }

    public static Disaggregation OfCategory(ObservationCategory category) =>
        new(DisaggregationDimension.Category, CategoryName(category), Category: category);

    public static Disaggregation OfTarget(InformationHarmTarget target) => new(DisaggregationDimension.Target, TargetName(target), Target: target);

    public static Disaggregation OfState(QipState state) => new(DisaggregationDimension.State, state switch
    {
        QipState.Proposed => "proposed",
        QipState.Approved => "approved",
        QipState.Implementing => "implementing",
        QipState.Completed => "completed",
        _ => "cancelled",
    });

    // Written out: the keys are a contract with CPAS.
    public static Disaggregation OfSector(Cluster sector) => new(DisaggregationDimension.Sector, sector switch
    {
        Cluster.Cccm => "cccm",
        Cluster.EarlyRecovery => "early_recovery",
        Cluster.Education => "education",
        Cluster.EmergencyTelecommunications => "emergency_telecommunications",
        Cluster.FoodSecurity => "food_security",
        Cluster.Health => "health",
        Cluster.Logistics => "logistics",
        Cluster.Nutrition => "nutrition",
        Cluster.Protection => "protection",
        Cluster.Shelter => "shelter",
        _ => "wash",
    });

    public static string SexName(Sex sex) => sex switch
    {
        Domain.Sex.Female => "female",
        Domain.Sex.Male => "male",
        _ => "unknown",
    };

    public static string AgeName(AgeGroup age) => age switch
    {
        AgeGroup.Child => "child",
        AgeGroup.Youth => "youth",
        AgeGroup.Adult => "adult",
        _ => "older",
    };

    // Written out rather than derived from the enum names: the keys are a contract with CPAS.
    public static string CategoryName(ObservationCategory category) => category switch
    {
        ObservationCategory.ThreatOfPhysicalViolence => "threat_of_physical_violence",
        ObservationCategory.ArmedGroupMovement => "armed_group_movement",
        ObservationCategory.Displacement => "displacement",
        ObservationCategory.EarlyWarningAlert => "early_warning_alert",
        ObservationCategory.CommunityEngagement => "community_engagement",
        ObservationCategory.InformationHarm => "information_harm",
        ObservationCategory.SecurityIncidentAgainstCla => "security_incident_against_cla",
        _ => "other",
    };

    public static string TargetName(InformationHarmTarget target) => target switch
    {
        InformationHarmTarget.WomenAndGirls => "women_and_girls",
        InformationHarmTarget.Minorities => "minorities",
        InformationHarmTarget.JournalistsAndActivists => "journalists_and_activists",
        InformationHarmTarget.DisplacedPeople => "displaced_people",
        InformationHarmTarget.PersonsWithDisabilities => "persons_with_disabilities",
        _ => "not_recorded",
    };

    // HXL's suggested SADD attributes where one fits (+f, +m, +children, +adults, +elderly); its
    // +adolescents (10-19) is not our youth (18-24), and it has no attribute for an unknown sex.
    private static string HxlSex(Sex sex) => sex switch
    {
        Domain.Sex.Female => "f",
        Domain.Sex.Male => "m",
        _ => "sex_unknown",
    };

    private static string HxlAge(AgeGroup age) => age switch
    {
        AgeGroup.Child => "children",
        AgeGroup.Youth => "youth",
        AgeGroup.Adult => "adults",
        _ => "elderly",
    };
}
