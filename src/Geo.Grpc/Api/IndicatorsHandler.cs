using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Exporters.Indicators;
using Geo.Grpc.Access;
using Google.Protobuf;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Indicators: CPAS indicators for a period and level, as a report or as a CSV or JSON document.</summary>
internal sealed class IndicatorsHandler(IndicatorComputer computer)
    : V1.Indicators.IndicatorsBase
{
    public override async Task<V1.IndicatorReport> Compute(V1.IndicatorRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var question = Read(request.Period, request.From, request.To, request.Level, request.Id, errors);
        ApiErrors.ThrowIfAny(errors);
        var report = await computer.ComputeAsync(question! with { CountEvents = request.CountEvents }, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        return IndicatorMapping.ToProto(report);
    }

    public override async Task<V1.IndicatorDocument> Export(V1.ExportIndicatorsRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var question = Read(request.Period, request.From, request.To, request.Level, request.Id, errors);
        var format = (IndicatorFormat)request.Format;
        CodeRules.CheckDefined(format, "format", errors);
        IndicatorDocument.CheckHxl(format, request.Hxl, errors);
        ApiErrors.ThrowIfAny(errors);
        var report = await computer.ComputeAsync(question! with { CountEvents = request.CountEvents }, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        var document = IndicatorDocument.Write(report, format, request.Hxl);
        return new V1.IndicatorDocument { Content = ByteString.CopyFrom(document.Content), ContentType = document.ContentType, Filename = document.FileName };
    }

    private IndicatorQuestion? Read(string period, V1.CalendarDate? from, V1.CalendarDate? to, V1.IndicatorLevel level, string id, FieldErrors errors)
    {
        var first = ApiMapping.ToDate(from, "from", errors);
        var last = ApiMapping.ToDate(to, "to", errors);
        return errors.Any ? null : IndicatorQuestion.Read(period, first, last, (IndicatorLevel)level, id, computer.Today, errors);
    }
}
