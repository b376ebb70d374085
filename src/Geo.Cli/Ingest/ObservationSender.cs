using System.Text.RegularExpressions;
using System.Threading.Channels;
using Geo.Api.V1;
using Geo.Cli.Connection;
using Grpc.Core;

namespace Geo.Cli.Ingest;

/// <summary>
/// Sends a checked file of observations through the client-streaming Observations.Ingest. One task
/// reads and converts rows into messages of <see cref="MessageRows"/> while this one streams them;
/// every <c>rowsPerCall</c> rows a call is closed and its answer awaited while the next call
/// streams, so the service is never idle. A call's answer is the acknowledgement the state
/// file records; ids make a resent call harmless.
/// </summary>
internal sealed partial class ObservationSender(
    ServiceConnection service, ObservationRecords records, IngestState state, Rejections rejections, IngestMeter meter)
{
    public const int MessageRows = 1000;

    private long _acknowledged;
    private long _stored;
    private long _alreadyStored;

    /// <summary>Up to three ids the service said were stored before, for the summary.</summary>
    public List<string> AlreadyStoredExamples { get; } = [];

    /// <param name="skip">Rows acknowledged by an earlier run of the same file.</param>
    public async Task<SendOutcome> SendAsync(string path, IngestFormat format, long skip, int rowsPerCall, CancellationToken cancellationToken)
    {
        _acknowledged = skip;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ProduceAsync(path, format, skip, batches.Writer, stop.Token), stop.Token);
        Call? streaming = null;
        Call? finishing = null;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                streaming ??= new Call(service.Api.Observations.Ingest(service.Options(stop.Token)));
                if (!await WriteAsync(streaming, batch, stop.Token).ConfigureAwait(false))
                {
                    return Refused(stop);
                }

                if (streaming.Rows >= rowsPerCall)
                {
                    if (!await CloseAsync(streaming).ConfigureAwait(false) || (finishing is not null && !await AcknowledgeAsync(finishing).ConfigureAwait(false)))
                    {
                        return Refused(stop);
                    }

                    finishing?.Dispose();
                    (finishing, streaming) = (streaming, null);
                }
            }

            if ((streaming is not null && !await CloseAsync(streaming).ConfigureAwait(false))
                || (finishing is not null && !await AcknowledgeAsync(finishing).ConfigureAwait(false))
                || (streaming is not null && !await AcknowledgeAsync(streaming).ConfigureAwait(false)))
            {
                return Refused(stop);
            }

            await producer.ConfigureAwait(false);
            return new SendOutcome(_stored, _alreadyStored, Refused: false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)producer).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            streaming?.Dispose();
            finishing?.Dispose();
        }
    }

    private SendOutcome Refused(CancellationTokenSource stop)
    {
        stop.Cancel();
        return new SendOutcome(_stored, _alreadyStored, Refused: true);
    }

    private async Task ProduceAsync(string path, IngestFormat format, long skip, ChannelWriter<Batch> batches, CancellationToken cancellationToken)
    {
        try
        {
            var rows = new CheckedRows<Observation>(path, format, records);
            var batch = new Batch();
            foreach (var (message, line) in rows.After(skip))
            {
                batch.Add(message, line);
                if (batch.Count == MessageRows)
                {
                    await batches.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    meter.Read(rows.Rows, rows.Position);
                    batch = new Batch();
                }
            }

            if (batch.Count > 0)
            {
                await batches.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            meter.Read(rows.Rows, rows.Position);
            batches.Complete();
        }
        catch (Exception e)
        {
            batches.Complete(e);
        }
    }

    private async Task<bool> WriteAsync(Call call, Batch batch, CancellationToken cancellationToken)
    {
        call.Lines.Add(batch.Lines);
        call.Rows += batch.Count;
        try
        {
            await call.Inner.RequestStream.WriteAsync(batch.Message, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The service ended the call early (it refused a message): its status says why.
            return await AcknowledgeAsync(call).ConfigureAwait(false) ? throw new InvalidOperationException("the service ended Ingest early without an error", e) : false;
        }
    }

    private async Task<bool> CloseAsync(Call call)
    {
        try
        {
            await call.Inner.RequestStream.CompleteAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await AcknowledgeAsync(call).ConfigureAwait(false) ? throw new InvalidOperationException("the service ended Ingest early without an error", e) : false;
        }
    }

    /// <summary>Waits for a closed call's answer and records it; false when the service refused a row of it (reported).</summary>
    private async Task<bool> AcknowledgeAsync(Call call)
    {
        IngestResponse response;
        try
        {
            response = await call.Inner.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
        {
            ReportRefusal(call, e.Status.Detail);
            return false;
        }

        if (response.Received != call.Rows)
        {
            throw new CliException(ExitCodes.Failed, $"the service received {response.Received} of the {call.Rows} rows sent in one call");
        }

        _acknowledged += call.Rows;
        _stored += response.Stored;
        _alreadyStored += response.AlreadyStored;
        for (var i = 0; i < response.AlreadyStoredIds.Count && AlreadyStoredExamples.Count < 3; i++)
        {
            AlreadyStoredExamples.Add(response.AlreadyStoredIds[i]);
        }

        meter.Acknowledge(call.Rows);
        await state.SaveAsync(_acknowledged, _stored, _alreadyStored).ConfigureAwait(false);
        return true;
    }

    /// <summary>The service names the refused row as requests[k].observations[i]: that row's line in the file.</summary>
    private void ReportRefusal(Call call, string detail)
    {
        var match = RefusedItem().Match(detail);
        if (match.Success && int.TryParse(match.Groups[1].ValueSpan, out var message) && int.TryParse(match.Groups[2].ValueSpan, out var item)
            && message < call.Lines.Count && item < call.Lines[message].Length)
        {
            var field = match.Groups[3].Success ? match.Groups[3].Value : "row";
            rejections.Add(call.Lines[message][item], field, match.Groups[4].Value);
        }
        else
        {
            rejections.Add(call.Lines.Count > 0 ? call.Lines[0][0] : 0, "rows", detail);
        }
    }

    [GeneratedRegex(@"^requests\[(\d+)\]\.observations\[(\d+)\](?:\.([^:\s]+))?: (.*)$", RegexOptions.Singleline)]
    private static partial Regex RefusedItem();

    /// <summary>One message and the lines its rows start on.</summary>
    private sealed class Batch
    {
        private readonly List<long> _lines = new(MessageRows);

        public IngestRequest Message { get; } = new();

        public int Count => _lines.Count;

        public long[] Lines => [.. _lines];

        public void Add(Observation observation, long line)
        {
            Message.Observations.Add(observation);
            _lines.Add(line);
        }
    }

    /// <summary>One Ingest call: the lines of each message sent in it, to name a refused row.</summary>
    private sealed class Call(AsyncClientStreamingCall<IngestRequest, IngestResponse> inner) : IDisposable
    {
        public AsyncClientStreamingCall<IngestRequest, IngestResponse> Inner => inner;

        public List<long[]> Lines { get; } = [];

        public int Rows { get; set; }

        public void Dispose() => inner.Dispose();
    }
}
