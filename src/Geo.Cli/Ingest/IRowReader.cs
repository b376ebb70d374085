namespace Geo.Cli.Ingest;

/// <summary>Reads a file's records one at a time into a reused <see cref="InputRow"/>.</summary>
internal interface IRowReader
{
    /// <summary>Bytes of the file consumed so far, for progress.</summary>
    long Position { get; }

    /// <summary>
    /// The next record, or false at the end. A record the reader could make sense of comes back
    /// with its problems listed; a break the reader cannot get past throws <see cref="IngestFileException"/>.
    /// </summary>
    bool Read(InputRow row);
}
