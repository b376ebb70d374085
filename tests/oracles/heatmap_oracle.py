#!/usr/bin/python3
"""An independent reference ("oracle") for the heat-map engine (HeatMaps.Compute).

Usage (always with /usr/bin/python3: Debian's numpy/scipy/shapely/pyproj belong to it):

    /usr/bin/python3 tests/oracles/heatmap_oracle.py heatmap < input.json > output.json
    /usr/bin/python3 tests/oracles/heatmap_oracle.py tiling  < input.json > output.json
    /usr/bin/python3 tests/oracles/heatmap_oracle.py bench   < input.json > output.json

The definitions implemented here, and the JSON formats, are in tests/oracles/README.md. This file
is written from those definitions only (not from the C# code), so that the two can check each other.

Layout of the code:
  * Grid        - square / flat-topped hexagon lattice: centres, corners, point location, and
                  "lattice coordinates" (u, v) in which the centres form a regular 2-D lattice
                  (squares: u = column, v = row; hexagons: axial coordinates u = column,
                  v = row - floor(column / 2)), so that every "sum over neighbouring cells" is a
                  correlation of a 2-D array with a fixed stencil of lattice offsets.
  * study area  - cells whose polygon meets the area polygon with positive area.
  * methods     - counts / weights, exact and binned quartic kernel density, Getis-Ord Gi*.
  * modes       - heatmap, tiling, bench.
"""
import datetime
import json
import math
import sys
import time

import numpy as np
import pyproj
import scipy.ndimage
import scipy.signal
import scipy.stats
import shapely.geometry
import shapely.ops
import shapely.prepared
import shapely.vectorized

SQRT3 = math.sqrt(3.0)

# Largest step, in degrees of longitude or latitude, between consecutive vertices of an area ring
# after densification (edges of the area are straight lines in longitude/latitude; they are cut
# into equal pieces no longer than this before projecting, so the projected polygon follows the
# curved image of each edge to well under a millimetre for areas of a few degrees).
DENSIFY_STEP_DEG = 0.001

# Lattice distances compared with the bandwidth or the distance band are decided as exact
# arithmetic would: d < h  <=>  d^2 < h^2 (1 - TIE_EPS),  d <= band  <=>  d^2 <= band^2 (1 + TIE_EPS).
# (Distinct lattice distances differ far more than this, so only exact ties are affected: e.g. the
# square offset (3, 4) with s = 1000 and h = 5000 is NOT within h; the hexagon cell two columns
# away (distance exactly 3 s) IS within a band of 3 s.)
TIE_EPS = 1e-9

# A cell is in the study area when the area meets the cell's open interior (=> intersection area
# > 0). The open interior is represented by the cell scaled about its centre by (1 - SHRINK).
SHRINK = 1e-9

# Above this many multiply-adds a lattice correlation is done by FFT instead of directly.
DIRECT_CORRELATION_LIMIT = 3e8

# Points per chunk in the exact kernel density, chosen so a chunk holds ~4 M point-cell pairs.
PAIRS_PER_CHUNK = 1 << 22


class OracleError(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# Projection
# ----------------------------------------------------------------------------------------------

def laea_definition(projection):
    # A PROJ string given as it is (e.g. the one a HeatMaps.Compute response carries), so a test
    # can hand over the service's own frame rather than re-deriving it from the centre.
    if projection.get("proj"):
        proj = str(projection["proj"])
        if "+proj=laea" not in proj.split():
            raise OracleError("projection.proj must be a +proj=laea definition")
        return proj
    lat0 = float(projection["lat_0"])
    lon0 = float(projection["lon_0"])
    return ("+proj=laea +lat_0=%r +lon_0=%r +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
            % (lat0, lon0))


def make_transformer(projection):
    # Geographic longitude/latitude on the WGS84 ellipsoid -> LAEA metres (no datum shift).
    return pyproj.Transformer.from_crs("+proj=longlat +ellps=WGS84 +no_defs",
                                       laea_definition(projection), always_xy=True)


def project(transformer, lon, lat):
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


# ----------------------------------------------------------------------------------------------
# Grid
# ----------------------------------------------------------------------------------------------

class Grid:
    """A grid of `columns` x `rows` cells of size s laid out from the lower-left corner (ox, oy)."""

    def __init__(self, spec):
        self.shape = str(spec.get("shape", "square")).lower()
        if self.shape not in ("square", "hexagon"):
            raise OracleError("grid.shape must be 'square' or 'hexagon'")
        self.s = float(spec["size"])
        self.ox = float(spec["origin_x"])
        self.oy = float(spec["origin_y"])
        self.columns = int(spec["columns"])
        self.rows = int(spec["rows"])
        if not (self.s > 0 and self.columns > 0 and self.rows > 0):
            raise OracleError("grid.size, columns and rows must be positive")
        s = self.s
        if self.shape == "square":
            self.cell_area_m2 = s * s
            self.max_point_to_centre = s * math.sqrt(0.5)  # half the diagonal
            self.d2_unit = s * s                           # d^2 = unit * q(du, dv)
            # lattice array covers u = c, v = r exactly
            self.v_min = 0
            self.v_max = self.rows - 1
        else:
            self.cell_area_m2 = 1.5 * SQRT3 * s * s
            self.max_point_to_centre = s                   # centre to corner
            self.d2_unit = 3.0 * s * s
            # axial v = r - floor(c / 2) ranges over [-floor((C-1)/2), R-1]
            self.v_min = -((self.columns - 1) // 2)
            self.v_max = self.rows - 1
        self.cell_area_km2 = self.cell_area_m2 / 1e6

    # -- lattice coordinates ------------------------------------------------------------------
    def lattice_of_cell(self, c, r):
        c = np.asarray(c, dtype=np.int64)
        r = np.asarray(r, dtype=np.int64)
        if self.shape == "square":
            return c, r
        return c, r - np.floor_divide(c, 2)

    def cell_of_lattice(self, u, v):
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if self.shape == "square":
            return u, v
        return u, v + np.floor_divide(u, 2)

    def q(self, du, dv):
        """Squared lattice distance in units of d2_unit (exact small integers)."""
        du = np.asarray(du, dtype=np.int64)
        dv = np.asarray(dv, dtype=np.int64)
        if self.shape == "square":
            return du * du + dv * dv
        return du * du + du * dv + dv * dv

    def offset_xy(self, du, dv):
        """Centre displacement (metres) of the lattice offset (du, dv)."""
        du = np.asarray(du, dtype=float)
        dv = np.asarray(dv, dtype=float)
        if self.shape == "square":
            return self.s * du, self.s * dv
        return 1.5 * self.s * du, SQRT3 * self.s * (dv + 0.5 * du)

    def offsets(self, radius, inclusive):
        """Lattice offsets (du, dv) with |o| < radius (inclusive=False) or <= radius (True),
        ties decided as exact arithmetic would (TIE_EPS); plus q(du, dv)."""
        if self.shape == "square":
            m = int(math.ceil(radius / self.s)) + 1
        else:
            # q(du, dv) >= (3/4) max(|du|, |dv|)^2, so |o| <= radius implies max <= 2 radius / (3 s)
            m = int(math.ceil(2.0 * radius / (3.0 * self.s))) + 1
        rng = np.arange(-m, m + 1, dtype=np.int64)
        du, dv = np.meshgrid(rng, rng, indexing="ij")
        du = du.ravel()
        dv = dv.ravel()
        q = self.q(du, dv)
        d2 = q * self.d2_unit
        r2 = radius * radius
        keep = d2 <= r2 * (1 + TIE_EPS) if inclusive else d2 < r2 * (1 - TIE_EPS)
        return du[keep], dv[keep], q[keep]

    # -- geometry ------------------------------------------------------------------------------
    def centre(self, c, r):
        c = np.asarray(c, dtype=float)
        r = np.asarray(r, dtype=float)
        s = self.s
        if self.shape == "square":
            return self.ox + (c + 0.5) * s, self.oy + (r + 0.5) * s
        odd = np.mod(c, 2.0)  # 1.0 for odd columns
        return (self.ox + s + 1.5 * s * c,
                self.oy + 0.5 * SQRT3 * s + SQRT3 * s * r + 0.5 * SQRT3 * s * odd)

    def corners(self, c, r, scale=1.0):
        """Corner list (counter-clockwise) of cell (c, r), optionally scaled about the centre."""
        cx, cy = self.centre(c, r)
        cx = float(cx)
        cy = float(cy)
        h = 0.5 * self.s * scale
        if self.shape == "square":
            return [(cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)]
        a = self.s * scale
        return [(cx + a * math.cos(math.radians(60 * k)), cy + a * math.sin(math.radians(60 * k)))
                for k in range(6)]

    def polygon(self, c, r, scale=1.0):
        return shapely.geometry.Polygon(self.corners(c, r, scale))

    def locate(self, x, y):
        """Cell (c, r) of the infinite lattice containing each point (nearest centre for
        hexagons; half-open [lower, upper) intervals for squares)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        s = self.s
        if self.shape == "square":
            c = np.floor((x - self.ox) / s).astype(np.int64)
            r = np.floor((y - self.oy) / s).astype(np.int64)
            return c, r
        # Hexagon: the point lies between the centre columns c0 and c0 + 1 (column step 1.5 s,
        # a hexagon reaches s either side of its centre column, so no other column can hold the
        # nearest centre); in each candidate column the nearest centre is the rounded row.
        c0 = np.floor((x - self.ox - s) / (1.5 * s)).astype(np.int64)
        best_c = None
        for cand in (c0, c0 + 1):
            y0 = self.oy + 0.5 * SQRT3 * s + 0.5 * SQRT3 * s * (cand & 1)
            r = np.floor((y - y0) / (SQRT3 * s) + 0.5).astype(np.int64)
            cx, cy = self.centre(cand, r)
            d2 = (x - cx) ** 2 + (y - cy) ** 2
            if best_c is None:
                best_c, best_r, best_d2 = cand, r, d2
            else:
                better = d2 < best_d2  # exact ties (impossible in tests) go to the lower column
                best_c = np.where(better, cand, best_c)
                best_r = np.where(better, r, best_r)
                best_d2 = np.where(better, d2, best_d2)
        return best_c, best_r

    def in_grid(self, c, r):
        return (c >= 0) & (c < self.columns) & (r >= 0) & (r < self.rows)


class LatticeArray:
    """A 2-D float array indexed by lattice coordinates (u, v) covering the grid, with `pad`
    extra lattice positions on every side. For hexagons some positions are not grid cells;
    they stay 0 on input and are ignored on output."""

    def __init__(self, grid, pad=0):
        self.grid = grid
        self.pad = int(pad)
        self.u0 = -self.pad
        self.v0 = grid.v_min - self.pad
        self.nu = grid.columns + 2 * self.pad
        self.nv = (grid.v_max - grid.v_min + 1) + 2 * self.pad

    def zeros(self):
        return np.zeros((self.nu, self.nv), dtype=float)

    def flat_index(self, c, r):
        u, v = self.grid.lattice_of_cell(c, r)
        return (u - self.u0) * self.nv + (v - self.v0)

    def scatter(self, c, r, values):
        """Array with values summed at cells (c, r) (all inside the grid)."""
        a = np.bincount(self.flat_index(c, r), weights=values, minlength=self.nu * self.nv)
        return a.reshape(self.nu, self.nv)

    def gather(self, array, c, r):
        return array.ravel()[self.flat_index(c, r)]


def stencil_kernel(du, dv, values):
    """A (2m+1) x (2m+1) kernel array with values at centre + (du, dv)."""
    m = int(max(np.max(np.abs(du)), np.max(np.abs(dv)))) if len(du) else 0
    k = np.zeros((2 * m + 1, 2 * m + 1), dtype=float)
    k[du + m, dv + m] = values
    return k


def correlate(array, kernel, integer=False):
    """out[i] = sum_o kernel[o] * array[i + o] with zeros outside the array. The stencils used
    here are symmetric (K(o) = K(-o)), so this is also the convolution. Direct summation
    (exact up to rounding, exact zeros) unless that would be too slow; then FFT, with round-off
    cleaned (rounded to integers for integer inputs, tiny values set to 0)."""
    if np.count_nonzero(kernel) * array.size <= DIRECT_CORRELATION_LIMIT:
        return scipy.ndimage.correlate(array, kernel, mode="constant", cval=0.0)
    out = scipy.signal.fftconvolve(array, kernel[::-1, ::-1], mode="same")
    if integer:
        return np.rint(out)
    noise = 1e-11 * float(np.abs(array).sum()) * float(np.abs(kernel).max())
    out[np.abs(out) <= noise] = 0.0
    return out


# ----------------------------------------------------------------------------------------------
# Area (study area)
# ----------------------------------------------------------------------------------------------

def densify_lonlat_ring(ring, step=DENSIFY_STEP_DEG):
    """Ring [[lon, lat], ...] (closed or not) -> closed array of vertices where every edge is cut
    into n = max(1, ceil(max(|dlon|, |dlat|) / step)) equal pieces (linear in lon/lat)."""
    pts = np.asarray([[float(p[0]), float(p[1])] for p in ring], dtype=float)
    if len(pts) == 0:
        return pts
    if not np.array_equal(pts[0], pts[-1]):
        pts = np.vstack([pts, pts[:1]])
    out = []
    for a, b in zip(pts[:-1], pts[1:]):
        n = max(1, int(math.ceil(max(abs(b[0] - a[0]), abs(b[1] - a[1])) / step)))
        t = np.arange(n, dtype=float)[:, None] / n
        out.append(a[None, :] + t * (b - a)[None, :])
    out.append(pts[-1:])
    return np.vstack(out)


def area_polygons(area):
    """GeoJSON-like Polygon / MultiPolygon -> list of polygons, each a list of rings."""
    kind = area.get("type")
    coords = area.get("coordinates")
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return list(coords)
    raise OracleError("area.type must be Polygon or MultiPolygon")


def project_area(transformer, area):
    """The area in the metric plane: rings densified in lon/lat, projected; invalid geometry
    (self-intersection, overlapping parts) is repaired with buffer(0)."""
    polys = []
    for rings in area_polygons(area):
        projected = []
        for ring in rings:
            d = densify_lonlat_ring(ring)
            if len(d) < 4:
                continue
            x, y = project(transformer, d[:, 0], d[:, 1])
            projected.append(list(zip(x.tolist(), y.tolist())))
        if projected:
            polys.append(shapely.geometry.Polygon(projected[0], projected[1:]))
    geom = shapely.geometry.MultiPolygon(polys) if len(polys) != 1 else polys[0]
    if not geom.is_valid:
        geom = geom.buffer(0)
    return geom


def geometry_rings(geom):
    """Exterior and interior rings (coordinate arrays) of a Polygon / MultiPolygon."""
    out = []
    parts = geom.geoms if hasattr(geom, "geoms") else [geom]
    for p in parts:
        if p.is_empty:
            continue
        out.append(np.asarray(p.exterior.coords))
        out.extend(np.asarray(i.coords) for i in p.interiors)
    return out


def sample_ring(coords, max_step):
    """Points along a ring's straight (metric) segments, at most max_step apart."""
    a = coords[:-1]
    b = coords[1:]
    length = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    n = np.maximum(1, np.ceil(length / max_step)).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    t = (np.arange(int(n.sum())) - first) / np.repeat(n, n)
    pts = a[seg] + t[:, None] * (b[seg] - a[seg])
    return np.vstack([pts, coords[-1:]])


def study_area_cells(grid, geom):
    """Boolean (columns, rows) array: the cells whose polygon meets `geom` with positive area.

    A cell whose closed polygon does not meet the area's boundary lies entirely inside or
    entirely outside the area, decided by its centre. The cells the boundary can meet are found
    by walking the boundary in steps shorter than s / 4 (a segment shorter than s starting in a
    cell can only meet that cell and its edge/corner neighbours); for each of them the area must
    meet the open cell (scaled about its centre by 1 - SHRINK), which for a polygonal area is the
    same as an intersection of positive area."""
    C, R = grid.columns, grid.rows
    if geom is None:
        return np.ones((C, R), dtype=bool)
    if geom.is_empty:
        return np.zeros((C, R), dtype=bool)
    cc, rr = np.meshgrid(np.arange(C), np.arange(R), indexing="ij")
    cx, cy = grid.centre(cc, rr)
    mask = shapely.vectorized.contains(geom, cx.ravel(), cy.ravel()).reshape(C, R)

    samples = [sample_ring(ring, grid.s / 4.0) for ring in geometry_rings(geom)]
    if not samples:
        return mask
    pts = np.vstack(samples)
    c, r = grid.locate(pts[:, 0], pts[:, 1])
    u, v = grid.lattice_of_cell(c, r)
    if grid.shape == "square":
        nb = [(du, dv) for du in (-1, 0, 1) for dv in (-1, 0, 1)]
    else:
        nb = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]
    cand = set()
    for du, dv in nb:
        c2, r2 = grid.cell_of_lattice(u + du, v + dv)
        ok = grid.in_grid(c2, r2)
        cand.update(zip(c2[ok].tolist(), r2[ok].tolist()))
    prepared = shapely.prepared.prep(geom)
    for c, r in cand:
        mask[c, r] = prepared.intersects(grid.polygon(c, r, 1.0 - SHRINK))
    return mask


# ----------------------------------------------------------------------------------------------
# Points
# ----------------------------------------------------------------------------------------------

def read_points(request):
    """-> (lon, lat, weight, weighted). `weighted` is True when any point carries a weight
    (a third value / CSV column); missing weights are then 1."""
    if request.get("points_file"):
        path = request["points_file"]
        with open(path) as f:
            first = ""
            for line in f:
                if line.strip():
                    first = line
                    break
        if not first:
            return np.zeros(0), np.zeros(0), np.zeros(0), False
        ncol = len(first.strip().split(","))
        data = np.loadtxt(path, delimiter=",", ndmin=2, dtype=float)
        if data.shape[1] not in (2, 3):
            raise OracleError("points_file: expected lon,lat[,weight] per line")
        w = data[:, 2].copy() if ncol >= 3 else np.ones(len(data))
        return data[:, 0].copy(), data[:, 1].copy(), w, ncol >= 3
    pts = request.get("points") or []
    n = len(pts)
    lon = np.empty(n)
    lat = np.empty(n)
    w = np.ones(n)
    weighted = False
    lengths = set(len(p) for p in pts)
    if lengths and lengths <= {2, 3} and len(lengths) == 1:
        a = np.asarray(pts, dtype=float)
        lon[:] = a[:, 0]
        lat[:] = a[:, 1]
        if a.shape[1] == 3:
            w[:] = a[:, 2]
            weighted = True
    else:
        for i, p in enumerate(pts):
            lon[i] = float(p[0])
            lat[i] = float(p[1])
            if len(p) >= 3:
                w[i] = float(p[2])
                weighted = True
    return lon, lat, w, weighted


SEXES = ("female", "male", "unknown")
AGE_GROUPS = ("child", "youth", "adult", "older")


def parse_time(value):
    """ISO 8601 ("...Z" or with an offset) -> aware datetime."""
    t = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise OracleError("times need a UTC offset: %r" % value)
    return t


def read_observations(request):
    """Observations with their attributes -> (lon, lat, weight, weighted), applying the period,
    the group selector and the weighting as HeatMaps.Compute defines them (README, "Observations").
    """
    period = request.get("period") or {}
    start = parse_time(period["from"]) if period.get("from") else None
    end = parse_time(period["to"]) if period.get("to") else None
    groups = request.get("groups") or {}
    sexes = [str(x).lower() for x in groups.get("sexes") or []]
    ages = [str(x).lower() for x in groups.get("ages") or []]
    for x in sexes:
        if x not in SEXES:
            raise OracleError("groups.sexes: unknown %r" % x)
    for x in ages:
        if x not in AGE_GROUPS:
            raise OracleError("groups.ages: unknown %r" % x)
    selective = bool(sexes or ages)
    weighting = request.get("weighting") or {}
    by_severity = bool(weighting.get("by_severity"))
    by_people = bool(weighting.get("by_people"))
    half_life = weighting.get("half_life_seconds")
    half_life = None if half_life is None else float(half_life)
    if half_life is not None and not half_life > 0:
        raise OracleError("weighting.half_life_seconds must be > 0")
    if half_life is not None and end is None:
        raise OracleError("a half-life needs period.to (the weight decays towards the period's end)")
    weighted = by_severity or by_people or half_life is not None

    lon, lat, w = [], [], []
    for o in request["observations"]:
        observed = parse_time(o["observed_at"])
        if (start is not None and observed < start) or (end is not None and observed >= end):
            continue
        people = 0
        for sex, age, count in o.get("affected") or []:
            sex, age, count = str(sex).lower(), str(age).lower(), int(count)
            if sex not in SEXES or age not in AGE_GROUPS or count < 0:
                raise OracleError("observations.affected: bad entry %r" % ([sex, age, count],))
            if (not sexes or sex in sexes) and (not ages or age in ages):
                people += count
        if selective and people == 0:
            continue                       # affects no one of the selected groups
        weight = 1.0
        if by_severity:
            weight *= int(o["severity"])
        if by_people:
            weight *= people
        if half_life is not None:
            age_s = max(0.0, (end - observed).total_seconds())
            weight *= 2.0 ** (-age_s / half_life)
        lon.append(float(o["lon"]))
        lat.append(float(o["lat"]))
        w.append(weight)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), np.asarray(w, dtype=float), weighted


class Binned:
    """Points located in the grid (points outside the grid are dropped for every method)."""

    def __init__(self, grid, x, y, w):
        finite = np.isfinite(x) & np.isfinite(y)
        x, y, w = x[finite], y[finite], w[finite]
        c, r = grid.locate(x, y)
        inside = grid.in_grid(c, r)
        self.x = x[inside]
        self.y = y[inside]
        self.w = w[inside]
        self.c = c[inside]
        self.r = r[inside]
        C, R = grid.columns, grid.rows
        flat = self.c * R + self.r
        self.counts = np.bincount(flat, minlength=C * R).reshape(C, R)           # int
        self.weights = np.bincount(flat, weights=self.w, minlength=C * R).reshape(C, R)


# ----------------------------------------------------------------------------------------------
# Methods
# ----------------------------------------------------------------------------------------------

def quartic_norm(h):
    """3 / (pi h^2), per square metre."""
    return 3.0 / (math.pi * h * h)


def kde_exact(grid, binned, mass, h):
    """Exact quartic kernel density at every cell centre, per km^2 (returned as a (C, R) array).

    Implementation (also the benchmark's peer): a vectorised scatter. Every point adds
    w * K(|centre - point|) to the centres of a fixed stencil of lattice offsets around its own
    cell - all offsets whose centre can be within h of some point of that cell (|o| <= h + the
    cell's centre-to-corner distance); K is 0 beyond h. Distances are computed from the point's
    actual projected position, so nothing is binned. This does the same arithmetic as the
    natural compiled loop "for each point, for each cell in its bandwidth window" - O(N * pi
    (h + r)^2 / A_cell) pair evaluations - in numpy chunks of ~4 M pairs and one np.bincount
    per chunk, so it is a fair peer: no approximation, no precomputed kernel table, single-
    threaded. (cKDTree.query_ball_point was rejected: it returns Python lists per point, which
    for 10^8 pairs costs far more in interpreter overhead than the arithmetic.)"""
    du, dv, _ = grid.offsets(h + grid.max_point_to_centre, inclusive=True)
    pad = int(max(np.max(np.abs(du)), np.max(np.abs(dv))))
    lat = LatticeArray(grid, pad)
    off_x, off_y = grid.offset_xy(du, dv)
    off_flat = du * lat.nv + dv
    home_x, home_y = grid.centre(binned.c, binned.r)
    rel_x = home_x - binned.x            # centre of the home cell minus the point
    rel_y = home_y - binned.y
    home_flat = lat.flat_index(binned.c, binned.r)
    h2 = h * h
    acc = np.zeros(lat.nu * lat.nv)
    chunk = max(1, PAIRS_PER_CHUNK // max(1, len(du)))
    for start in range(0, len(rel_x), chunk):
        sl = slice(start, start + chunk)
        dx = rel_x[sl, None] + off_x[None, :]
        dy = rel_y[sl, None] + off_y[None, :]
        t = dx * dx
        t += dy * dy
        t *= -1.0 / h2
        t += 1.0
        np.maximum(t, 0.0, out=t)      # (1 - d^2/h^2)_+
        t *= t                         # squared: quartic
        t *= mass[sl, None]
        idx = home_flat[sl, None] + off_flat[None, :]
        acc += np.bincount(idx.ravel(), weights=t.ravel(), minlength=acc.size)
    full = acc.reshape(lat.nu, lat.nv) * (quartic_norm(h) * 1e6)
    cc, rr = np.meshgrid(np.arange(grid.columns), np.arange(grid.rows), indexing="ij")
    return lat.gather(full, cc, rr)


def kde_binned(grid, mass_grid, h):
    """Binned quartic kernel density per km^2 at every cell ((C, R) array):
    value(i) = sum_j m_j K(d_ij) / (sum over ALL lattice offsets |o| < h of K(|o|)) / A_cell."""
    du, dv, q = grid.offsets(h, inclusive=False)
    k = (1.0 - q * grid.d2_unit / (h * h)) ** 2      # K up to the constant, which cancels
    k = k / k.sum()
    kernel = stencil_kernel(du, dv, k)
    lat = LatticeArray(grid)
    cc, rr = np.meshgrid(np.arange(grid.columns), np.arange(grid.rows), indexing="ij")
    m = lat.scatter(cc.ravel(), rr.ravel(), mass_grid.ravel().astype(float))
    out = correlate(m, kernel) / grid.cell_area_km2
    return lat.gather(out, cc, rr)


def kde_count(grid, counts_grid, h):
    """Observations in the cells whose centre is within h (d < h) of each cell's centre."""
    du, dv, _ = grid.offsets(h, inclusive=False)
    kernel = stencil_kernel(du, dv, np.ones(len(du)))
    lat = LatticeArray(grid)
    cc, rr = np.meshgrid(np.arange(grid.columns), np.arange(grid.rows), indexing="ij")
    a = lat.scatter(cc.ravel(), rr.ravel(), counts_grid.ravel().astype(float))
    out = correlate(a, kernel, integer=True)
    return np.rint(lat.gather(out, cc, rr)).astype(np.int64)


FDR_LEVELS = ((0.01, 3), (0.05, 2), (0.10, 1))


def fdr_threshold(p, alpha):
    """Benjamini-Hochberg: the largest p_(k) with p_(k) <= alpha * k / n, or None."""
    n = len(p)
    ps = np.sort(p)
    k = np.arange(1, n + 1)
    ok = np.nonzero(ps <= alpha * k / n)[0]
    return float(ps[ok[-1]]) if len(ok) else None


def gistar(grid, area_mask, x_grid, counts_grid, band):
    """Getis-Ord Gi* over the study-area cells with binary distance-band weights (self included).
    Returns (z, p, bin, count) as (C, R) arrays (meaningful on study-area cells only)."""
    du, dv, _ = grid.offsets(band, inclusive=True)
    kernel = stencil_kernel(du, dv, np.ones(len(du)))
    lat = LatticeArray(grid)
    cc, rr = np.meshgrid(np.arange(grid.columns), np.arange(grid.rows), indexing="ij")
    cc = cc.ravel()
    rr = rr.ravel()
    sel = area_mask.ravel()
    mask_a = lat.scatter(cc, rr, sel.astype(float))
    x_a = lat.scatter(cc, rr, np.where(sel, x_grid.ravel(), 0.0))
    n_a = lat.scatter(cc, rr, np.where(sel, counts_grid.ravel(), 0).astype(float))
    W = np.rint(lat.gather(correlate(mask_a, kernel, integer=True), cc, rr))   # sum_j w_ij = sum_j w_ij^2
    SX = lat.gather(correlate(x_a, kernel), cc, rr)                            # sum_j w_ij x_j
    CNT = np.rint(lat.gather(correlate(n_a, kernel, integer=True), cc, rr)).astype(np.int64)

    C, R = grid.columns, grid.rows
    z = np.zeros(C * R)
    p = np.ones(C * R)
    xs = x_grid.ravel()[sel].astype(float)
    n = len(xs)
    if n >= 2 and np.ptp(xs) > 0:
        mean = xs.mean()
        S = math.sqrt(np.mean((xs - mean) ** 2))       # = sqrt(mean(x^2) - mean^2), two-pass
        Wi = W[sel]
        den2 = (n * Wi - Wi * Wi) / (n - 1)
        num = SX[sel] - mean * Wi
        zi = np.zeros(n)
        ok = den2 > 0                                   # W_i = n (every cell a neighbour) -> z 0
        zi[ok] = num[ok] / (S * np.sqrt(den2[ok]))
        z[sel] = zi
        p[sel] = 2.0 * scipy.stats.norm.sf(np.abs(zi))
    level = np.zeros(C * R, dtype=np.int64)
    ps = p[sel]
    lv = np.zeros(n, dtype=np.int64)
    for alpha, value in sorted(FDR_LEVELS, key=lambda a: -a[0]):   # 0.10, 0.05, 0.01
        thr = fdr_threshold(ps, alpha) if n else None
        if thr is not None:
            lv[ps <= thr] = value
    level[sel] = lv
    bins = (np.sign(z).astype(np.int64) * level)
    return (z.reshape(C, R), p.reshape(C, R), bins.reshape(C, R), CNT.reshape(C, R))


# ----------------------------------------------------------------------------------------------
# Modes
# ----------------------------------------------------------------------------------------------

ALL_METHODS = ("counts", "kde_exact", "kde_binned", "gistar")


def ms(t0):
    return round((time.perf_counter() - t0) * 1000.0, 3)


def compute(request, bench=False):
    timings = {}
    grid = Grid(request["grid"])
    transformer = make_transformer(request["projection"])
    methods = request.get("methods") or (
        ["counts", "kde_exact", "kde_binned"] + (["gistar"] if request.get("distance_band") else [])
        if bench else list(ALL_METHODS))
    unknown = set(methods) - set(ALL_METHODS)
    if unknown:
        raise OracleError("unknown methods: %s" % sorted(unknown))
    h = request.get("bandwidth")
    h = 5.0 * grid.s if h is None else float(h)
    band = request.get("distance_band")
    band = 3.0 * grid.s if band is None else float(band)
    if h <= 0 or band < 0:
        raise OracleError("bandwidth must be > 0 and distance_band >= 0")

    t0 = time.perf_counter()
    if request.get("observations") is not None:
        lon, lat, w, weighted = read_observations(request)
    else:
        lon, lat, w, weighted = read_points(request)
    timings["read"] = ms(t0)

    t0 = time.perf_counter()
    geom = project_area(transformer, request["area"]) if request.get("area") else None
    area_mask = study_area_cells(grid, geom)
    timings["study_area"] = ms(t0)

    t0 = time.perf_counter()
    x, y = project(transformer, lon, lat)
    timings["project"] = ms(t0)
    binned = Binned(grid, x, y, w)
    timings["bin"] = ms(t0)          # projection + location + counts and weights

    mass = binned.w if weighted else np.ones(len(binned.x))
    mass_grid = binned.weights if weighted else binned.counts.astype(float)
    cc, rr = np.nonzero(area_mask)
    order = np.lexsort((cc, rr))     # sorted by (row, column)
    cc, rr = cc[order], rr[order]

    out = {}
    if not bench:
        out["cells"] = np.stack([cc, rr], axis=1).tolist()
    if "counts" in methods:
        out["counts"] = binned.counts[cc, rr].tolist()
        out["weights"] = binned.weights[cc, rr].tolist()
    if "kde_exact" in methods:
        t0 = time.perf_counter()
        v = kde_exact(grid, binned, mass, h)
        timings["kde_exact"] = ms(t0)
        out["kde_exact"] = v[cc, rr].tolist()
    if "kde_binned" in methods:
        t0 = time.perf_counter()
        v = kde_binned(grid, mass_grid, h)
        timings["kde_binned"] = ms(t0)
        out["kde_binned"] = v[cc, rr].tolist()
    if "kde_exact" in methods or "kde_binned" in methods:
        out["kde_count"] = kde_count(grid, binned.counts, h)[cc, rr].tolist()
    if "gistar" in methods:
        t0 = time.perf_counter()
        z, p, b, cnt = gistar(grid, area_mask, mass_grid, binned.counts, band)
        timings["gistar"] = ms(t0)
        out["gi_z"] = z[cc, rr].tolist()
        out["gi_p"] = p[cc, rr].tolist()
        out["gi_bin"] = b[cc, rr].tolist()
        out["gi_count"] = cnt[cc, rr].tolist()
    out["timings_ms"] = timings
    out["params"] = {"bandwidth": h, "distance_band": band, "weighted": bool(weighted),
                     "points": int(len(lon)), "points_in_grid": int(len(binned.x)),
                     "study_cells": int(len(cc)), "projection": laea_definition(request["projection"])}
    return out


def mode_heatmap(request):
    return compute(request)


def mode_bench(request):
    if not request.get("points_file") and not request.get("points"):
        raise OracleError("bench: points_file is required")
    r = compute(request, bench=True)
    res = {"params": r["params"], "timings_ms": r["timings_ms"]}
    if "counts" in r:
        res["sum_counts"] = int(sum(r["counts"]))
        res["sum_weights"] = float(sum(r["weights"]))
    for key in ("kde_exact", "kde_binned"):
        if key in r:
            res["sum_" + key] = float(np.sum(r[key]))
    if "kde_count" in r:
        res["sum_kde_count"] = int(sum(r["kde_count"]))
    if "gi_z" in r:
        res["hot_cells"] = int(sum(1 for b in r["gi_bin"] if b > 0))
        res["cold_cells"] = int(sum(1 for b in r["gi_bin"] if b < 0))
    return res


def ring_polygon(transformer, flat):
    """[lon, lat, lon, lat, ...] (not closed) -> (metric polygon or None, ccw in lon/lat)."""
    a = np.asarray(flat, dtype=float)
    if a.size % 2 or a.size < 6:
        return None, False
    lon, lat = a[0::2], a[1::2]
    signed = 0.5 * float(np.sum(lon * np.roll(lat, -1) - np.roll(lon, -1) * lat))
    x, y = project(transformer, lon, lat)
    return shapely.geometry.Polygon(list(zip(x.tolist(), y.tolist()))), signed > 0


def mode_tiling(request):
    transformer = make_transformer(request["projection"])
    area = project_area(transformer, request["area"])
    polys = []
    all_ccw = True
    invalid = 0
    for flat in request.get("rings") or []:
        poly, ccw = ring_polygon(transformer, flat)
        all_ccw = all_ccw and ccw
        if poly is None or not poly.is_valid:
            invalid += 1            # counted, and left out of the areas below
            continue
        polys.append(poly)
    union = shapely.ops.unary_union(polys) if polys else shapely.geometry.Polygon()
    sum_m2 = float(sum(p.area for p in polys))
    return {
        "area_m2": float(area.area),
        "union_m2": float(union.area),
        "sum_m2": sum_m2,
        "overlap_m2": sum_m2 - float(union.area),
        "uncovered_m2": float(area.difference(union).area),
        "outside_m2": float(union.difference(area).area),
        "all_ccw": bool(all_ccw),
        "invalid": invalid,
        "rings": len(request.get("rings") or []),
    }


MODES = {"heatmap": mode_heatmap, "tiling": mode_tiling, "bench": mode_bench}


def main(argv):
    if len(argv) != 2 or argv[1] not in MODES:
        sys.stderr.write("usage: /usr/bin/python3 heatmap_oracle.py {heatmap|tiling|bench} "
                         "< input.json > output.json\n")
        return 2
    try:
        request = json.load(sys.stdin)
        result = MODES[argv[1]](request)
    except (OracleError, KeyError, ValueError, TypeError) as e:
        sys.stderr.write("heatmap_oracle: %s: %s\n" % (type(e).__name__, e))
        return 1
    json.dump(result, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
