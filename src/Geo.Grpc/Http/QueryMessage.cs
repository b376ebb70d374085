using System.Globalization;
using System.Text;
using System.Text.Json;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Grpc.Core;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Primitives;

namespace Geo.Grpc.Http;

/// <summary>
/// A request message read from the query string of a GET: each parameter is a field in its proto3
/// JSON name, dotted into nested messages (<c>area.bbox.west=29</c>), repeated by repeating the key
/// (<c>categories=A&amp;categories=B</c>). The parameters become one JSON object that Google.Protobuf's
/// JsonParser reads with unknown fields refused, so a URL reads exactly as the proto3 JSON mapping
/// reads the same values (enum names or numbers, RFC 3339 times, durations such as 3600s, "NaN").
/// A parameter that names no field, is given without a value, or whose value does not read, is
/// INVALID_ARGUMENT naming it.
/// </summary>
internal static class QueryMessage
{
    private const string WellKnownPackage = "google.protobuf";

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>What a parameter given without a value is told: in a URL, leaving it out is how to ask for the default.</summary>
    public const string EmptyProblem = "is empty: give a value, or leave the parameter out";

    /// <summary>A parameter's name as a refusal names it: a name left empty ("?=x") is still named.</summary>
    public static string NameOf(string parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.Length == 0 ? "(a parameter without a name)" : parameter;
    }

    /// <summary>
    /// The plain parameters of a route that reads them by name (not as a message): each must be one
    /// of <paramref name="allowed"/>, given once, and not empty. INVALID_ARGUMENT naming each that is not.
    /// </summary>
    /// <returns>The value of a parameter by name, or null when it was not given.</returns>
    public static Func<string, string?> Plain(IQueryCollection query, string route, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(allowed);
        var errors = new FieldErrors();
        foreach (var (name, values) in query)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(NameOf(name), $"is not a parameter of GET {route} ({string.Join(", ", allowed)})");
            }
            else if (values.Count > 1)
            {
                errors.Add(name, $"is given {values.Count} times; give it once");
            }
            else if (string.IsNullOrEmpty(values[0]))
            {
                // "hxl=" read as false and "level=" as the mission: a value left empty is refused, as
                // a message's parameters are.
                errors.Add(name, EmptyProblem);
            }
        }

        ApiErrors.ThrowIfAny(errors);
        return name => query.TryGetValue(name, out var value) ? value.ToString() : null;
    }

    /// <summary>The message of type <paramref name="descriptor"/> the parameters describe.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT naming the first parameter that is unknown, misplaced, repeated or unreadable.</exception>
    public static IMessage Read(IEnumerable<KeyValuePair<string, StringValues>> query, MessageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(descriptor);
        var root = new Group(descriptor, string.Empty);
        var parameters = new List<(string Name, FieldDescriptor Field, string[] Values)>();
        foreach (var (name, values) in query)
        {
            var texts = values.Select(v => v ?? string.Empty).ToArray();
            parameters.Add((name, root.Add(name, texts), texts));
            // proto3 cannot tell a field left out from one set to its default; a URL can, and an
            // empty value ("limit=") is a mistake to hear about, not a request for the default.
            if (texts.Any(t => t.Length == 0))
            {
                throw ApiErrors.InvalidArgument(name, EmptyProblem);
            }
        }

        try
        {
            return Parser.Parse(root.ToJson(), descriptor);
        }
        catch (InvalidProtocolBufferException)
        {
            // Which one: each value read on its own, so that the answer names the parameter and value.
            foreach (var (name, field, values) in parameters)
            {
                foreach (var value in values)
                {
                    var alone = new Group(descriptor, string.Empty);
                    alone.Add(name, [value]);
                    try
                    {
                        Parser.Parse(alone.ToJson(), descriptor);
                    }
                    catch (InvalidProtocolBufferException e)
                    {
                        throw ApiErrors.InvalidArgument(name, Unreadable(field, value, e));
                    }
                }
            }

            throw;
        }
    }

    /// <summary>
    /// A validation message whose leading field path is in proto field names
    /// (<c>cell_size_metres: 50 is out of range</c>) with that path in the parameters' JSON names
    /// (<c>cellSizeMetres: 50 is out of range</c>), so that an HTTP caller is told the parameter it gave.
    /// </summary>
    public static string InParameterNames(string detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var colon = detail.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0 || detail.AsSpan(0, colon).ContainsAny(' ', '\'', '"'))
        {
            return detail;
        }

        return string.Join('.', detail[..colon].Split('.').Select(JsonName)) + detail[colon..];
    }

    /// <summary>A value quoted back to its sender, cut short when long.</summary>
    public static string Shorten(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= 40 ? text : text[..40] + "...";
    }

    /// <summary>lower_snake to lowerCamel as protoc derives a JSON name, keeping an index such as [3].</summary>
    private static string JsonName(string segment)
    {
        var name = new StringBuilder(segment.Length);
        var upper = false;
        foreach (var c in segment)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }

            name.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return name.ToString();
    }

    /// <summary>Times, durations and wrappers are written as one JSON value, not as an object of parameters.</summary>
    private static bool IsValue(FieldDescriptor field) =>
        field.FieldType != FieldType.Message || field.MessageType.File.Package == WellKnownPackage;

    /// <summary>The dotted path from a group to its first single value, for an example (.bbox.west under an area).</summary>
    private static string FirstPart(MessageDescriptor group)
    {
        var path = new StringBuilder();
        while (true)
        {
            var first = group.Fields.InDeclarationOrder()[0];
            path.Append('.').Append(first.JsonName);
            if (IsValue(first))
            {
                return path.ToString();
            }

            group = first.MessageType;
        }
    }

    private static string Unreadable(FieldDescriptor field, string value, InvalidProtocolBufferException error)
    {
        var quoted = $"'{Shorten(value)}'";
        return field.FieldType switch
        {
            FieldType.Bool => $"{quoted} is not true or false",
            FieldType.Enum => $"{quoted} is not one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))} (or its number)",
            FieldType.Double or FieldType.Float => $"{quoted} is not a number",
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => $"{quoted} is not a whole number from {int.MinValue} to {int.MaxValue}",
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => $"{quoted} is not a whole number from {long.MinValue} to {long.MaxValue}",
            FieldType.UInt32 or FieldType.Fixed32 or FieldType.UInt64 or FieldType.Fixed64 => $"{quoted} is not a whole number of 0 or more",
            FieldType.Bytes => $"{quoted} is not base64",
            FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" => $"{quoted} is not an RFC 3339 time such as 2026-03-01T00:00:00Z",
            FieldType.Message when field.MessageType.FullName == "google.protobuf.Duration" => $"{quoted} is not a duration in seconds such as 86400s",
            _ => $"{quoted} cannot be read: {error.Message}",
        };
    }

    /// <summary>One message's parameters as they are gathered: its fields given so far, in the order first given.</summary>
    private sealed class Group(MessageDescriptor descriptor, string path)
    {
        private readonly List<Member> _members = [];

        /// <summary>Places a parameter's values under the field its dotted name leads to, and returns that field.</summary>
        public FieldDescriptor Add(string parameter, string[] values)
        {
            var group = this;
            var segments = parameter.Split('.');
            for (var i = 0; ; i++)
            {
                var field = group.FieldNamed(parameter, segments[i]);
                var last = i == segments.Length - 1;
                if (field.IsMap || (field.IsRepeated && !IsValue(field)))
                {
                    throw ApiErrors.InvalidArgument(parameter, $"{group.Child(field.JsonName)} is a list of groups, which a URL cannot give; use gRPC");
                }

                if (IsValue(field))
                {
                    if (!last)
                    {
                        throw ApiErrors.InvalidArgument(parameter, $"{group.Child(field.JsonName)} is a single value with no parts: give it as {group.Child(field.JsonName)}=...");
                    }

                    group.SetValues(parameter, field, values);
                    return field;
                }

                if (last)
                {
                    throw ApiErrors.InvalidArgument(parameter, $"is a group: give its parts, such as {parameter}{FirstPart(field.MessageType)}=...");
                }

                group = group.Enter(parameter, field);
            }
        }

        public string ToJson()
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                Write(json);
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        private string Child(string name) => path.Length == 0 ? name : $"{path}.{name}";

        private FieldDescriptor FieldNamed(string parameter, string name)
        {
            var fields = descriptor.Fields.InDeclarationOrder();
            if (fields.FirstOrDefault(f => f.JsonName == name) is { } field)
            {
                return field;
            }

            var hint = fields.FirstOrDefault(f => f.Name == name || string.Equals(f.JsonName, name, StringComparison.OrdinalIgnoreCase)) is { } near
                ? $"did you mean {Child(near.JsonName)}?"
                : $"known here: {string.Join(", ", fields.Where(f => f.GetOptions()?.Deprecated != true).Select(f => Child(f.JsonName)))}";
            throw ApiErrors.InvalidArgument(NameOf(parameter), $"is not a parameter ({hint})");
        }

        private Group Enter(string parameter, FieldDescriptor field)
        {
            if (_members.FirstOrDefault(m => m.Field == field) is { Group: { } existing })
            {
                return existing;
            }

            CheckOneOf(parameter, field);
            var group = new Group(field.MessageType, Child(field.JsonName));
            _members.Add(new Member(field, parameter, group, null));
            return group;
        }

        private void SetValues(string parameter, FieldDescriptor field, string[] values)
        {
            if (!field.IsRepeated && values.Length > 1)
            {
                throw ApiErrors.InvalidArgument(parameter, "is given more than once");
            }

            CheckOneOf(parameter, field);
            _members.Add(new Member(field, parameter, null, values));
        }

        /// <summary>Two fields of one oneof would have the parser keep one silently: refused, naming both.</summary>
        private void CheckOneOf(string parameter, FieldDescriptor field)
        {
            if (field.RealContainingOneof is not { } oneOf)
            {
                return;
            }

            if (_members.FirstOrDefault(m => m.Field != field && m.Field.RealContainingOneof == oneOf) is { } other)
            {
                var choices = string.Join(", ", oneOf.Fields.Select(f => f.JsonName));
                throw ApiErrors.InvalidArgument(parameter, $"{(path.Length == 0 ? "the request" : path)} takes one of {choices}, and {other.Parameter} was given too");
            }
        }

        private void Write(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            foreach (var member in _members)
            {
                json.WritePropertyName(member.Field.JsonName);
                if (member.Group is { } group)
                {
                    group.Write(json);
                }
                else if (member.Field.IsRepeated)
                {
                    json.WriteStartArray();
                    foreach (var value in member.Values!)
                    {
                        WriteValue(json, member.Field, value);
                    }

                    json.WriteEndArray();
                }
                else
                {
                    WriteValue(json, member.Field, member.Values![0]);
                }
            }

            json.WriteEndObject();
        }

        /// <summary>
        /// A text as the JSON value the mapping expects: the literals true and false for booleans,
        /// a number for an enum given by its number, a string for everything else (the parser reads
        /// numbers, times and enum names from strings).
        /// </summary>
        private static void WriteValue(Utf8JsonWriter json, FieldDescriptor field, string text)
        {
            if (field.FieldType == FieldType.Bool && text is "true" or "false")
            {
                json.WriteBooleanValue(text == "true");
            }
            else if (field.FieldType == FieldType.Enum && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                json.WriteNumberValue(number);
            }
            else
            {
                json.WriteStringValue(text);
            }
        }

        private sealed record Member(FieldDescriptor Field, string Parameter, Group? Group, string[]? Values);
    }
}
