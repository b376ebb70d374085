using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// Converts between the API's messages and the domain. Structural problems (an unreadable
/// geometry, a malformed date) become field errors here; the rules themselves live in Geo.Core.
/// </summary>
public static class ApiMapping
{
    // ---- shared pieces ----

    public static DateTimeOffset ToTime(Timestamp? timestamp, string field, FieldErrors errors)
    {
        if (timestamp is null)
        {
            return default;
        }

        if (timestamp.Nanos is < 0 or > 999_999_999 || timestamp.Seconds is < -62_135_596_800 or > 253_402_300_799)
        {
            errors.Add(field, "is not a valid timestamp");
            return default;
        }

        return timestamp.ToDateTimeOffset();
    }

    public static Timestamp ToTimestamp(DateTimeOffset time) => Timestamp.FromDateTimeOffset(time);

    /// <summary>
    /// A Duration as a TimeSpan, or null with a field error when it is outside what protobuf defines
    /// (±315,576,000,000 s, nanos of the same sign): Duration.ToTimeSpan throws on such a value,
    /// which would end the call as UNKNOWN.
    /// </summary>
    public static TimeSpan? ToTimeSpan(Duration? duration, string field, FieldErrors errors)
    {
        if (duration is null)
        {
            return null;
        }

        if (duration.Seconds is < Duration.MinSeconds or > Duration.MaxSeconds || duration.Nanos is <= -Duration.NanosecondsPerSecond or >= Duration.NanosecondsPerSecond
            || (duration.Seconds < 0 && duration.Nanos > 0) || (duration.Seconds > 0 && duration.Nanos < 0))
        {
            errors.Add(field, $"{duration.Seconds} s and {duration.Nanos} ns is not a duration: seconds within ±{Duration.MaxSeconds} (10,000 years), nanos within ±999999999 and of the same sign");
            return null;
        }

        return duration.ToTimeSpan();
    }

    /// <summary>
    /// The first text field of <paramref name="message"/> (or of a message inside it) holding U+0000,
    /// named by its path, e.g. <c>observations[3].summary</c>, or null. PostgreSQL stores no NUL in
    /// text: without this check the call fails in whatever statement carries it, with no field to name.
    /// </summary>
    public static FieldError? FindNul(IMessage message, string path = "")
    {
        ArgumentNullException.ThrowIfNull(message);
        // Every request read whole passes here: only text and message fields are read (scalars
        // would be boxed), and a field's path is spelt out only once a NUL is found.
        // Indexed, not foreach: the list's enumerator would be one more allocation per request.
        var fields = message.Descriptor.Fields.InDeclarationOrder();
        for (var f = 0; f < fields.Count; f++)
        {
            var field = fields[f];
            if (field.FieldType is not (FieldType.String or FieldType.Message))
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            var found = (field.FieldType, field.IsRepeated) switch
            {
                // A map<string, string> (facility tags): its keys and values, named by key.
                _ when field.IsMap => NulInMap((System.Collections.IDictionary)value, path, field.Name),
                (FieldType.String, false) => ((string)value).Contains('\0', StringComparison.Ordinal) ? new FieldError(Join(path, field.Name), NulProblem) : null,
                (FieldType.String, true) => NulIn((IList<string>)value) is { } i ? new FieldError($"{Join(path, field.Name)}[{i}]", NulProblem) : null,
                (FieldType.Message, false) => value is IMessage inner ? FindNul(inner, Join(path, field.Name)) : null,
                (FieldType.Message, true) => NulInMessages((System.Collections.IList)value, path, field.Name),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }
        }

        return null;

        static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

        static int? NulIn(IList<string> texts)
        {
            for (var i = 0; i < texts.Count; i++)
            {
                if (texts[i].Contains('\0', StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return null;
        }

        static FieldError? NulInMap(System.Collections.IDictionary map, string path, string name)
        {
            foreach (System.Collections.DictionaryEntry entry in map)
            {
                if ((entry.Key is string key && key.Contains('\0', StringComparison.Ordinal)) || (entry.Value is string text && text.Contains('\0', StringComparison.Ordinal)))
                {
                    return new FieldError($"{Join(path, name)}[{FieldErrors.Quote(entry.Key?.ToString()?.Replace("\0", string.Empty, StringComparison.Ordinal) ?? string.Empty)}]", NulProblem);
                }

                if (entry.Value is IMessage inner && FindNul(inner, $"{Join(path, name)}[{entry.Key}]") is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        static FieldError? NulInMessages(System.Collections.IList items, string path, string name)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (FindNul((IMessage)items[i]!, $"{Join(path, name)}[{i}]") is { } found)
                {
                    return found;
                }
            }

            return null;
        }
    }

    public const string NulProblem = "contains a NUL character (U+0000), which cannot be stored or searched; remove it";

    public static DateOnly? ToDate(V1.CalendarDate? date, string field, FieldErrors errors)
    {
        if (date is null || (date.Year == 0 && date.Month == 0 && date.Day == 0))
        {
            return null;
        }

        if (date.Year is < 1900 or > 2200 || date.Month is < 1 or > 12 || date.Day < 1 || date.Day > DateTime.DaysInMonth(date.Year, date.Month))
        {
            errors.Add(field, $"{date.Year:D4}-{date.Month:D2}-{date.Day:D2} is not a valid calendar date");
            return null;
        }

        return new DateOnly(date.Year, date.Month, date.Day);
    }

    public static V1.CalendarDate? ToCalendarDate(DateOnly? date) =>
        date is { } d ? new V1.CalendarDate { Year = d.Year, Month = d.Month, Day = d.Day } : null;

    public static GeoPoint ToPoint(V1.GeoPoint? point, string field, FieldErrors errors)
    {
        if (point is null)
        {
            errors.Add(field, "is required");
            return new GeoPoint(double.NaN, double.NaN);
        }

        return new GeoPoint(point.Longitude, point.Latitude);
    }

    public static V1.GeoPoint ToProto(GeoPoint point) => new() { Longitude = point.Longitude, Latitude = point.Latitude };

    /// <summary>
    /// Reads a Shape (point, WKT or GeoJSON) into a geometry, or records why it cannot be read:
    /// every geometry a request carries comes through here, so every one is held to <paramref name="limits"/>.
    /// </summary>
    public static Geometry? ToGeometry(V1.Shape? shape, string field, ShapeLimits limits, FieldErrors errors)
    {
        if (shape is null || shape.KindCase == V1.Shape.KindOneofCase.None)
        {
            errors.Add(field, "is required: a point, WKT or GeoJSON");
            return null;
        }

        var (geometry, error) = shape.KindCase switch
        {
            V1.Shape.KindOneofCase.Point => ((Geometry?)ShapeReader.Factory.CreatePoint(new Coordinate(shape.Point.Longitude, shape.Point.Latitude)), (string?)null),
            V1.Shape.KindOneofCase.Wkt => ShapeReader.ReadWkt(shape.Wkt, limits),
            _ => ShapeReader.ReadGeoJson(shape.Geojson, limits),
        };
        var name = shape.KindCase switch
        {
            V1.Shape.KindOneofCase.Point => "point",
            V1.Shape.KindOneofCase.Wkt => "wkt",
            _ => "geojson",
        };
        if (error is not null)
        {
            errors.Add($"{field}.{name}", error);
        }

        return geometry;
    }

    public static V1.Shape ToShape(Geometry geometry) => geometry is Point point
        ? new V1.Shape { Point = new V1.GeoPoint { Longitude = point.X, Latitude = point.Y } }
        : new V1.Shape { Wkt = new WKTWriter().Write(geometry) };

    public static IReadOnlyList<(int Sex, int Age, int Count)> Entries(IEnumerable<V1.AffectedCount> counts) =>
        counts.Select(c => ((int)c.Sex, (int)c.AgeGroup, c.Count)).ToList();

    public static IEnumerable<V1.AffectedCount> ToCounts(AffectedPeople people)
    {
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            if (people.Counts[cell] > 0)
            {
                yield return new V1.AffectedCount
                {
                    Sex = (V1.Sex)AffectedPeople.SexOfCell(cell),
                    AgeGroup = (V1.AgeGroup)AffectedPeople.AgeOfCell(cell),
                    Count = people.Counts[cell],
                };
            }
        }
    }

    private static string? Optional(string value) => string.IsNullOrEmpty(value) ? null : value;

    // ---- observations ----

    /// <summary>
    /// A submitted observation under its client's key (client_id): the service issues the id it
    /// is stored under (<see cref="IssuedIds"/>) once it knows who submitted it.
    /// </summary>
    public static Observation ToObservation(V1.Observation message, ShapeLimits limits, FieldErrors errors)
    {
        // Ingest's messages are read one by one by its handler, not checked as they arrive (see
        // ApiServiceExtensions): each observation is checked here, so that a refusal names its item.
        if (FindNul(message) is { } nul)
        {
            errors.Add(nul.Field, nul.Message);
        }

        DoNoHarmRule.Check(CarriesIndividualCase(message.IndividualCase), errors);
        // Output only, and what may leave the supervisor chain: never taken from a submission.
        if (message.Summary.Length > 0)
        {
            errors.Add("summary", "is the summary a supervisor releases (Observations.Release), not part of a submission: put the CLA's own words in notes");
        }

        if (message.ReleasedAt is not null || message.ReleasedBy.Length > 0)
        {
            errors.Add(message.ReleasedAt is not null ? "released_at" : "released_by", "is set by Observations.Release, not by a submission");
        }

        var observedAt = ToTime(message.ObservedAt, "observed_at", errors);
        var reportedAt = ToTime(message.ReportedAt, "reported_at", errors);
        Geometry? area = null;
        if (message.Area is not null && message.Area.KindCase != V1.Shape.KindOneofCase.None)
        {
            area = ToGeometry(message.Area, "area", limits, errors);
        }

        return new Observation
        {
            Id = message.ClientId,
            ReporterId = message.ReporterId,
            ObservedAt = observedAt,
            ReportedAt = reportedAt,
            Location = ToPoint(message.Location, "location", errors),
            Area = area,
            Precision = (LocationPrecision)message.LocationPrecision,
            Category = (ObservationCategory)message.Category,
            Severity = message.Severity,
            Affected = CodeRules.ReadPeople(Entries(message.Affected), errors.At("affected")),
            Vulnerabilities = VulnerabilityCodes.Read(message.Vulnerabilities.Select(v => (int)v).ToList(), errors.At("vulnerabilities")),
            CommunityId = Optional(message.CommunityId),
            BaseId = Optional(message.BaseId),
            Notes = message.Notes,
        };
    }

    private static bool CarriesIndividualCase(V1.CaseDisclosure? disclosure) =>
        disclosure is not null && (disclosure.Kind != V1.ViolationKind.Unspecified || disclosure.VictimName.Length > 0 || disclosure.Testimony.Length > 0);

    /// <summary>An observation to submit: its id is the client's key.</summary>
    public static V1.Observation ToSubmission(Observation o)
    {
        var message = ToProto(o);
        message.ClientId = message.Id;
        message.Id = string.Empty;
        return message;
    }

    /// <summary>An observation as a reader sees it, under its issued id.</summary>
    public static V1.Observation ToProto(Observation o)
    {
        var message = new V1.Observation
        {
            Id = o.Id,
            ReporterId = o.ReporterId,
            ObservedAt = ToTimestamp(o.ObservedAt),
            ReportedAt = ToTimestamp(o.ReportedAt),
            Location = ToProto(o.Location),
            LocationPrecision = (V1.LocationPrecision)o.Precision,
            Category = (V1.Category)o.Category,
            Severity = o.Severity,
            CommunityId = o.CommunityId ?? string.Empty,
            BaseId = o.BaseId ?? string.Empty,
            Notes = o.Notes,
        };
        if (o.Area is not null)
        {
            message.Area = ToShape(o.Area);
        }

        message.Affected.AddRange(ToCounts(o.Affected));
        message.Vulnerabilities.AddRange(VulnerabilityCodes.ToCodes(o.Vulnerabilities).Select(c => (V1.Vulnerability)c));
        return message;
    }

    /// <summary>
    /// An observation as stored: what was submitted, and what the service adds. Without
    /// <paramref name="caseDetails"/> (every role outside the supervisor chain) what identifies the
    /// CLA or may name a source is left out: the reporter's id, the CLA's own notes, and who released it.
    /// </summary>
    /// <summary>The trailer that carries the cursor a watch resumes from when it was ended.</summary>
    public const string ResumeCursorKey = "geoawareness-resume-cursor";

    internal static V1.WatchEvent ToProto(Watch.WatchEvent change, bool caseDetails, AlertDeadlines deadlines)
    {
        var message = new V1.WatchEvent { Cursor = Geo.Exporters.Feeds.FeedCursor.Format(change.Resume) };
        switch (change)
        {
            case Watch.ObservationChanged { Withdrawn: true } withdrawn:
                message.Withdrawn = new V1.WithdrawnObservation
                {
                    Id = withdrawn.Observation.Observation.Id,
                    Version = withdrawn.Observation.Version,
                    ChangedAt = ToTimestamp(withdrawn.ChangedAt),
                };
                break;
            case Watch.ObservationChanged changed:
                message.Observation = ToProto(changed.Observation, caseDetails);
                break;
            case Watch.AlertChanged alert:
                message.Alert = Alerts.AlertMapping.ToProto(alert.Alert, deadlines);
                break;
            case Watch.WatchHeartbeat heartbeat:
                message.Heartbeat = new V1.Heartbeat { At = ToTimestamp(heartbeat.At) };
                break;
            case Watch.OperationRechecked recheck:
                var mark = recheck.Recheck.Mark;
                message.OperationRecheck = new V1.OperationRecheck
                {
                    OperationId = mark.OperationId, Name = mark.OperationName, Reason = (V1.RecheckReason)mark.Reason, SiteId = recheck.Recheck.SiteId, MarkedAt = ToTimestamp(mark.MarkedAt),
                };
                break;
        }

        return message;
    }

    /// <param name="events">Whether the caller may receive the event the observation was linked into (<see cref="Geo.Core.Access.Caller.SeesEvents"/>).</param>
    public static V1.Observation ToProto(StoredObservation stored, bool caseDetails, bool events = false)
    {
        var message = ToProto(stored.Observation);
        message.Verification = (V1.VerificationStatus)stored.Verification;
        message.Version = stored.Version;
        message.ReceivedAt = ToTimestamp(stored.ReceivedAt);
        if (stored.Response is { } response)
        {
            message.Response = ToProto(response);
        }

        if (stored.Release is { } release)
        {
            message.Summary = release.Summary;
            message.ReleasedAt = ToTimestamp(release.At);
            message.ReleasedBy = caseDetails ? release.By : string.Empty;
        }

        if (!caseDetails)
        {
            message.ReporterId = string.Empty;
            message.Notes = string.Empty;
        }

        if (events && stored.EventId is { } eventId)
        {
            message.EventId = eventId;
        }

        return message;
    }

    public static V1.Response ToProto(ObservationResponse response)
    {
        var message = new V1.Response { Actions = response.Actions };
        if (response.At is { } at)
        {
            message.At = ToTimestamp(at);
        }

        return message;
    }

    /// <summary>
    /// The observations a request names. Its count_events is refused unless <paramref name="aggregate"/>
    /// (Count and Summarize, which read it themselves): a listing lists reports, and a request with
    /// a switch of its own (heat maps) must not hold two that could disagree.
    /// </summary>
    public static ObservationFilter ToFilter(V1.ObservationFilter? message, ShapeLimits limits, FieldErrors errors, bool aggregate = false)
    {
        if (message is null)
        {
            return new ObservationFilter();
        }

        if (message.CountEvents && !aggregate)
        {
            errors.Add("count_events", "counts events in Observations.Count and Summarize only: Query and Watch list reports, and heat maps, " +
                "group gaps, plans and layers count events with their request's own count_events");
        }

        return new ObservationFilter
        {
            Area = ToArea(message.Area, limits, errors.At("area")),
            ObservedFrom = message.ObservedFrom is null ? null : ToTime(message.ObservedFrom, "observed_from", errors),
            ObservedTo = message.ObservedTo is null ? null : ToTime(message.ObservedTo, "observed_to", errors),
            Categories = message.Categories.Select(c => (ObservationCategory)c).ToList(),
            MinSeverity = message.MinSeverity,
            Verification = message.Verification.Select(v => (VerificationStatus)v).ToList(),
            Affected = new GroupSelector(message.AffectedSexes.Select(s => (Sex)s).ToList(), message.AffectedAgeGroups.Select(a => (AgeGroup)a).ToList()),
            Vulnerabilities = VulnerabilityCodes.Read(message.Vulnerabilities.Select(v => (int)v).ToList(), errors.At("vulnerabilities")),
            CommunityIds = message.CommunityIds.Where(id => id.Length > 0).ToList(),
            BaseIds = message.BaseIds.Where(id => id.Length > 0).ToList(),
        };
    }

    private static QueryArea? ToArea(V1.Area? area, ShapeLimits limits, FieldErrors errors)
    {
        switch (area?.KindCase)
        {
            case null or V1.Area.KindOneofCase.None:
                return null;
            case V1.Area.KindOneofCase.Bbox:
                return new BoxArea(area.Bbox.West, area.Bbox.South, area.Bbox.East, area.Bbox.North);
            case V1.Area.KindOneofCase.Circle:
                var center = ToPoint(area.Circle.Center, "circle.center", errors);
                return new CircleArea(center, area.Circle.RadiusMetres);
            default:
                var shape = ToGeometry(area.Shape, "shape", limits, errors);
                return shape is null ? null : new ShapeArea(shape);
        }
    }

    // ---- registry ----

    public static Community ToCommunity(V1.Community message, ShapeLimits limits, FieldErrors errors)
    {
        var location = ToGeometry(message.Location, "location", limits, errors);
        return new Community
        {
            Id = message.Id,
            Name = message.Name,
            Location = location ?? ShapeReader.Factory.CreatePoint(),
            AdminArea = message.AdminArea,
            Sector = message.Sector,
            Population = message.Population.Count == 0 ? null : CodeRules.ReadPeople(Entries(message.Population), errors.At("population")),
            RiskLevel = (RiskLevel)message.RiskLevel,
            HasProtectionPlan = message.HasProtectionPlan,
            HasProtectionCommittee = message.HasProtectionCommittee,
            HasCanFocalPoint = message.HasCanFocalPoint,
        };
    }

    public static V1.Community ToProto(Community c)
    {
        var message = new V1.Community
        {
            Id = c.Id,
            Name = c.Name,
            Location = ToShape(c.Location),
            AdminArea = c.AdminArea,
            Sector = c.Sector,
            RiskLevel = (V1.RiskLevel)c.RiskLevel,
            HasProtectionPlan = c.HasProtectionPlan,
            HasProtectionCommittee = c.HasProtectionCommittee,
            HasCanFocalPoint = c.HasCanFocalPoint,
        };
        if (c.Population is { } population)
        {
            message.Population.AddRange(ToCounts(population));
        }

        return message;
    }

    public static V1.Community ToProto(Storage.Registry.StoredCommunity stored)
    {
        var message = ToProto(stored.Community);
        message.Version = stored.Version;
        message.Centroid = ToProto(stored.Centroid);
        return message;
    }

    public static Base ToBase(V1.Base message, FieldErrors errors) => new()
    {
        Id = message.Id,
        Name = message.Name,
        Kind = (BaseKind)message.Kind,
        Unit = message.Unit,
        Sector = message.Sector,
        AdminArea = message.AdminArea,
        Location = ToPoint(message.Location, "location", errors),
        OpenedOn = ToDate(message.OpenedOn, "opened_on", errors),
        ClosedOn = ToDate(message.ClosedOn, "closed_on", errors),
    };

    public static V1.Base ToProto(Base b) => new()
    {
        Id = b.Id,
        Name = b.Name,
        Kind = (V1.BaseKind)b.Kind,
        Unit = b.Unit,
        Sector = b.Sector,
        AdminArea = b.AdminArea,
        Location = ToProto(b.Location),
        OpenedOn = ToCalendarDate(b.OpenedOn),
        ClosedOn = ToCalendarDate(b.ClosedOn),
    };

    public static V1.Base ToProto(Versioned<Base> stored)
    {
        var message = ToProto(stored.Value);
        message.Version = stored.Version;
        return message;
    }

    public static ClaDeployment ToDeployment(V1.ClaDeployment message, FieldErrors errors) => new()
    {
        Id = message.Id,
        ClaId = message.ClaId,
        Sex = (Sex)message.Sex,
        BaseId = message.BaseId,
        From = ToDate(message.From, "from", errors) ?? default,
        To = ToDate(message.To, "to", errors),
        TemporaryDuty = message.TemporaryDuty,
        HomeLocality = message.HomeLocality,
        HomeCommunityId = Optional(message.HomeCommunityId),
    };

    public static V1.ClaDeployment ToProto(ClaDeployment d) => new()
    {
        Id = d.Id,
        ClaId = d.ClaId,
        Sex = (V1.Sex)d.Sex,
        BaseId = d.BaseId,
        From = ToCalendarDate(d.From),
        To = ToCalendarDate(d.To),
        TemporaryDuty = d.TemporaryDuty,
        HomeLocality = d.HomeLocality,
        HomeCommunityId = d.HomeCommunityId ?? string.Empty,
    };

    public static V1.ClaDeployment ToProto(Storage.Registry.StoredDeployment stored)
    {
        var message = ToProto(stored.Deployment);
        message.Version = stored.Version;
        if ((stored.Warnings & DeploymentWarnings.OwnLocality) != 0)
        {
            message.Flags.Add(V1.DeploymentFlag.OwnLocality);
        }

        if ((stored.Warnings & DeploymentWarnings.TemporaryDutyOverThreeMonths) != 0)
        {
            message.Flags.Add(V1.DeploymentFlag.TemporaryDutyOverThreeMonths);
        }

        return message;
    }

    internal static V1.BasePresence ToProto(UseCases.BaseNearby nearby) => new()
    {
        Base = ToProto(nearby.Base),
        DistanceMetres = nearby.DistanceMetres,
        Team = ToProto(nearby.Team),
        TravelMinutes = nearby.TravelSeconds is { } seconds ? seconds / 60 : 0,
    };

    public static V1.ClaTeam ToProto(ClaTeam team) => new()
    {
        ClaCount = team.ClaCount,
        FemaleCount = team.FemaleCount,
        TemporaryDutyCount = team.TemporaryDutyCount,
        Staffed = team.IsStaffed,
        HasFemaleCla = team.HasFemaleCla,
    };

    // ---- coverage ----

    public static V1.CoverageReport ToProto(CoverageReport report, Core.Roads.TravelTime? time = null)
    {
        var message = new V1.CoverageReport
        {
            ReachTime = CoverageReader.ToProto(time),
            At = ToCalendarDate(report.At),
            BasesWithoutCla = report.BasesWithoutCla,
            BasesBelowMinimum = report.BasesBelowMinimum,
            TeamsWithoutFemaleCla = report.TeamsWithoutFemaleCla,
            CommunitiesAtRisk = report.CommunitiesAtRisk,
        };
        foreach (var station in report.Bases)
        {
            var coverage = new V1.BaseCoverage
            {
                Base = ToProto(station.Base),
                Team = ToProto(station.Team),
                OwnLocalityCount = station.Station.OwnLocalityCount,
                TemporaryDutyOverThreeMonthsCount = station.Station.TemporaryDutyOverThreeMonthsCount,
                ReachMetres = station.ReachMetres,
                ReachBasis = (V1.ReachBasis)station.Basis,
            };
            coverage.Gaps.AddRange(station.Gaps.Select(g => (V1.TeamGap)g));
            message.Bases.Add(coverage);
        }

        message.CommunitiesOutOfReach.AddRange(report.CommunitiesOutOfReach.Select(ToProto));
        return message;
    }

    public static V1.CommunityReach ToProto(CommunityReach reach) => new()
    {
        CommunityId = reach.Community.Id,
        Name = reach.Community.Name,
        Centroid = ToProto(reach.Community.Centroid),
        RiskLevel = (V1.RiskLevel)reach.Community.RiskLevel,
        Population = reach.Community.Population,
        NearestBaseId = reach.NearestBaseId ?? string.Empty,
        DistanceMetres = reach.DistanceMetres,
    };

    public static V1.PlanDeploymentReport ToProto(PlannedCoverage plan)
    {
        var message = new V1.PlanDeploymentReport { After = ToProto(plan.After) };
        message.ClosedTeamGaps.AddRange(plan.ClosedTeamGaps.Select(g => new V1.ClosedTeamGap { BaseId = g.BaseId, Gap = (V1.TeamGap)g.Gap }));
        message.CommunitiesBroughtInReach.AddRange(plan.CommunitiesBroughtInReach.Select(ToProto));
        message.OpenedTeamGaps.AddRange(plan.OpenedTeamGaps.Select(g => new V1.ClosedTeamGap { BaseId = g.BaseId, Gap = (V1.TeamGap)g.Gap }));
        message.CommunitiesPutOutOfReach.AddRange(plan.CommunitiesPutOutOfReach.Select(ToProto));
        message.OpenedBaseIds.AddRange(plan.OpenedBaseIds);
        message.ClosedBaseIds.AddRange(plan.ClosedBaseIds);
        return message;
    }

    /// <summary>A published summary: a withheld part is marked withheld, with no count.</summary>
    internal static V1.ObservationSummary ToProto(UseCases.PublishedSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var message = new V1.ObservationSummary { Observations = summary.Observations, PeopleAffected = summary.PeopleAffected, Events = summary.Events ?? 0 };
        message.ByCategory.AddRange(summary.ByCategory.Select(c => c.Observations is { } shown
            ? new V1.CategoryCount { Category = (V1.Category)c.Category, Observations = shown, PeopleAffected = c.PeopleAffected ?? 0, Events = c.Events ?? 0 }
            : new V1.CategoryCount { Category = (V1.Category)c.Category, Withheld = true }));
        message.ByGroup.AddRange(summary.ByGroup.Select(g => g.Observations is { } shown
            ? new V1.GroupCount { Sex = (V1.Sex)g.Sex, AgeGroup = (V1.AgeGroup)g.Age, Observations = shown, People = g.People ?? 0, Events = g.Events ?? 0 }
            : new V1.GroupCount { Sex = (V1.Sex)g.Sex, AgeGroup = (V1.AgeGroup)g.Age, Withheld = true }));
        return message;
    }
}
