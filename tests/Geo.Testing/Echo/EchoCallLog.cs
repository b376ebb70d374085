using System.Collections.Concurrent;

namespace Geo.Testing.Echo;

/// <summary>
/// What the Echo handler saw happen to its calls, keyed by the request's message: tests wait
/// here for proof that a deadline or a cancel reached the handler.
/// </summary>
public sealed class EchoCallLog
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new(StringComparer.Ordinal);

    public void RecordCancelled(string message) => Slot(message).TrySetResult();

    /// <summary>Completes when the handler of the call with this message saw its token fire.</summary>
    public Task WaitForCancellationAsync(string message, TimeSpan timeout) => Slot(message).Task.WaitAsync(timeout);

    public bool WasCancelled(string message) => Slot(message).Task.IsCompleted;

    private TaskCompletionSource Slot(string message) =>
        _cancelled.GetOrAdd(message, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
