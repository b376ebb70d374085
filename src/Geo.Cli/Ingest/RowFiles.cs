namespace Geo.Cli.Ingest;

/// <summary>Opens a file for reading by rows, in the format given.</summary>
internal static class RowFiles
{
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

    public static IRowReader Reader(Stream stream, IngestFormat format, ColumnSet? columns) =>
        format == IngestFormat.GeoJson ? new GeoJsonRowReader(stream, columns) : new CsvRowReader(stream, columns);

    /// <summary>The property names of the first feature, or the CSV header: enough to tell the kind.</summary>
    public static IReadOnlyCollection<string> FirstNames(string path, IngestFormat format)
    {
        using var stream = OpenRead(path);
        try
        {
            if (format == IngestFormat.Csv)
            {
                return new CsvRowReader(stream, columns: null).Header;
            }

            var reader = new GeoJsonRowReader(stream, columns: null);
            reader.Read(new InputRow(0));
            return reader.FirstNames;
        }
        catch (IngestFileException)
        {
            // The check reports the file's fault at its line; the kind is then asked for.
            return [];
        }
    }

    /// <summary>The format by extension, else by the first byte that is not white space.</summary>
    public static IngestFormat? InferFormat(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".geojson" or ".json")
        {
            return IngestFormat.GeoJson;
        }

        if (extension is ".csv")
        {
            return IngestFormat.Csv;
        }

        using var stream = OpenRead(path);
        Span<byte> head = stackalloc byte[256];
        var text = head[..stream.Read(head)];
        foreach (var b in text)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
            {
                continue;
            }

            return b == (byte)'{' ? IngestFormat.GeoJson : IngestFormat.Csv;
        }

        return null;
    }
}
