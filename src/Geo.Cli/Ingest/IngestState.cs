using System.Security.Cryptography;
using System.Text.Json;
using Geo.Cli.Output;

namespace Geo.Cli.Ingest;

/// <summary>Which file a run read: its size, time of last change and the hash of its first MiB.</summary>
internal sealed record FileIdentity(long Size, DateTime ModifiedUtc, string HeadSha256)
{
    public static FileIdentity Of(string path)
    {
        var info = new FileInfo(path);
        using var file = File.OpenRead(path);
        var head = new byte[(int)Math.Min(info.Length, 1 << 20)];
        file.ReadExactly(head);
        return new FileIdentity(info.Length, info.LastWriteTimeUtc, Convert.ToHexString(SHA256.HashData(head)));
    }
}

/// <summary>What the state file records: the file, its kind, and how many of its rows the service has acknowledged.</summary>
internal sealed record IngestProgressRecord(string File, string Kind, FileIdentity Identity, long RowsAcknowledged, long Stored, long AlreadyStored, DateTime UpdatedUtc);

/// <summary>
/// The state file beside the input (or where --state says) that makes an interrupted run
/// resumable: written after every acknowledgement, replaced atomically so a kill never leaves
/// half a file, and removed when the file has been read to its end.
/// </summary>
internal sealed class IngestState(string path, string file, IngestKind kind, FileIdentity identity)
{
    public const string Suffix = ".geoaware-ingest";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Path => path;

    /// <summary>The earlier run's record when it was of this same file and kind; null otherwise.</summary>
    public IngestProgressRecord? Earlier { get; private set; }

    /// <summary>There was a state file, but of another file (or another version of it) or kind.</summary>
    public bool Stale { get; private set; }

    public void Load()
    {
        if (!File.Exists(path))
        {
            return;
        }

        IngestProgressRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<IngestProgressRecord>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            record = null;
        }

        if (record is not null && record.Identity == identity && record.Kind == IngestNames.Of(kind))
        {
            Earlier = record;
        }
        else
        {
            Stale = true;
        }
    }

    /// <summary>
    /// Records the acknowledged rows. Not cancellable: the service has already stored them, and a
    /// record lost to Ctrl+C would only make the next run send them again.
    /// </summary>
    public async Task SaveAsync(long rowsAcknowledged, long stored, long alreadyStored)
    {
        var record = new IngestProgressRecord(System.IO.Path.GetFullPath(file), IngestNames.Of(kind), identity, rowsAcknowledged, stored, alreadyStored, DateTime.UtcNow);
        await AtomicFile.WriteAsync(path, async stream =>
        {
            await JsonSerializer.SerializeAsync(stream, record, Json, CancellationToken.None).ConfigureAwait(false);
            return record;
        }, CancellationToken.None).ConfigureAwait(false);
    }

    public void Delete() => File.Delete(path);
}
