using Geo.Core.Access;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Exporters.Indicators;
using Geo.Grpc.Api;

namespace Geo.Grpc.Http;

/// <summary>
/// GET /indicators?period=2026-Q3&amp;level=sector[&amp;id=...][&amp;format=csv|json][&amp;hxl=true] (or
/// from and to for a custom period): the document gRPC Indicators/Export answers, byte for byte,
/// to download or open in Excel. The same fields, checks and messages as the gRPC request.
/// </summary>
internal static class IndicatorEndpoints
{
    private static readonly string[] Parameters = ["period", "from", "to", "level", "id", "format", "hxl"];

    public static void MapIndicatorEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/indicators", ExportAsync).RequirePermission(Permission.ReadIndicators);

    private static async Task<IResult> ExportAsync(HttpContext http, IndicatorComputer computer, CancellationToken cancellationToken)
    {
        var given = QueryMessage.Plain(http.Request.Query, "/indicators", Parameters);
        var errors = new FieldErrors();
        var from = IndicatorPeriod.ReadDate(given("from"), "from", errors);
        var to = IndicatorPeriod.ReadDate(given("to"), "to", errors);
        var level = IndicatorQuestion.ReadLevel(given("level"), errors);
        var question = errors.Any ? null : IndicatorQuestion.Read(given("period"), from, to, level, given("id"), computer.Today, errors);
        var format = IndicatorDocument.ReadFormat(given("format"), errors);
        var hxl = given("hxl") switch
        {
            null or "" or "false" => false,
            "true" => true,
            var other => Refuse(errors, "hxl", $"'{other}' is not true or false"),
        };
        IndicatorDocument.CheckHxl(format, hxl, errors);
        ApiErrors.ThrowIfAny(errors);
        var report = await computer.ComputeAsync(question!, http.Caller(), cancellationToken).ConfigureAwait(false);
        var document = IndicatorDocument.Write(report, format, hxl);
        return Results.File(document.Content, document.ContentType, document.FileName);
    }

    private static bool Refuse(FieldErrors errors, string field, string problem)
    {
        errors.Add(field, problem);
        return false;
    }
}
