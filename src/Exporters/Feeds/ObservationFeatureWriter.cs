using System.Globalization;
using System.Text;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Exporters.GeoJson;

namespace Geo.Exporters.Feeds;

/// <summary>Where an observation is shown to this importer: the point after any coarsening, and the precision that leaves.</summary>
public readonly record struct DeliveredLocation(GeoPoint Point, LocationPrecision Precision, bool Coarsened);

/// <summary>
/// Writes observations as SAGE features, readable as Ushahidi posts (title, description, url,
/// status beside the typed fields of <see cref="ObservationFields"/>). A discredited record is a
/// tombstone: its id and version, and nothing about what it said or where.
/// </summary>
public sealed class ObservationFeatureWriter(GeoJsonWriter writer, string urlPrefix)
{
    private static readonly (Vulnerabilities Flag, string Words)[] VulnerabilityWords =
    [
        (Vulnerabilities.InternallyDisplaced, "IDPs"),
        (Vulnerabilities.Refugees, "refugees"),
        (Vulnerabilities.PersonsWithDisabilities, "persons with disabilities"),
        (Vulnerabilities.Minorities, "minorities"),
        (Vulnerabilities.JournalistsAndActivists, "journalists and activists"),
    ];

    private static readonly string[] GroupWords = Enumerable.Range(0, AffectedPeople.CellCount)
        .Select(cell => $"{FeedCodes.Sex(AffectedPeople.SexOfCell(cell))} {FeedCodes.Age(AffectedPeople.AgeOfCell(cell))}")
        .ToArray();

    private readonly StringBuilder _text = new(256);

    public void Write(StoredObservation stored, DateTimeOffset changedAt, DeliveredLocation location)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var observation = stored.Observation;
        writer.BeginFeature(observation.Id);
        if (stored.Verification == VerificationStatus.Discredited)
        {
            WriteTombstone(stored, changedAt);
            return;
        }

        writer.WritePoint(location.Point.Longitude, location.Point.Latitude);
        writer.BeginProperties();
        writer.String(ObservationFields.Id.Json, observation.Id);
        writer.Number(ObservationFields.Version.Json, stored.Version);
        writer.Boolean(ObservationFields.Tombstone.Json, false);
        writer.String(ObservationFields.Title.Json, Title(observation));
        writer.String(ObservationFields.Description.Json, Description(observation));
        writer.String(ObservationFields.Url.Json, urlPrefix + Uri.EscapeDataString(observation.Id));
        writer.String(ObservationFields.Status.Json, FeedCodes.UshahidiStatus(stored.Verification));
        writer.String(ObservationFields.StatusLabel.Json, FeedCodes.UshahidiStatusLabel(stored.Verification));
        writer.String(ObservationFields.Verification.Json, FeedCodes.Verification(stored.Verification));
        writer.String(ObservationFields.Category.Json, FeedCodes.Category(observation.Category));
        writer.Number(ObservationFields.CategoryCode.Json, (long)observation.Category);
        writer.Number(ObservationFields.Severity.Json, (long)observation.Severity);
        writer.Time(ObservationFields.ObservedAt.Json, observation.ObservedAt);
        writer.Time(ObservationFields.ReportedAt.Json, observation.ReportedAt);
        writer.Time(ObservationFields.ChangedAt.Json, changedAt);
        writer.String(ObservationFields.LocationPrecision.Json, FeedCodes.Precision(location.Precision));
        writer.Number(ObservationFields.GeoPrecision.Json, (long)FeedCodes.AcledGeoPrecision(location.Precision));
        writer.Number(ObservationFields.WherePrec.Json, (long)FeedCodes.UcdpWherePrecision(location.Precision));
        writer.Boolean(ObservationFields.LocationCoarsened.Json, location.Coarsened);
        var counts = observation.Affected.Counts;
        writer.Number(ObservationFields.AffectedTotal.Json, (long)observation.Affected.Total);
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            writer.Number(ObservationFields.Affected[cell].Json, (long)counts[cell]);
        }

        var flags = observation.Vulnerabilities;
        writer.Boolean(ObservationFields.Idps.Json, flags.HasFlag(Vulnerabilities.InternallyDisplaced));
        writer.Boolean(ObservationFields.Refugees.Json, flags.HasFlag(Vulnerabilities.Refugees));
        writer.Boolean(ObservationFields.Disabilities.Json, flags.HasFlag(Vulnerabilities.PersonsWithDisabilities));
        writer.Boolean(ObservationFields.Minorities.Json, flags.HasFlag(Vulnerabilities.Minorities));
        writer.Boolean(ObservationFields.Journalists.Json, flags.HasFlag(Vulnerabilities.JournalistsAndActivists));
        writer.String(ObservationFields.CommunityId.Json, observation.CommunityId);
        writer.String(ObservationFields.BaseId.Json, observation.BaseId);
        writer.String(ObservationFields.Response.Json, stored.Response?.Actions);
        writer.Time(ObservationFields.ResponseAt.Json, stored.Response?.At);
        writer.String(ObservationFields.Summary.Json, stored.Release?.Summary ?? string.Empty);
        writer.Time(ObservationFields.ReleasedAt.Json, stored.Release?.At);
        writer.EndProperties();
        writer.EndFeature();
    }

    private void WriteTombstone(StoredObservation stored, DateTimeOffset changedAt)
    {
        writer.WriteGeometry(null);
        writer.BeginProperties();
        writer.String(ObservationFields.Id.Json, stored.Observation.Id);
        writer.Number(ObservationFields.Version.Json, stored.Version);
        writer.Boolean(ObservationFields.Tombstone.Json, true);
        writer.String(ObservationFields.Status.Json, FeedCodes.UshahidiStatus(stored.Verification));
        writer.String(ObservationFields.StatusLabel.Json, FeedCodes.UshahidiStatusLabel(stored.Verification));
        writer.String(ObservationFields.Verification.Json, FeedCodes.Verification(stored.Verification));
        writer.Time(ObservationFields.ChangedAt.Json, changedAt);
        writer.EndProperties();
        writer.EndFeature();
    }

    /// <summary>Every title there can be, made once: a feed writes a million of them.</summary>
    private static readonly Dictionary<(ObservationCategory, int), string> Titles =
        Enum.GetValues<ObservationCategory>()
            .SelectMany(category => Enumerable.Range(1, 5).Select(severity => (category, severity)))
            .ToDictionary(key => key, key => string.Create(CultureInfo.InvariantCulture, $"{FeedCodes.CategoryTitle(key.category)} (severity {key.severity})"));

    private static string Title(Observation observation) =>
        Titles.TryGetValue((observation.Category, observation.Severity), out var title)
            ? title
            : string.Create(CultureInfo.InvariantCulture, $"{FeedCodes.CategoryTitle(observation.Category)} (severity {observation.Severity})");

    /// <summary>Who is affected, in words, from the counts and flags: a reader of the map needs no dictionary for it.</summary>
    private string Description(Observation observation)
    {
        var text = _text.Clear();
        var affected = observation.Affected;
        if (affected.Total == 0)
        {
            text.Append("No one reported affected.");
        }
        else
        {
            text.Append(affected.Total).Append(" affected: ");
            var first = true;
            for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
            {
                var count = affected.Counts[cell];
                if (count == 0)
                {
                    continue;
                }

                text.Append(first ? string.Empty : ", ").Append(count).Append(' ').Append(GroupWords[cell]);
                first = false;
            }

            text.Append('.');
        }

        var separator = " Among them: ";
        foreach (var (flag, words) in VulnerabilityWords)
        {
            if (observation.Vulnerabilities.HasFlag(flag))
            {
                text.Append(separator).Append(words);
                separator = ", ";
            }
        }

        if (separator == ", ")
        {
            text.Append('.');
        }

        return text.ToString();
    }
}
