using System.Text;
using System.Text.Json;
using Geo.Cli.Pictures;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>The picture code of <c>geoaware heatmap</c>: CRC, PNG encoding (decoded by Python), the scan-line fill, and a layer drawn.</summary>
public sealed class HeatmapPictureTests
{
    [Fact]
    public void Crc32_OfTheStandardCheckString_IsItsKnownValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public async Task Encode_DecodedByPython_GivesBackEveryPixel()
    {
        var raster = new Raster(7, 5, Rgb.White);
        for (var y = 0; y < 5; y++)
        {
            for (var x = 0; x < 7; x++)
            {
                raster.Set(x, y, new Rgb((byte)(x * 30), (byte)(y * 50), (byte)((x + y) * 10)));
            }
        }

        var path = Path.Combine(Path.GetTempPath(), $"heatmap-encode-{Guid.NewGuid():N}.png");
        try
        {
            await File.WriteAllBytesAsync(path, PngEncoder.Encode(raster));
            var png = await HeatmapPng.ReadAsync(path);

            Assert.Equal((7, 5, 8, 2), (png.Width, png.Height, png.BitDepth, png.ColourType));
            Assert.Equal(["IHDR", "IDAT", "IEND"], png.Chunks);
            Assert.Equal(raster.Pixels, png.Rgb);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FillPolygon_Rectangle_FillsExactlyThePixelsWhoseCentresAreInside()
    {
        var raster = new Raster(10, 10, Rgb.White);
        var ink = new Rgb(200, 0, 0);

        raster.FillPolygon([[new(2, 2), new(6, 2), new(6, 5), new(2, 5)]], ink);

        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 10; x++)
            {
                var inside = x is >= 2 and < 6 && y is >= 2 and < 5;
                Assert.True((raster[x, y] == ink) == inside, $"pixel ({x}, {y}) is {raster[x, y]}");
            }
        }
    }

    [Fact]
    public void FillPolygon_SecondRingInside_IsAHoleLeftEmpty()
    {
        var raster = new Raster(12, 12, Rgb.White);
        var ink = new Rgb(0, 0, 200);

        raster.FillPolygon([[new(1, 1), new(11, 1), new(11, 11), new(1, 11)], [new(4, 4), new(8, 4), new(8, 8), new(4, 8)]], ink);

        Assert.Equal(ink, raster[2, 2]);
        Assert.Equal(ink, raster[9, 6]);
        Assert.Equal(Rgb.White, raster[6, 6]);
        Assert.Equal(Rgb.White, raster[0, 0]);
    }

    [Fact]
    public void ClassColours_GoFromPaleToDark()
    {
        var lightness = Enumerable.Range(1, 7).Select(k => HeatMapPicture.ClassColour(k, 7)).Select(c => c.R + c.G + c.B).ToList();

        Assert.Equal(lightness.OrderByDescending(l => l), lightness);
        Assert.Equal(7, lightness.Distinct().Count());
    }

    [Fact]
    public void Draw_TwoCells_EachCentreHasItsClassColourAndTheLegendHasInkAndSwatches()
    {
        using var layer = JsonDocument.Parse("""
            {"type":"FeatureCollection","features":[
              {"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[[10.0,0.0],[10.1,0.0],[10.1,0.1],[10.0,0.1],[10.0,0.0]]]},"properties":{"class":1}},
              {"type":"Feature","id":"b","geometry":{"type":"Polygon","coordinates":[[[10.2,0.2],[10.3,0.2],[10.3,0.3],[10.2,0.3],[10.2,0.2]]]},"properties":{"class":3}}],
             "layer":"heat-map","parameters":{"method":"HEAT_MAP_METHOD_COUNT","filter":{"observedFrom":"2026-03-01T00:00:00Z","observedTo":"2026-04-01T00:00:00Z"},"cellSizeMetres":11000.0,"shape":"GRID_SHAPE_SQUARE"},
             "unit":"observations","class_breaks":[1.0,4.0],"min_count":0,"frames":[{"index":0,"observations":9}],"total":2}
            """);
        AreaRing[] area = [new([(10.0, 0.0), (10.3, 0.0), (10.3, 0.3), (10.0, 0.3)])];

        var raster = HeatMapPicture.Draw(layer.RootElement, area, "girls", 800, 600);

        var frame = HeatMapPicture.FrameOf(area, 800, 600);
        var low = frame.ToPixel(10.05, 0.05);
        var high = frame.ToPixel(10.25, 0.25);
        Assert.Equal(HeatMapPicture.ClassColour(1, 3), raster[(int)low.X, (int)low.Y]);
        Assert.Equal(HeatMapPicture.ClassColour(3, 3), raster[(int)high.X, (int)high.Y]);
        Assert.Equal(HeatMapPicture.Background, raster[(int)frame.ToPixel(10.15, 0.15).X, (int)frame.ToPixel(10.15, 0.15).Y]);
        var legend = Enumerable.Range(800 - HeatMapPicture.LegendWidth, HeatMapPicture.LegendWidth).SelectMany(x => Enumerable.Range(0, 600).Select(y => raster[x, y])).ToList();
        Assert.Contains(HeatMapPicture.ClassColour(3, 3), legend);
        Assert.Contains(HeatMapPicture.ClassColour(2, 3), legend);
        Assert.True(legend.Count(c => c == HeatMapPicture.Ink) > 500, "the legend's text is drawn");
    }
}
