using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Geo.Storage;
using Grpc.Health.V1;
using Microsoft.Extensions.Options;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Geo.Grpc.Services;

/// <summary>
/// grpc.health.v1.Health: every service is as healthy as the database, since none of them can
/// answer without it. "" means the server as a whole.
/// </summary>
internal sealed class HealthService
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    private readonly GeoDatabase _database;
    private readonly HashSet<string> _services;
    private readonly TimeSpan _watchInterval;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    public HealthService(
        GeoDatabase database,
        IEnumerable<GrpcServiceRegistration> registrations,
        IOptions<GrpcServerOptions> options,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory)
    {
        _database = database;
        _stopping = lifetime.ApplicationStopping;
        _services = new HashSet<string>(StringComparer.Ordinal) { string.Empty };
        foreach (var registration in registrations)
        {
            _services.Add(registration.Service.FullName);
        }

        _watchInterval = TimeSpan.FromSeconds(Math.Max(1, options.Value.HealthWatchIntervalSeconds));
        _logger = loggerFactory.CreateLogger<HealthService>();
    }

    public async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (!_services.Contains(request.Service))
        {
            throw new RpcException(StatusCode.NotFound, $"service: '{request.Service}' is not served here");
        }

        return new HealthCheckResponse { Status = await CurrentAsync(context.CancellationToken).ConfigureAwait(false) };
    }

    /// <summary>
    /// Polls, and sends a message when the status changes; runs until the caller leaves or the
    /// service stops, which it announces with NOT_SERVING so that shutdown does not wait on watchers.
    /// </summary>
    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var known = _services.Contains(request.Service);
        ServingStatus? last = null;
        while (!_stopping.IsCancellationRequested)
        {
            var status = known ? await CurrentAsync(cancellationToken).ConfigureAwait(false) : ServingStatus.ServiceUnknown;
            if (status != last)
            {
                await responses.WriteAsync(new HealthCheckResponse { Status = status }, cancellationToken).ConfigureAwait(false);
                last = status;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping);
            try
            {
                await Task.Delay(_watchInterval, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        if (known)
        {
            await responses.WriteAsync(new HealthCheckResponse { Status = ServingStatus.NotServing }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ServingStatus> CurrentAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            var readiness = await _database.CheckReadinessAsync(timeout.Token).ConfigureAwait(false);
            if (!readiness.Ready)
            {
                ServiceHealthLog.NotReady(_logger, readiness.Problem);
            }

            return readiness.Ready ? ServingStatus.Serving : ServingStatus.NotServing;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ServiceHealthLog.NotReady(_logger, $"the database did not answer within {CheckTimeout.TotalSeconds:0} s");
            return ServingStatus.NotServing;
        }
    }
}

internal static partial class ServiceHealthLog
{
    [LoggerMessage(201, LogLevel.Warning, "Health: NOT_SERVING because {Problem}")]
    public static partial void NotReady(ILogger logger, string? problem);
}
