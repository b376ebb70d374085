using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Core.Privacy;

/// <summary>
/// Turns an exact location into the coarse one a caller without the right to exact locations sees.
/// Pure and deterministic: the same key, policy and inputs always give the same point.
/// </summary>
/// <remarks>
/// <para>Why the exact point cannot be recovered, however often and however it is asked for:</para>
/// <list type="bullet">
/// <item><description>
/// <b>Repeated pulls.</b> Every method is a function of stored facts (and, for displacement, of a
/// secret key): there is no fresh randomness per request, so a thousand pulls return one point a
/// thousand times and averaging them converges on that coarse point, not on the exact one.
/// </description></item>
/// <item><description>
/// <b>Narrow queries and heat maps with tiny cells.</b> The storage layer filters and bins a
/// coarsened caller's rows by the coarse point, never by the exact one (see
/// <see cref="LocationCoarsening"/>). A query box smaller than a grid cell, or a 1 m heat-map cell,
/// therefore locates only the coarse point, which is already public to that caller.
/// </description></item>
/// <item><description>
/// <b>Small counts.</b> Aggregates below the policy's minimum are withheld
/// (<see cref="AggregateSuppression"/>), so a cell holding one observation does not single it out.
/// </description></item>
/// </list>
/// <para>
/// Known limits, by design of the DHS method: displacement is drawn per key, so many observations
/// made at one spot under different ids are displaced independently and their mean tends to the
/// spot. A caller may pass a site key (say the community id) instead of the observation id as
/// <c>observationId</c> so that all of a site's observations share one displacement; or use
/// <see cref="CoarseningMethod.Grid"/> or <see cref="CoarseningMethod.CommunityCentroid"/>, which
/// map every point of a cell or community to a single point. Rotating the key gives anyone who kept
/// earlier outputs a second independent draw per observation: rotate only when the key is exposed.
/// </para>
/// </remarks>
public sealed class LocationCoarsener
{
    /// <summary>The smallest secret key accepted, in bytes (the HMAC-SHA256 block's worth of security).</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Maximum displacement in towns, metres (DHS).</summary>
    public const double UrbanMaximumMetres = 2_000;

    /// <summary>Maximum displacement in rural areas, metres (DHS).</summary>
    public const double RuralMaximumMetres = 5_000;

    /// <summary>Maximum displacement of the selected share of rural points, metres (DHS).</summary>
    public const double RuralFarMaximumMetres = 10_000;

    /// <summary>The share of rural points allowed the far maximum (DHS: 1%, one in a hundred).</summary>
    public const double RuralFarShare = 0.01;

    /// <summary>How many keyed draws are tried to stay inside the administrative area before falling back to its interior point.</summary>
    public const int MaximumDrawAttempts = 100;

    /// <summary>
    /// Draws shorter than this are redrawn (with the next keyed values), so the exact point is never
    /// returned verbatim or all but verbatim. DHS allows 0 m; this floor changes the distribution by
    /// under 0.05%.
    /// </summary>
    public const double MinimumDisplacementMetres = 1;

    private static readonly byte[] DomainLabel = Encoding.UTF8.GetBytes("geoawareness/displacement/v1");

    private readonly byte[] _key;

    /// <param name="secretKey">The displacement key: at least <see cref="MinimumKeyBytes"/> random bytes, kept server-side and never exported. It is copied.</param>
    public LocationCoarsener(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"the displacement key must be at least {MinimumKeyBytes} bytes.", nameof(secretKey));
        }

        _key = secretKey.ToArray();
    }

    /// <summary>
    /// The coarse location the policy allows.
    /// </summary>
    /// <param name="policy">The caller's role policy.</param>
    /// <param name="observationId">The observation's id (the displacement's key material); a site key may be passed instead, see the remarks on the type.</param>
    /// <param name="exact">The stored location.</param>
    /// <param name="settlement">Urban or rural (rural when unknown); used only by displacement.</param>
    /// <param name="communityCentroid">The linked community's centroid, when known; used only by <see cref="CoarseningMethod.CommunityCentroid"/>.</param>
    /// <param name="administrativeArea">The (multi)polygon of the administrative area holding the point, WGS84 longitude/latitude, when known; displacement never leaves it.</param>
    public GeoPoint Coarsen(
        LocationCoarsening policy,
        string observationId,
        GeoPoint exact,
        SettlementType settlement,
        GeoPoint? communityCentroid = null,
        Geometry? administrativeArea = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Method switch
        {
            CoarseningMethod.Exact => CheckPoint(exact, nameof(exact)),
            CoarseningMethod.Grid => SnapToGrid(exact, policy.CellMetres),
            // A centroid farther than a fallback cell is not where the point is (a wrong link, a huge
            // community): the grid keeps the shift bounded, so area filters can be widened by it.
            CoarseningMethod.CommunityCentroid => communityCentroid is { } centroid
                && Geodesy.DistanceMetres(CheckPoint(exact, nameof(exact)), CheckPoint(centroid, nameof(communityCentroid))) <= policy.CellMetres
                ? centroid
                : SnapToGrid(exact, policy.CellMetres),
            CoarseningMethod.Displacement => Displace(observationId, exact, settlement, administrativeArea),
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
        if (!double.IsFinite(cellMetres) || cellMetres <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cellMetres), cellMetres, "cell size must be positive.");
        }

        var metresPerDegree = Math.PI * Geodesy.EarthRadiusMetres / 180.0;
        var bands = Math.Max(1, (long)Math.Round(180.0 * metresPerDegree / cellMetres));
        var bandHeight = 180.0 / bands;
        var band = Math.Clamp((long)Math.Floor((point.Latitude + 90.0) / bandHeight), 0, bands - 1);
        var latitude = -90.0 + ((band + 0.5) * bandHeight);
        var bandWidthMetres = 360.0 * metresPerDegree * Math.Cos(latitude * Math.PI / 180.0);
        var columns = Math.Max(1, (long)Math.Round(bandWidthMetres / cellMetres));
        var columnWidth = 360.0 / columns;
        var column = (long)Math.Floor((point.Longitude + 180.0) / columnWidth);
        column = ((column % columns) + columns) % columns; // 180° is -180°
        var longitude = -180.0 + ((column + 0.5) * columnWidth);
        return new GeoPoint(longitude, latitude);
    }

    /// <summary>
    /// DHS-style displacement: bearing uniform in [0°, 360°), distance uniform in
    /// [<see cref="MinimumDisplacementMetres"/>, max], max 2 km urban, 5 km rural, and 10 km for
    /// 1% of rural observations; never leaving <paramref name="administrativeArea"/> when given.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The randomness is HMAC-SHA256(secret key, label ‖ id ‖ attempt), not a random generator:
    /// the same observation is displaced to the same point on every pull, by every caller, across
    /// restarts, so repeated pulls give one sample and nothing to average. Without the key the
    /// draw cannot be predicted or inverted from the id. Whether a rural observation is one of
    /// the 1% is fixed by the first keyed value and does not change between redraws.
    /// </para>
    /// <para>
    /// With an administrative area, draws landing outside it (or within
    /// <see cref="MinimumDisplacementMetres"/> of the exact point) are replaced by the next keyed
    /// draw, up to <see cref="MaximumDrawAttempts"/>; when none stays inside, the area's interior
    /// point is returned, which is the same for every observation in the area and so reveals only
    /// the area, already known. That interior point can coincide with the exact point only when
    /// the observation was itself placed at the area's interior point (precision "admin area").
    /// </para>
    /// </remarks>
    public GeoPoint Displace(string observationId, GeoPoint exact, SettlementType settlement, Geometry? administrativeArea = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(observationId);
        CheckPoint(exact, nameof(exact));
        if (settlement is not (SettlementType.Urban or SettlementType.Rural))
        {
            throw new ArgumentOutOfRangeException(nameof(settlement), settlement, "settlement must be urban or rural.");
        }

        if (administrativeArea is not null && (administrativeArea.IsEmpty || administrativeArea is not (Polygon or MultiPolygon)))
        {
            throw new ArgumentException("the administrative area must be a non-empty polygon or multipolygon.", nameof(administrativeArea));
        }

        for (var attempt = 0; attempt < MaximumDrawAttempts; attempt++)
        {
            var draw = Draw(observationId, settlement, attempt);
            if (draw.DistanceMetres < MinimumDisplacementMetres)
            {
                continue;
            }

            var candidate = Geodesy.DestinationPoint(exact, draw.BearingDegrees, draw.DistanceMetres);
            if (candidate == exact)
            {
                continue;
            }

            if (administrativeArea is null || administrativeArea.Covers(administrativeArea.Factory.CreatePoint(new Coordinate(candidate.Longitude, candidate.Latitude))))
            {
                return candidate;
            }
        }

        if (administrativeArea is null)
        {
            // Unreachable in practice (100 draws all under 1 m); fail loudly rather than leak.
            throw new InvalidOperationException("no usable displacement was drawn.");
        }

        var interior = administrativeArea.InteriorPoint;
        return new GeoPoint(interior.X, interior.Y);
    }

    /// <summary>The keyed draw for one attempt: bearing, distance and whether the point is one of the far 1%.</summary>
    internal DisplacementDraw Draw(string observationId, SettlementType settlement, int attempt)
    {
        Span<byte> first = stackalloc byte[32];
        Hash(observationId, 0, first);
        var far = settlement == SettlementType.Rural && Unit(first[16..24]) < RuralFarShare;
        var maximum = settlement == SettlementType.Urban ? UrbanMaximumMetres : far ? RuralFarMaximumMetres : RuralMaximumMetres;

        Span<byte> hash = stackalloc byte[32];
        if (attempt == 0)
        {
            first.CopyTo(hash);
        }
        else
        {
            Hash(observationId, attempt, hash);
        }

        return new DisplacementDraw(Unit(hash[..8]) * 360.0, Unit(hash[8..16]) * maximum, far);
    }

    private void Hash(string observationId, int attempt, Span<byte> destination)
    {
        // label, 0, id (UTF-8), 0, attempt (big-endian): the message the keyed draws have always hashed.
        var length = DomainLabel.Length + 1 + Encoding.UTF8.GetByteCount(observationId) + 1 + 4;
        var rented = length <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var message = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        message.Clear();
        DomainLabel.CopyTo(message);
        Encoding.UTF8.GetBytes(observationId, message[(DomainLabel.Length + 1)..]);
        BinaryPrimitives.WriteInt32BigEndian(message[^4..], attempt);
        var hmac = Hmac();
        hmac.AppendData(message);
        hmac.GetHashAndReset(destination);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
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

    private static GeoPoint CheckPoint(GeoPoint point, string name) =>
        point.IsInRange ? point : throw new ArgumentOutOfRangeException(name, point, "must be a WGS84 position.");
}

/// <summary>One keyed displacement draw.</summary>
internal readonly record struct DisplacementDraw(double BearingDegrees, double DistanceMetres, bool Far);
