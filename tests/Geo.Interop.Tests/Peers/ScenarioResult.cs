using System.Text.Json;

namespace Geo.Interop.Tests.Peers;

/// <summary>One JSON line of a peer client: what it observed for one scenario.</summary>
public sealed class ScenarioResult(PeerKind client, JsonElement json)
{
    public PeerKind Client { get; } = client;

    public JsonElement Json { get; } = json;

    public string Scenario => Json.GetProperty("scenario").GetString()!;

    /// <summary>Set when the client itself failed to run the scenario (a harness failure, not a gRPC status).</summary>
    public string? Error => Json.TryGetProperty("error", out var e) ? e.GetString() : null;

    public int Code => Number("code");

    public string Details => Json.GetProperty("details").GetString()!;

    public IReadOnlyDictionary<string, string> Headers => Map("headers");

    public IReadOnlyDictionary<string, string> Trailers => Map("trailers");

    public int Received => Number("received");

    public long PayloadBytes => Json.GetProperty("payload_bytes").GetInt64();

    public IReadOnlyList<string> Messages => [.. Json.GetProperty("messages").EnumerateArray().Select(m => m.GetString()!)];

    public bool IndicesInOrder => Json.GetProperty("indices_in_order").GetBoolean();

    public int ReplyCount => Number("reply_count");

    public int Number(string name) => Json.GetProperty(name).GetInt32();

    public override string ToString() => $"{Client} client, {Json.GetRawText()}";

    private Dictionary<string, string> Map(string name) =>
        Json.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
}
