using Geo.Cli.Connection;
using Grpc.Core;
using Google.Protobuf;

namespace Geo.Cli.Ingest;

/// <summary>
/// Sends a checked file of communities, bases or deployments one record at a time through the
/// Registry's create calls. A record already there with the same content is left as it is and
/// counted as already stored, so a second run is harmless; the service refusing one record (a
/// deployment at a base that does not exist) is reported at its line and the others still go.
/// </summary>
internal sealed class RegistrySender<TMessage>(
    ServiceConnection service, RegistryRecordType<TMessage> records, IngestState state, Rejections rejections, IngestMeter meter)
    where TMessage : class, IMessage<TMessage>, new()
{
    /// <summary>The state file is rewritten every this many rows, not after every call.</summary>
    private const int SaveEvery = 100;

    public async Task<SendOutcome> SendAsync(string path, IngestFormat format, long skip, CancellationToken cancellationToken)
    {
        var rows = new CheckedRows<TMessage>(path, format, records);
        long stored = 0;
        long alreadyStored = 0;
        var refused = false;
        foreach (var (message, line) in rows.After(skip))
        {
            try
            {
                var existed = await ExistsAsync(records.IdOf(message), cancellationToken).ConfigureAwait(false);
                await records.Create(service.Api.Registry, message, service.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                if (existed)
                {
                    alreadyStored++;
                }
                else
                {
                    stored++;
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
            {
                var colon = e.Status.Detail.IndexOf(": ", StringComparison.Ordinal);
                rejections.Add(line, colon > 0 ? e.Status.Detail[..colon] : "row", colon > 0 ? e.Status.Detail[(colon + 2)..] : e.Status.Detail);
                refused = true;
            }

            meter.Read(rows.Rows, rows.Position);
            meter.Acknowledge(1);
            if (rows.Rows % SaveEvery == 0)
            {
                await state.SaveAsync(rows.Rows, stored, alreadyStored).ConfigureAwait(false);
            }
        }

        return new SendOutcome(stored, alreadyStored, refused);
    }

    private async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await records.Get(service.Api.Registry, id, service.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }
}
