using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Exporters.Feeds;
using Geo.Grpc.Api;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Ingest;

/// <summary>
/// Observations: the observation feed's property names where they mean the same thing, so a feed
/// export loads back (its computed properties are ignored), plus what the feed never carries:
/// reporter_id, the CLA's own notes and area. A "summary" column is refused: the released summary
/// is a supervisor's (Observations.Release), and a CLA's words go in "notes" (so called since v1.7).
/// </summary>
internal sealed class ObservationRecords(string? defaultReporter) : RecordType<V1.Observation>
{
    private const int Id = 0;
    private const int ReporterId = 1;
    private const int ObservedAt = 2;
    private const int ReportedAt = 3;
    private const int Precision = 4;
    private const int Category = 5;
    private const int Severity = 6;
    private const int FirstAffected = 7;
    private const int FirstVulnerable = FirstAffected + AffectedPeople.CellCount;
    private const int CommunityId = FirstVulnerable + 5;
    private const int BaseId = CommunityId + 1;
    private const int Notes = BaseId + 1;
    private const int Area = Notes + 1;
    private const int VictimName = Area + 1;
    private const int Testimony = VictimName + 1;

    private static readonly ObservationLimits Limits = new();

    private static readonly CodeWords<V1.LocationPrecision> Precisions =
        new(Enum.GetValues<LocationPrecision>().Select(p => (FeedCodes.Precision(p), (V1.LocationPrecision)p)));

    private static readonly CodeWords<V1.Category> Categories =
        new(Enum.GetValues<ObservationCategory>().Select(c => (Disaggregation.CategoryName(c), (V1.Category)c)));

    /// <summary>The names in slot order; the slot constants above follow it.</summary>
    public static ColumnSet AllColumns { get; } = new(
        IngestKind.Observations,
        [
            ObservationFields.Id.Name, "reporter_id", ObservationFields.ObservedAt.Name, ObservationFields.ReportedAt.Name,
            ObservationFields.LocationPrecision.Name, ObservationFields.Category.Name, ObservationFields.Severity.Name,
            .. ObservationFields.Affected.Select(f => f.Name),
            ObservationFields.Idps.Name, ObservationFields.Refugees.Name, ObservationFields.Disabilities.Name,
            ObservationFields.Minorities.Name, ObservationFields.Journalists.Name,
            ObservationFields.CommunityId.Name, ObservationFields.BaseId.Name, "notes", "area", "victim_name", "testimony",
        ],
        ignored:
        [
            ObservationFields.Version.Name, ObservationFields.Tombstone.Name, ObservationFields.Title.Name, ObservationFields.Description.Name,
            ObservationFields.Url.Name, ObservationFields.Status.Name, ObservationFields.StatusLabel.Name, ObservationFields.Verification.Name,
            ObservationFields.CategoryCode.Name, ObservationFields.ChangedAt.Name, ObservationFields.GeoPrecision.Name, ObservationFields.WherePrec.Name,
            ObservationFields.LocationCoarsened.Name, ObservationFields.AffectedTotal.Name, ObservationFields.Response.Name, ObservationFields.ResponseAt.Name,
            ObservationFields.ReleasedAt.Name,
        ],
        required: ["id", "observed_at", "location_precision", "category", "severity"],
        LocationRule.Point);

    public override ColumnSet Columns => AllColumns;

    public override V1.Observation ToMessage(InputRow row, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(row);
        var names = Columns.Names;
        var reporter = RowFields.Text(row, ReporterId);
        var message = new V1.Observation
        {
            ClientId = RowFields.Text(row, Id),
            ReporterId = reporter.Length == 0 && defaultReporter is not null ? defaultReporter : reporter,
            ObservedAt = RowFields.Time(row, ObservedAt, names[ObservedAt], errors),
            ReportedAt = RowFields.Time(row, ReportedAt, names[ReportedAt], errors),
            Location = RowLocation.Point(row, errors),
            LocationPrecision = RowFields.Code(row, Precision, names[Precision], Precisions, errors),
            Category = RowFields.Code(row, Category, names[Category], Categories, errors),
            Severity = RowFields.Integer(row, Severity, names[Severity], errors),
            CommunityId = RowFields.Text(row, CommunityId),
            BaseId = RowFields.Text(row, BaseId),
            Notes = RowFields.Text(row, Notes),
        };
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            var count = RowFields.Integer(row, FirstAffected + cell, names[FirstAffected + cell], errors);
            if (count != 0)
            {
                message.Affected.Add(new V1.AffectedCount { Sex = (V1.Sex)AffectedPeople.SexOfCell(cell), AgeGroup = (V1.AgeGroup)AffectedPeople.AgeOfCell(cell), Count = count });
            }
        }

        for (var code = 1; code <= 5; code++)
        {
            if (RowFields.Boolean(row, FirstVulnerable + code - 1, names[FirstVulnerable + code - 1], errors))
            {
                message.Vulnerabilities.Add((V1.Vulnerability)code);
            }
        }

        switch (row.Values[Area].Kind)
        {
            case ValueKind.Json:
                message.Area = new V1.Shape { Geojson = row.Values[Area].Text };
                break;
            case ValueKind.Text:
                message.Area = new V1.Shape { Wkt = row.Values[Area].Text };
                break;
        }

        // Carried over so that the service's do-no-harm rule refuses the row with its own explanation.
        var victim = RowFields.Text(row, VictimName);
        var testimony = RowFields.Text(row, Testimony);
        if (victim.Length > 0 || testimony.Length > 0)
        {
            message.IndividualCase = new V1.CaseDisclosure { VictimName = victim, Testimony = testimony };
        }

        return message;
    }

    public override void Check(V1.Observation message, DateTimeOffset now, FieldErrors errors)
    {
        var observation = ApiMapping.ToObservation(message, Geo.Core.Spatial.ShapeLimits.Default, errors);
        if (!errors.Any)
        {
            ObservationRules.Check(observation, Limits, now, errors);
        }
    }
}
