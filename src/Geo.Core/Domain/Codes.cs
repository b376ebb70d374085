namespace Geo.Core.Domain;

// The numbers are the API's enum values and the database's smallint codes: never renumber.

public enum Sex
{
    Female = 1,
    Male = 2,
    Unknown = 3,
}

public enum AgeGroup
{
    /// <summary>0-17.</summary>
    Child = 1,

    /// <summary>18-24.</summary>
    Youth = 2,

    /// <summary>25-59.</summary>
    Adult = 3,

    /// <summary>60 and over.</summary>
    Older = 4,
}

public enum ObservationCategory
{
    ThreatOfPhysicalViolence = 1,
    ArmedGroupMovement = 2,
    Displacement = 3,
    EarlyWarningAlert = 4,
    CommunityEngagement = 5,
    InformationHarm = 6,
    SecurityIncidentAgainstCla = 7,
    Other = 8,
}

/// <summary>How exactly a location is known, in the manner of UCDP's where_prec and ACLED's geo_precision.</summary>
public enum LocationPrecision
{
    Exact = 1,
    Approximate = 2,
    Village = 3,
    AdminArea = 4,
}

public enum VerificationStatus
{
    Reported = 1,
    Verified = 2,
    Discredited = 3,
}

/// <summary>Vulnerability flags, stored as a bitmask: bit (value - 1) of the API's enum.</summary>
[Flags]
public enum Vulnerabilities
{
    None = 0,
    InternallyDisplaced = 1 << 0,
    Refugees = 1 << 1,
    PersonsWithDisabilities = 1 << 2,
    Minorities = 1 << 3,
    JournalistsAndActivists = 1 << 4,
}

public enum BaseKind
{
    OperatingBase = 1,
    CompanyOperatingBase = 2,
    TemporaryOperatingBase = 3,
    SurgeTeam = 4,
}

public enum RiskLevel
{
    Unassessed = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>Policy flags of a CLA deployment.</summary>
[Flags]
public enum DeploymentWarnings
{
    None = 0,

    /// <summary>Deployed to the CLA's own locality (policy para 48).</summary>
    OwnLocality = 1 << 0,

    /// <summary>Temporary duty beyond three months (policy para 50).</summary>
    TemporaryDutyOverThreeMonths = 1 << 1,
}

public enum ReferralSection
{
    HumanRights = 1,
    ChildProtection = 2,
    WomenProtection = 3,
    ConductAndDiscipline = 4,
}

public enum ViolationKind
{
    HumanRightsViolation = 1,
    ConflictRelatedSexualViolence = 2,
    SexualExploitationAndAbuse = 3,
}

public enum SourceKind
{
    Unspecified = 0,
    CommunityMember = 1,
    CommunityLeader = 2,
    CanFocalPoint = 3,
    LocalAuthority = 4,
    CivilSociety = 5,
    Other = 6,
}
