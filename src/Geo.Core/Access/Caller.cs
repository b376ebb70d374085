using Geo.Core.Domain;
using NetTopologySuite.Geometries;

namespace Geo.Core.Access;

/// <summary>
/// An authenticated caller: the token's subject (a pseudonymous CLA id, a supervisor's id, a
/// system's name), role and scope. A scoped caller sees nothing outside its area.
/// </summary>
public sealed record Caller(string TokenId, string Subject, Role Role, Geometry? ScopeArea, ReferralSection? Section)
{
    public bool Can(Permission permission) => RolePermissions.Has(Role, permission);

    /// <summary>True when the caller is limited to an area (a sector or a polygon).</summary>
    public bool IsScoped => ScopeArea is not null;

    /// <summary>CLAs read only what they reported themselves.</summary>
    public bool SeesOnlyOwnObservations =>
        !Can(Permission.ReadObservations) && !Can(Permission.ReadSecurityIncidents) && Can(Permission.ReadOwnObservations);

    /// <summary>
    /// Which categories of the observations it may read reach it: a security incident against a
    /// CLA only the supervisor chain, the security focal point (nothing else) and its own reporter.
    /// </summary>
    public CategoryScope Categories => (Can(Permission.ReadObservations), Can(Permission.ReadSecurityIncidents)) switch
    {
        (true, true) => CategoryScope.All,
        (false, true) => CategoryScope.OnlySecurityIncidents,
        _ when SeesOnlyOwnObservations => CategoryScope.All,
        _ => CategoryScope.WithoutSecurityIncidents,
    };

    /// <summary>Whether it may receive the reporter's id and the CLA's own notes.</summary>
    public bool SeesCaseDetails => Can(Permission.ReadCaseDetails);

    public bool SeesExactLocations => Can(Permission.ExactLocations);

    /// <summary>
    /// Whether it may receive the events observations were linked into: only those who link them
    /// (reviewers). Grouping the coarsened reports of one incident would let a coarsened caller
    /// narrow down where it happened; and who else reported an incident is the chain's to know.
    /// </summary>
    public bool SeesEvents => Can(Permission.ReviewObservations);
}

/// <summary>The categories of observations a caller's reads reach.</summary>
public enum CategoryScope
{
    All = 0,

    /// <summary>Everything but security incidents against CLAs.</summary>
    WithoutSecurityIncidents = 1,

    /// <summary>Security incidents against CLAs only.</summary>
    OnlySecurityIncidents = 2,
}
