using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>
/// RFC 7946 §3.1.9: a geometry that crosses the antimeridian is written as parts that each stay on
/// one side of it, cut exactly at ±180. An edge longer than 180° of longitude is taken to be the
/// short way across ±180, and a longitude beyond ±180 to be the continuation past it.
/// </summary>
internal static class Antimeridian
{
    // Overlay computes the cut points; a few ulps off 180 are the same cut.
    private const double CutTolerance = 1e-9;

    public static bool Crosses(CoordinateSequence sequence)
    {
        if (sequence.Count == 0)
        {
            return false;
        }

        var previous = sequence.GetX(0);
        if (previous is < -180 or > 180)
        {
            return true;
        }

        for (var i = 1; i < sequence.Count; i++)
        {
            var x = sequence.GetX(i);
            if (x is < -180 or > 180 || Math.Abs(x - previous) > 180)
            {
                return true;
            }

            previous = x;
        }

        return false;
    }

    public static bool Crosses(Polygon polygon)
    {
        if (Crosses(polygon.Shell.CoordinateSequence))
        {
            return true;
        }

        foreach (var hole in polygon.Holes)
        {
            if (Crosses(hole.CoordinateSequence))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A longitude brought into [-180, 180] by whole turns; ±180 and everything between stay as given.</summary>
    public static double Wrap(double longitude) => longitude is >= -180 and <= 180
        ? longitude
        : longitude - (360 * Math.Floor((longitude + 180) / 360));

    /// <summary>
    /// The line cut where it crosses ±180 (or any 180 + 360k in its continuous frame), each part moved
    /// back into [-180, 180]. Done by hand rather than by overlay so that vertex order and direction stay.
    /// </summary>
    public static List<LineString> SplitLine(LineString line)
    {
        var path = Unwrap(line.CoordinateSequence);
        var parts = new List<LineString>();
        var current = new List<Coordinate> { path[0] };
        int? side = null;
        for (var i = 1; i < path.Length; i++)
        {
            var from = path[i - 1];
            var to = path[i];
            foreach (var boundary in BoundariesBetween(from.X, to.X))
            {
                var t = (boundary - from.X) / (to.X - from.X);
                Extend(new Coordinate(boundary, from.Y + ((to.Y - from.Y) * t)));
            }

            Extend(to);
        }

        parts.Add(Part(current, side ?? TurnOf(current[0].X)));
        return parts;

        void Extend(Coordinate next)
        {
            var last = current[^1];
            // A piece lying along a cut belongs to the part it continues.
            var onCut = last.X == next.X && IsBoundary(last.X);
            var pieceSide = onCut && side is not null ? side.Value : TurnOf((last.X + next.X) / 2);
            if (side is { } open && pieceSide != open)
            {
                parts.Add(Part(current, open));
                current = [last];
            }

            side = onCut ? side : pieceSide;
            current.Add(next);
        }

        LineString Part(List<Coordinate> coordinates, int turn) =>
            line.Factory.CreateLineString(coordinates.Select(c => Shifted(c, -360.0 * turn)).ToArray());
    }

    /// <summary>
    /// The polygon as parts on either side of ±180: its rings are made continuous, moved so the shell
    /// starts in [-180, 180), intersected with the boxes [-180, 180] and [180, 540], and the second
    /// part moved back by a turn. A polygon that only lies beyond ±180 is moved, not cut.
    /// </summary>
    public static List<Polygon> SplitPolygon(Polygon polygon)
    {
        var factory = polygon.Factory;
        var shell = Unwrap(polygon.Shell.CoordinateSequence);
        CheckClosed(shell, "its exterior ring");
        var (west, east) = Range(shell);
        if (east - west > 360)
        {
            throw new ArgumentException($"the Polygon spans {east - west}° of longitude, more than the whole globe");
        }

        var shellShift = -360.0 * TurnOf(west);
        Shift(shell, shellShift);
        var shellMiddle = ((west + east) / 2) + shellShift;
        var holes = new LinearRing[polygon.NumInteriorRings];
        for (var i = 0; i < holes.Length; i++)
        {
            var hole = Unwrap(polygon.Holes[i].CoordinateSequence);
            CheckClosed(hole, $"its hole {i}");
            var (holeWest, holeEast) = Range(hole);
            Shift(hole, -360.0 * Math.Round((((holeWest + holeEast) / 2) - shellMiddle) / 360));
            holes[i] = factory.CreateLinearRing(hole);
        }

        var continuous = factory.CreatePolygon(factory.CreateLinearRing(shell), holes);
        if (east + shellShift <= 180)
        {
            return [RingOrientation.Orient(continuous)];
        }

        var parts = new List<Polygon>();
        AddClipped(continuous, new Envelope(-180, 180, -100, 100), 0, parts);
        AddClipped(continuous, new Envelope(180, 540, -100, 100), -360, parts);
        return parts;
    }

    private static void AddClipped(Polygon continuous, Envelope box, double shift, List<Polygon> parts)
    {
        Geometry clipped;
        try
        {
            clipped = OverlayNGRobust.Overlay(continuous, continuous.Factory.ToGeometry(box), SpatialFunction.Intersection);
        }
        catch (TopologyException e)
        {
            throw new ArgumentException($"the Polygon crosses the antimeridian and cannot be cut there: {e.Message}", e);
        }

        foreach (var piece in PolygonExtracter.GetPolygons(clipped).Cast<Polygon>())
        {
            if (piece.IsEmpty)
            {
                continue;
            }

            var moved = (Polygon)piece.Copy();
            moved.Apply(new ShiftFilter(shift));
            parts.Add(RingOrientation.Orient(moved));
        }
    }

    /// <summary>The longitudes moved by whole turns so that no edge is longer than 180°, starting from the first as given.</summary>
    private static Coordinate[] Unwrap(CoordinateSequence sequence)
    {
        var coordinates = sequence.ToCoordinateArray().Select(c => c.Copy()).ToArray();
        var turns = 0.0;
        for (var i = 1; i < coordinates.Length; i++)
        {
            var given = sequence.GetX(i);
            var step = given - sequence.GetX(i - 1);
            turns -= step > 180 ? Math.Ceiling((step - 180) / 360) : step < -180 ? Math.Floor((step + 180) / 360) : 0;
            coordinates[i].X = given + (360 * turns);
        }

        return coordinates;
    }

    private static void CheckClosed(Coordinate[] ring, string which)
    {
        if (ring.Length > 0 && ring[0].X != ring[^1].X)
        {
            throw new ArgumentException($"the Polygon's {which} winds around a pole (its longitudes make a full turn); give it as a ring that goes along ±180 instead");
        }
    }

    private static (double West, double East) Range(Coordinate[] coordinates) =>
        (coordinates.Min(c => c.X), coordinates.Max(c => c.X));

    private static void Shift(Coordinate[] coordinates, double shift)
    {
        if (shift == 0)
        {
            return;
        }

        foreach (var coordinate in coordinates)
        {
            coordinate.X += shift;
        }
    }

    /// <summary>Which turn of the continuous frame a longitude lies in: 0 for [-180, 180), 1 for [180, 540), ...</summary>
    private static int TurnOf(double x) => (int)Math.Floor((x + 180) / 360);

    private static bool IsBoundary(double x) => (x - 180) / 360 == Math.Floor((x - 180) / 360);

    /// <summary>The longitudes 180 + 360k strictly between <paramref name="from"/> and <paramref name="to"/>, in the order met.</summary>
    private static IEnumerable<double> BoundariesBetween(double from, double to)
    {
        if (from < to)
        {
            for (var boundary = 180 + (360 * (Math.Floor((from - 180) / 360) + 1)); boundary < to; boundary += 360)
            {
                yield return boundary;
            }
        }
        else
        {
            for (var boundary = 180 + (360 * (Math.Ceiling((from - 180) / 360) - 1)); boundary > to; boundary -= 360)
            {
                yield return boundary;
            }
        }
    }

    private static Coordinate Shifted(Coordinate coordinate, double shift)
    {
        var moved = coordinate.Copy();
        moved.X = Snap(coordinate.X + shift);
        return moved;
    }

    private static double Snap(double x) =>
        Math.Abs(x - 180) < CutTolerance ? 180 : Math.Abs(x + 180) < CutTolerance ? -180 : x;

    private sealed class ShiftFilter(double shift) : ICoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i) => seq.SetX(i, Snap(seq.GetX(i) + shift));
    }
}
