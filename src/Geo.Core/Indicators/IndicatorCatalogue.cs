namespace Geo.Core.Indicators;

/// <summary>What an indicator's value counts: a share in percent, or a number of observations or people.</summary>
public enum IndicatorMeasure
{
    /// <summary>100 × numerator / denominator, to one decimal; no value when the denominator is 0.</summary>
    Percent = 1,

    /// <summary>Observations (not discredited) observed in the period.</summary>
    Observations = 2,

    /// <summary>People affected, summed over observations.</summary>
    People = 3,

    /// <summary>Quick impact projects, as they stand.</summary>
    Projects = 4,

    /// <summary>Events observed in the period (an observation count asked with count_events): reports a supervisor linked as one event count once.</summary>
    Events = 5,
}

/// <summary>Where an indicator's numbers come from; the export names it beside the configured data source.</summary>
public enum IndicatorSource
{
    /// <summary>Observations observed in the period: counted over the period.</summary>
    Observations = 1,

    /// <summary>Bases and CLA deployments on the evaluation date.</summary>
    Deployments = 2,

    /// <summary>The community registry as it stands (it keeps no history), with the bases on the evaluation date for reach.</summary>
    Communities = 3,

    /// <summary>Quick impact projects completed, and civil assistance requests decided, in the period: the mission's, so at mission level only.</summary>
    CivilWorks = 4,
}

/// <summary>The breakdowns an indicator carries besides its total.</summary>
[Flags]
public enum IndicatorBreakdowns
{
    None = 0,
    Category = 1,
    SexAndAge = 2,
    Target = 4,
    State = 8,
    Sector = 16,
}

/// <summary>One indicator of the catalogue. The code is stable: CPAS keys its results framework on it.</summary>
public sealed record IndicatorDefinition(
    string Code,
    string Title,
    IndicatorMeasure Measure,
    IndicatorSource Source,
    IndicatorBreakdowns Breakdowns,
    string Definition,
    string Policy)
{
    public bool IsRatio => Measure == IndicatorMeasure.Percent;

    /// <summary>The unit of measure as exported: "percent", "observations", "events", "projects" or "people".</summary>
    public string Unit => Measure switch
    {
        IndicatorMeasure.Percent => "percent",
        IndicatorMeasure.Observations => "observations",
        IndicatorMeasure.Events => "events",
        IndicatorMeasure.Projects => "projects",
        _ => "people",
    };

    /// <summary>
    /// The indicator as computed with count_events: one read from observations counts events (its
    /// unit "events" where it counted observations, and its definition saying so); any other is
    /// itself, counting no observation.
    /// </summary>
    public IndicatorDefinition CountingEvents() => Source != IndicatorSource.Observations
        ? this
        : this with
        {
            Measure = Measure == IndicatorMeasure.Observations ? IndicatorMeasure.Events : Measure,
            Definition = Definition + " Counted as events: observations a supervisor linked as reports of one event count once, as the earliest " +
                "reported of them among those the indicator counts, with its category, sex and age groups, people, targets and response.",
        };

    /// <summary>The source as exported, after the mission's configured data source name.</summary>
    public string SourceName => Source switch
    {
        IndicatorSource.Observations => "CLA observations",
        IndicatorSource.Deployments => "CLA deployments",
        IndicatorSource.CivilWorks => "quick impact projects and civil assistance requests",
        _ => "community registry and CLA deployments",
    };
}

/// <summary>
/// The indicators GeoAwareness reports to CPAS, in the order they are exported. Observation
/// indicators count what was observed in the period; deployment and community indicators are
/// point-in-time, taken on the period's evaluation date (<see cref="IndicatorPeriod.EvaluatedOn"/>).
/// </summary>
public static class IndicatorCatalogue
{
    public const string Staffed = "CLA-STAFFED";
    public const string FemaleCla = "CLA-FEMALE";
    public const string OwnLocality = "CLA-OWN-LOCALITY";
    public const string LongTemporaryDuty = "CLA-TDY-LONG";
    public const string CommunitiesInReach = "COMM-REACH";
    public const string ProtectionPlans = "COMM-PLAN";
    public const string ProtectionCommittees = "COMM-COMMITTEE";
    public const string ThreatObservations = "THREAT-OBS";
    public const string ThreatPeople = "THREAT-PEOPLE";
    public const string EarlyWarnings = "EW-ALERTS";
    public const string EarlyWarningResponse = "EW-RESPONSE-24H";
    public const string InformationHarm = "MDMH-OBS";
    public const string Qips = "QIP-COUNT";
    public const string QipsOnTime = "QIP-ON-TIME";
    public const string RequestsApproved = "CAR-APPROVED";
    public const string RequestsDecidedInTime = "CAR-DECIDED-72H";

    /// <summary>A civil assistance request decided within this is decided in time (CAR-DECIDED-72H).</summary>
    public static readonly TimeSpan DecisionTime = TimeSpan.FromHours(72);

    public static IReadOnlyList<IndicatorDefinition> All { get; } =
    [
        new(Staffed, "Bases with a CLA team of at least two", IndicatorMeasure.Percent, IndicatorSource.Deployments, IndicatorBreakdowns.None,
            "Open bases with at least two CLAs deployed on the evaluation date, of all bases open on that date.", "para 54"),
        new(FemaleCla, "CLA teams with a female CLA", IndicatorMeasure.Percent, IndicatorSource.Deployments, IndicatorBreakdowns.None,
            "Open bases with at least one CLA deployed on the evaluation date that include a female CLA, of all open bases with at least one CLA.", "para 53"),
        new(OwnLocality, "CLAs deployed to their own locality", IndicatorMeasure.Percent, IndicatorSource.Deployments, IndicatorBreakdowns.None,
            "CLA deployments active on the evaluation date at a base in the CLA's own locality (home community within 20 km of the base, or home locality " +
            "naming the base's administrative area), of all deployments active on that date at open bases.", "para 48"),
        new(LongTemporaryDuty, "CLAs on temporary duty beyond three months", IndicatorMeasure.Percent, IndicatorSource.Deployments, IndicatorBreakdowns.None,
            "Temporary-duty deployments active on the evaluation date that have lasted more than three months by then, of all temporary-duty deployments active on that date.", "para 50"),
        new(CommunitiesInReach, "Communities at risk within reach of a staffed base", IndicatorMeasure.Percent, IndicatorSource.Communities, IndicatorBreakdowns.None,
            "Communities at medium risk or above within the reach of some base staffed on the evaluation date (reach by kind of base, as coverage gaps " +
            "measure it), of all communities at medium risk or above.", "paras 54, 57"),
        new(ProtectionPlans, "Communities at risk with a community protection plan", IndicatorMeasure.Percent, IndicatorSource.Communities, IndicatorBreakdowns.None,
            "Communities at medium risk or above that have a community protection plan, of all communities at medium risk or above.", "para 58"),
        new(ProtectionCommittees, "Communities at risk with a local protection committee", IndicatorMeasure.Percent, IndicatorSource.Communities, IndicatorBreakdowns.None,
            "Communities at medium risk or above that have a local protection committee, of all communities at medium risk or above.", "paras 28, 65"),
        new(ThreatObservations, "Threat observations", IndicatorMeasure.Observations, IndicatorSource.Observations, IndicatorBreakdowns.Category | IndicatorBreakdowns.SexAndAge,
            "Observations of threats to civilians (threat of physical violence, armed group movement, displacement, early-warning alert) observed in the period " +
            "and not discredited; by category, and by sex and age group affected (an observation counts under every group it affects).", "paras 12, 25"),
        new(ThreatPeople, "People affected in threat observations", IndicatorMeasure.People, IndicatorSource.Observations, IndicatorBreakdowns.SexAndAge,
            "People affected, summed over the threat observations of THREAT-OBS, by sex and age group.", "para 25"),
        new(EarlyWarnings, "Early-warning alerts received", IndicatorMeasure.Observations, IndicatorSource.Observations, IndicatorBreakdowns.SexAndAge,
            "Early-warning alerts (from Community Alert Networks) observed in the period and not discredited; by sex and age group affected.", "para 57"),
        new(EarlyWarningResponse, "Early-warning alerts with a response within 24 hours", IndicatorMeasure.Percent, IndicatorSource.Observations, IndicatorBreakdowns.None,
            "Early-warning alerts of EW-ALERTS whose recorded response time is at most 24 hours after the alert was observed, of all of them.", "paras 27, 57"),
        new(InformationHarm, "Information-harm (MDMH) observations", IndicatorMeasure.Observations, IndicatorSource.Observations, IndicatorBreakdowns.Target,
            "Misinformation, disinformation, malinformation and hate speech narratives observed in the period and not discredited; by the target recorded " +
            "(an observation counts under every target it records; \"not recorded\" when it records none).", "paras 31, 64"),
        new(Qips, "Quick impact projects", IndicatorMeasure.Projects, IndicatorSource.CivilWorks, IndicatorBreakdowns.State | IndicatorBreakdowns.Sector,
            "Quick impact projects as they stand when computed (the service keeps each step in the audit trail, not as a history to count from), " +
            "every state included; by state and by sector (every state and every sector, zeros included). Mission level only.",
            "UN-CIMIC 10.2.6"),
        new(QipsOnTime, "Quick impact projects completed on time", IndicatorMeasure.Percent, IndicatorSource.CivilWorks, IndicatorBreakdowns.None,
            "Quick impact projects completed in the period whose completion date is not after their planned completion, of all completed in the period. Mission level only.",
            "UN-CIMIC 10.2.6"),
        new(RequestsApproved, "Civil assistance requests approved", IndicatorMeasure.Percent, IndicatorSource.CivilWorks, IndicatorBreakdowns.None,
            "Civil assistance requests decided in the period that were approved, of all decided in the period (the others were refused). Mission level only.",
            "UN-CIMIC 10.2.7, annex A"),
        new(RequestsDecidedInTime, "Civil assistance requests decided within 72 hours", IndicatorMeasure.Percent, IndicatorSource.CivilWorks, IndicatorBreakdowns.None,
            "Civil assistance requests decided in the period within 72 hours of being requested, of all decided in the period. Mission level only.",
            "UN-CIMIC 10.2.7, annex A"),
    ];

    /// <summary>The catalogue as computed with count_events (see <see cref="IndicatorDefinition.CountingEvents"/>): the same codes in the same order.</summary>
    public static IReadOnlyList<IndicatorDefinition> CountingEvents { get; } = [.. All.Select(d => d.CountingEvents())];

    /// <summary>The catalogue as a report counts: reports, or events.</summary>
    public static IReadOnlyList<IndicatorDefinition> Of(bool countEvents) => countEvents ? CountingEvents : All;

    public static IndicatorDefinition? Find(string code) => All.FirstOrDefault(d => string.Equals(d.Code, code, StringComparison.Ordinal));
}
