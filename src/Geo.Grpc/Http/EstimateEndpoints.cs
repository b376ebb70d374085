using System.Globalization;
using Geo.Api;
using Geo.Core.Access;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Geo.Grpc.Estimates;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Http;

/// <summary>
/// GET /civoes?bbox=W,S,E,N&amp;period=2026-Q3 (or from and to, days included): the civil
/// operational estimate as the proto3 JSON of CivilEstimates/GetCivilEstimate; GET /civoes.html
/// the same estimate as a printable page. The same checks and messages as the gRPC request.
/// </summary>
internal static class EstimateEndpoints
{
    private static readonly string[] Parameters = ["bbox", "period", "from", "to"];

    public static void MapEstimateEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/civoes", (HttpContext http, CivilEstimator estimator, CancellationToken cancellationToken) => AnswerAsync(http, estimator, html: false, cancellationToken))
            .RequirePermission(Permission.ReadCivilEstimate);
        endpoints.MapGet("/civoes.html", (HttpContext http, CivilEstimator estimator, CancellationToken cancellationToken) => AnswerAsync(http, estimator, html: true, cancellationToken))
            .RequirePermission(Permission.ReadCivilEstimate);
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, CivilEstimator estimator, bool html, CancellationToken cancellationToken)
    {
        var request = Read(http.Request.Query);
        var estimate = await estimator.EstimateAsync(estimator.Read(request), http.Caller(), cancellationToken).ConfigureAwait(false);
        http.Response.Headers.CacheControl = "no-store";
        if (!html)
        {
            return Results.Text(Google.Protobuf.JsonFormatter.Default.Format(estimate), "application/json; charset=utf-8");
        }

        // The page carries no script and loads nothing: a name in the record cannot run in a reader's browser.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        return Results.Text(CivilEstimatePage.Render(estimate), "text/html; charset=utf-8");
    }

    private static V1.CivilEstimateRequest Read(IQueryCollection query)
    {
        var given = QueryMessage.Plain(query, "/civoes", Parameters);
        var errors = new FieldErrors();
        var request = new V1.CivilEstimateRequest { Period = given("period") ?? string.Empty };
        if (given("bbox") is { } bbox)
        {
            var parts = bbox.Split(',');
            var numbers = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : double.NaN).ToArray();
            if (numbers.Length != 4 || numbers.Any(double.IsNaN))
            {
                errors.Add("bbox", $"'{QueryMessage.Shorten(bbox)}' is not four numbers: west,south,east,north in degrees");
            }
            else
            {
                request.Bbox = new V1.BoundingBox { West = numbers[0], South = numbers[1], East = numbers[2], North = numbers[3] };
            }
        }

        request.From = ApiMapping.ToCalendarDate(IndicatorPeriod.ReadDate(given("from"), "from", errors));
        request.To = ApiMapping.ToCalendarDate(IndicatorPeriod.ReadDate(given("to"), "to", errors));
        ApiErrors.ThrowIfAny(errors);
        return request;
    }
}
