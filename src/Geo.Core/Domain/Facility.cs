using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>Civilian facilities, which are also protected sites.</summary>
public enum FacilityType
{
    Hospital = 1,
    Clinic = 2,
    HealthPost = 3,
    School = 4,
    WaterWell = 5,
    WaterTap = 6,
    Market = 7,
    PlaceOfWorship = 8,

    /// <summary>An IDP or refugee site (OpenStreetMap's amenity=refugee_site covers both).</summary>
    DisplacementSite = 9,
    HumanitarianPremises = 10,
    Warehouse = 11,
    Bridge = 12,
    PowerInfrastructure = 13,
    Telecommunications = 14,
}

public enum FacilityStatus
{
    Functional = 1,
    PartiallyFunctional = 2,
    NotFunctional = 3,
    Unknown = 4,
}

/// <summary>How current a facility's record is, decided at the moment it is read.</summary>
public enum Confirmation
{
    /// <summary>Confirmed within the configured number of days, and not past its reconfirm-by date.</summary>
    Current = 1,

    /// <summary>Confirmed once, too long ago (or past its reconfirm-by date): shown as such, never dropped.</summary>
    Stale = 2,

    /// <summary>Never confirmed.</summary>
    Unconfirmed = 3,
}

/// <summary>A humanitarian notification of a site to the parties (deconfliction): who was told, when, and when it must be told again.</summary>
public sealed record SiteNotification(DateOnly NotifiedOn, string NotifiedTo, DateOnly? AcknowledgedOn, DateOnly? ReconfirmBy);

/// <summary>A civilian facility: a clinic, a school, a water point, a camp, a bridge.</summary>
public sealed record Facility
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public FacilityType Type { get; init; }

    /// <summary>A point or polygon.</summary>
    public required Geometry Location { get; init; }

    public FacilityStatus Status { get; init; } = FacilityStatus.Unknown;

    public DateOnly? LastConfirmedOn { get; init; }

    public string ConfirmedBy { get; init; } = string.Empty;

    /// <summary>Beds, pupils, people sheltered, litres a day: what the type counts; null when unknown.</summary>
    public int? Capacity { get; init; }

    /// <summary>The organisation that runs it, when known.</summary>
    public string OperatorId { get; init; } = string.Empty;

    public SiteNotification? Notification { get; init; }

    /// <summary>OpenStreetMap tags of the source that no field holds, kept as they came.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public SharingLevel Sharing { get; init; } = SharingLevel.LiaisonOnly;

    /// <summary>Whether the record is current on <paramref name="today"/>, given how many days a confirmation lasts.</summary>
    public Confirmation ConfirmationOn(DateOnly today, int staleAfterDays) => LastConfirmedOn switch
    {
        null => Confirmation.Unconfirmed,
        { } confirmed when confirmed.AddDays(staleAfterDays) < today || Notification?.ReconfirmBy < today => Confirmation.Stale,
        _ => Confirmation.Current,
    };
}

/// <summary>
/// Facility types against OpenStreetMap tags (what OSM export tools produce) and the word HXL's
/// #loc+type carries. Reading takes the first rule a feature's tags match; the tags a rule reads
/// are consumed, every other tag is kept with the facility.
/// </summary>
public static class FacilityTags
{
    private static readonly (string Key, string Value, FacilityType Type)[] Rules =
    [
        ("amenity", "hospital", FacilityType.Hospital),
        ("healthcare", "hospital", FacilityType.Hospital),
        ("amenity", "clinic", FacilityType.Clinic),
        ("healthcare", "clinic", FacilityType.Clinic),
        ("amenity", "doctors", FacilityType.HealthPost),
        ("healthcare", "*", FacilityType.HealthPost),
        ("amenity", "school", FacilityType.School),
        ("amenity", "kindergarten", FacilityType.School),
        ("man_made", "water_well", FacilityType.WaterWell),
        ("man_made", "water_tap", FacilityType.WaterTap),
        ("amenity", "drinking_water", FacilityType.WaterTap),
        ("amenity", "water_point", FacilityType.WaterTap),
        ("amenity", "marketplace", FacilityType.Market),
        ("amenity", "place_of_worship", FacilityType.PlaceOfWorship),
        ("amenity", "refugee_site", FacilityType.DisplacementSite),
        ("office", "ngo", FacilityType.HumanitarianPremises),
        ("office", "humanitarian", FacilityType.HumanitarianPremises),
        ("building", "warehouse", FacilityType.Warehouse),
        ("man_made", "bridge", FacilityType.Bridge),
        ("bridge", "yes", FacilityType.Bridge),
        ("power", "plant", FacilityType.PowerInfrastructure),
        ("power", "substation", FacilityType.PowerInfrastructure),
        ("power", "generator", FacilityType.PowerInfrastructure),
        ("telecom", "*", FacilityType.Telecommunications),
        ("communication:mobile_phone", "yes", FacilityType.Telecommunications),
    ];

    /// <summary>The type the tags say, and the tag it was read from; null when no rule matches.</summary>
    public static (FacilityType Type, string Key)? TypeOf(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var (key, value, type) in Rules)
        {
            if (tags.TryGetValue(key, out var given) && (value == "*" || string.Equals(given, value, StringComparison.Ordinal)))
            {
                return (type, key);
            }
        }

        return null;
    }

    /// <summary>The OSM tag a type is written with (the first rule of the type).</summary>
    public static (string Key, string Value) TagOf(FacilityType type)
    {
        var (key, value, _) = Rules.First(r => r.Type == type);
        return (key, value == "*" ? "yes" : value);
    }

    /// <summary>HXL's #loc+type word: the type in lowercase words joined by underscores (health_post, displacement_site).</summary>
    public static string HxlType(FacilityType type) =>
        string.Concat(type.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
