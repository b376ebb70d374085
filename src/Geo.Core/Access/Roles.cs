namespace Geo.Core.Access;

/// <summary>Who a caller is to the mission; each role is a fixed set of permissions (need to know, policy para 13).</summary>
public enum Role
{
    /// <summary>Community Liaison Assistant: submits observations and referrals, reads their own.</summary>
    Cla = 1,

    /// <summary>Civil affairs supervisor: reads, verifies and manages deployments in their area; reads sources of their area.</summary>
    Supervisor = 2,

    /// <summary>JMAC / JOC analyst: queries observations (without sources), heat maps, coverage.</summary>
    Analyst = 3,

    /// <summary>Mission planner: registry, coverage gaps, indicators.</summary>
    Planner = 4,

    /// <summary>SAGE importer: feeds only.</summary>
    Importer = 5,

    /// <summary>CPAS focal point: indicators only.</summary>
    CpasFocalPoint = 6,

    /// <summary>A referral section: the referrals addressed to it.</summary>
    ReferralSection = 7,

    /// <summary>Tokens and the audit trail; no access to sources.</summary>
    Administrator = 8,

    /// <summary>
    /// The mission's security focal point for CLAs (CLA policy paras 45-47): reads the security
    /// incidents against CLAs, in full, and no other observation.
    /// </summary>
    SecurityFocalPoint = 9,

    /// <summary>
    /// UN-CIMIC officer (UN-CIMIC policy 10.2): reads the whole civilian picture, liaison-only
    /// records included, to build the civilian operational picture for commanders.
    /// </summary>
    UnCimicOfficer = 10,

    /// <summary>
    /// Humanitarian liaison: keeps the civilian actors, their presence and the administrative
    /// areas, and decides how far each record is shared (para 3).
    /// </summary>
    HumanitarianLiaison = 11,
}

/// <summary>What a call needs. Every RPC and endpoint names exactly one.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The mission's word; no clash with code-access security.")]
public enum Permission
{
    /// <summary>Open to anyone: the map page's files (which hold no data), and health and reflection when configured so.</summary>
    Open = 0,

    /// <summary>Any caller with a valid token, whatever its role (health and reflection when not open).</summary>
    AnyCaller,
    SubmitObservations,
    ReadOwnObservations,
    ReadObservations,
    ReviewObservations,
    RecordSources,
    ReadSources,
    SubmitReferrals,
    ReadReferrals,
    ReadRegistry,
    ManageRegistry,
    ManageDeployments,
    ReadPresence,
    ReadHeatMaps,
    ReadCoverage,
    ReadFeeds,
    ReadIndicators,
    ManageTokens,
    ReadAudit,

    /// <summary>Sees exact locations; everyone else gets coarsened ones.</summary>
    ExactLocations,

    /// <summary>
    /// Receives what identifies a CLA or may name a source: the reporter's id and the CLA's own
    /// notes. The supervisor chain (and a CLA for their own reports); nobody else.
    /// </summary>
    ReadCaseDetails,

    /// <summary>Reads security incidents against CLAs; every other reader never receives them.</summary>
    ReadSecurityIncidents,

    /// <summary>Releases observations for export, with the summary that may leave the supervisor chain.</summary>
    ReleaseObservations,

    /// <summary>
    /// Reads the service's own metrics (GET /metrics): call counts by method and status, rows
    /// ingested, feed lag. No record of the mission, but volumes by method tell how active it is.
    /// </summary>
    ReadMetrics,

    /// <summary>Sees the alerts of its area (of what its role reads: security incidents only for the chain and the security focal point).</summary>
    ReadAlerts,

    /// <summary>Acknowledges an alert: has seen it and owns it (supervisors, operations centres, the security focal point).</summary>
    AcknowledgeAlerts,

    /// <summary>Records what was done about an alert, and closes it.</summary>
    RespondToAlerts,

    /// <summary>Reads the civilian picture: public and mission records in full, liaison-only ones only counted in aggregates.</summary>
    ReadCivilianPicture,

    /// <summary>Reads liaison-only records of the civilian picture in full (names, points).</summary>
    ReadLiaisonOnlyRecords,

    /// <summary>Creates and changes civilian actors and their presence, and sets their sharing levels.</summary>
    ManageCivilianActors,

    /// <summary>Puts administrative areas (P-codes and their shapes).</summary>
    ManageAdminAreas,

    /// <summary>Proposes quick impact projects and records civil assistance requests, and moves both through their steps.</summary>
    ManageCivilWorks,

    /// <summary>Reads planned operations and their checks (confidential: every read audited).</summary>
    ReadOperations,

    /// <summary>Records and changes planned operations.</summary>
    ManageOperations,

    /// <summary>Clears a plan flagged by its check, with a recorded reason (UN-CIMIC officers, who vet plans against the civilian picture).</summary>
    ClearOperations,

    /// <summary>Records that a community was informed of a planned operation in advance (CLA policy para 33).</summary>
    RecordNotices,

    /// <summary>Registers, pauses, resumes and removes webhooks, and reads their delivery logs (never what they deliver).</summary>
    ManageWebhooks,

    /// <summary>
    /// Summaries of observations (Observations/Summarize): counts by category and by sex x age
    /// group, each as the caller's visibility and coarsening allow (noised, small counts withheld).
    /// The roles that assess threats without reading observations one by one hold it too.
    /// </summary>
    ReadObservationSummaries,

    /// <summary>Reads the civil operational estimate (CIV-OES) of an area; each section as the role may read the call behind it.</summary>
    ReadCivilEstimate,

    /// <summary>
    /// Opens a live watch (Observations.Watch). What it pushes is what the role reads: observations
    /// and alerts for those who read them, re-check marks of planned operations for those who read
    /// plans; a role that reads neither has nothing to watch.
    /// </summary>
    WatchChanges,

    /// <summary>
    /// Reads saved what-if plans and their reports (a plan tells where the mission means to be).
    /// The named CLAs of a move reach only those who also manage deployments.
    /// </summary>
    ReadPlans,

    /// <summary>Saves, replaces and deletes what-if plans.</summary>
    ManagePlans,
}

/// <summary>The permissions of each role.</summary>
public static class RolePermissions
{
    private static readonly Dictionary<Role, HashSet<Permission>> Grants = new()
    {
        [Role.Cla] =
        [
            Permission.SubmitObservations, Permission.ReadOwnObservations, Permission.RecordSources, Permission.SubmitReferrals, Permission.ReadPresence,
            Permission.ExactLocations, Permission.ReadCaseDetails, Permission.ReadObservationSummaries, Permission.WatchChanges,
        ],
        [Role.Supervisor] =
        [
            Permission.SubmitObservations, Permission.ReadOwnObservations, Permission.ReadObservations, Permission.ReviewObservations,
            Permission.RecordSources, Permission.ReadSources, Permission.SubmitReferrals, Permission.ReadRegistry, Permission.ManageDeployments,
            Permission.ReadPresence, Permission.ReadHeatMaps, Permission.ReadCoverage, Permission.ExactLocations,
            Permission.ReadCaseDetails, Permission.ReadSecurityIncidents, Permission.ReleaseObservations,
            Permission.ReadAlerts, Permission.AcknowledgeAlerts, Permission.RespondToAlerts, Permission.ReadCivilianPicture, Permission.ReadOperations,
            Permission.RecordNotices, Permission.ReadObservationSummaries, Permission.ReadCivilEstimate, Permission.WatchChanges,
            Permission.ReadPlans,
        ],
        // Query, Count, Summarize and Get need ReadOwnObservations (the least a reader needs, so that
        // CLAs can call them); a role that reads all observations must hold it too, or it is refused
        // the very calls its wider permission is for.
        [Role.Analyst] =
        [
            Permission.ReadObservations, Permission.ReadOwnObservations, Permission.ReadRegistry, Permission.ReadPresence, Permission.ReadHeatMaps, Permission.ReadCoverage,
            Permission.ReadAlerts, Permission.AcknowledgeAlerts, Permission.ReadCivilianPicture, Permission.ReadObservationSummaries, Permission.ReadCivilEstimate, Permission.WatchChanges,
            Permission.ReadPlans,
        ],
        [Role.Planner] =
        [
            Permission.ReadRegistry, Permission.ManageRegistry, Permission.ManageDeployments, Permission.ReadPresence, Permission.ReadCoverage, Permission.ReadIndicators,
            Permission.ReadHeatMaps, Permission.ReadCivilianPicture, Permission.ManageAdminAreas, Permission.ReadOperations, Permission.ManageOperations,
            Permission.ReadObservationSummaries, Permission.ReadCivilEstimate, Permission.WatchChanges, Permission.ReadPlans, Permission.ManagePlans,
        ],
        [Role.Importer] = [Permission.ReadFeeds],
        [Role.CpasFocalPoint] = [Permission.ReadIndicators],
        [Role.ReferralSection] = [Permission.ReadReferrals],
        [Role.Administrator] = [Permission.ManageTokens, Permission.ReadAudit, Permission.ReadMetrics, Permission.ManageWebhooks],
        // ReadOwnObservations lets it call Query, Get, Count and Summarize; what it then sees is
        // the security incidents and nothing else (AccessRules.VisibilityOf).
        [Role.SecurityFocalPoint] =
        [
            Permission.ReadOwnObservations, Permission.ReadSecurityIncidents, Permission.ReadCaseDetails, Permission.ExactLocations,
            Permission.ReadRegistry, Permission.ReadPresence, Permission.ReadAlerts, Permission.AcknowledgeAlerts, Permission.RespondToAlerts,
            Permission.ReadObservationSummaries, Permission.WatchChanges,
        ],
        [Role.UnCimicOfficer] =
        [
            Permission.ReadCivilianPicture, Permission.ReadLiaisonOnlyRecords, Permission.ReadRegistry, Permission.ManageCivilWorks, Permission.ReadIndicators,
            Permission.ReadOperations, Permission.ManageOperations, Permission.ClearOperations, Permission.RecordNotices,
            // The threat assessment of the civilian operating environment is theirs (policy 10.2.2):
            // heat maps, coverage and summaries, never an observation one by one.
            Permission.ReadHeatMaps, Permission.ReadCoverage, Permission.ReadObservationSummaries, Permission.ReadCivilEstimate, Permission.WatchChanges,
            Permission.ReadPlans,
        ],
        // The estimate is made with the integrated mission partners (policy 10.2.3): the liaison
        // reads its civilian parts; the sections behind calls it may not make are withheld.
        [Role.HumanitarianLiaison] =
        [
            Permission.ReadCivilianPicture, Permission.ReadLiaisonOnlyRecords, Permission.ManageCivilianActors, Permission.ManageAdminAreas, Permission.ReadCivilEstimate,
        ],
    };

    public static bool Has(Role role, Permission permission) =>
        permission is Permission.Open or Permission.AnyCaller || (Grants.TryGetValue(role, out var granted) && granted.Contains(permission));

    public static IReadOnlySet<Permission> Of(Role role) => Grants.TryGetValue(role, out var granted) ? granted : new HashSet<Permission>();
}
