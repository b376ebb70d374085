using Geo.Core.Domain;
using Google.Protobuf.WellKnownTypes;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using V1 = Geo.Api.V1;

namespace Geo.Bench.Mission;

/// <summary>The generated mission as API messages.</summary>
internal static class ProtoMapping
{
    public static V1.Observation ToProto(Observation o)
    {
        var message = new V1.Observation
        {
            Id = o.Id,
            ReporterId = o.ReporterId,
            ObservedAt = Timestamp.FromDateTimeOffset(o.ObservedAt),
            ReportedAt = Timestamp.FromDateTimeOffset(o.ReportedAt),
            Location = new V1.GeoPoint { Longitude = o.Location.Longitude, Latitude = o.Location.Latitude },
            LocationPrecision = (V1.LocationPrecision)o.Precision,
            Category = (V1.Category)o.Category,
            Severity = o.Severity,
            CommunityId = o.CommunityId ?? string.Empty,
            BaseId = o.BaseId ?? string.Empty,
            Summary = o.Summary,
        };
        if (o.Area is not null)
        {
            message.Area = Shape(o.Area);
        }

        AddPeople(message.Affected, o.Affected);
        for (var bit = 0; bit < 5; bit++)
        {
            if (((int)o.Vulnerabilities & (1 << bit)) != 0)
            {
                message.Vulnerabilities.Add((V1.Vulnerability)(bit + 1));
            }
        }

        return message;
    }

    public static V1.Community ToProto(Community c)
    {
        var message = new V1.Community
        {
            Id = c.Id,
            Name = c.Name,
            Location = Shape(c.Location),
            AdminArea = c.AdminArea,
            Sector = c.Sector,
            RiskLevel = (V1.RiskLevel)c.RiskLevel,
            HasProtectionPlan = c.HasProtectionPlan,
            HasProtectionCommittee = c.HasProtectionCommittee,
            HasCanFocalPoint = c.HasCanFocalPoint,
        };
        if (c.Population is not null)
        {
            AddPeople(message.Population, c.Population);
        }

        return message;
    }

    public static V1.Base ToProto(Base b) => new()
    {
        Id = b.Id,
        Name = b.Name,
        Kind = (V1.BaseKind)b.Kind,
        Unit = b.Unit,
        Sector = b.Sector,
        AdminArea = b.AdminArea,
        Location = new V1.GeoPoint { Longitude = b.Location.Longitude, Latitude = b.Location.Latitude },
        OpenedOn = Date(b.OpenedOn),
        ClosedOn = Date(b.ClosedOn),
    };

    public static V1.ClaDeployment ToProto(ClaDeployment d) => new()
    {
        Id = d.Id,
        ClaId = d.ClaId,
        Sex = (V1.Sex)d.Sex,
        BaseId = d.BaseId,
        From = Date(d.From),
        To = Date(d.To),
        TemporaryDuty = d.TemporaryDuty,
        HomeLocality = d.HomeLocality,
        HomeCommunityId = d.HomeCommunityId ?? string.Empty,
    };

    public static V1.Shape Shape(Geometry geometry) => geometry is Point p
        ? new V1.Shape { Point = new V1.GeoPoint { Longitude = p.X, Latitude = p.Y } }
        : new V1.Shape { Wkt = new WKTWriter().Write(geometry) };

    private static V1.CalendarDate? Date(DateOnly? date) =>
        date is { } d ? new V1.CalendarDate { Year = d.Year, Month = d.Month, Day = d.Day } : null;

    private static void AddPeople(Google.Protobuf.Collections.RepeatedField<V1.AffectedCount> counts, AffectedPeople people)
    {
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            if (people.Counts[cell] > 0)
            {
                counts.Add(new V1.AffectedCount
                {
                    Sex = (V1.Sex)AffectedPeople.SexOfCell(cell),
                    AgeGroup = (V1.AgeGroup)AffectedPeople.AgeOfCell(cell),
                    Count = people.Counts[cell],
                });
            }
        }
    }
}
