using System.Globalization;
using System.Text.Json;

namespace Geo.Cli.Pictures;

/// <summary>A ring of the area drawn around the cells: longitude, latitude pairs.</summary>
internal sealed record AreaRing(IReadOnlyList<(double Longitude, double Latitude)> Points);

/// <summary>
/// A heat-map or hot-spots layer (the FeatureCollection the layer feed writes) as a picture: the
/// cells coloured by class, or by significance for hot spots, on a plain background, the area's
/// outline, a north arrow and a scale bar, and a legend panel on the right that says what the
/// colours mean and what was asked (who, when, cell size, how many observations). Everything
/// drawn comes from the document, so the picture shows exactly what the GeoJSON holds.
/// </summary>
internal static class HeatMapPicture
{
    public const int MinWidth = 640;
    public const int MinHeight = 480;

    /// <summary>The legend panel's width; the map has the rest of the picture.</summary>
    public const int LegendWidth = 340;

    private const int Margin = 24;
    private const int TextScale = 2;
    private const int LineHeight = 20;
    private const double MetresPerKilometre = 1000;

    public static Rgb Background { get; } = Rgb.White;

    public static Rgb Ink { get; } = new(25, 25, 25);

    public static Rgb NotSignificant { get; } = new(217, 217, 217);

    private static Rgb LegendPanel { get; } = new(246, 246, 243);

    // ColorBrewer YlOrRd without its palest step, which would vanish on the white background.
    private static readonly Rgb[] Sequential =
    [
        new(255, 237, 160), new(254, 217, 118), new(254, 178, 76), new(253, 141, 60),
        new(252, 78, 42), new(227, 26, 28), new(189, 0, 38), new(128, 0, 38),
    ];

    // ColorBrewer RdYlBu's diverging ends, as hot-spot maps colour confidence: 99%, 95%, 90%.
    private static readonly Rgb[] Hot = [new(215, 48, 39), new(252, 141, 89), new(254, 224, 144)];
    private static readonly Rgb[] Cold = [new(69, 117, 180), new(145, 191, 219), new(224, 243, 248)];

    /// <summary>Where the map (everything but the legend) is drawn in a picture of this size.</summary>
    public static MapFrame FrameOf(IReadOnlyList<AreaRing> area, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(area);
        var points = area.SelectMany(r => r.Points).ToList();
        return new MapFrame(
            points.Min(p => p.Longitude), points.Min(p => p.Latitude), points.Max(p => p.Longitude), points.Max(p => p.Latitude),
            Margin, Margin, width - LegendWidth - (2 * Margin), height - (2 * Margin));
    }

    /// <summary>The colour of class <paramref name="value"/> of <paramref name="classes"/>, pale to dark.</summary>
    public static Rgb ClassColour(int value, int classes)
    {
        if (classes <= 1)
        {
            return Sequential[^1];
        }

        var at = (double)(Math.Clamp(value, 1, classes) - 1) / (classes - 1) * (Sequential.Length - 1);
        var low = (int)Math.Floor(at);
        var high = Math.Min(low + 1, Sequential.Length - 1);
        var t = at - low;
        return new Rgb(Mix(Sequential[low].R, Sequential[high].R, t), Mix(Sequential[low].G, Sequential[high].G, t), Mix(Sequential[low].B, Sequential[high].B, t));
    }

    /// <summary>The colour of a hot-spot class: 3, 2, 1 hot and −3, −2, −1 cold at 99, 95, 90%; 0 not significant.</summary>
    public static Rgb HotSpotColour(int hotSpot) => hotSpot switch
    {
        >= 1 and <= 3 => Hot[3 - hotSpot],
        <= -1 and >= -3 => Cold[3 + hotSpot],
        _ => NotSignificant,
    };

    /// <summary>Draws <paramref name="layer"/> over <paramref name="area"/>; <paramref name="who"/> names the gender/age selector in the legend.</summary>
    public static Raster Draw(JsonElement layer, IReadOnlyList<AreaRing> area, string who, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(who);
        var raster = new Raster(width, height, Background);
        var frame = FrameOf(area, width, height);
        var hotSpots = IsHotSpots(layer);
        var classes = layer.GetProperty("class_breaks").GetArrayLength() + 1;
        foreach (var feature in layer.GetProperty("features").EnumerateArray())
        {
            var properties = feature.GetProperty("properties");
            var colour = hotSpots
                ? HotSpotColour(properties.GetProperty("hot_spot").GetInt32())
                : ClassColour(properties.GetProperty("class").GetInt32(), classes);
            foreach (var polygon in Polygons(feature.GetProperty("geometry")))
            {
                raster.FillPolygon(polygon.Select(ring => Pixels(frame, ring)).ToList(), colour);
            }
        }

        foreach (var ring in area)
        {
            raster.DrawRing(ring.Points.Select(p => frame.ToPixel(p.Longitude, p.Latitude)).ToList(), Ink, 2);
        }

        if (layer.GetProperty("total").GetInt64() == 0)
        {
            const string nothing = "NO CELLS TO SHOW";
            var mapWidth = width - LegendWidth;
            BitmapFont.Draw(raster, (mapWidth - BitmapFont.Width(nothing, TextScale)) / 2, height / 2, nothing, Ink, TextScale);
        }

        DrawNorthArrow(raster, width - LegendWidth - Margin - 20, Margin);
        DrawScaleBar(raster, frame, Margin, height - Margin);
        DrawLegend(raster, layer, hotSpots, classes, who);
        return raster;
    }

    private static bool IsHotSpots(JsonElement layer) =>
        layer.GetProperty("parameters").GetProperty("method").GetString() == "HEAT_MAP_METHOD_HOT_SPOTS";

    private static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + ((b - a) * t));

    /// <summary>The polygons of a cell: one, or several where the writer cut it at the antimeridian.</summary>
    private static IEnumerable<List<JsonElement>> Polygons(JsonElement geometry)
    {
        var coordinates = geometry.GetProperty("coordinates");
        if (geometry.GetProperty("type").GetString() == "MultiPolygon")
        {
            return coordinates.EnumerateArray().Select(p => p.EnumerateArray().ToList());
        }

        return [coordinates.EnumerateArray().ToList()];
    }

    private static List<PixelPoint> Pixels(MapFrame frame, JsonElement ring) =>
        ring.EnumerateArray().Select(p => frame.ToPixel(p[0].GetDouble(), p[1].GetDouble())).ToList();

    private static void DrawNorthArrow(Raster raster, int centre, int top)
    {
        raster.FillPolygon([[new PixelPoint(centre, top), new PixelPoint(centre + 9, top + 26), new PixelPoint(centre, top + 20), new PixelPoint(centre - 9, top + 26)]], Ink);
        BitmapFont.Draw(raster, centre - (BitmapFont.Width("N", TextScale) / 2), top + 32, "N", Ink, TextScale);
    }

    /// <summary>A bar of a round length (1, 2 or 5 times a power of ten metres) no longer than a quarter of the map.</summary>
    private static void DrawScaleBar(Raster raster, MapFrame frame, int left, int bottom)
    {
        var longest = (raster.Width - LegendWidth - (2 * Margin)) / 4.0 * frame.MetresPerPixel;
        var power = Math.Pow(10, Math.Floor(Math.Log10(longest)));
        var metres = longest >= 5 * power ? 5 * power : longest >= 2 * power ? 2 * power : power;
        var pixels = (int)Math.Round(metres / frame.MetresPerPixel);
        var y = bottom - 6;
        raster.FillRectangle(left, y, pixels, 3, Ink);
        raster.FillRectangle(left, y - 6, 2, 9, Ink);
        raster.FillRectangle(left + pixels - 2, y - 6, 2, 9, Ink);
        var label = metres >= MetresPerKilometre ? $"{Number(metres / MetresPerKilometre)} KM" : $"{Number(metres)} M";
        BitmapFont.Draw(raster, left + pixels + 8, y - 6, label, Ink, TextScale);
    }

    private static void DrawLegend(Raster raster, JsonElement layer, bool hotSpots, int classes, string who)
    {
        var left = raster.Width - LegendWidth;
        raster.FillRectangle(left, 0, LegendWidth, raster.Height, LegendPanel);
        raster.FillRectangle(left, 0, 1, raster.Height, Ink);
        var x = left + 16;
        var y = Margin;
        var columns = (LegendWidth - 32 + 1) / (BitmapFont.Advance * TextScale);

        BitmapFont.Draw(raster, x, y, hotSpots ? "HOT SPOTS" : "HEAT MAP", Ink, 3);
        y += 36;
        foreach (var line in Describe(layer, hotSpots, who).SelectMany(l => Wrap(l, columns)))
        {
            BitmapFont.Draw(raster, x, y, line, Ink, TextScale);
            y += LineHeight;
        }

        y += LineHeight / 2;
        var entries = hotSpots ? HotSpotEntries() : ClassEntries(layer, classes);
        foreach (var (colour, label) in entries)
        {
            raster.FillRectangle(x, y - 1, 30, 16, colour);
            raster.DrawRing([new PixelPoint(x, y - 1), new PixelPoint(x + 29, y - 1), new PixelPoint(x + 29, y + 14), new PixelPoint(x, y + 14)], Ink);
            BitmapFont.Draw(raster, x + 40, y, label, Ink, TextScale);
            y += LineHeight + 2;
        }
    }

    private static IEnumerable<string> Describe(JsonElement layer, bool hotSpots, string who)
    {
        var parameters = layer.GetProperty("parameters");
        var method = parameters.GetProperty("method").GetString() switch
        {
            "HEAT_MAP_METHOD_WEIGHTED_SUM" => "WEIGHTED SUM",
            "HEAT_MAP_METHOD_KERNEL_DENSITY" => "KERNEL DENSITY",
            "HEAT_MAP_METHOD_HOT_SPOTS" => "GETIS-ORD GI*",
            _ => "COUNTS",
        };
        yield return hotSpots ? $"{method}, FDR-CORRECTED" : $"{method} ({layer.GetProperty("unit").GetString()})";
        yield return $"WHO: {who}";
        var filter = parameters.GetProperty("filter");
        yield return $"FROM {Time(filter.GetProperty("observedFrom"))}";
        yield return $"TO {Time(filter.GetProperty("observedTo"))} (EXCL.)";
        var size = parameters.GetProperty("cellSizeMetres").GetDouble();
        var shape = parameters.GetProperty("shape").GetString() == "GRID_SHAPE_HEXAGON" ? "HEXAGONS" : "SQUARES";
        yield return size >= MetresPerKilometre && size % 100 == 0 ? $"CELLS: {Number(size / MetresPerKilometre)} KM {shape}" : $"CELLS: {Number(size)} M {shape}";
        var observations = layer.GetProperty("frames")[0].GetProperty("observations");
        yield return observations.ValueKind == JsonValueKind.Null
            ? $"OBSERVATIONS: UNDER {layer.GetProperty("min_count").GetInt32()}"
            : $"OBSERVATIONS: {observations.GetInt64()}";
        yield return $"CELLS SHOWN: {layer.GetProperty("total").GetInt64()}";
    }

    private static IEnumerable<(Rgb Colour, string Label)> ClassEntries(JsonElement layer, int classes)
    {
        var values = layer.GetProperty("class_breaks").EnumerateArray().Select(b => b.GetDouble()).ToList();
        var breaks = values.Select(Number).ToList();
        if (layer.GetProperty("total").GetInt64() == 0)
        {
            yield break;
        }

        for (var k = 1; k <= classes; k++)
        {
            // Equal breaks (quantiles of many equal values) leave a class that no cell can fall in.
            if (k > 1 && k < classes && values[k - 2] == values[k - 1])
            {
                continue;
            }

            var label = classes == 1 ? "ALL CELLS"
                : k == 1 ? $"UP TO {breaks[0]}"
                : k == classes ? $"OVER {breaks[^1]}"
                : $"{breaks[k - 2]} - {breaks[k - 1]}";
            yield return (ClassColour(k, classes), label);
        }
    }

    private static IEnumerable<(Rgb Colour, string Label)> HotSpotEntries()
    {
        for (var hotSpot = 3; hotSpot >= -3; hotSpot--)
        {
            var confidence = Math.Abs(hotSpot) switch { 3 => 99, 2 => 95, _ => 90 };
            var label = hotSpot switch
            {
                > 0 => $"HOT SPOT {confidence}%",
                < 0 => $"COLD SPOT {confidence}%",
                _ => "NOT SIGNIFICANT",
            };
            yield return (HotSpotColour(hotSpot), label);
        }
    }

    private static string Time(JsonElement value)
    {
        var time = DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();
        return time.TimeOfDay == TimeSpan.Zero
            ? time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Breaks a line at spaces to at most <paramref name="columns"/> characters (a longer word stays whole).</summary>
    private static IEnumerable<string> Wrap(string line, int columns)
    {
        var current = string.Empty;
        foreach (var word in line.Split(' '))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > columns)
            {
                yield return current;
                current = "  " + word;
            }
            else
            {
                current = current.Length == 0 ? word : $"{current} {word}";
            }
        }

        yield return current;
    }
}
