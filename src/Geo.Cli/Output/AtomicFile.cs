namespace Geo.Cli.Output;

/// <summary>
/// A file written whole or not at all: the content goes to a temporary file beside it, is forced
/// to disk, and only then renamed over the old one. A failure part-way (or disposing without
/// <see cref="CommitAsync"/>) leaves the old file as it was and removes the temporary one.
/// </summary>
internal sealed class AtomicFile : IAsyncDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private bool _committed;

    private AtomicFile(string path, string temporary, FileStream stream)
    {
        _path = path;
        _temporary = temporary;
        Stream = stream;
    }

    public FileStream Stream { get; }

    /// <summary>Creates the temporary file for <paramref name="path"/>; its directory must exist.</summary>
    public static AtomicFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var temporary = TemporaryPathFor(full);
        return new AtomicFile(full, temporary, new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true));
    }

    /// <summary>Where <paramref name="path"/>'s content goes until it is committed: a failure to open names this path, not the final one.</summary>
    public static string TemporaryPathFor(string path) => $"{Path.GetFullPath(path)}.{Environment.ProcessId}.part";

    /// <summary>Writes <paramref name="path"/> (creating its directory) with what <paramref name="write"/> puts in the stream.</summary>
    public static async Task<T> WriteAsync<T>(string path, Func<Stream, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var file = Open(path);
        var result = await write(file.Stream).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Forces the content to disk, then renames it into place.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        Stream.Flush(flushToDisk: true);
        await Stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_temporary, _path, overwrite: true);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            File.Delete(_temporary);
        }
    }
}
