using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Geo.Testing.Echo;

/// <summary>
/// What the Echo handler saw happen to its calls, keyed by the request's message: tests wait
/// here for proof that a deadline or a cancel reached the handler, and count a server
/// stream's completed writes (backpressure tests).
/// </summary>
public sealed class EchoCallLog
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<int>> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _entered = new(StringComparer.Ordinal);

    /// <summary>The handler of the call with this message began (a call whose deadline passes before dispatch never does).</summary>
    public void RecordEntered(string message) => _entered[message] = true;

    public bool WasEntered(string message) => _entered.ContainsKey(message);

    public void RecordCancelled(string message) => Slot(message).TrySetResult();

    /// <summary>Completes when the handler of the call with this message saw its token fire.</summary>
    public Task WaitForCancellationAsync(string message, TimeSpan timeout) => Slot(message).Task.WaitAsync(timeout);

    public bool WasCancelled(string message) => Slot(message).Task.IsCompleted;

    /// <summary>A server-stream handler's write of one message completed (the transport took it).</summary>
    public void RecordWritten(string message) => Interlocked.Increment(ref _written.GetOrAdd(message, _ => new StrongBox<int>()).Value);

    /// <summary>How many messages the handler of the server stream with this message has written so far.</summary>
    public int Written(string message) => _written.TryGetValue(message, out var count) ? Volatile.Read(ref count.Value) : 0;

    private TaskCompletionSource Slot(string message) =>
        _cancelled.GetOrAdd(message, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
