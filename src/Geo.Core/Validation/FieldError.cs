namespace Geo.Core.Validation;

/// <summary>What is wrong with one field of a request, named by its path (e.g. <c>observations[3].location.latitude</c>).</summary>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Collects field errors under a path prefix while a request is checked.</summary>
public sealed class FieldErrors
{
    private readonly List<FieldError> _errors;
    private readonly string _prefix;

    public FieldErrors()
        : this([], string.Empty)
    {
    }

    private FieldErrors(List<FieldError> errors, string prefix)
    {
        _errors = errors;
        _prefix = prefix;
    }

    public bool Any => _errors.Count > 0;

    public IReadOnlyList<FieldError> All => _errors;

    public FieldError? First => _errors.Count > 0 ? _errors[0] : null;

    /// <summary>Errors added through the result are named <c>prefix.field</c> (or <c>prefix[index]</c>).</summary>
    public FieldErrors At(string field) => new(_errors, Join(_prefix, field));

    /// <summary>
    /// A caller's value quoted back in a message, cut short when long: a refusal must not grow with
    /// the input it refuses (a 100,000-character id quoted whole made a status no client could read).
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= 40 ? $"'{value}'" : $"'{value[..40]}...' ({value.Length} characters)";
    }

    public void Add(string field, string message) => _errors.Add(new FieldError(Join(_prefix, field), message));

    /// <summary>An error about the object at the current path itself.</summary>
    public void AddHere(string message) => _errors.Add(new FieldError(_prefix.Length == 0 ? "request" : _prefix, message));

    private static string Join(string prefix, string field) =>
        prefix.Length == 0 ? field : field.StartsWith('[') ? prefix + field : $"{prefix}.{field}";
}
