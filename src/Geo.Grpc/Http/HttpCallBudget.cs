using System.Globalization;
using Geo.Grpc.Api;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Http;

/// <summary>
/// The HTTP side of the per-call time budget (GeoAwareness:Limits:MaxCallSeconds; gRPC calls get
/// theirs where their deadline is set). The request's RequestAborted token fires when the client
/// goes or the budget runs out, so every endpoint that passes it on stops; a request stopped by the
/// budget before its answer began is 504 DEADLINE_EXCEEDED, one stopped mid-answer is cut off.
/// </summary>
internal static class HttpCallBudget
{
    public static IApplicationBuilder UseHttpCallBudget(this IApplicationBuilder app) => app.Use((http, next) =>
        // gRPC and gRPC-Web calls have theirs as their deadline (GrpcHosting.UseGrpcCallBudget), and
        // pass without a state machine of this middleware's.
        http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true ? next(http) : WithinBudgetAsync(http, next));

    private static async Task WithinBudgetAsync(HttpContext http, RequestDelegate next)
    {
        var budget = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxCallDuration;
        var client = http.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(client);
        deadline.CancelAfter(budget);
        http.RequestAborted = deadline.Token;
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !client.IsCancellationRequested)
        {
            if (http.Response.HasStarted)
            {
                // Part of the answer is out: cutting the connection is the only way left to say it is not whole.
                http.Abort();
                return;
            }

            var status = new Status(StatusCode.DeadlineExceeded,
                string.Create(CultureInfo.InvariantCulture, $"the request ran past the server's time limit of {budget.TotalSeconds:0.###} s"));
            await HttpAccess.Problem(status).ExecuteAsync(http).ConfigureAwait(false);
        }
        finally
        {
            http.RequestAborted = client;
        }
    }
}
