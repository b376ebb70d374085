using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Geo.Testing;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Geo.Grpc.Tests.Hostile;

/// <summary>
/// Random and adversarial values for the fuzz tests, generated from the proto descriptors: every
/// field of every message gets edge cases of its type (NaN, ±∞, int.MinValue, unknown enum values,
/// very long and non-ASCII text, deep and huge WKT and GeoJSON), mixed with values plausible for its
/// name (coordinates near Goma, cell sizes, dates of the current year) so that calls also get past
/// validation into the code behind it.
/// </summary>
internal static class FuzzValues
{
    /// <summary>Submessages deeper than this are left unset, so that generation stays bounded.</summary>
    private const int MaxDepth = 5;

    private static readonly string[] IdNames =
    [
        "id", "client_id", "base_id", "community_id", "home_community_id", "observation_id", "sector", "sectors", "subject", "reporter_id",
        "cla_id", "target_id", "actor", "reviewer_id", "recorded_by", "submitted_by", "community_ids", "base_ids", "target_kind",
    ];

    private static readonly string[] AdversarialText =
    [
        string.Empty, " ", "\0", "x\0y", "'; DROP TABLE observations; --", "' OR '1'='1", "%s%n%x", "\u202eevil", "é", "北京市", "\uFFFD", "🙂🙂",
        "../../etc/passwd", "${jndi:ldap://x}", "<script>alert(1)</script>", "line\nbreak", "tab\there", "NaN", "-1", "1e400", "null", "true",
        "\\", "\"", "c1.AAAAAAAAA-hvYnMtMDA5OTk", "obs-00000000000000000000000000000000",
    ];

    public static Gen<IMessage> Message(MessageDescriptor descriptor) => Message(descriptor, 0);

    private static Gen<IMessage> Message(MessageDescriptor descriptor, int depth)
    {
        if (descriptor.FullName == Timestamp.Descriptor.FullName)
        {
            return Timestamps.Select(t => (IMessage)t);
        }

        if (descriptor.FullName == Duration.Descriptor.FullName)
        {
            return Durations.Select(d => (IMessage)d);
        }

        var fields = descriptor.Fields.InDeclarationOrder().Where(f => !f.IsMap).ToList();
        return Gen.CollectToArray(fields, f => Field(f, depth)).Select(setters =>
        {
            var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
            foreach (var set in setters)
            {
                set(message);
            }

            return message;
        });
    }

    /// <summary>What to do with one field of a new message: leave it, set it, or fill its list.</summary>
    private static Gen<Action<IMessage>> Field(FieldDescriptor field, int depth)
    {
        static void Leave(IMessage message)
        {
        }

        if (field.FieldType is FieldType.Message or FieldType.Group && depth >= MaxDepth)
        {
            return Gen.Constant<Action<IMessage>>(Leave);
        }

        var value = field.FieldType == FieldType.Message ? Message(field.MessageType, depth + 1).Select(m => (object)m) : Scalar(field);
        if (field.IsRepeated)
        {
            // Long lists at the top of a request only: a batch of 500 observations each with lists
            // of thousands is tens of megabytes, refused before it leaves the client.
            var count = depth > 0
                ? Gen.Frequency((6, Gen.Choose(0, 3)), (2, Gen.Choose(4, 12)))
                : field.FieldType == FieldType.Message
                    ? Gen.Frequency((6, Gen.Choose(0, 3)), (2, Gen.Choose(4, 12)), (1, Gen.Choose(400, 600)))
                    : Gen.Frequency((6, Gen.Choose(0, 3)), (2, Gen.Choose(4, 20)), (1, Gen.Choose(1000, 3000)));
            return count.SelectMany(n => value.ArrayOf(n)).Select<object[], Action<IMessage>>(items => message =>
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                foreach (var item in items)
                {
                    list.Add(item);
                }
            });
        }

        // Deeper submessages are left out more often: a request is mostly its top-level fields.
        var leave = field.FieldType == FieldType.Message ? 1 + depth : 2;
        return Gen.Frequency(
            (leave, Gen.Constant<Action<IMessage>>(Leave)),
            (5, value.Select<object, Action<IMessage>>(v => message => field.Accessor.SetValue(message, v))));
    }

    private static Gen<object> Scalar(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double => Doubles(field.Name).Select(d => (object)d),
        FieldType.Float => Doubles(field.Name).Select(d => (object)(float)d),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Int32s(field.Name).Select(i => (object)i),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Int64s(field.Name).Select(i => (object)i),
        FieldType.UInt32 or FieldType.Fixed32 => Int64s(field.Name).Select(i => (object)unchecked((uint)i)),
        FieldType.UInt64 or FieldType.Fixed64 => Int64s(field.Name).Select(i => (object)unchecked((ulong)i)),
        FieldType.Bool => Gen.Elements(true, false).Select(b => (object)b),
        FieldType.Bytes => Gen.Choose(0, 64).SelectMany(n => Gen.Choose(0, 255).ArrayOf(n)).Select(b => (object)ByteString.CopyFrom(b.Select(x => (byte)x).ToArray())),
        FieldType.Enum => Enums(field.EnumType).Select(v => System.Enum.ToObject(field.EnumType.ClrType, v)),
        _ => Strings(field.Name).Select(s => (object)s),
    };

    public static Gen<int> Enums(EnumDescriptor type) => Gen.Frequency(
        (7, Gen.Elements(type.Values.Select(v => v.Number).ToArray())),
        (2, Gen.Elements(-1, 99, type.Values.Count, int.MaxValue, int.MinValue)));

    public static Gen<double> Doubles(string name)
    {
        var edges = Gen.Elements(
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, double.MaxValue, double.MinValue,
            1e308, -1e308, 1e-300, 180, -180, 90, -90, 180.0000001, -90.0000001, 1e15, -1, 0.5, 50_000.000001, 99.999);
        var plausible = name switch
        {
            _ when name.Contains("longitude", StringComparison.Ordinal) || name is "west" or "east" => Gen.Choose(2_800, 3_100).Select(x => x / 100.0),
            _ when name.Contains("latitude", StringComparison.Ordinal) || name is "south" or "north" => Gen.Choose(-300, 100).Select(y => y / 100.0),
            "cell_size_metres" => Gen.Elements(100.0, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000),
            _ when name.EndsWith("_metres", StringComparison.Ordinal) => Gen.Elements(0.0, 1_000, 5_000, 30_000, 100_000, 500_000, 1_000_000),
            "threshold" => Gen.Elements(0.1, 1, 5, 100),
            _ => Gen.Choose(-1_000_000, 1_000_000).Select(x => x / 1000.0),
        };
        return Gen.Frequency((5, plausible), (3, edges), (1, Gen.Choose(int.MinValue, int.MaxValue).Select(x => x * 1e-3)));
    }

    public static Gen<int> Int32s(string name)
    {
        var edges = Gen.Elements(0, 1, -1, 2, int.MaxValue, int.MinValue, 500, 501, 1_000, 1_001, 5_000, 5_001, 10_000, 10_001, 50_000, 50_001, 365, 366);
        var plausible = name switch
        {
            "severity" or "min_severity" => Gen.Choose(-1, 6),
            "classes" => Gen.Choose(0, 11),
            "year" => Gen.Elements(2025, 2026, 2027, 1899, 1900, 2200, 2201, 0, 9999, 10_000),
            "month" => Gen.Choose(0, 13),
            "day" => Gen.Choose(0, 32),
            "valid_days" => Gen.Choose(0, 400),
            "cla_count" or "female_count" => Gen.Choose(-1, 51),
            _ => Gen.Choose(0, 10),
        };
        return Gen.Frequency((5, plausible), (3, edges), (1, Gen.Choose(int.MinValue, int.MaxValue)));
    }

    public static Gen<long> Int64s(string name) => Gen.Frequency(
        (5, Gen.Choose(0, 10).Select(x => (long)x)),
        (3, Gen.Elements(-1L, long.MaxValue, long.MinValue, int.MaxValue + 1L, 1L << 62)),
        (1, Gen.Choose(int.MinValue, int.MaxValue).Select(x => (long)x * 7919)));

    public static Gen<string> Strings(string name)
    {
        var adversarial = Gen.Frequency(
            (8, Gen.Elements(AdversarialText)),
            (2, Gen.Elements(129, 1_000, 4_001, 100_000).Select(n => new string('a', n))),
            (2, Gen.Choose(1, 40).SelectMany(n => Gen.Choose(0, 0xD7FF).ArrayOf(n)).Select(cs => new string(cs.Select(c => (char)c).ToArray()))));
        var plausible = name switch
        {
            "wkt" => Wkt,
            "geojson" => GeoJson,
            "period" => Gen.Elements("2026-Q3", "2026-08", "2026-13", "0000-Q1", "9999-Q4", "2026-Q0", "2026-07-01/2026-09-30", "2026"),
            "cursor" or "page_token" or "if_none_match" => Gen.Elements("c1.AAAAAAAAA-hvYnMtMDA5OTk", "AQ", "Ag", "*", "\"x\"", "W/\"x\"", "c1.", "====", "AQAAAAAAAAAAAAAAAAAAAAAAAA"),
            "service" => Gen.Elements("geoawareness.v1.Observations", "grpc.health.v1.Health", "no.such.Service"),
            _ when IdNames.Contains(name) => Gen.Elements("ob-1", "cob-1", "c-1", "nord", "sud", "cla-1", "obs-1", "s-1", "test-supervisor", "dep-1"),
            _ => Gen.Elements("a", "Kivu", "note", "ok"),
        };
        return Gen.Frequency((5, plausible), (3, adversarial));
    }

    public static Gen<Timestamp> Timestamps => Gen.Frequency(
        (6, Gen.Choose(0, 3 * 365 * 24).Select(hours => new Timestamp { Seconds = 1_735_689_600L + (hours * 3600L) })),
        (3, Gen.Elements(
            new Timestamp { Seconds = -62_135_596_800 }, new Timestamp { Seconds = -62_135_596_799 }, new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 },
            new Timestamp { Seconds = -62_135_596_801 }, new Timestamp { Seconds = 253_402_300_800 }, new Timestamp { Seconds = long.MaxValue },
            new Timestamp { Seconds = long.MinValue }, new Timestamp(), new Timestamp { Seconds = 1_767_225_600, Nanos = -1 },
            new Timestamp { Seconds = 1_767_225_600, Nanos = 1_000_000_000 }, new Timestamp { Seconds = 253_402_300_799 - (6 * 86_400) })));

    public static Gen<Duration> Durations => Gen.Frequency(
        (5, Gen.Elements(3_600L, 86_400, 604_800, 31_536_000).Select(s => new Duration { Seconds = s })),
        (4, Gen.Elements(
            new Duration(), new Duration { Seconds = -1 }, new Duration { Seconds = 1L << 62 }, new Duration { Seconds = long.MaxValue },
            new Duration { Seconds = long.MinValue }, new Duration { Seconds = 315_576_000_000 }, new Duration { Seconds = 315_576_000_001 },
            new Duration { Seconds = -315_576_000_001 }, new Duration { Nanos = 1 }, new Duration { Nanos = -1 }, new Duration { Seconds = 1, Nanos = -1 },
            new Duration { Nanos = 1_000_000_000 }, new Duration { Seconds = 5, Nanos = int.MinValue })));

    private static string Box(double west, double south, double width, double height) => string.Create(
        CultureInfo.InvariantCulture,
        $"POLYGON(({west} {south},{west + width} {south},{west + width} {south + height},{west} {south + height},{west} {south}))");

    public static Gen<string> Wkt => Gen.Frequency(
        (6, Gen.Choose(2_800, 3_050).SelectMany(x => Gen.Choose(-300, 50).SelectMany(y => Gen.Choose(1, 100).Select(size => Box(x / 100.0, y / 100.0, size / 100.0, size / 100.0))))),
        (2, Gen.Elements(
            "POINT(29.2 -1.7)", "MULTIPOLYGON(((29 -2,29.5 -2,29.5 -1.5,29 -1.5,29 -2)),((30 -2,30.5 -2,30.5 -1.5,30 -2)))", "POLYGON((29 -2,30 -1,30 -2,29 -1,29 -2))",
            "POLYGON((29 -2,30 -2,30 -1))", "POLYGON((170 0,-170 0,-170 1,170 1,170 0))", "POLYGON EMPTY", "GEOMETRYCOLLECTION(POLYGON((29 -2,30 -2,30 -1,29 -2)))",
            "SRID=4326;POLYGON((29 -2,30 -2,30 -1,29 -2))", "SRID 4326 POINT(1 2)", "SRID=1e300;POINT(1 2)", "POLYGON((29 -2,NaN -2,30 -1,29 -2))",
            "POLYGON((29 -2,1e400 -2,30 -1,29 -2))", "POLYGON((0 -91,1 -91,1 -90,0 -91))", "POINT(1 2) POINT(3 4)", "POINT(1 2))", "POLYGON((29 -2,30 -2,30 -1,29 -2))é",
            "LINESTRING(29 -2,30 -1)", "POLYGON((29 -2, 30 -2, 30 -1, 29 -2), (29.5 -1.5, 29.6 -1.5, 29.6 -1.4, 29.5 -1.5))", "POLYGON((-180 -90,180 -90,180 90,-180 90,-180 -90))",
            "MULTIPOLYGON(((0 89,1 89,1 90,0 89)),((0 -90,1 -89,0 -89,0 -90)))", "POLYGON((0 -90,1 -90,1 -89,0 -89,0 -90))",
            "MULTIPOLYGON(((-180 -1,-179 -1,-179 1,-180 1,-180 -1)),((179 -1,180 -1,180 1,179 1,179 -1)))")),
        (2, Gen.Choose(1, 70).Select(HostileText.NestedWkt)),
        (1, Gen.Elements(HostileText.NestedWkt(50_000), HostileText.MultiPolygonWkt(10_001), HostileText.MultiPolygonWkt(2_000), new string('(', 3_000_000))),
        (2, Gen.Choose(0, 200).SelectMany(n => Gen.Elements("POLYGON()0123456789.-, EMPTYMULTIZM\t".ToCharArray()).ArrayOf(n)).Select(cs => new string(cs))));

    public static Gen<string> GeoJson => Gen.Frequency(
        (5, Gen.Choose(2_800, 3_050).SelectMany(x => Gen.Choose(-300, 50).Select(y =>
            string.Create(CultureInfo.InvariantCulture, $$"""{"type":"Polygon","coordinates":[[[{{x / 100.0}},{{y / 100.0}}],[{{(x / 100.0) + 0.5}},{{y / 100.0}}],[{{(x / 100.0) + 0.5}},{{(y / 100.0) + 0.5}}],[{{x / 100.0}},{{y / 100.0}}]]]}""")))),
        (3, Gen.Elements(
            """{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[29,-2],[30,-2],[30,-1],[29,-2]]]}}""",
            """{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[29,-2],[30,-2],[30,-1],[29,-2]]]]}}]}""",
            """{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[29,-2],[30,-2],[30,-1],[29,-2]]]},{"type":"Polygon","coordinates":[[[29.5,-2],[30.5,-2],[30.5,-1],[29.5,-2]]]}]}""",
            """{"type":5}""", """{"type":"Polygon","coordinates":{}}""", """{"type":"Polygon","coordinates":[[[29,-2],[1e400,-2],[30,-1],[29,-2]]]}""",
            """{"type":"Polygon","coordinates":[[[29,"x"],[30,-2],[30,-1],[29,-2]]]}""", """{"type":"Feature","geometry":null}""", """{"type":"FeatureCollection","features":[]}""",
            """[]""", """{}""", """{"type":"Polygon","coordinates":[[[29,-2],[30,-2],[30,-1]]]}""", """{"type":"Point","coordinates":[29,-1]}""", "{\"type\":", "nul",
            """{"type":"MultiPolygon","coordinates":[[[]]]}""", """{"type":"Polygon","coordinates":[[]]}""")),
        (2, Gen.Choose(1, 40).Select(HostileText.NestedGeoJson)),
        (1, Gen.Elements(HostileText.NestedGeoJson(45_000), new string('[', 100_000))),
        (1, Gen.Choose(0, 200).SelectMany(n => Gen.Elements("{}[],:\"type0123456789.-e ".ToCharArray()).ArrayOf(n)).Select(cs => new string(cs))));

    /// <summary>A query-string value for a field of <paramref name="field"/>'s type, as a URL would carry it.</summary>
    public static Gen<string> QueryValue(FieldDescriptor field)
    {
        var junk = Gen.Elements(
            string.Empty, "0", "-1", "1e999", "NaN", "Infinity", "-Infinity", "abc", "2147483648", "-2147483649", "9223372036854775808", "1.5", " 1", "0x10",
            "true", "2026-13-45", "99999999999999999999s", "-1s", "4611686018427387904s", "3600s", "2026-03-01T00:00:00Z", "10000-01-01T00:00:00Z", "🙂", "\0");
        var typed = field.FieldType switch
        {
            FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName => Timestamps.Select(t => t.Seconds is >= -62_135_596_800 and <= 253_402_300_799 && t.Nanos is >= 0 and < 1_000_000_000 ? t.ToDateTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "bad-time"),
            FieldType.Message when field.MessageType.FullName == Duration.Descriptor.FullName => Durations.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Seconds}s")),
            FieldType.Message => Gen.Constant("x"),
            FieldType.Enum => Gen.Frequency((2, Enums(field.EnumType).Select(v => v.ToString(CultureInfo.InvariantCulture))), (3, Gen.Elements(field.EnumType.Values.Select(v => v.Name).ToArray()))),
            _ => Scalar(field).Select(v => v switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                ByteString b => b.ToBase64(),
                _ => v.ToString() ?? string.Empty,
            }),
        };
        return Gen.Frequency((6, typed), (2, junk));
    }

    /// <summary>Escapes a query-string part, sometimes leaving in a raw escape no UTF-8 decoder accepts.</summary>
    public static Gen<string> Escaped(string text) => Gen.Frequency(
        (8, Gen.Constant(Uri.EscapeDataString(text))),
        (1, Gen.Elements("%FF", "%C0%80", "%ED%A0%80", "%00", "%", "%zz", "%E2%80%AE").Select(raw => Uri.EscapeDataString(text) + raw)));

    /// <summary>Bytes that are not UTF-8: put on the wire in place of a string's marker.</summary>
    public static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]];

    public static string Describe(IMessage message)
    {
        // The diagnostic form: the formatter proper refuses the out-of-range times and durations the fuzz sends.
        var text = message.ToString() ?? string.Empty;
        return text.Length <= 600 ? text : new StringBuilder(text, 0, 600, 620).Append("... (").Append(text.Length).Append(" characters)").ToString();
    }
}
