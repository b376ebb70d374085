using System.Globalization;
using System.Text.Json;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Exporters.GeoJson;
using Geo.Grpc.Api;
using Geo.Grpc.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Operations;

/// <summary>
/// The map page's plan check over plain HTTP (the Operations gRPC service is never served over
/// gRPC-Web): <c>POST /operations</c> records a plan drawn or uploaded on the map, and
/// <c>POST /operations/{id}/check</c> runs its check and answers it as GeoJSON. The same use cases
/// as the gRPC handler (<see cref="OperationPlans"/>, <see cref="OperationChecker"/>), so the same
/// rules, scopes, audit and withholding; a plan stays confidential: never cached, in no feed.
/// </summary>
internal static class OperationEndpoints
{
    public const string CreatePath = "/operations";
    public const string CheckPath = "/operations/{id}/check";

    // The body is the plan's few fields beside one geometry, whose text is held to the shape limits.
    private const int BodySlackBytes = 64 * 1024;
    private static readonly JsonDocumentOptions BodyJson = new() { MaxDepth = ShapeLimits.MaxSafeDepth + 4 };

    public static void MapOperationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(CreatePath, CreateAsync).RequirePermission(Permission.ManageOperations);
        // POST, not GET: a check records its result with the plan (deconfliction) and is audited.
        endpoints.MapPost(CheckPath, CheckAsync).RequirePermission(Permission.ReadOperations);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, OperationPlans plans, IOptions<ApiOptions> api)
    {
        var cancellationToken = http.RequestAborted;
        var limits = api.Value.ShapeLimits;
        var operation = PlanJson.Read(await ReadBodyAsync(http, limits.MaxTextChars + BodySlackBytes, cancellationToken).ConfigureAwait(false), limits);
        var stored = await plans.CreateAsync(operation, string.Empty, PlanJson.GeometryField, http.Caller(), cancellationToken).ConfigureAwait(false);
        var (o, createdBy, version, deconfliction) = stored;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(
            new
            {
                id = o.Id, name = o.Name, kind = OperationMapping.Word(o.Kind), unit = o.Unit, place = OperationMapping.Place(o), buffer_metres = o.BufferMetres,
                starts_at = o.StartsAt.UtcDateTime, ends_at = o.EndsAt.UtcDateTime, created_by = createdBy, version, deconfliction = OperationMapping.Word(deconfliction.State),
                check = CheckPath.Replace("{id}", Uri.EscapeDataString(o.Id), StringComparison.Ordinal),
            },
            statusCode: StatusCodes.Status201Created);
    }

    private static async Task CheckAsync(HttpContext http, string id, OperationChecker checker)
    {
        var cancellationToken = http.RequestAborted;
        var days = OperationChecker.ThreatDays(ThreatDaysParameter(http.Request.Query));
        var errors = new FieldErrors();
        ObservationRules.CheckId(id, "id", errors);
        ApiErrors.ThrowIfAny(errors);
        var answer = await checker.CheckAsync(id, days, http.Caller(), cancellationToken).ConfigureAwait(false);

        var response = http.Response;
        response.ContentType = "application/geo+json";
        // Confidential, and for this token alone: no cache keeps it.
        response.Headers.CacheControl = "no-store";
        await using var writer = GeoJsonWriter.ToStream(response.Body);
        await OperationCheckGeoJson.WriteAsync(writer, answer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>threat_days, the one parameter of a check (0 or absent for the default); anything else is refused naming it.</summary>
    private static int ThreatDaysParameter(IQueryCollection query)
    {
        var days = 0;
        foreach (var (name, values) in query)
        {
            if (name != "threat_days")
            {
                throw ApiErrors.InvalidArgument(QueryMessage.NameOf(name), "is not a parameter of POST /operations/{id}/check, which takes threat_days alone");
            }

            if (values.Count != 1 || !int.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out days))
            {
                throw ApiErrors.InvalidArgument(name, values.Count == 1 && string.IsNullOrEmpty(values[0])
                    ? QueryMessage.EmptyProblem
                    : $"{FieldErrors.Quote(values.ToString())} is not a whole number of days (1 to 365; give it once)");
            }
        }

        return days;
    }

    /// <summary>The request's JSON body, no longer than <paramref name="maxBytes"/>; INVALID_ARGUMENT saying why it cannot be read.</summary>
    private static async Task<JsonDocument> ReadBodyAsync(HttpContext http, int maxBytes, CancellationToken cancellationToken)
    {
        if (!http.Request.HasJsonContentType())
        {
            throw ApiErrors.InvalidArgument("request", $"has Content-Type '{http.Request.ContentType}': send the plan as application/json");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBytes;
        }

        try
        {
            return await JsonDocument.ParseAsync(http.Request.Body, BodyJson, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw ApiErrors.InvalidArgument("request", $"is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ApiErrors.InvalidArgument("request", $"is larger than {maxBytes} bytes: a plan is a few fields and one geometry within the shape limits");
        }
    }
}
