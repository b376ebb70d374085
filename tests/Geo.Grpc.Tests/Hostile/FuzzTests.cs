using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Geo.Api.V1;
using Geo.Core.Access;
using Geo.Grpc.Access;
using Geo.Api;
using Geo.Grpc.Feeds;
using Geo.Grpc.Http;
using Grpc.Core;
using Geo.Grpc.Tests.Access;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Wire;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Hostile;

/// <summary>
/// Every request message of every served gRPC method, and every HTTP route, driven with random and
/// adversarial values (FsCheck generators over the proto descriptors, so methods and routes added
/// later are fuzzed too) by a role allowed to call it. Nothing may end as UNKNOWN or INTERNAL, no
/// HTTP answer may be a 500, every INVALID_ARGUMENT or OUT_OF_RANGE names its field first, and the
/// service is still healthy afterwards.
/// </summary>
/// <remarks>
/// <c>GEOAWARE_FUZZ_CASES</c> sets the number of gRPC calls, HTTP requests being half as many
/// (default 400 and 200: under a minute here); <c>GEOAWARE_FUZZ_SEED</c> replays a run, whose seed
/// a failure names, and <c>GEOAWARE_FUZZ_FIRST</c> starts it at a case. <c>scripts/fuzz.sh</c> runs
/// many more. Calls run one at a time, each with a deadline of 15 s.
/// </remarks>
public sealed partial class FuzzTests(FuzzTests.Seeded mission, ITestOutputHelper output) : IClassFixture<FuzzTests.Seeded>
{
    private static readonly MethodInfo TypedCall = typeof(FuzzTests).GetMethod(nameof(CallTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private const string Marker = "~FUZZ~MARK~";

    private ApiFixture Api => mission.Api;

    private static int Cases(int defaultCases) =>
        int.TryParse(Environment.GetEnvironmentVariable("GEOAWARE_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out var cases) ? cases : defaultCases;

    /// <summary>The first case to run (GEOAWARE_FUZZ_FIRST), to replay one case of a failed run without those before it.</summary>
    private static int First() =>
        int.TryParse(Environment.GetEnvironmentVariable("GEOAWARE_FUZZ_FIRST"), NumberStyles.None, CultureInfo.InvariantCulture, out var first) ? first : 0;

    private static ulong Seed() =>
        ulong.TryParse(Environment.GetEnvironmentVariable("GEOAWARE_FUZZ_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : (ulong)System.Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>The generator of one draw of one case: runs with different seeds share none.</summary>
    private static Rnd At(ulong seed, int testCase, int draw) => new(unchecked((seed * 0x9E3779B97F4A7C15UL) + ((ulong)testCase * 8) + (ulong)draw));

    /// <summary>A field path as the service names it: proto names, dotted, with indexes.</summary>
    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\[\d+\])*(\.[a-z][a-z0-9_]*(\[\d+\])*)*: ")]
    private static partial Regex ProtoFieldPath();

    /// <summary>A parameter path as the HTTP routes name it: JSON names, dotted.</summary>
    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9_]*(\[\d+\])*(\.[a-zA-Z][a-zA-Z0-9_]*(\[\d+\])*)*: ")]
    private static partial Regex JsonFieldPath();

    [Fact]
    public async Task EveryMethod_RandomAndAdversarialRequests_AreAnsweredWithAStatusNamingTheField()
    {
        var seed = Seed();
        var cases = Cases(400);
        var methods = ServedMethods.Of(Api.Service)
            .Where(m => !m.Service.FullName.StartsWith("geoawareness.testing.", StringComparison.Ordinal))
            .ToList();
        var table = Api.Service.App.Services.GetRequiredService<RpcPermissions>();
        var problems = new List<string>();
        var statuses = new Dictionary<StatusCode, int>();
        var examples = new Dictionary<StatusCode, string>();
        for (var i = First(); i < cases && problems.Count < 20; i++)
        {
            var random = At(seed, i, 0);
            var method = methods[Gen.Choose(0, methods.Count - 1).Sample(1, random, 1)[0]];
            var path = $"/{method.Service.FullName}/{method.Name}";
            var permission = table.For(path) ?? throw new InvalidOperationException($"{path} has no permission");
            var roles = Enum.GetValues<Role>().Where(r => RolePermissions.Has(r, permission)).ToArray();
            var role = roles[Gen.Choose(0, roles.Length - 1).Sample(1, At(seed, i, 1), 1)[0]];
            var requests = FuzzValues.Message(method.InputType).ArrayOf(3).Sample(20, At(seed, i, 2), 1)[0];
            var invalidUtf8 = Gen.Choose(0, 9).Sample(1, At(seed, i, 3), 1)[0] == 0 && method.Name != "Watch";
            Status status;
            try
            {
                status = invalidUtf8 && WithInvalidUtf8(requests[0], seed ^ (ulong)i) is { } bytes
                    ? await RawCallAsync(path, bytes, role)
                    : await CallAsync(Api.As(role), method, requests);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                problems.Add($"case {i} (seed {seed}): {path} as {role}: the connection failed: {e}\n  request: {FuzzValues.Describe(requests[0])}");
                continue;
            }

            statuses[status.StatusCode] = statuses.GetValueOrDefault(status.StatusCode) + 1;
            examples.TryAdd(status.StatusCode, $"case {i}: {path}: {status.Detail}");
            if (Problem(status) is { } problem)
            {
                problems.Add($"case {i} (seed {seed}): {path} as {role}{(invalidUtf8 ? " with invalid UTF-8" : string.Empty)}: {problem}\n  request: {FuzzValues.Describe(requests[0])}");
            }
        }

        output.WriteLine($"seed {seed}, {cases} cases: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")));
        foreach (var (code, example) in examples.OrderBy(e => e.Key))
        {
            output.WriteLine($"  first {code}: {Shorten(example)}");
        }

        Assert.True(problems.Count == 0, $"replay with GEOAWARE_FUZZ_SEED={seed}\n" + string.Join("\n", problems));
        await AssertHealthyAsync();
    }

    /// <summary>Kestrel's default MaxRequestLineSize: a longer request line is refused with 414.</summary>
    private const int MaxRequestLineBytes = 8 * 1024;

    [Fact]
    public async Task EveryHttpRoute_RandomAndAdversarialQueries_AreAnsweredWithoutAServerErrorNamingTheParameter()
    {
        var seed = Seed();
        var cases = Cases(400) / 2;
        var routes = ServedMethods.HttpRoutes(Api.Service)
            .Select(e => (Pattern: e.RoutePattern.RawText!, Permissions: e.Metadata.GetMetadata<EndpointPermissionMetadata>()!.AnyOf))
            .ToList();
        var problems = new List<string>();
        var answers = new Dictionary<int, int>();
        using var http = new HttpClient { BaseAddress = Api.Service.HttpEndpoint, Timeout = CallTimeout };
        for (var i = First(); i < cases && problems.Count < 20; i++)
        {
            var random = At(seed, i, 0);
            var (pattern, permissions) = routes[Gen.Choose(0, routes.Count - 1).Sample(1, random, 1)[0]];
            var roles = Enum.GetValues<Role>().Where(r => permissions.Any(p => RolePermissions.Has(r, p))).ToArray();
            var role = roles[Gen.Choose(0, roles.Length - 1).Sample(1, At(seed, i, 1), 1)[0]];
            var target = Url(pattern).Sample(20, At(seed, i, 2), 1)[0];
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Api.TokenOf(role));
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request);
            }
            catch (HttpRequestException) when (Encoding.UTF8.GetByteCount(target) > MaxRequestLineBytes)
            {
                // Past Kestrel's request-line limit it answers 414 URI Too Long and closes the
                // connection while the client is still sending: the client sees the close, not the 414.
                answers[414] = answers.GetValueOrDefault(414) + 1;
                continue;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                problems.Add($"case {i} (seed {seed}): GET {Shorten(target)} as {role}: no answer: {e.Message}");
                continue;
            }

            using (response)
            {
                var code = (int)response.StatusCode;
                answers[code] = answers.GetValueOrDefault(code) + 1;
                var body = await response.Content.ReadAsStringAsync();
                var json = response.Content.Headers.ContentType?.MediaType == "application/json";
                if (HttpProblem(target, code, json, body) is { } problem)
                {
                    problems.Add($"case {i} (seed {seed}): GET {target} as {role}: {problem}");
                }
            }
        }

        output.WriteLine($"seed {seed}, {cases} cases: " + string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"HTTP {a.Key} {a.Value}")));
        Assert.True(problems.Count == 0, $"replay with GEOAWARE_FUZZ_SEED={seed}\n" + string.Join("\n", problems));
        await AssertHealthyAsync();
    }

    private static string? Problem(Status status) => status.StatusCode switch
    {
        StatusCode.Unknown or StatusCode.Internal => $"{status.StatusCode}: {status.Detail}",
        StatusCode.InvalidArgument or StatusCode.OutOfRange when !ProtoFieldPath().IsMatch(status.Detail) => $"{status.StatusCode} without a field path first: {status.Detail}",
        _ => null,
    };

    private static string? HttpProblem(string target, int code, bool json, string body)
    {
        if (code >= 500 && code != (int)HttpStatusCode.GatewayTimeout)
        {
            return $"HTTP {code}: {Shorten(body)}";
        }

        // A 400 without a JSON body is Kestrel's refusal of a malformed request (a NUL in the
        // path), before any endpoint: there is no parameter to name.
        if (code != (int)HttpStatusCode.BadRequest || !json)
        {
            return null;
        }

        string? problem;
        try
        {
            problem = JsonDocument.Parse(body).RootElement.GetProperty("problem").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"HTTP 400 without a problem: {Shorten(body)}";
        }

        var query = target.Contains('?', StringComparison.Ordinal) ? QueryHelpers.ParseQuery(target[target.IndexOf('?', StringComparison.Ordinal)..]) : [];
        var named = problem is not null && (JsonFieldPath().IsMatch(problem)
            || query.Keys.Any(k => problem.StartsWith((k.Length == 0 ? "(a parameter without a name)" : k) + ": ", StringComparison.Ordinal)));
        return named ? null : $"HTTP 400 whose problem names no parameter: {problem}";
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    /// <summary>A URL for a route: its parameters filled in, and a query of names the route knows and names it does not.</summary>
    private static Gen<string> Url(string pattern)
    {
        var path = RouteParameter().Replace(pattern, "{}");
        var pieces = path.Split("{}");
        var fills = Gen.Elements("obs-00000000000000000000000000000000", "index.html", "map.js", "..%2F..%2Fetc%2Fpasswd", "%FF", "x", new string('a', 300), "%00")
            .ArrayOf(pieces.Length - 1);
        var known = KnownParameters(pattern);
        var named = known.Count == 0
            ? Gen.Constant(new Parameter("limit", null))
            : Gen.Elements(known.Select(k => new Parameter(k.Name, k.Field)).ToArray());
        var unknown = Gen.Elements("limit", "LIMIT", string.Empty, "a.b", "cellSizeMetres.x", "area", "__proto__", "x y", "period", "cursor", "all", new string('p', 200), "heatMap.area.bbox.west")
            .Select(n => new Parameter(n, null));
        var parameter = Gen.Frequency((7, named), (3, unknown))
            .SelectMany(p => (p.Field is null ? Gen.Elements("1", "0", "-1", "true", "x", string.Empty, "2026-Q3", "2026-07-01", "mission", "csv") : FuzzValues.QueryValue(p.Field))
                .Select(v => (p.Name, Value: v)));
        var query = Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 4)), (1, Gen.Choose(5, 12)))
            .SelectMany(n => parameter.ArrayOf(n))
            .SelectMany(ps => Gen.Elements(true, false, false).Select(repeat => repeat && ps.Length > 0 ? ps.Append(ps[0]).ToArray() : ps))
            .SelectMany(ps => Gen.CollectToArray(ps, p => FuzzValues.Escaped(p.Name).SelectMany(n => FuzzValues.Escaped(p.Value).Select(v => $"{n}={v}"))));
        return fills.SelectMany(f => query.Select(q =>
        {
            var url = new StringBuilder(pieces[0]);
            for (var k = 1; k < pieces.Length; k++)
            {
                url.Append(f[k - 1]).Append(pieces[k]);
            }

            return q.Length == 0 ? url.ToString() : url.Append('?').Append(string.Join('&', q)).ToString();
        }));
    }

    private sealed record Parameter(string Name, FieldDescriptor? Field);

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex RouteParameter();

    /// <summary>The parameters a route reads, as dotted JSON names of its request message's fields.</summary>
    private static List<(string Name, FieldDescriptor Field)> KnownParameters(string pattern)
    {
        MessageDescriptor? message = pattern switch
        {
            "/feeds/observations" => PullObservationsRequest.Descriptor,
            "/indicators" => ExportIndicatorsRequest.Descriptor,
            _ when pattern.StartsWith("/feeds/layers/", StringComparison.Ordinal) =>
                LayerFeedService.All.Where(l => "/feeds/layers/" + LayerFeedService.NameOf(l) == pattern).Select(l => LayerFeedService.FieldOf(l).MessageType).FirstOrDefault(),
            _ => null,
        };
        var names = new List<(string Name, FieldDescriptor Field)>();
        if (message is not null)
        {
            Collect(message, string.Empty, 0, names);
        }

        return names;
    }

    private static void Collect(MessageDescriptor message, string prefix, int depth, List<(string Name, FieldDescriptor Field)> names)
    {
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            var name = prefix + field.JsonName;
            if (field.FieldType != FieldType.Message || field.MessageType.File.Package == "google.protobuf" || depth >= 4)
            {
                names.Add((name, field));
            }
            else
            {
                Collect(field.MessageType, name + ".", depth + 1, names);
            }
        }
    }

    /// <summary>
    /// The request written with one of its strings replaced, on the wire, by bytes that are not
    /// UTF-8 (null when it has no string to replace). The generated classes write only valid
    /// UTF-8, so the marker is written first and swapped for as many invalid bytes.
    /// </summary>
    private static byte[]? WithInvalidUtf8(IMessage request, ulong seed)
    {
        var copy = request.Descriptor.Parser.ParseFrom(request.ToByteArray());
        var strings = new List<(IMessage Message, FieldDescriptor Field)>();
        FindStrings(copy, strings);
        if (strings.Count == 0)
        {
            return null;
        }

        var (message, field) = strings[(int)(seed % (ulong)strings.Count)];
        if (field.IsRepeated)
        {
            ((IList<string>)field.Accessor.GetValue(message)).Add(Marker);
        }
        else
        {
            field.Accessor.SetValue(message, field.Name is "wkt" ? "POLYGON((29 -2,30 -2,30 -1,29 -2))" + Marker : Marker);
        }

        var bytes = copy.ToByteArray();
        var marker = Encoding.ASCII.GetBytes(Marker);
        var at = bytes.AsSpan().IndexOf(marker);
        var invalid = FuzzValues.InvalidUtf8[(int)(seed % (ulong)FuzzValues.InvalidUtf8.Length)];
        for (var k = 0; k < marker.Length; k++)
        {
            bytes[at + k] = k < invalid.Length ? invalid[k] : (byte)'x';
        }

        return bytes;
    }

    private static void FindStrings(IMessage message, List<(IMessage, FieldDescriptor)> found)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType == FieldType.String)
            {
                found.Add((message, field));
            }
            else if (field.FieldType == FieldType.Message && !field.IsRepeated && field.Accessor.GetValue(message) is IMessage inner)
            {
                FindStrings(inner, found);
            }
            else if (field.FieldType == FieldType.Message && field.IsRepeated)
            {
                foreach (var item in ((System.Collections.IEnumerable)field.Accessor.GetValue(message)).Cast<IMessage>())
                {
                    FindStrings(item, found);
                }
            }
        }
    }

    private async Task<Status> RawCallAsync(string path, byte[] request, Role role)
    {
        using var raw = new RawGrpcClient(Api.Service.GrpcEndpoint);
        var response = await raw.PostAsync(path, RawGrpcClient.Frame(request), ("authorization", "Bearer " + Api.TokenOf(role)), ("grpc-timeout", "15S"));
        var (code, detail) = response.Status();
        return new Status(code, detail);
    }

    private static Task<Status> CallAsync(GeoAwarenessClient channel, MethodDescriptor method, IMessage[] requests) =>
        (Task<Status>)TypedCall.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType).Invoke(null, [channel.Channel.CreateCallInvoker(), method, requests])!;

    private static async Task<Status> CallTypedAsync<TRequest, TResponse>(CallInvoker channel, MethodDescriptor descriptor, IMessage[] requests)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = AccessCalls.Of<TRequest, TResponse>(descriptor);
        var options = new CallOptions(deadline: DateTime.UtcNow + CallTimeout);
        var request = (TRequest)requests[0];
        try
        {
            switch (descriptor.IsClientStreaming, descriptor.IsServerStreaming)
            {
                case (false, false):
                    await channel.AsyncUnaryCall(method, null, options, request);
                    break;
                case (false, true):
                {
                    using var call = channel.AsyncServerStreamingCall(method, null, options, request);
                    // Health Watch never ends by design: its first message is its answer.
                    var most = descriptor.Name == "Watch" ? 1 : int.MaxValue;
                    for (var read = 0; read < most && await call.ResponseStream.MoveNext(CancellationToken.None); read++)
                    {
                    }

                    break;
                }

                case (true, false):
                {
                    using var call = channel.AsyncClientStreamingCall(method, null, options);
                    foreach (var message in requests)
                    {
                        await call.RequestStream.WriteAsync((TRequest)message, CancellationToken.None);
                    }

                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                    break;
                }

                default:
                {
                    using var call = channel.AsyncDuplexStreamingCall(method, null, options);
                    foreach (var message in requests)
                    {
                        await call.RequestStream.WriteAsync((TRequest)message, CancellationToken.None);
                    }

                    await call.RequestStream.CompleteAsync();
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }

                    break;
                }
            }
        }
        catch (RpcException e)
        {
            return e.Status;
        }

        return Status.DefaultSuccess;
    }

    private async Task AssertHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = Api.Service.HttpEndpoint };
        using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var count = await Api.As(Role.Supervisor).Observations.CountAsync(new ObservationFilter()).ResponseAsync;
        Assert.True(count.Observations >= Seeded.Observations, $"a count of everything gives {count.Observations}");
    }

    /// <summary>The service with a small mission in it, so that fuzzed calls find records to work on, and no rate limit in the way.</summary>
    public sealed class Seeded : IAsyncLifetime
    {
        public const int Observations = 60;

        public ApiFixture Api { get; } = new(["--GeoAwareness:Auth:RequestsPerSecondPerToken=1000000", "--GeoAwareness:Auth:BurstPerToken=1000000", "--GeoAwareness:Grpc:DetailedErrors=true"], null);

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "nord", Name = "Nord", Area = new Shape { Wkt = "POLYGON((28 -3,31 -3,31 1,28 1,28 -3))" } }).ResponseAsync;
            foreach (var (id, kind, x, y) in new[] { ("ob-1", BaseKind.OperatingBase, 29.2, -1.6), ("cob-1", BaseKind.CompanyOperatingBase, 29.5, -1.0), ("tob-1", BaseKind.TemporaryOperatingBase, 30.0, -2.0) })
            {
                await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
                {
                    Id = id, Name = id, Kind = kind, Sector = "nord", Location = new GeoPoint { Longitude = x, Latitude = y }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
                }).ResponseAsync;
            }

            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
            {
                Id = "c-1", Name = "Kibumba", Sector = "nord", RiskLevel = RiskLevel.High, Location = new Shape { Point = new GeoPoint { Longitude = 29.3, Latitude = -1.5 } },
            }).ResponseAsync;
            await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = "dep-1", ClaId = "cla-1", Sex = Sex.Female, BaseId = "ob-1", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 }, HomeLocality = "Goma",
            }).ResponseAsync;
            var observations = Enumerable.Range(0, Observations).Select(i =>
            {
                var o = ApiFixture.NewObservation($"fuzz-{i:D3}", 29 + (i % 10 * 0.1), -2 + (i / 10 * 0.1), $"2026-{1 + (i % 9):D2}-{1 + (i % 27):D2}T10:00:00Z");
                o.Category = (Category)(1 + (i % 8));
                o.Severity = 1 + (i % 5);
                o.BaseId = i % 3 == 0 ? "ob-1" : string.Empty;
                o.CommunityId = i % 4 == 0 ? "c-1" : string.Empty;
                return o;
            }).ToArray();
            await Api.SubmitAsync(observations);
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }
}
