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
        var query = http.Request.Query;
        var errors = new FieldErrors();
        foreach (var (name, values) in query)
        {
            if (!Parameters.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(QueryMessage.NameOf(name), $"is not a parameter of GET /indicators ({string.Join(", ", Parameters)})");
            }
            else if (values.Count > 1)
            {
                errors.Add(name, $"is given {values.Count} times; give it once");
            }
            else if (string.IsNullOrEmpty(values[0]))
            {
                // "hxl=" read as false and "level=" as the mission: a value left empty is refused, as
                // QueryMessage refuses it on every other route.
                errors.Add(name, QueryMessage.EmptyProblem);
            }
        }

        ApiErrors.ThrowIfAny(errors);
        string? One(string name) => query.TryGetValue(name, out var value) ? value.ToString() : null;
        var from = IndicatorPeriod.ReadDate(One("from"), "from", errors);
        var to = IndicatorPeriod.ReadDate(One("to"), "to", errors);
        var level = IndicatorQuestion.ReadLevel(One("level"), errors);
        var question = errors.Any ? null : IndicatorQuestion.Read(One("period"), from, to, level, One("id"), computer.Today, errors);
        var format = IndicatorDocument.ReadFormat(One("format"), errors);
        var hxl = One("hxl") switch
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
