using Geo.Core.Validation;

namespace Geo.Cli.Ingest;

/// <summary>Rows refused, by the file check or by the service: one line each on stderr as <c>file:line: field: reason</c>.</summary>
internal sealed class Rejections(string file, TextWriter error)
{
    private long _rows;

    public long Rows => Interlocked.Read(ref _rows);

    public void Add(long line, string field, string reason)
    {
        Interlocked.Increment(ref _rows);
        Write(line, field, reason);
    }

    public void Add(long line, IEnumerable<(string Field, string Reason)> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        Interlocked.Increment(ref _rows);
        foreach (var (field, reason) in problems)
        {
            Write(line, field, reason);
        }
    }

    public void Add(long line, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Add(line, errors.Select(e => (e.Field, e.Message)));
    }

    private void Write(long line, string field, string reason) => error.WriteLine($"{file}:{line}: {field}: {reason}");
}
