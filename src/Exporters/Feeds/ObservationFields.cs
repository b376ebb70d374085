using Geo.Core.Domain;

namespace Geo.Exporters.Feeds;

/// <summary>
/// The observation feed's data dictionary: every property the feed writes, in order. The writer
/// takes its names from here and a test holds the README's dictionary to the same list. What is
/// not here never leaves: no source, no referral, no CLA identity, and no free-text summary
/// (a CLA's own words can name a source; policy para 13).
/// </summary>
public static class ObservationFields
{
    public static readonly FeedField Id = new("id", "string", "the observation's id, stable for its lifetime", "#id", "id");
    public static readonly FeedField Version = new("version", "integer", "increases with every change of the record", "#meta+version", "-");
    public static readonly FeedField Tombstone = new("tombstone", "boolean", "true when the record is withdrawn (discredited): remove it; a tombstone carries only id, version, tombstone, status, status_label, verification, changed_at, and no geometry", "#meta+deleted", "-");
    public static readonly FeedField Title = new("title", "string", "category and severity, e.g. \"Threat of physical violence (severity 4)\"", "#event+title", "title");
    public static readonly FeedField Description = new("description", "string", "generated from the structured fields: who is affected and vulnerabilities (never the CLA's free text)", "#description", "description (content)");
    public static readonly FeedField Url = new("url", "string", "where this record alone can be pulled again (GET /feeds/observations/{id})", "#meta+url", "url");
    public static readonly FeedField Status = new("status", "string", "Ushahidi post status: published (verified), draft (reported; shown as \"In review\"), archived (discredited)", "#status", "status");
    public static readonly FeedField StatusLabel = new("status_label", "string", "the status as Ushahidi shows it: Published, In review, Archived", "#status+label", "-");
    public static readonly FeedField Verification = new("verification", "string", "reported, verified or discredited", "#status+verification", "-");
    public static readonly FeedField Category = new("category", "string", "threat_of_physical_violence, armed_group_movement, displacement, early_warning_alert, community_engagement, information_harm, security_incident_against_cla, other", "#event+type", "tags (category)");
    public static readonly FeedField CategoryCode = new("category_code", "integer", "the category as its number, 1-8 in the order above", "#event+type+code", "-");
    public static readonly FeedField Severity = new("severity", "integer", "1 (lowest) to 5", "#severity", "-");
    public static readonly FeedField ObservedAt = new("observed_at", "datetime", "when it happened or was seen, UTC", "#date+occurred", "post_date");
    public static readonly FeedField ReportedAt = new("reported_at", "datetime", "when the CLA reported it, UTC", "#date+reported", "created");
    public static readonly FeedField ChangedAt = new("changed_at", "datetime", "when the record last changed (submitted, reviewed), UTC", "#date+updated", "updated");
    public static readonly FeedField LocationPrecision = new("location_precision", "string", "exact, approximate (within a few km), village (town or village), admin_area; as delivered, after any coarsening", "#geo+precision", "-");
    public static readonly FeedField GeoPrecision = new("geo_precision", "integer", "ACLED geo_precision: 1 exact place or town, 2 near a town / part of a region, 3 larger region", "#geo+precision+acled", "-");
    public static readonly FeedField WherePrec = new("where_prec", "integer", "UCDP GED where_prec: 1 exact place (village or town included), 2 within about 25 km, 3 admin division", "#geo+precision+ucdp", "-");
    public static readonly FeedField LocationCoarsened = new("location_coarsened", "boolean", "true when the point was displaced or snapped for this importer's role (need to know)", "#geo+coarsened", "-");
    public static readonly FeedField AffectedTotal = new("affected_total", "integer", "people affected, all sexes and ages", "#affected", "-");
    public static readonly FeedField Idps = new("vulnerable_idps", "boolean", "internally displaced persons affected", "#affected+idps", "-");
    public static readonly FeedField Refugees = new("vulnerable_refugees", "boolean", "refugees affected", "#affected+refugees", "-");
    public static readonly FeedField Disabilities = new("vulnerable_disabilities", "boolean", "persons with disabilities affected", "#affected+disabled", "-");
    public static readonly FeedField Minorities = new("vulnerable_minorities", "boolean", "minorities affected", "#affected+minorities", "-");
    public static readonly FeedField Journalists = new("vulnerable_journalists_activists", "boolean", "journalists and activists affected", "#affected+journalists", "-");
    public static readonly FeedField CommunityId = new("community_id", "string", "the linked community at risk, or null", "#loc+community+code", "-");
    public static readonly FeedField BaseId = new("base_id", "string", "the linked base, or null", "#org+base+code", "-");
    public static readonly FeedField Response = new("response", "string", "the actions taken in response, or null", "#response", "-");
    public static readonly FeedField ResponseAt = new("response_at", "datetime", "when the response was taken, UTC, or null", "#date+response", "-");
    public static readonly FeedField Summary = new("summary", "string", "the summary a supervisor released with the record (never the CLA's own notes); empty when none was written", "#description+released", "-");
    public static readonly FeedField ReleasedAt = new("released_at", "datetime", "when a supervisor released the record for export, UTC (no record leaves before)", "#date+released", "-");

    /// <summary>affected_{sex}_{age}: 12 counts, female/male/unknown × child (0-17), youth (18-24), adult (25-59), older (60+).</summary>
    public static IReadOnlyList<FeedField> Affected { get; } = Enumerable.Range(0, AffectedPeople.CellCount).Select(cell =>
    {
        var sex = AffectedPeople.SexOfCell(cell);
        var age = AffectedPeople.AgeOfCell(cell);
        return new FeedField(
            $"affected_{FeedCodes.Sex(sex)}_{FeedCodes.Age(age)}", "integer",
            $"{FeedCodes.Sex(sex)} {FeedCodes.Age(age)} people affected", FeedCodes.Hxl(sex, age), "-");
    }).ToArray();

    /// <summary>Every field, in the order written.</summary>
    public static IReadOnlyList<FeedField> All { get; } =
    [
        Id, Version, Tombstone, Title, Description, Url, Status, StatusLabel, Verification, Category, CategoryCode, Severity,
        ObservedAt, ReportedAt, ChangedAt, LocationPrecision, GeoPrecision, WherePrec, LocationCoarsened, AffectedTotal,
        .. Affected,
        Idps, Refugees, Disabilities, Minorities, Journalists, CommunityId, BaseId, Response, ResponseAt, Summary, ReleasedAt,
    ];
}
