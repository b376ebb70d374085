using System.Globalization;
using System.Text;
using Geo.Api.V1;
using AffectedPeople = Geo.Core.Domain.AffectedPeople;
using Geo.Core.Indicators;
using Geo.Exporters.Csv;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;
using CoreCategory = Geo.Core.Domain.ObservationCategory;
using CoreStatus = Geo.Core.Domain.VerificationStatus;
using CorePrecision = Geo.Core.Domain.LocationPrecision;

namespace Geo.Cli.Commands;

/// <summary>
/// Writes the observations of <c>geoaware query</c> as they arrive, page by page, so that no
/// answer is ever held whole: a fixed-width table, RFC 4180 CSV, or an RFC 7946 FeatureCollection.
/// Codes are spelled as the feeds spell them (threat_of_physical_violence, affected_female_child).
/// </summary>
internal abstract class QueryWriter : IAsyncDisposable
{
    public static QueryWriter For(string format, Stream output) => format switch
    {
        "geojson" => new GeoJson(output),
        "csv" => new Csv(output),
        _ => new Table(output),
    };

    public long Written { get; private set; }

    public async Task WriteAsync(ObservationPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        foreach (var observation in page.Observations)
        {
            await WriteAsync(observation, cancellationToken).ConfigureAwait(false);
            Written++;
        }
    }

    public abstract Task EndAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected abstract Task WriteAsync(Observation observation, CancellationToken cancellationToken);

    private static string Category(Observation o) => Disaggregation.CategoryName((CoreCategory)o.Category);

    private static string Status(Observation o) => FeedCodes.Verification((CoreStatus)o.Verification);

    private static string Precision(Observation o) => FeedCodes.Precision((CorePrecision)o.LocationPrecision);

    private static int[] Affected(Observation o)
    {
        var counts = new int[AffectedPeople.CellCount];
        foreach (var count in o.Affected.Where(c => c.Sex != Sex.Unspecified && c.AgeGroup != AgeGroup.Unspecified))
        {
            counts[((int)count.Sex - 1) * 4 + (int)count.AgeGroup - 1] += count.Count;
        }

        return counts;
    }

    private static bool Has(Observation o, Vulnerability flag) => o.Vulnerabilities.Contains(flag);

    private static readonly (FeedField Field, Vulnerability Flag)[] Vulnerabilities =
    [
        (ObservationFields.Idps, Vulnerability.InternallyDisplaced),
        (ObservationFields.Refugees, Vulnerability.Refugees),
        (ObservationFields.Disabilities, Vulnerability.PersonsWithDisabilities),
        (ObservationFields.Minorities, Vulnerability.Minorities),
        (ObservationFields.Journalists, Vulnerability.JournalistsAndActivists),
    ];

    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp? time) =>
        time is null ? string.Empty : time.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Columns a reader scans: when, what, how bad, who, where; every row on one line.</summary>
    private sealed class Table(Stream output) : QueryWriter
    {
        private static readonly CompositeFormat Format = CompositeFormat.Parse("{0,-17}  {1,-24}  {2,-30}  {3,3}  {4,-11}  {5,8}  {6,-16}  {7,-12}  {8}");
        private readonly StreamWriter _text = new(output, new UTF8Encoding(false), leaveOpen: true);

        protected override async Task WriteAsync(Observation o, CancellationToken cancellationToken)
        {
            if (Written == 0)
            {
                await Line("observed at (UTC)", "id", "category", "sev", "status", "affected", "community", "base", "location").ConfigureAwait(false);
            }

            await Line(
                o.ObservedAt.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), o.Id, Category(o), o.Severity, Status(o),
                Affected(o).Sum(), o.CommunityId, o.BaseId, $"{Number(o.Location.Longitude)},{Number(o.Location.Latitude)}").ConfigureAwait(false);
        }

        public override async Task EndAsync(CancellationToken cancellationToken)
        {
            await _text.WriteLineAsync(Written == 0 ? "no observations match" : $"{Written} observations").ConfigureAwait(false);
            await _text.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync() => _text.DisposeAsync();

        private Task Line(params object[] cells) => _text.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, Format, cells));
    }

    /// <summary>RFC 4180 with a header row; UTF-8 without a byte-order mark, so that pipes and tools read it as is.</summary>
    private sealed class Csv(Stream output) : QueryWriter
    {
        private static readonly string[] Header =
        [
            "id", "observed_at", "reported_at", "longitude", "latitude", "location_precision", "category", "severity", "verification",
            ObservationFields.AffectedTotal.Name, .. ObservationFields.Affected.Select(f => f.Name), .. Vulnerabilities.Select(v => v.Field.Name),
            "community_id", "base_id", "reporter_id", "notes", "summary", "version",
        ];

        private readonly StreamWriter _text = new(output, new UTF8Encoding(false), leaveOpen: true);
        private readonly StringBuilder _row = new(512);

        protected override async Task WriteAsync(Observation o, CancellationToken cancellationToken)
        {
            _row.Clear();
            if (Written == 0)
            {
                CsvRow.Append(_row, Header);
            }

            var affected = Affected(o);
            CsvRow.Append(_row,
            [
                CsvRow.Neutralised(o.Id), Time(o.ObservedAt), Time(o.ReportedAt), Number(o.Location.Longitude), Number(o.Location.Latitude), Precision(o),
                Category(o), $"{o.Severity}", Status(o), $"{affected.Sum()}", .. affected.Select(c => c.ToString(CultureInfo.InvariantCulture)),
                .. Vulnerabilities.Select(v => Has(o, v.Flag) ? "true" : "false"),
                CsvRow.Neutralised(o.CommunityId), CsvRow.Neutralised(o.BaseId), CsvRow.Neutralised(o.ReporterId), CsvRow.Neutralised(o.Notes), CsvRow.Neutralised(o.Summary), $"{o.Version}",
            ]);
            await _text.WriteAsync(_row, cancellationToken).ConfigureAwait(false);
        }

        public override async Task EndAsync(CancellationToken cancellationToken)
        {
            if (Written == 0)
            {
                _row.Clear();
                CsvRow.Append(_row, Header);
                await _text.WriteAsync(_row, cancellationToken).ConfigureAwait(false);
            }

            await _text.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync() => _text.DisposeAsync();
    }

    /// <summary>One point feature per observation, through the feeds' own GeoJSON writer.</summary>
    private sealed class GeoJson : QueryWriter
    {
        private readonly GeoJsonWriter _writer;

        public GeoJson(Stream output)
        {
            _writer = GeoJsonWriter.ToStream(output);
            _writer.BeginFeatureCollection();
        }

        protected override async Task WriteAsync(Observation o, CancellationToken cancellationToken)
        {
            var w = _writer;
            w.BeginFeature(o.Id);
            w.WritePoint(o.Location.Longitude, o.Location.Latitude);
            w.BeginProperties();
            w.String(ObservationFields.Id.Json, o.Id);
            w.Time(ObservationFields.ObservedAt.Json, o.ObservedAt?.ToDateTimeOffset());
            w.Time(ObservationFields.ReportedAt.Json, o.ReportedAt?.ToDateTimeOffset());
            w.String(ObservationFields.LocationPrecision.Json, Precision(o));
            w.String(ObservationFields.Category.Json, Category(o));
            w.Number(ObservationFields.Severity.Json, (long)o.Severity);
            w.String(ObservationFields.Verification.Json, Status(o));
            var affected = Affected(o);
            w.Number(ObservationFields.AffectedTotal.Json, (long)affected.Sum());
            for (var cell = 0; cell < affected.Length; cell++)
            {
                w.Number(ObservationFields.Affected[cell].Json, (long)affected[cell]);
            }

            foreach (var (field, flag) in Vulnerabilities)
            {
                w.Boolean(field.Json, Has(o, flag));
            }

            w.String(ObservationFields.CommunityId.Json, o.CommunityId.Length == 0 ? null : o.CommunityId);
            w.String(ObservationFields.BaseId.Json, o.BaseId.Length == 0 ? null : o.BaseId);
            w.String("reporter_id", o.ReporterId);
            w.String("notes", o.Notes);
            w.String("summary", o.Summary);
            w.Number(ObservationFields.Version.Json, o.Version);
            w.EndProperties();
            w.EndFeature();
            await w.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        public override async Task EndAsync(CancellationToken cancellationToken)
        {
            _writer.EndFeatureCollection();
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync() => _writer.DisposeAsync();
    }
}
