using System.Text.Json;
using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;

namespace Geo.Grpc.Tests.Api;

/// <summary>The observation feed as an importer pulls it over gRPC: one page's document and end, or page after page.</summary>
internal static class FeedPages
{
    /// <summary>One page: the GeoJSON document put together from its chunks, and the end message.</summary>
    public static async Task<(byte[] Document, FeedPageEnd End)> PullAsync(GeoAwarenessClient client, PullObservationsRequest request)
    {
        using var call = client.Feeds.PullObservations(request);
        var document = new MemoryStream();
        FeedPageEnd? end = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Geojson.WriteTo(document);
            end = chunk.End ?? end;
        }

        return (document.ToArray(), end ?? throw new InvalidOperationException("no end message"));
    }

    /// <summary>The features' ids of a page's document, in its order.</summary>
    public static List<string> Ids(byte[] document)
    {
        using var json = JsonDocument.Parse(document);
        return json.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
    }

    /// <summary>
    /// Page after page from <paramref name="cursor"/> until a page says there is no more (one
    /// document when <paramref name="all"/>): the ids delivered, and the cursor to resume from.
    /// </summary>
    public static async Task<(List<string> Ids, string Cursor)> PullUntilEndAsync(GeoAwarenessClient client, string cursor, bool all = false, int limit = 0)
    {
        var ids = new List<string>();
        while (true)
        {
            var (document, end) = await PullAsync(client, new PullObservationsRequest { Cursor = cursor, All = all, Limit = all ? 0 : limit });
            ids.AddRange(Ids(document));
            cursor = end.NextCursor;
            if (all || !end.More)
            {
                return (ids, cursor);
            }
        }
    }
}
