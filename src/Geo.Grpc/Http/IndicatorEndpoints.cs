using Geo.Core.Access;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Exporters.Indicators;
using Geo.Grpc.Api;

namespace Geo.Grpc.Http;

/// <summary>
/// GET /indicators?period=2026-Q3&amp;level=sector[&amp;id=...][&amp;format=csv|json][&amp;hxl=true][&amp;count_events=true] (or
/// from and to for a custom period): the document gRPC Indicators/Export answers, byte for byte,
/// to download or open in Excel. The same fields, checks and messages as the gRPC request.
/// </summary>
internal static class IndicatorEndpoints
{
    private static readonly string[] Parameters = ["period", "from", "to", "level", "id", "format", "hxl", "count_events"];

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
        var hxl = Flag(given, "hxl", errors);
        var countEvents = Flag(given, "count_events", errors);
        IndicatorDocument.CheckHxl(format, hxl, errors);
        ApiErrors.ThrowIfAny(errors);
        var report = await computer.ComputeAsync(question! with { CountEvents = countEvents }, http.Caller(), cancellationToken).ConfigureAwait(false);
        var document = IndicatorDocument.Write(report, format, hxl);
        return Results.File(document.Content, document.ContentType, document.FileName);
    }

    /// <summary>A switch: true, or false when absent, empty or "false"; anything else is refused, naming it.</summary>
    private static bool Flag(Func<string, string?> given, string field, FieldErrors errors)
    {
        switch (given(field))
        {
            case null or "" or "false":
                return false;
            case "true":
                return true;
            case var other:
                errors.Add(field, $"'{other}' is not true or false");
                return false;
        }
    }
}
