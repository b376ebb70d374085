using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Geo.Grpc.Map;

/// <summary>One file of the map page, held in memory with what its answer needs.</summary>
internal sealed record MapAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The map page's files, embedded in the assembly at build time (our page and Leaflet's dist, see
/// Geo.Grpc.csproj) and read once: the service serves the page from its build output alone, with
/// nothing fetched from elsewhere at run time.
/// </summary>
internal static class MapAssets
{
    /// <summary>The prefix of the resources' logical names, which are the paths under /map/.</summary>
    private const string Prefix = "map/";

    private static readonly Lazy<FrozenDictionary<string, MapAsset>> Files = new(Load);

    /// <summary>The file at <paramref name="path"/> under /map/ ("index.html", "leaflet/leaflet.js"), or null.</summary>
    public static MapAsset? Find(string path) => Files.Value.GetValueOrDefault(path);

    private static FrozenDictionary<string, MapAsset> Load()
    {
        var assembly = typeof(MapAssets).Assembly;
        var files = new Dictionary<string, MapAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var content = Read(assembly, name);
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
            files[name[Prefix.Length..]] = new MapAsset(content, ContentTypeOf(name), etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".png" => "image/png",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
