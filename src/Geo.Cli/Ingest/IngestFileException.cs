namespace Geo.Cli.Ingest;

/// <summary>The file cannot be read on past this point (broken JSON, a CSV header without its columns): reported at its line.</summary>
internal sealed class IngestFileException : Exception
{
    public IngestFileException(long line, string field, string reason)
        : base($"{line}: {field}: {reason}")
    {
        Line = line;
        Field = field;
        Reason = reason;
    }

    public IngestFileException()
    {
    }

    public IngestFileException(string message)
        : base(message)
    {
    }

    public IngestFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public long Line { get; }

    public string Field { get; } = string.Empty;

    public string Reason { get; } = string.Empty;
}
