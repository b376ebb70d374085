namespace Geo.Cli.Ingest;

/// <summary>What a file holds: one kind of record per file.</summary>
internal enum IngestKind
{
    Observations,
    Communities,
    Bases,
    Deployments,
}

internal enum IngestFormat
{
    GeoJson,
    Csv,
}

internal static class IngestNames
{
    public static string Of(IngestKind kind) => kind switch
    {
        IngestKind.Observations => "observations",
        IngestKind.Communities => "communities",
        IngestKind.Bases => "bases",
        _ => "deployments",
    };

    public static string Of(IngestFormat format) => format == IngestFormat.GeoJson ? "GeoJSON" : "CSV";
}
