using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Alerts;

/// <summary>geoawareness.v1.Alerts: the alerts someone must act on, and the steps of acting.</summary>
internal sealed class AlertsHandler(AlertDesk desk, IOptions<ApiOptions> api, IOptions<AlertOptions> options) : V1.Alerts.AlertsBase
{
    private const int MaxText = 2000;

    public override async Task ListAlerts(V1.ListAlertsRequest request, IServerStreamWriter<V1.Alert> responses, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var area = request.Area is null ? null : ApiMapping.ToFilter(new V1.ObservationFilter { Area = request.Area }, api.Value.ShapeLimits, errors).Area;
        if (area is not null && !errors.Any)
        {
            QueryRules.Check(new ObservationFilter { Area = area }, api.Value.QueryLimits, errors);
        }
        for (var i = 0; i < request.States.Count; i++)
        {
            CodeRules.CheckDefined((AlertState)request.States[i], $"states[{i}]", errors);
        }

        for (var i = 0; i < request.Kinds.Count; i++)
        {
            CodeRules.CheckDefined((AlertKind)request.Kinds[i], $"kinds[{i}]", errors);
        }

        if (request.MinAgeSeconds < 0)
        {
            errors.Add("min_age_seconds", $"{request.MinAgeSeconds} is below 0");
        }

        ApiErrors.ThrowIfAny(errors);
        var filter = new AlertFilter(area, [.. request.States.Select(s => (AlertState)s)], [.. request.Kinds.Select(k => (AlertKind)k)],
            TimeSpan.FromSeconds(request.MinAgeSeconds), request.EscalatedOnly);
        await foreach (var alert in desk.ListAsync(filter, context.Caller(), context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(ToProto(alert), context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<V1.Alert> GetAlert(V1.AlertRequest request, ServerCallContext context) =>
        ToProto(await desk.GetAsync(Id(request.Id), context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.Alert> Acknowledge(V1.AlertRequest request, ServerCallContext context) =>
        ToProto(await desk.AcknowledgeAsync(Id(request.Id), Version(request.ExpectedVersion), context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.Alert> Respond(V1.RespondToAlertRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        Text(request.Response, "response", 1, errors);
        ApiErrors.ThrowIfAny(errors);
        return ToProto(await desk.RespondAsync(Id(request.Id), Version(request.ExpectedVersion), request.Response, context.Caller(), context.CancellationToken)
            .ConfigureAwait(false));
    }

    public override async Task<V1.Alert> Close(V1.CloseAlertRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        Text(request.Note, "note", 0, errors);
        ApiErrors.ThrowIfAny(errors);
        return ToProto(await desk.CloseAsync(Id(request.Id), Version(request.ExpectedVersion), request.Note, context.Caller(), context.CancellationToken).ConfigureAwait(false));
    }

    private static string Id(string id) =>
        id.Length is > 0 and <= 200 ? id : throw ApiErrors.InvalidArgument("id", id.Length == 0 ? "is required" : "is longer than 200 characters");

    private static long Version(long version) =>
        version >= 0 ? version : throw ApiErrors.InvalidArgument("expected_version", $"{version} is below 0 (0: no check)");

    private static void Text(string text, string field, int min, FieldErrors errors)
    {
        if (text.Length < min || text.Length > MaxText)
        {
            errors.Add(field, min > 0 && text.Length == 0 ? "is required" : $"is {text.Length} characters; at most {MaxText}");
        }
    }

    private V1.Alert ToProto(ShownAlert shown) => AlertMapping.ToProto(shown, options.Value.Deadlines);
}
