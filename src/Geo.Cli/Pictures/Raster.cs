namespace Geo.Cli.Pictures;

/// <summary>A colour of 8 bits per channel.</summary>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb White { get; } = new(255, 255, 255);

    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";
}

/// <summary>A point in pixel space: x to the right, y downwards, (0, 0) the top-left corner of the first pixel.</summary>
internal readonly record struct PixelPoint(double X, double Y);

/// <summary>
/// An RGB picture in memory with the few drawing operations a map needs: rectangles, polygons
/// filled by scan lines, and lines. Whatever falls outside the picture is clipped.
/// </summary>
internal sealed class Raster
{
    public Raster(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        FillRectangle(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Rows from the top, each pixel R, G, B.</summary>
    public byte[] Pixels { get; }

    public Rgb this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    public void Set(int x, int y, Rgb colour)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height)
        {
            return;
        }

        var i = ((y * Width) + x) * 3;
        Pixels[i] = colour.R;
        Pixels[i + 1] = colour.G;
        Pixels[i + 2] = colour.B;
    }

    public void FillRectangle(int left, int top, int width, int height, Rgb colour)
    {
        for (var y = Math.Max(top, 0); y < Math.Min(top + height, Height); y++)
        {
            for (var x = Math.Max(left, 0); x < Math.Min(left + width, Width); x++)
            {
                Set(x, y, colour);
            }
        }
    }

    /// <summary>
    /// Fills the pixels whose centres lie inside the rings by the even-odd rule, so that a hole
    /// given as a second ring stays empty. Rings may be given closed or open.
    /// </summary>
    public void FillPolygon(IReadOnlyList<IReadOnlyList<PixelPoint>> rings, Rgb colour)
    {
        ArgumentNullException.ThrowIfNull(rings);
        var top = double.PositiveInfinity;
        var bottom = double.NegativeInfinity;
        foreach (var ring in rings)
        {
            foreach (var p in ring)
            {
                top = Math.Min(top, p.Y);
                bottom = Math.Max(bottom, p.Y);
            }
        }

        if (double.IsInfinity(top))
        {
            return;
        }

        var crossings = new List<double>();
        var first = Math.Max(0, (int)Math.Floor(top));
        var last = Math.Min(Height - 1, (int)Math.Ceiling(bottom));
        for (var y = first; y <= last; y++)
        {
            var scan = y + 0.5;
            crossings.Clear();
            foreach (var ring in rings)
            {
                for (var i = 0; i < ring.Count; i++)
                {
                    var a = ring[i];
                    var b = ring[(i + 1) % ring.Count];
                    // Half-open on y, so a vertex on the scan line is counted once, not twice.
                    if ((a.Y <= scan && b.Y > scan) || (b.Y <= scan && a.Y > scan))
                    {
                        crossings.Add(a.X + ((scan - a.Y) / (b.Y - a.Y) * (b.X - a.X)));
                    }
                }
            }

            crossings.Sort();
            for (var i = 0; i + 1 < crossings.Count; i += 2)
            {
                // Pixels whose centre x + 0.5 lies in [from, to).
                var from = Math.Max(0, (int)Math.Ceiling(crossings[i] - 0.5));
                var to = Math.Min(Width, (int)Math.Ceiling(crossings[i + 1] - 0.5));
                for (var x = from; x < to; x++)
                {
                    Set(x, y, colour);
                }
            }
        }
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, drawn with a square pen).</summary>
    public void DrawLine(PixelPoint from, PixelPoint to, Rgb colour, int thickness = 1)
    {
        var x0 = (int)Math.Floor(from.X);
        var y0 = (int)Math.Floor(from.Y);
        var x1 = (int)Math.Floor(to.X);
        var y1 = (int)Math.Floor(to.Y);
        var dx = Math.Abs(x1 - x0);
        var dy = -Math.Abs(y1 - y0);
        var sx = x0 < x1 ? 1 : -1;
        var sy = y0 < y1 ? 1 : -1;
        var error = dx + dy;
        var offset = (thickness - 1) / 2;
        while (true)
        {
            FillRectangle(x0 - offset, y0 - offset, thickness, thickness, colour);
            if (x0 == x1 && y0 == y1)
            {
                return;
            }

            var twice = 2 * error;
            if (twice >= dy)
            {
                error += dy;
                x0 += sx;
            }

            if (twice <= dx)
            {
                error += dx;
                y0 += sy;
            }
        }
    }

    /// <summary>The outline of a ring, closed whether or not its last point repeats the first.</summary>
    public void DrawRing(IReadOnlyList<PixelPoint> ring, Rgb colour, int thickness = 1)
    {
        ArgumentNullException.ThrowIfNull(ring);
        for (var i = 0; i < ring.Count; i++)
        {
            DrawLine(ring[i], ring[(i + 1) % ring.Count], colour, thickness);
        }
    }
}
