using System.Security.Cryptography;
using System.Text;
using Geo.Core.Access;
using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>How far a record of the civilian picture may travel (UN-CIMIC policy para 3).</summary>
public enum SharingLevel
{
    /// <summary>May leave the service in feeds and exports.</summary>
    Public = 1,

    /// <summary>Any mission role with the read right, in full.</summary>
    Mission = 2,

    /// <summary>The humanitarian liaison and UN-CIMIC officers only; for every other reader only counted.</summary>
    LiaisonOnly = 3,
}

public enum OrganisationKind
{
    UnAgency = 1,
    InternationalOrganisation = 2,
    InternationalNgo = 3,
    NationalNgo = 4,
    HostNationAuthority = 5,
    CivilSociety = 6,
    PrivateSector = 7,
}

/// <summary>The IASC clusters, which 3W sheets use as sectors.</summary>
public enum Cluster
{
    Cccm = 1,
    EarlyRecovery = 2,
    Education = 3,
    EmergencyTelecommunications = 4,
    FoodSecurity = 5,
    Health = 6,
    Logistics = 7,
    Nutrition = 8,
    Protection = 9,
    Shelter = 10,
    Wash = 11,
}

public enum PresenceStatus
{
    Planned = 1,
    Ongoing = 2,
    Suspended = 3,
    Finished = 4,
}

/// <summary>An administrative area of the common operational datasets (COD-AB), by P-code.</summary>
public sealed record AdminArea(string Pcode, string Name, int Level, string ParentPcode, Geometry Area);

/// <summary>A civilian actor: an agency, an organisation, an authority (para 5).</summary>
public sealed record Organisation
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string Acronym { get; init; } = string.Empty;

    public OrganisationKind Kind { get; init; }

    public bool Humanitarian { get; init; }

    public SharingLevel Sharing { get; init; } = SharingLevel.LiaisonOnly;
}

/// <summary>One "who does what where" record of an organisation (OCHA 3W/4W).</summary>
public sealed record Presence
{
    public required string Id { get; init; }

    public required string OrganisationId { get; init; }

    public Cluster Sector { get; init; }

    public string Activity { get; init; } = string.Empty;

    /// <summary>A point or polygon given directly; null when the place is an administrative area.</summary>
    public Geometry? Location { get; init; }

    /// <summary>The administrative area's P-code when the place is one; empty otherwise.</summary>
    public string Pcode { get; init; } = string.Empty;

    public string LocationName { get; init; } = string.Empty;

    public DateOnly Start { get; init; }

    public DateOnly? End { get; init; }

    public PresenceStatus Status { get; init; }

    public AffectedPeople? Targeted { get; init; }

    public AffectedPeople? Reached { get; init; }

    public int? TargetedTotal { get; init; }

    public int? ReachedTotal { get; init; }

    public SharingLevel Sharing { get; init; } = SharingLevel.LiaisonOnly;
}

/// <summary>Who reads which records of the civilian picture in full.</summary>
public static class CivilianSharing
{
    /// <summary>The widest sharing level the caller reads in full: liaison-only for the liaison and UN-CIMIC, mission for other readers.</summary>
    public static SharingLevel ReadsInFull(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Can(Permission.ReadLiaisonOnlyRecords) ? SharingLevel.LiaisonOnly
            : caller.Can(Permission.ReadCivilianPicture) ? SharingLevel.Mission
            : SharingLevel.Public;
    }

    /// <summary>A presence is shared no further than its organisation: its name travels with it.</summary>
    public static SharingLevel Effective(SharingLevel record, SharingLevel organisation) => (SharingLevel)Math.Max((int)record, (int)organisation);
}

/// <summary>Ids the import makes, so that importing the same sheet twice changes nothing.</summary>
public static class CivilianIds
{
    /// <summary>"org-" and the acronym (or the name) as lowercase letters, digits and dashes.</summary>
    public static string Organisation(string acronym, string name)
    {
        ArgumentNullException.ThrowIfNull(acronym);
        ArgumentNullException.ThrowIfNull(name);
        var source = acronym.Trim().Length > 0 ? acronym : name;
        var slug = new StringBuilder("org-");
        foreach (var c in source.Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var id = slug.ToString().TrimEnd('-');
        if (id.Length <= 4 || id.Length > 64 || source.Any(c => c > 127))
        {
            // Names in other scripts (or too long): a stable hash rather than a lossy slug.
            id = "org-" + Hash(source.Trim().ToLowerInvariant());
        }

        return id;
    }

    /// <summary>"pres-" and a hash of what makes a 3W row the same record: organisation, sector, activity, place and start.</summary>
    public static string Presence(string organisationId, Cluster sector, string activity, string place, DateOnly start) =>
        "pres-" + Hash($"{organisationId}\u0000{(int)sector}\u0000{activity.Trim().ToLowerInvariant()}\u0000{place}\u0000{start:yyyy-MM-dd}");

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
}
