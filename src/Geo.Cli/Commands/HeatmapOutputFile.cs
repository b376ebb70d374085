namespace Geo.Cli.Commands;

/// <summary>
/// A file the heatmap command writes: opened before the service is asked (so an unwritable path
/// is a usage error up front), written beside its final name and moved into place only when
/// complete, so a failure never leaves a half-written map or an old one truncated.
/// </summary>
internal sealed class HeatmapOutputFile : IAsyncDisposable
{
    private readonly string _path;
    private readonly string _partial;
    private bool _committed;

    private HeatmapOutputFile(string path, string partial, FileStream stream)
    {
        _path = path;
        _partial = partial;
        Stream = stream;
    }

    public FileStream Stream { get; }

    /// <summary>Opens the partial file for <paramref name="path"/>, or a usage error naming <paramref name="option"/>.</summary>
    public static HeatmapOutputFile Open(string path, string option)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new CliException(ExitCodes.Usage, $"{option}: {path} is a directory, not a file");
        }

        if (Path.GetDirectoryName(full) is { } directory && !Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.Usage, $"{option}: cannot write {path}: there is no directory {directory}");
        }

        var partial = full + ".part";
        try
        {
            return new HeatmapOutputFile(full, partial, new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"{option}: cannot write {path}: {e.Message.Replace(partial, full, StringComparison.Ordinal)}");
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_partial, _path, overwrite: true);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            File.Delete(_partial);
        }
    }
}
