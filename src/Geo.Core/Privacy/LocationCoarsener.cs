using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Geo.Core.Spatial;

namespace Geo.Core.Privacy;

/// <summary>
/// Turns an exact location into the coarse one a caller without the right to exact locations sees.
/// Pure and deterministic: the same key, policy and point always give the same coarse point.
/// </summary>
/// <remarks>
/// <para>Why the exact point cannot be recovered, however often and however it is asked for:</para>
/// <list type="bullet">
/// <item><description>
/// <b>Many reports at one spot.</b> A coarse point is a function of the place, never of the report:
/// displacement moves the centre of the keyed anchor cell that holds the point, keyed by that cell,
/// so every report made in one anchor cell gets one and the same coarse point. Sixty reports from a
/// family's house, or five hundred from a women's group's meeting place, give the point one report
/// gives; averaging them, or taking their geometric median, returns that point.
/// </description></item>
/// <item><description>
/// <b>A floor under the error.</b> The displacement is at least
/// <see cref="LocationCoarsening.MinimumDisplacementMetres"/> from the anchor cell's centre, and the
/// spot is within <see cref="LocationCoarsening.AnchorHalfDiagonalMetres"/> of that centre, so no
/// coarse point lies closer to its spot than <see cref="LocationCoarsening.GuaranteedDistanceMetres"/>.
/// </description></item>
/// <item><description>
/// <b>Narrow queries and heat maps with tiny cells.</b> The service filters and bins a coarsened
/// caller's rows by the coarse point, never by the exact one, so bisecting areas, differencing
/// boxes or offset grids of 1 m cells locate at best the coarse point, already public to that caller.
/// </description></item>
/// <item><description>
/// <b>The anchor grid is keyed.</b> Its offset comes from the secret key, and the displacement
/// (kilometres) is large against the cell (one kilometre), so the coarse points do not show where
/// the cells' borders lie.
/// </description></item>
/// </list>
/// <para>
/// Known limits. Reports spread across a few hundred metres around one spot may fall in two to four
/// anchor cells, so such a cluster gives up to four independent displacements however many reports
/// it holds (measured in <c>AveragingAttackTests</c>). Grid and community centroid have no floor: a
/// spot at the centre of its cell, or a report made at its community's centroid, is placed where it
/// is; what they guarantee is that any number of reports add nothing to one. Anyone who knows where
/// people live can narrow the ring around a displaced point to the settlements on it. Rotating the
/// key gives a second independent draw per cell to anyone who kept earlier outputs: rotate only when
/// the key is exposed.
/// </para>
/// </remarks>
public sealed class LocationCoarsener
{
    /// <summary>The smallest secret key accepted, in bytes (the HMAC-SHA256 block's worth of security).</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>The share of anchor cells displaced up to <see cref="LocationCoarsening.FarMaximumDisplacementMetres"/> (DHS: 1%).</summary>
    public const double FarShare = 0.01;

    private static readonly byte[] GridLabel = Encoding.UTF8.GetBytes("geoawareness/anchor-grid/v2");
    private static readonly byte[] DrawLabel = Encoding.UTF8.GetBytes("geoawareness/displacement/v2");

    private readonly byte[] _key;
    private readonly ConcurrentDictionary<double, (double Latitude, double Longitude)> _offsets = new();

    /// <param name="secretKey">The key: at least <see cref="MinimumKeyBytes"/> random bytes, kept server-side and never exported. It is copied.</param>
    public LocationCoarsener(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"the coarsening key must be at least {MinimumKeyBytes} bytes.", nameof(secretKey));
        }

        _key = secretKey.ToArray();
    }

    /// <summary>The coarse location the policy allows.</summary>
    /// <param name="policy">The caller's role policy.</param>
    /// <param name="exact">The stored location.</param>
    /// <param name="communityCentroid">The linked community's centroid, when known; used only by <see cref="CoarseningMethod.CommunityCentroid"/>.</param>
    public GeoPoint Coarsen(LocationCoarsening policy, GeoPoint exact, GeoPoint? communityCentroid = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        CheckPoint(exact, nameof(exact));
        return policy.Method switch
        {
            CoarseningMethod.Exact => exact,
            CoarseningMethod.Grid => SnapToGrid(exact, policy.CellMetres),
            // A centroid farther than a fallback cell is not where the point is (a wrong link, a huge
            // community): the grid keeps the shift bounded, so area filters can be widened by it.
            CoarseningMethod.CommunityCentroid => communityCentroid is { } centroid
                && Geodesy.DistanceMetres(exact, CheckPoint(centroid, nameof(communityCentroid))) <= policy.CellMetres
                ? centroid
                : SnapToGrid(exact, policy.CellMetres),
            CoarseningMethod.Displacement => Displace(exact, policy),
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy.Method, "unknown coarsening method."),
        };
    }

    /// <summary>
    /// The centre of the cell of a fixed global grid of about <paramref name="cellMetres"/> square
    /// that holds <paramref name="point"/>.
    /// </summary>
    /// <remarks>
    /// The grid depends only on the cell size, never on the query: latitude is cut into bands of
    /// <paramref name="cellMetres"/> (180° divided into a whole number of bands), and each band into
    /// a whole number of equal longitude steps that are about <paramref name="cellMetres"/> wide at
    /// the band's middle latitude. Cells are thus close to equal-area at any latitude, and every
    /// caller, in every request, sees the same centre for a point: there is no offset to vary
    /// between requests and average away. Every point of a cell maps to one centre, so nothing
    /// within the cell can be told apart.
    /// </remarks>
    public static GeoPoint SnapToGrid(GeoPoint point, double cellMetres)
    {
        CheckPoint(point, nameof(point));
        CheckCell(cellMetres);
        return CellOf(point, cellMetres, 0, 0).Centre;
    }

    /// <summary>
    /// The cell of the keyed anchor grid of about <paramref name="cellMetres"/> that holds
    /// <paramref name="point"/>: the grid of <see cref="SnapToGrid"/>, shifted by fractions of a cell
    /// in latitude and longitude that only the key gives.
    /// </summary>
    public AnchorCell AnchorOf(GeoPoint point, double cellMetres)
    {
        CheckPoint(point, nameof(point));
        CheckCell(cellMetres);
        var (latitude, longitude) = _offsets.GetOrAdd(cellMetres, OffsetsFor);
        return CellOf(point, cellMetres, latitude, longitude);
    }

    /// <summary>
    /// The displaced point of <paramref name="exact"/>: the centre of its anchor cell, moved by the
    /// anchor cell's keyed draw (bearing uniform in [0°, 360°); distance uniform between the
    /// policy's minimum and maximum, or up to the far maximum for 1% of cells, as DHS displaces 1%
    /// of rural clusters up to 10 km).
    /// </summary>
    public GeoPoint Displace(GeoPoint exact, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Method != CoarseningMethod.Displacement)
        {
            throw new ArgumentException("the policy does not displace.", nameof(policy));
        }

        var cell = AnchorOf(exact, policy.AnchorCellMetres);
        var draw = Draw(cell, policy);
        return Geodesy.DestinationPoint(cell.Centre, draw.BearingDegrees, draw.DistanceMetres);
    }

    /// <summary>
    /// The keyed draw of one anchor cell: HMAC-SHA256(key, label ‖ 0 ‖ cell size ‖ band ‖ column),
    /// read as three 53-bit fractions (bearing, distance, far). The same cell gives the same draw on
    /// every pull, by every caller, across restarts; without the key it can be neither predicted
    /// nor inverted.
    /// </summary>
    internal DisplacementDraw Draw(AnchorCell cell, LocationCoarsening policy)
    {
        Span<byte> message = stackalloc byte[DrawLabel.Length + 1 + 8 + 8 + 8];
        message.Clear();
        DrawLabel.CopyTo(message);
        var at = DrawLabel.Length + 1;
        BinaryPrimitives.WriteInt64BigEndian(message[at..], BitConverter.DoubleToInt64Bits(policy.AnchorCellMetres));
        BinaryPrimitives.WriteInt64BigEndian(message[(at + 8)..], cell.Band);
        BinaryPrimitives.WriteInt64BigEndian(message[(at + 16)..], cell.Column);
        Span<byte> hash = stackalloc byte[32];
        var hmac = Hmac();
        hmac.AppendData(message);
        hmac.GetHashAndReset(hash);
        var far = Unit(hash[16..24]) < FarShare;
        var maximum = far ? policy.FarMaximumDisplacementMetres : policy.MaximumDisplacementMetres;
        var distance = policy.MinimumDisplacementMetres + (Unit(hash[8..16]) * (maximum - policy.MinimumDisplacementMetres));
        return new DisplacementDraw(Unit(hash[..8]) * 360.0, distance, far);
    }

    /// <summary>The grid's shift for one cell size, as fractions of a band and of a column: HMAC-SHA256(key, label ‖ 0 ‖ cell size).</summary>
    private (double Latitude, double Longitude) OffsetsFor(double cellMetres)
    {
        Span<byte> message = stackalloc byte[GridLabel.Length + 1 + 8];
        message.Clear();
        GridLabel.CopyTo(message);
        BinaryPrimitives.WriteInt64BigEndian(message[(GridLabel.Length + 1)..], BitConverter.DoubleToInt64Bits(cellMetres));
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_key, message, hash);
        return (Unit(hash[..8]), Unit(hash[8..16]));
    }

    /// <summary>
    /// The cell of the grid of <see cref="SnapToGrid"/> shifted by <paramref name="latitudeShift"/>
    /// of a band and <paramref name="longitudeShift"/> of a column (both in [0, 1)).
    /// </summary>
    private static AnchorCell CellOf(GeoPoint point, double cellMetres, double latitudeShift, double longitudeShift)
    {
        var metresPerDegree = Math.PI * Geodesy.EarthRadiusMetres / 180.0;
        var bands = Math.Max(1, (long)Math.Round(180.0 * metresPerDegree / cellMetres));
        var bandHeight = 180.0 / bands;
        var south = -90.0 + (latitudeShift * bandHeight);
        // Unshifted, the pole itself belongs to the last band; shifted, a partial band -1 lies below the first.
        var band = Math.Clamp((long)Math.Floor((point.Latitude - south) / bandHeight), latitudeShift == 0 ? 0 : -1, bands - 1);
        var latitude = Math.Clamp(south + ((band + 0.5) * bandHeight), -90.0, 90.0);
        var bandWidthMetres = 360.0 * metresPerDegree * Math.Cos(latitude * Math.PI / 180.0);
        var columns = Math.Max(1, (long)Math.Round(bandWidthMetres / cellMetres));
        var columnWidth = 360.0 / columns;
        var west = -180.0 + (longitudeShift * columnWidth);
        var column = (long)Math.Floor((point.Longitude - west) / columnWidth);
        column = ((column % columns) + columns) % columns; // 180° is -180°
        var longitude = west + ((column + 0.5) * columnWidth);
        if (longitude >= 180.0)
        {
            longitude -= 360.0;
        }

        return new AnchorCell(band, column, new GeoPoint(longitude, latitude));
    }

    /// <summary>
    /// This thread's HMAC with this coarsener's key. Setting up a one-shot HMAC (key schedule and,
    /// with OpenSSL 3, fetching the algorithm) costs several times hashing a short message, and a
    /// feed coarsens a million points in a row; a reset keeps the key.
    /// </summary>
    private IncrementalHash Hmac()
    {
        if (t_hmac is { } cached && ReferenceEquals(cached.Owner, this))
        {
            return cached.Hmac;
        }

        t_hmac?.Hmac.Dispose();
        var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        t_hmac = (this, hmac);
        return hmac;
    }

    [ThreadStatic]
    private static (LocationCoarsener Owner, IncrementalHash Hmac)? t_hmac;

    /// <summary>A double uniform in [0, 1) from 53 bits.</summary>
    private static double Unit(ReadOnlySpan<byte> eightBytes) =>
        (BinaryPrimitives.ReadUInt64BigEndian(eightBytes) >> 11) * (1.0 / (1UL << 53));

    private static void CheckCell(double cellMetres)
    {
        if (!double.IsFinite(cellMetres) || cellMetres <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cellMetres), cellMetres, "cell size must be positive.");
        }
    }

    private static GeoPoint CheckPoint(GeoPoint point, string name) =>
        point.IsInRange ? point : throw new ArgumentOutOfRangeException(name, point, "must be a WGS84 position.");
}

/// <summary>One cell of an anchor grid: its band (south to north), its column in the band (west to east), its centre.</summary>
public readonly record struct AnchorCell(long Band, long Column, GeoPoint Centre);

/// <summary>One keyed displacement draw.</summary>
internal readonly record struct DisplacementDraw(double BearingDegrees, double DistanceMetres, bool Far);
