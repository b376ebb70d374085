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
    public bool SeesOnlyOwnObservations => !Can(Permission.ReadObservations) && Can(Permission.ReadOwnObservations);

    public bool SeesExactLocations => Can(Permission.ExactLocations);
}
