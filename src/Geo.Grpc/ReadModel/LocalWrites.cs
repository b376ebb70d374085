using System.Collections.Concurrent;
using Geo.Core.Access;
using Geo.Grpc.Access;

namespace Geo.Grpc.ReadModel;

/// <summary>
/// Counts the calls to this service that may have changed what the read model holds, as each ends
/// (before its answer leaves): every method whose permission is not one to read. The model uses
/// the count to know that nothing was written through this service since its last catch-up, so a
/// caller still reads its own writes when a request skips the catch-up. Reads (Read* and watch
/// permissions) are not counted; anything else is, a few more catch-ups being cheaper than a miss.
/// </summary>
internal sealed class LocalWrites(RpcPermissions permissions)
{
    private readonly ConcurrentDictionary<string, bool> _mayWrite = new(StringComparer.Ordinal);
    private long _ended;

    /// <summary>Calls that may have written, ended so far.</summary>
    public long Ended => Interlocked.Read(ref _ended);

    public bool MayWrite(string method) => _mayWrite.GetOrAdd(method, static (path, table) =>
        table.For(path) is not { } permission || !(permission == Permission.WatchChanges || permission.ToString().StartsWith("Read", StringComparison.Ordinal)),
        permissions);

    public void End() => Interlocked.Increment(ref _ended);
}
