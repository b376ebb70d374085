using Geo.Core.Domain;

namespace Geo.Grpc.Operations;

/// <summary>Planned-operation settings (configuration section <c>GeoAwareness:Operations</c>).</summary>
public sealed class OperationOptions
{
    public const string SectionName = "GeoAwareness:Operations";

    /// <summary>
    /// Facility types whose presence within a plan's buffer flags it even when the site was never
    /// notified (HXL words: hospital, clinic, health_post, school, displacement_site ...). A notified
    /// site flags it whatever its type.
    /// </summary>
    public string[] FlagTypes { get; set; } = ["hospital", "clinic", "health_post"];

    internal IReadOnlySet<FacilityType> FlaggedTypes =>
        Enum.GetValues<FacilityType>().Where(t => FlagTypes.Contains(FacilityTags.HxlType(t), StringComparer.Ordinal)).ToHashSet();

    internal string? Problem()
    {
        var known = Enum.GetValues<FacilityType>().Select(FacilityTags.HxlType).ToHashSet(StringComparer.Ordinal);
        var unknown = FlagTypes.Where(t => !known.Contains(t)).ToList();
        return unknown.Count == 0 ? null : $"{SectionName}:{nameof(FlagTypes)}: {string.Join(", ", unknown)} is not a facility type ({string.Join(", ", known)})";
    }
}
