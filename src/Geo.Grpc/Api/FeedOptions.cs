namespace Geo.Grpc.Api;

/// <summary>Feed settings (configuration section <c>GeoAwareness:Feeds</c>).</summary>
public sealed class FeedOptions
{
    public const string SectionName = "GeoAwareness:Feeds";

    /// <summary>Features in a page when the importer does not ask for a size.</summary>
    public int DefaultPageSize { get; set; } = 1_000;

    /// <summary>The largest page an importer may ask for; a full export (all) has no limit.</summary>
    public int MaxPageSize { get; set; } = 50_000;

    /// <summary>
    /// The service's public HTTP address (e.g. https://geoawareness.mission.un.org) for the url of
    /// each feature. Unset: HTTP pulls use the address they were sent to, gRPC pulls a relative url.
    /// </summary>
    public string? PublicUrl { get; set; }
}
