using Geo.Core.Domain;
using Geo.Core.Validation;

namespace Geo.Grpc.Api;

/// <summary>
/// A submission's own key (client_id) and the id the service issues for it (<see cref="IssuedIds"/>):
/// the one check observations, sources and referrals share.
/// </summary>
internal static class ClientKeys
{
    /// <summary>
    /// The issued id, or null with the problem added to <paramref name="errors"/>: a missing or
    /// malformed client_id, or an id that is not the one issued for it (it may be left empty).
    /// </summary>
    public static string? Issue(string clientId, string id, string submitter, Func<string, string, string> issue, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(errors);
        var count = errors.All.Count;
        ObservationRules.CheckId(clientId, "client_id", errors);
        if (errors.All.Count > count)
        {
            return null;
        }

        var issued = issue(submitter, clientId);
        if (id.Length > 0 && id != issued)
        {
            errors.Add("id", $"{FieldErrors.Quote(id)} is not the id the service issues for client_id '{clientId}' ('{issued}'): leave it empty");
            return null;
        }

        return issued;
    }
}
