using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage.Webhooks;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Webhooks;

/// <summary>geoawareness.v1.Webhooks: hooks for systems that cannot hold a watch open, managed by administrators.</summary>
internal sealed class WebhooksHandler(WebhookDesk desk) : V1.Webhooks.WebhooksBase
{
    private const int MaxName = 200;
    private const int MaxUrl = 2000;
    private const int MaxDeliveries = 1000;

    public override async Task<V1.CreatedWebhook> CreateWebhook(V1.CreateWebhookRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        if (request.Name.Trim().Length == 0 || request.Name.Length > MaxName)
        {
            errors.Add("name", $"must have 1 to {MaxName} characters, not only spaces");
        }

        CheckUrl(request.Url, errors);
        if (request.TokenId.Length == 0)
        {
            errors.Add("token_id", "is required: the token the hook acts for (Access.ListTokens)");
        }

        if (request.Watch is null)
        {
            errors.Add("watch", "is required: what to deliver, as for a watch (an empty filter: everything the token may see)");
        }

        ApiErrors.ThrowIfAny(errors);
        var issued = await desk.CreateAsync(request.Name, request.Url, request.TokenId, request.Watch!, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        return new V1.CreatedWebhook { Webhook = ToProto(issued.Hook), Secret = issued.Secret };
    }

    public override async Task<V1.Webhook> GetWebhook(V1.WebhookRequest request, ServerCallContext context) =>
        ToProto(await desk.GetAsync(Id(request.Id), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListWebhooksResponse> ListWebhooks(V1.ListWebhooksRequest request, ServerCallContext context)
    {
        var response = new V1.ListWebhooksResponse();
        await foreach (var hook in desk.ListAsync(context.CancellationToken).ConfigureAwait(false))
        {
            response.Webhooks.Add(ToProto(hook));
        }

        return response;
    }

    public override async Task<V1.Webhook> PauseWebhook(V1.WebhookRequest request, ServerCallContext context) =>
        ToProto(await desk.SetStateAsync(Id(request.Id), WebhookState.Paused, context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.Webhook> ResumeWebhook(V1.WebhookRequest request, ServerCallContext context) =>
        ToProto(await desk.SetStateAsync(Id(request.Id), WebhookState.Active, context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.CreatedWebhook> RotateWebhookSecret(V1.WebhookRequest request, ServerCallContext context)
    {
        var issued = await desk.RotateSecretAsync(Id(request.Id), context.Caller(), context.CancellationToken).ConfigureAwait(false);
        return new V1.CreatedWebhook { Webhook = ToProto(issued.Hook), Secret = issued.Secret };
    }

    public override async Task<V1.Webhook> DeleteWebhook(V1.WebhookRequest request, ServerCallContext context) =>
        ToProto(await desk.DeleteAsync(Id(request.Id), context.Caller(), context.CancellationToken).ConfigureAwait(false));

    public override async Task<V1.ListDeliveriesResponse> ListDeliveries(V1.ListDeliveriesRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > MaxDeliveries)
        {
            throw ApiErrors.InvalidArgument("limit", $"{request.Limit} is not between 0 (100) and {MaxDeliveries}");
        }

        var response = new V1.ListDeliveriesResponse();
        await foreach (var logged in desk.ListDeliveriesAsync(Id(request.Id), request.Limit == 0 ? 100 : request.Limit, context.CancellationToken).ConfigureAwait(false))
        {
            var attempt = logged.Attempt;
            response.Deliveries.Add(new V1.WebhookDelivery
            {
                AttemptedAt = ApiMapping.ToTimestamp(logged.At),
                EventCursor = attempt.EventCursor,
                EventKind = attempt.EventKind,
                Attempt = attempt.Attempt,
                HttpStatus = attempt.HttpStatus ?? 0,
                Delivered = attempt.Delivered,
                Error = attempt.Error,
                DurationMs = attempt.DurationMs,
            });
        }

        return response;
    }

    /// <summary>An absolute http(s) URL without user info: credentials in a URL end up in logs and listings.</summary>
    private static void CheckUrl(string url, FieldErrors errors)
    {
        if (url.Length == 0 || url.Length > MaxUrl)
        {
            errors.Add("url", $"must have 1 to {MaxUrl} characters");
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("url", $"{FieldErrors.Quote(url)} is not an absolute http or https URL");
        }
        else if (uri.UserInfo.Length > 0)
        {
            errors.Add("url", "carries a user name or password: a receiver authenticates deliveries by their signature (X-GeoAwareness-Signature)");
        }
        else if (uri.Fragment.Length > 0)
        {
            errors.Add("url", "has a fragment (#...), which is never sent to the receiver");
        }
    }

    private static string Id(string id)
    {
        if (id.Length == 0 || id.Length > 64)
        {
            throw ApiErrors.InvalidArgument("id", "must be a webhook's id (hook-...), as CreateWebhook or ListWebhooks gave it");
        }

        return id;
    }

    private static V1.Webhook ToProto(StoredWebhook hook) => new()
    {
        Id = hook.Id,
        Name = hook.Name,
        Url = hook.Url,
        TokenId = hook.TokenId,
        Watch = V1.WatchRequest.Parser.ParseFrom(hook.Request),
        State = (V1.WebhookState)hook.State,
        StateReason = hook.StateReason,
        Cursor = hook.Cursor,
        ConsecutiveFailures = hook.Failures,
        NextAttemptAt = ApiMapping.ToTimestamp(hook.NextAttemptAt),
        Delivered = hook.Delivered,
        LastDeliveredAt = hook.LastDeliveredAt is { } last ? ApiMapping.ToTimestamp(last) : null,
        CreatedBy = hook.CreatedBy,
        CreatedAt = ApiMapping.ToTimestamp(hook.CreatedAt),
    };
}
