using Geo.Core.Domain;

namespace Geo.Exporters.Hxl;

/// <summary>
/// The words 3W sheets use for sectors, kinds of organisation, statuses and sharing levels, and
/// the one each is written as. Read loosely (case, punctuation and common synonyms), written one way.
/// </summary>
public static class ThreeWWords
{
    private static readonly Dictionary<string, Cluster> Sectors = new(StringComparer.Ordinal)
    {
        ["cccm"] = Cluster.Cccm, ["camp coordination and camp management"] = Cluster.Cccm, ["camp management"] = Cluster.Cccm,
        ["early recovery"] = Cluster.EarlyRecovery, ["livelihoods"] = Cluster.EarlyRecovery,
        ["education"] = Cluster.Education,
        ["emergency telecommunications"] = Cluster.EmergencyTelecommunications, ["etc"] = Cluster.EmergencyTelecommunications, ["telecommunications"] = Cluster.EmergencyTelecommunications,
        ["food security"] = Cluster.FoodSecurity, ["food"] = Cluster.FoodSecurity, ["fsl"] = Cluster.FoodSecurity, ["food security and livelihoods"] = Cluster.FoodSecurity,
        ["health"] = Cluster.Health,
        ["logistics"] = Cluster.Logistics,
        ["nutrition"] = Cluster.Nutrition,
        ["protection"] = Cluster.Protection, ["child protection"] = Cluster.Protection, ["gbv"] = Cluster.Protection,
        ["gender based violence"] = Cluster.Protection, ["mine action"] = Cluster.Protection, ["housing land and property"] = Cluster.Protection,
        ["shelter"] = Cluster.Shelter, ["shelter nfi"] = Cluster.Shelter, ["shelter and nfi"] = Cluster.Shelter, ["nfi"] = Cluster.Shelter,
        ["emergency shelter and nfi"] = Cluster.Shelter, ["shelter and non food items"] = Cluster.Shelter,
        ["wash"] = Cluster.Wash, ["water sanitation and hygiene"] = Cluster.Wash, ["water sanitation hygiene"] = Cluster.Wash,
    };

    private static readonly Dictionary<string, OrganisationKind> Kinds = new(StringComparer.Ordinal)
    {
        ["un agency"] = OrganisationKind.UnAgency, ["un"] = OrganisationKind.UnAgency, ["un agencies"] = OrganisationKind.UnAgency,
        ["united nations"] = OrganisationKind.UnAgency, ["un agency fund or programme"] = OrganisationKind.UnAgency, ["un agency fund programme"] = OrganisationKind.UnAgency,
        ["international organisation"] = OrganisationKind.InternationalOrganisation, ["international organization"] = OrganisationKind.InternationalOrganisation,
        ["io"] = OrganisationKind.InternationalOrganisation, ["red cross red crescent"] = OrganisationKind.InternationalOrganisation, ["rcrc"] = OrganisationKind.InternationalOrganisation,
        ["ingo"] = OrganisationKind.InternationalNgo, ["international ngo"] = OrganisationKind.InternationalNgo, ["international non governmental organisation"] = OrganisationKind.InternationalNgo,
        ["international non governmental organization"] = OrganisationKind.InternationalNgo,
        ["nngo"] = OrganisationKind.NationalNgo, ["national ngo"] = OrganisationKind.NationalNgo, ["lngo"] = OrganisationKind.NationalNgo, ["local ngo"] = OrganisationKind.NationalNgo,
        ["government"] = OrganisationKind.HostNationAuthority, ["host nation authority"] = OrganisationKind.HostNationAuthority, ["gov"] = OrganisationKind.HostNationAuthority,
        ["authority"] = OrganisationKind.HostNationAuthority, ["public authority"] = OrganisationKind.HostNationAuthority,
        ["civil society"] = OrganisationKind.CivilSociety, ["cso"] = OrganisationKind.CivilSociety, ["cbo"] = OrganisationKind.CivilSociety,
        ["community based organisation"] = OrganisationKind.CivilSociety, ["community based organization"] = OrganisationKind.CivilSociety,
        ["private sector"] = OrganisationKind.PrivateSector, ["private"] = OrganisationKind.PrivateSector,
    };

    private static readonly Dictionary<string, PresenceStatus> Statuses = new(StringComparer.Ordinal)
    {
        ["planned"] = PresenceStatus.Planned, ["pipeline"] = PresenceStatus.Planned,
        ["ongoing"] = PresenceStatus.Ongoing, ["on going"] = PresenceStatus.Ongoing, ["active"] = PresenceStatus.Ongoing, ["in progress"] = PresenceStatus.Ongoing,
        ["suspended"] = PresenceStatus.Suspended, ["on hold"] = PresenceStatus.Suspended,
        ["finished"] = PresenceStatus.Finished, ["completed"] = PresenceStatus.Finished, ["closed"] = PresenceStatus.Finished, ["ended"] = PresenceStatus.Finished,
    };

    private static readonly Dictionary<string, SharingLevel> Sharings = new(StringComparer.Ordinal)
    {
        ["public"] = SharingLevel.Public, ["mission"] = SharingLevel.Mission, ["liaison only"] = SharingLevel.LiaisonOnly, ["liaison"] = SharingLevel.LiaisonOnly,
    };

    public static Cluster? Sector(string text) => Sectors.TryGetValue(Normal(text), out var sector) ? sector : null;

    public static OrganisationKind? Kind(string text) => Kinds.TryGetValue(Normal(text), out var kind) ? kind : null;

    public static PresenceStatus? Status(string text) => Statuses.TryGetValue(Normal(text), out var status) ? status : null;

    public static SharingLevel? Sharing(string text) => Sharings.TryGetValue(Normal(text), out var sharing) ? sharing : null;

    public static string Of(Cluster sector) => sector switch
    {
        Cluster.Cccm => "CCCM",
        Cluster.EarlyRecovery => "Early Recovery",
        Cluster.Education => "Education",
        Cluster.EmergencyTelecommunications => "Emergency Telecommunications",
        Cluster.FoodSecurity => "Food Security",
        Cluster.Health => "Health",
        Cluster.Logistics => "Logistics",
        Cluster.Nutrition => "Nutrition",
        Cluster.Protection => "Protection",
        Cluster.Shelter => "Shelter/NFI",
        _ => "WASH",
    };

    public static string Of(OrganisationKind kind) => kind switch
    {
        OrganisationKind.UnAgency => "UN Agency",
        OrganisationKind.InternationalOrganisation => "International Organisation",
        OrganisationKind.InternationalNgo => "INGO",
        OrganisationKind.NationalNgo => "NNGO",
        OrganisationKind.HostNationAuthority => "Government",
        OrganisationKind.CivilSociety => "Civil Society",
        _ => "Private Sector",
    };

    public static string Of(PresenceStatus status) => status switch
    {
        PresenceStatus.Planned => "Planned",
        PresenceStatus.Ongoing => "Ongoing",
        PresenceStatus.Suspended => "Suspended",
        _ => "Finished",
    };

    public static string Of(SharingLevel sharing) => sharing switch
    {
        SharingLevel.Public => "public",
        SharingLevel.Mission => "mission",
        _ => "liaison-only",
    };

    /// <summary>The words known for <typeparamref name="T"/>'s values, for an error message.</summary>
    public static string Known<T>()
        where T : struct, Enum => typeof(T) == typeof(Cluster) ? string.Join(", ", Enum.GetValues<Cluster>().Select(c => Of(c)))
        : typeof(T) == typeof(OrganisationKind) ? string.Join(", ", Enum.GetValues<OrganisationKind>().Select(k => Of(k)))
        : typeof(T) == typeof(PresenceStatus) ? string.Join(", ", Enum.GetValues<PresenceStatus>().Select(s => Of(s)))
        : "public, mission, liaison-only";

    /// <summary>Lowercase letters and digits, every run of anything else one space ("Shelter/NFI" = "shelter nfi"; "&amp;" reads as "and").</summary>
    private static string Normal(string text)
    {
        var words = new System.Text.StringBuilder();
        foreach (var c in text.Replace("&", " and ", StringComparison.Ordinal).ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                words.Append(c);
            }
            else if (words.Length > 0 && words[^1] != ' ')
            {
                words.Append(' ');
            }
        }

        return words.ToString().Trim();
    }
}
