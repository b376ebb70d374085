using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Geo.Storage.Civilian;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Civilian;

/// <summary>The civilian picture between the API's messages and the domain.</summary>
internal static class CivilianMapping
{
    public static Organisation ToOrganisation(V1.Organisation message) => new()
    {
        Id = message.Id,
        Name = message.Name,
        Acronym = message.Acronym,
        Kind = (OrganisationKind)message.Kind,
        Humanitarian = message.Humanitarian,
        Sharing = (SharingLevel)message.Sharing,
    };

    public static V1.Organisation ToProto(Versioned<Organisation> stored) => new()
    {
        Id = stored.Value.Id,
        Name = stored.Value.Name,
        Acronym = stored.Value.Acronym,
        Kind = (V1.OrganisationKind)stored.Value.Kind,
        Humanitarian = stored.Value.Humanitarian,
        Sharing = (V1.SharingLevel)stored.Value.Sharing,
        Version = stored.Version,
    };

    public static Facility ToFacility(V1.Facility message, ShapeLimits limits, FieldErrors errors)
    {
        var location = ApiMapping.ToGeometry(message.Location, "location", limits, errors);
        var notification = message.Notification is { } n
            ? new SiteNotification(ApiMapping.ToDate(n.NotifiedOn, "notification.notified_on", errors) ?? default, n.NotifiedTo,
                ApiMapping.ToDate(n.AcknowledgedOn, "notification.acknowledged_on", errors), ApiMapping.ToDate(n.ReconfirmBy, "notification.reconfirm_by", errors))
            : null;
        return new Facility
        {
            Id = message.Id,
            Name = message.Name,
            Type = (FacilityType)message.Type,
            Location = location ?? ShapeReader.Factory.CreatePoint(),
            Status = message.Status == V1.FacilityStatus.Unspecified ? FacilityStatus.Unknown : (FacilityStatus)message.Status,
            LastConfirmedOn = ApiMapping.ToDate(message.LastConfirmedOn, "last_confirmed_on", errors),
            ConfirmedBy = message.ConfirmedBy,
            Capacity = message.Capacity == 0 ? null : message.Capacity,
            OperatorId = message.OperatorId,
            Notification = notification,
            Tags = new Dictionary<string, string>(message.Tags, StringComparer.Ordinal),
            Sharing = (SharingLevel)message.Sharing,
        };
    }

    public static V1.Facility ToProto(Versioned<Facility> stored, Confirmation confirmation)
    {
        var f = stored.Value;
        var message = new V1.Facility
        {
            Id = f.Id,
            Name = f.Name,
            Type = (V1.FacilityType)f.Type,
            Location = ApiMapping.ToShape(f.Location),
            Status = (V1.FacilityStatus)f.Status,
            LastConfirmedOn = ApiMapping.ToCalendarDate(f.LastConfirmedOn),
            ConfirmedBy = f.ConfirmedBy,
            Capacity = f.Capacity ?? 0,
            OperatorId = f.OperatorId,
            Sharing = (V1.SharingLevel)f.Sharing,
            Version = stored.Version,
            Confirmation = (V1.Confirmation)confirmation,
        };
        message.Tags.Add(f.Tags.ToDictionary());
        if (f.Notification is { } n)
        {
            message.Notification = new V1.SiteNotification
            {
                NotifiedOn = ApiMapping.ToCalendarDate(n.NotifiedOn),
                NotifiedTo = n.NotifiedTo,
                AcknowledgedOn = ApiMapping.ToCalendarDate(n.AcknowledgedOn),
                ReconfirmBy = ApiMapping.ToCalendarDate(n.ReconfirmBy),
            };
        }

        return message;
    }

    public static Presence ToPresence(V1.OperationalPresence message, ShapeLimits limits, FieldErrors errors) => new()
    {
        Id = message.Id,
        OrganisationId = message.OrganisationId,
        Sector = (Cluster)message.Sector,
        Activity = message.Activity,
        Location = message.PlaceCase == V1.OperationalPresence.PlaceOneofCase.Location ? ApiMapping.ToGeometry(message.Location, "location", limits, errors) : null,
        Pcode = message.PlaceCase == V1.OperationalPresence.PlaceOneofCase.Pcode ? message.Pcode : string.Empty,
        LocationName = message.LocationName,
        Start = ApiMapping.ToDate(message.Start, "start", errors) ?? default,
        End = ApiMapping.ToDate(message.End, "end", errors),
        Status = (PresenceStatus)message.Status,
        Targeted = message.Targeted.Count == 0 ? null : CodeRules.ReadPeople(ApiMapping.Entries(message.Targeted), errors.At("targeted")),
        Reached = message.Reached.Count == 0 ? null : CodeRules.ReadPeople(ApiMapping.Entries(message.Reached), errors.At("reached")),
        TargetedTotal = message.TargetedTotal == 0 ? null : message.TargetedTotal,
        ReachedTotal = message.ReachedTotal == 0 ? null : message.ReachedTotal,
        Sharing = (SharingLevel)message.Sharing,
    };

    public static V1.OperationalPresence ToProto(StoredPresence stored)
    {
        var p = stored.Presence;
        var message = new V1.OperationalPresence
        {
            Id = p.Id,
            OrganisationId = p.OrganisationId,
            Sector = (V1.Cluster)p.Sector,
            Activity = p.Activity,
            LocationName = p.LocationName,
            Start = ApiMapping.ToCalendarDate(p.Start),
            End = ApiMapping.ToCalendarDate(p.End),
            Status = (V1.PresenceStatus)p.Status,
            TargetedTotal = p.TargetedTotal ?? 0,
            ReachedTotal = p.ReachedTotal ?? 0,
            Sharing = (V1.SharingLevel)p.Sharing,
            Version = stored.Version,
            OrganisationName = stored.OrganisationName,
            OrganisationAcronym = stored.OrganisationAcronym,
        };
        if (p.Location is { } location)
        {
            message.Location = ApiMapping.ToShape(location);
        }
        else
        {
            message.Pcode = p.Pcode;
        }

        if (p.Targeted is { } targeted)
        {
            message.Targeted.AddRange(ApiMapping.ToCounts(targeted));
        }

        if (p.Reached is { } reached)
        {
            message.Reached.AddRange(ApiMapping.ToCounts(reached));
        }

        return message;
    }
}
