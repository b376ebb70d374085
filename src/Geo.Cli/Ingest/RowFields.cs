using System.Globalization;
using Geo.Api.V1;
using Geo.Core.Validation;
using Google.Protobuf.WellKnownTypes;

namespace Geo.Cli.Ingest;

/// <summary>
/// Reads one value of a row as the type its column holds, naming the column and what is wrong
/// when it cannot. An absent or null value is the type's default: whether that is allowed is for
/// the domain's rules to say.
/// </summary>
internal static class RowFields
{
    public static string Text(InputRow row, int slot)
    {
        ref var value = ref row.Values[slot];
        return value.Kind switch
        {
            ValueKind.Text => value.Text!,
            ValueKind.Number => value.Number.ToString("R", CultureInfo.InvariantCulture),
            _ => string.Empty,
        };
    }

    public static int Integer(InputRow row, int slot, string name, FieldErrors errors)
    {
        ref var value = ref row.Values[slot];
        double number;
        switch (value.Kind)
        {
            case ValueKind.Absent or ValueKind.Null:
                return 0;
            case ValueKind.Number:
                number = value.Number;
                break;
            case ValueKind.Text when double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                number = parsed;
                break;
            default:
                errors.Add(name, $"{Shown(value)} is not a whole number");
                return 0;
        }

        if (number != Math.Floor(number) || number is < int.MinValue or > int.MaxValue)
        {
            errors.Add(name, $"{number.ToString(CultureInfo.InvariantCulture)} is not a whole number");
            return 0;
        }

        return (int)number;
    }

    public static double Real(InputRow row, int slot, string name, FieldErrors errors)
    {
        ref var value = ref row.Values[slot];
        switch (value.Kind)
        {
            case ValueKind.Number:
                return value.Number;
            case ValueKind.Text when double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                if (!double.IsFinite(parsed))
                {
                    errors.Add(name, $"{value.Text} is not a finite number");
                }

                return parsed;
            case ValueKind.Absent or ValueKind.Null:
                errors.Add(name, "is required");
                return double.NaN;
            default:
                errors.Add(name, $"{Shown(value)} is not a number");
                return double.NaN;
        }
    }

    public static bool Boolean(InputRow row, int slot, string name, FieldErrors errors)
    {
        ref var value = ref row.Values[slot];
        switch (value.Kind)
        {
            case ValueKind.True:
                return true;
            case ValueKind.False or ValueKind.Absent or ValueKind.Null:
                return false;
            case ValueKind.Text when value.Text is "true" or "TRUE" or "True" or "1":
                return true;
            case ValueKind.Text when value.Text is "false" or "FALSE" or "False" or "0":
                return false;
            default:
                errors.Add(name, $"{Shown(value)} is not true or false");
                return false;
        }
    }

    /// <summary>An ISO 8601 time; one without an offset is taken as UTC, as every time in the service is.</summary>
    public static Timestamp? Time(InputRow row, int slot, string name, FieldErrors errors) => Parsed(row, slot, name, errors, "an ISO 8601 time (e.g. 2026-03-01T10:00:00Z)",
        text => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? Timestamp.FromDateTimeOffset(time)
            : null);

    public static CalendarDate? Date(InputRow row, int slot, string name, FieldErrors errors) => Parsed(row, slot, name, errors, "a date as yyyy-MM-dd",
        text => Arguments.CliOptions.ReadDay(text) is { } date ? new CalendarDate { Year = date.Year, Month = date.Month, Day = date.Day } : null);

    /// <summary>A value written as text; absent is null, text that does not parse is named with what was <paramref name="expected"/>.</summary>
    private static T? Parsed<T>(InputRow row, int slot, string name, FieldErrors errors, string expected, Func<string, T?> parse)
        where T : class
    {
        ref var value = ref row.Values[slot];
        if (value.Kind is ValueKind.Absent or ValueKind.Null)
        {
            return null;
        }

        if (value.Kind == ValueKind.Text && parse(value.Text!) is { } parsed)
        {
            return parsed;
        }

        errors.Add(name, $"{Shown(value)} is not {expected}");
        return null;
    }

    /// <summary>A code word (e.g. a category); absent is the enum's zero ("not given").</summary>
    public static TCode Code<TCode>(InputRow row, int slot, string name, CodeWords<TCode> words, FieldErrors errors)
        where TCode : struct, System.Enum
    {
        ref var value = ref row.Values[slot];
        if (value.Kind is ValueKind.Absent or ValueKind.Null)
        {
            return default;
        }

        if (value.Kind == ValueKind.Text && words.TryGet(value.Text!, out var code))
        {
            return code;
        }

        errors.Add(name, $"{Shown(value)} is not one of {words.Known}");
        return default;
    }

    private static string Shown(in RowValue value) => value.Kind switch
    {
        ValueKind.Text => $"'{value.Text}'",
        ValueKind.Number => value.Number.ToString("R", CultureInfo.InvariantCulture),
        ValueKind.True => "true",
        ValueKind.False => "false",
        ValueKind.Json => "an object",
        _ => "null",
    };
}

/// <summary>The words a file spells an enum with: the same as the service's feeds and indicators write.</summary>
internal sealed class CodeWords<TCode>
    where TCode : struct, System.Enum
{
    private readonly Dictionary<string, TCode> _codes;

    public CodeWords(IEnumerable<(string Word, TCode Code)> words)
    {
        _codes = words.ToDictionary(w => w.Word, w => w.Code, StringComparer.Ordinal);
        Known = string.Join(", ", _codes.Keys);
    }

    public string Known { get; }

    public bool TryGet(string word, out TCode code) => _codes.TryGetValue(word, out code);
}
