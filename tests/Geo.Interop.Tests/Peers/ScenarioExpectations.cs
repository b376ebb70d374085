using Xunit;

namespace Geo.Interop.Tests.Peers;

/// <summary>
/// What every scenario of the peer clients must observe from a conforming Echo server. The same
/// expectations hold for our server and for the peer servers (which are checked against each
/// other), so a difference is ours to explain.
/// </summary>
public static class ScenarioExpectations
{
    /// <summary>The values the peer clients send as metadata (see tests/peers/*/echo_client.*).</summary>
    public const string AsciiValue = "hello, metadata 123";

    /// <summary>Base64 of bytes 00 01 02 7f 80 fe ff followed by "é北" in UTF-8.</summary>
    public const string BinValueBase64 = "AAECf4D+/8Op5YyX";

    public const string TrailerValue = "trailer value";

    /// <summary>Base64 of ff 00 80 0a 0d.</summary>
    public const string TrailerBinValueBase64 = "/wCACg0=";

    public const string FailMessage = "Échec : base «Bunia» introuvable — 北 ✓ 100%";

    public const int Ok = 0;
    public const int Cancelled = 1;
    public const int DeadlineExceeded = 4;
    public const int NotFound = 5;
    public const int ResourceExhausted = 8;
    public const int FailedPrecondition = 9;
    public const int Unimplemented = 12;

    private static readonly Dictionary<string, string> s_echoedHeaders = new(StringComparer.Ordinal)
    {
        ["x-echo-ascii"] = AsciiValue,
        ["x-echo-data-bin"] = BinValueBase64,
    };

    private static readonly Dictionary<string, string> s_echoedTrailers = new(StringComparer.Ordinal)
    {
        ["x-echo-note-trailer"] = TrailerValue,
        ["x-echo-blob-trailer-bin"] = TrailerBinValueBase64,
    };

    /// <summary>Asserts every scenario the client ran (all of <see cref="PeerClient.AllScenarios"/>).</summary>
    public static void AssertAll(IReadOnlyDictionary<string, ScenarioResult> results)
    {
        Assert.Equal(PeerClient.AllScenarios.Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
        foreach (var name in PeerClient.AllScenarios)
        {
            AssertScenario(results[name]);
        }
    }

    /// <summary>Asserts one scenario precisely (status code, details where the spec fixes them, metadata, counts).</summary>
    public static void AssertScenario(ScenarioResult r)
    {
        Assert.True(r.Error is null, $"the client could not run the scenario: {r}");
        switch (r.Scenario)
        {
            case "unary":
                Expect(r, Ok);
                Equal(r, ["hello"], r.Messages);
                Equal(r, 32L, r.PayloadBytes);
                break;
            case "server_stream":
                Expect(r, Ok);
                Equal(r, 100, r.Received);
                True(r, r.IndicesInOrder, "indices 0..99 in order");
                Equal(r, 100, r.ReplyCount);
                Equal(r, 6400L, r.PayloadBytes);
                True(r, r.Messages.All(m => m == "tick"), "every reply echoes the message");
                break;
            case "client_stream":
                Expect(r, Ok);
                Equal(r, ["m0m1m2m3m4m5m6m7m8m9"], r.Messages);
                Equal(r, 10, r.ReplyCount);
                Equal(r, 16L, r.PayloadBytes);
                break;
            case "bidi":
                Expect(r, Ok);
                Equal(r, Enumerable.Range(0, 10).Select(i => $"b{i}").ToList(), r.Messages);
                True(r, r.IndicesInOrder, "indices 0..9 in order");
                Equal(r, 80L, r.PayloadBytes);
                break;
            case "deadline":
                Expect(r, DeadlineExceeded);
                Equal(r, 0, r.Received);
                break;
            case "deadline_stream":
                Expect(r, DeadlineExceeded);
                True(r, r.Received < 50, "the deadline ends the stream before its 50 messages");
                break;
            case "cancel":
                Expect(r, Cancelled);
                True(r, r.Received is >= 5 and < 1000, "the stream is cut after the 5th message");
                Equal(r, Ok, r.Number("followup_code"));
                break;
            case "metadata":
            case "metadata_stream":
                Expect(r, Ok);
                Equal(r, s_echoedHeaders, r.Headers);
                Equal(r, s_echoedTrailers, r.Trailers);
                Equal(r, r.Scenario == "metadata" ? 1 : 3, r.Received);
                break;
            case "metadata_error":
                Expect(r, FailedPrecondition, "precondition");
                // On an error the echoed headers may come in the response headers or, in a
                // Trailers-Only response, with the trailers: both are conforming.
                var all = r.Headers.Concat(r.Trailers).ToDictionary(StringComparer.Ordinal);
                Equal(r, s_echoedHeaders.Concat(s_echoedTrailers).ToDictionary(StringComparer.Ordinal), all);
                break;
            case "gzip":
                Expect(r, Ok);
                Equal(r, ["zipped"], r.Messages);
                Equal(r, 65536L, r.PayloadBytes);
                break;
            case "gzip_client_stream":
                Expect(r, Ok);
                Equal(r, ["z0z1z2z3z4"], r.Messages);
                Equal(r, 5, r.ReplyCount);
                Equal(r, 30000L, r.PayloadBytes);
                break;
            case "oversized":
                Expect(r, ResourceExhausted);
                Equal(r, Ok, r.Number("followup_code"));
                break;
            case "unknown_method":
            case "unknown_service":
                Expect(r, Unimplemented);
                break;
            case "failure":
                Expect(r, NotFound, FailMessage);
                break;
            default:
                Assert.Fail($"no expectation for scenario {r.Scenario}");
                break;
        }
    }

    private static void Expect(ScenarioResult r, int code, string? details = null)
    {
        Equal(r, code, r.Code);
        if (details is not null)
        {
            Equal(r, details, r.Details);
        }

        if (code != Ok && r.Scenario != "metadata_error")
        {
            // Nothing was asked to come back, and x-not-echoed never comes back.
            Assert.False(r.Headers.ContainsKey("x-not-echoed") || r.Trailers.ContainsKey("x-not-echoed"), r.ToString());
        }
    }

    private static void Equal<T>(ScenarioResult r, T expected, T actual)
    {
        try
        {
            Assert.Equal(expected, actual);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{r.Scenario} ({r}): {e.Message}");
        }
    }

    private static void True(ScenarioResult r, bool condition, string what) =>
        Assert.True(condition, $"{r.Scenario}: expected {what}; {r}");
}
