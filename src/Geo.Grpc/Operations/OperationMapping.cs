using Geo.Core.Domain;
using Geo.Grpc.Api;
using Geo.Grpc.Hosting;
using Geo.Storage.Operations;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Operations;

/// <summary>
/// A plan and its check as the gRPC API answers them, and the figures and words the map's GeoJSON
/// answer shares with it, so that both say the same of the same check.
/// </summary>
internal static class OperationMapping
{
    /// <summary>A distance as both answers give it: true metres to a tenth.</summary>
    public static double Metres(double metres) => Math.Round(metres, 1);

    /// <summary>An enum's word in the map's answers (the feeds' spelling): PartiallyFunctional is partially_functional.</summary>
    public static string Word<T>(T code)
        where T : struct, Enum => CodeWords.Of(code).Replace('-', '_');

    public static string Place(PlannedOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.IsRoute ? "route" : "area";
    }

    public static V1.PlannedOperation ToProto(StoredOperation stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var (o, createdBy, version, deconfliction) = stored;
        var message = new V1.PlannedOperation
        {
            Id = o.Id, Name = o.Name, Kind = (V1.OperationKind)o.Kind, Unit = o.Unit, BufferMetres = o.BufferMetres,
            StartsAt = ApiMapping.ToTimestamp(o.StartsAt), EndsAt = ApiMapping.ToTimestamp(o.EndsAt), CreatedBy = createdBy, Version = version,
            Deconfliction = (V1.DeconflictionState)deconfliction.State, FlaggedSites = deconfliction.FlaggedSites, NeedsRecheck = deconfliction.NeedsRecheck,
            OverrideReason = deconfliction.OverrideReason, OverriddenBy = deconfliction.OverriddenBy,
            CheckedAt = deconfliction.CheckedAt is { } checkedAt ? ApiMapping.ToTimestamp(checkedAt) : null,
            OverriddenAt = deconfliction.OverriddenAt is { } at ? ApiMapping.ToTimestamp(at) : null,
        };
        if (o.IsRoute)
        {
            message.Route = ApiMapping.ToShape(o.Shape);
        }
        else
        {
            message.Area = ApiMapping.ToShape(o.Shape);
        }

        return message;
    }

    public static V1.OperationCheck ToProto(CheckAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var check = new V1.OperationCheck
        {
            OperationId = answer.OperationId, CheckedAt = ApiMapping.ToTimestamp(answer.CheckedAt), FacilitiesWithheld = answer.FacilitiesWithheld, ThreatDays = answer.ThreatDays,
            Deconfliction = (V1.DeconflictionState)answer.Deconfliction, FlaggedWithheld = answer.FlaggedWithheld,
        };
        check.FlaggedSiteIds.AddRange(answer.FlaggedReadable);
        check.Facilities.AddRange(answer.Facilities.Select(f => new V1.TouchedFacility
        {
            Id = f.Touch.Facility.Id, Name = f.Touch.Facility.Name, Type = (V1.FacilityType)f.Touch.Facility.Type, Status = (V1.FacilityStatus)f.Touch.Facility.Status,
            Confirmation = (V1.Confirmation)f.Confirmation, DistanceMetres = Metres(f.Touch.DistanceMetres), Notified = f.Touch.Facility.Notification is not null,
        }));
        foreach (var c in answer.Communities)
        {
            var touched = new V1.TouchedCommunity
            {
                Id = c.Community.Id, Name = c.Community.Name, RiskLevel = (V1.RiskLevel)c.Community.Risk, DistanceMetres = Metres(c.Community.DistanceMetres),
            };
            if (c.Community.Population is { } population)
            {
                touched.Population.AddRange(ApiMapping.ToCounts(population));
            }

            touched.Teams.AddRange(c.Teams.Select(t => new V1.TeamInReach
            {
                BaseId = t.Base.Value.Id, BaseName = t.Base.Value.Name, DistanceMetres = Metres(t.DistanceMetres), ClaCount = t.Team.ClaCount, HasFemaleCla = t.Team.HasFemaleCla,
            }));
            check.Communities.Add(touched);
        }

        foreach (var p in answer.Presence)
        {
            var figure = new V1.PresenceTouched { Sector = (V1.Cluster)p.Sector, Records = p.Records, Organisations = p.Organisations };
            figure.OrganisationNames.AddRange(p.Names);
            check.Presence.Add(figure);
        }

        check.Threats.AddRange(answer.Threats.Select(t => new V1.ThreatCount { Category = (V1.Category)t.Category, Count = t.Count }));
        return check;
    }
}
