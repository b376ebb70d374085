namespace Geo.Cli.Ingest;

/// <summary>How far a run has got, written by the reading and sending tasks and read by the progress display.</summary>
internal sealed class IngestMeter
{
    private long _bytes;
    private long _rows;
    private long _acknowledged;

    public IngestMeter(long fileBytes) => FileBytes = fileBytes;

    public long FileBytes { get; }

    public string Phase { get; set; } = "checking";

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Rows the service has acknowledged in this run.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public void Read(long rows, long bytes)
    {
        Interlocked.Exchange(ref _rows, rows);
        Interlocked.Exchange(ref _bytes, bytes);
    }

    public void Acknowledge(long rows) => Interlocked.Add(ref _acknowledged, rows);

    public void Restart(string phase)
    {
        Phase = phase;
        Read(0, 0);
    }
}
