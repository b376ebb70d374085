#!/usr/bin/python3
"""Self-check of heatmap_oracle.py: tiny cases with expected values worked out by hand / from
first principles, plus a brute-force cross-check (plain loops, straight from the definitions) on
small random grids. Runs the oracle through its command line, as the C# tests do.

Usage: /usr/bin/python3 tests/oracles/check_oracle.py [-v]     (exit status 1 on any failure)
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import pyproj
import shapely.geometry

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "heatmap_oracle.py")
PYTHON = "/usr/bin/python3"
SQRT3 = math.sqrt(3.0)
VERBOSE = "-v" in sys.argv

failures = []
checks = 0


def run(mode, request):
    p = subprocess.run([PYTHON, ORACLE, mode], input=json.dumps(request), capture_output=True,
                       text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError("oracle %s failed: %s" % (mode, p.stderr))
    return json.loads(p.stdout)


def check(name, ok, detail=""):
    global checks
    checks += 1
    if not ok:
        failures.append("%s %s" % (name, detail))
        print("FAIL", name, detail)
    elif VERBOSE:
        print("ok  ", name)


def close(a, b, rel=1e-9, abs_=1e-12):
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def check_close(name, got, want, rel=1e-9, abs_=1e-12):
    check(name, close(got, want, rel, abs_), "got %r want %r" % (got, want))


def laea(lat0, lon0):
    return "+proj=laea +lat_0=%r +lon_0=%r +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs" % (lat0, lon0)


def inverse(lat0, lon0):
    """Metric (x, y) -> [lon, lat]: used only to place test points at chosen metric positions."""
    t = pyproj.Transformer.from_crs(laea(lat0, lon0), "+proj=longlat +ellps=WGS84 +no_defs",
                                    always_xy=True)
    return lambda x, y: list(t.transform(x, y))


def box(lon1, lat1, lon2, lat2):
    return {"type": "Polygon", "coordinates": [[[lon1, lat1], [lon2, lat1], [lon2, lat2],
                                                [lon1, lat2], [lon1, lat1]]]}


def by_cell(out, key):
    return {tuple(c): v for c, v in zip(out["cells"], out[key])}


def kq(d2, h):
    """Quartic kernel per km^2 at squared distance d2 (m^2)."""
    return 3.0 / (math.pi * h * h) * max(0.0, 1.0 - d2 / (h * h)) ** 2 * 1e6


# ------------------------------------------------------------------------------------------------
# 1. a single point at a cell centre (square cells)
# ------------------------------------------------------------------------------------------------
def case_single_point():
    # LAEA centred on (0, 30): the point (30, 0) projects to (0, 0), the centre of cell (2, 2).
    h = 2500.0
    req = {"projection": {"lat_0": 0, "lon_0": 30},
           "grid": {"shape": "square", "size": 1000, "origin_x": -2500, "origin_y": -2500,
                    "columns": 5, "rows": 5},
           "area": box(29.9, -0.1, 30.1, 0.1), "points": [[30, 0]],
           "bandwidth": h, "distance_band": 1000}
    out = run("heatmap", req)
    check("single: 25 cells sorted by (r, c)",
          out["cells"] == [[c, r] for r in range(5) for c in range(5)])
    counts = by_cell(out, "counts")
    check("single: count 1 in (2,2) only",
          counts[(2, 2)] == 1 and sum(counts.values()) == 1)
    ke = by_cell(out, "kde_exact")
    kb = by_cell(out, "kde_binned")
    kc = by_cell(out, "kde_count")
    norm = 3 / (math.pi * h * h) * 1e6                    # 0.152788745... per km^2
    check_close("single: kde_exact at the point = 3/(pi h^2) 1e6", ke[(2, 2)], norm, 1e-9)
    # 1 - d^2/h^2 for d = 1000, 1414, 2000, 2236: 0.84, 0.68, 0.36, 0.2; (2,2) offset: 2828 > h
    hand = {(0, 0): 1.0, (0, 1): 0.84, (1, 1): 0.68, (0, 2): 0.36, (1, 2): 0.2, (2, 2): 0.0}
    # binned normaliser: 1 + 4*.84^2 + 4*.68^2 + 4*.36^2 + 8*.2^2 = 6.5104 (21 offsets)
    for (c, r), v in ke.items():
        o = tuple(sorted((abs(c - 2), abs(r - 2))))
        check_close("single: kde_exact %s" % ((c, r),), v, norm * hand[o] ** 2, 1e-9, 1e-12)
        check_close("single: kde_binned %s" % ((c, r),), kb[(c, r)], hand[o] ** 2 / 6.5104, 1e-9, 1e-12)
        check("single: kde_count %s" % ((c, r),), kc[(c, r)] == (1 if hand[o] > 0 else 0))
    check_close("single: kde_binned at the point = 1/6.5104", kb[(2, 2)], 0.15360039321700664, 1e-12)


# ------------------------------------------------------------------------------------------------
# 2. two points (superposition; weights)
# ------------------------------------------------------------------------------------------------
def case_two_points():
    inv = inverse(0, 30)
    h = 1500.0
    a = (0.0, 0.0)          # centre of (2, 2)
    b = (1300.0, 400.0)     # in cell (3, 2)  ([500, 1500] x [-500, 500])
    grid = {"shape": "square", "size": 1000, "origin_x": -2500, "origin_y": -2500,
            "columns": 5, "rows": 5}
    for weighted in (False, True):
        wa, wb = (2.0, 0.5) if weighted else (1.0, 1.0)
        pts = [inv(*a) + ([wa] if weighted else []), inv(*b) + ([wb] if weighted else [])]
        out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid,
                              "area": box(29.9, -0.1, 30.1, 0.1), "points": pts,
                              "bandwidth": h, "distance_band": 1000})
        tag = "two (%s):" % ("weighted" if weighted else "counts")
        counts = by_cell(out, "counts")
        weights = by_cell(out, "weights")
        check(tag + " counts", counts[(2, 2)] == 1 and counts[(3, 2)] == 1 and sum(counts.values()) == 2)
        check_close(tag + " weights (3,2)", weights[(3, 2)], wb)
        ke = by_cell(out, "kde_exact")
        # at the centre (1000, 0) of (3, 2): d_a^2 = 1e6, d_b^2 = 300^2 + 400^2 = 250000
        want = wa * kq(1e6, h) + wb * kq(250000.0, h)
        check_close(tag + " kde_exact (3,2)", ke[(3, 2)], want, 1e-8)
        # at (0, 0): d_b^2 = 1300^2 + 400^2 = 1850000 < h^2 = 2250000
        check_close(tag + " kde_exact (2,2)", ke[(2, 2)], wa * kq(0, h) + wb * kq(1850000.0, h), 1e-8)
        # at (-1000, 0) = (1, 2): only a, at 1000 m
        check_close(tag + " kde_exact (1,2)", ke[(1, 2)], wa * kq(1e6, h), 1e-8)
        # binned, h = 1500: offsets 0 (1), 4 at 1000 m ((5/9)^2 = 25/81), 4 at 1414 m (1/81)
        kb = by_cell(out, "kde_binned")
        norm = 185.0 / 81.0
        check_close(tag + " kde_binned (2,2)", kb[(2, 2)], (wa * 1 + wb * 25 / 81) / norm, 1e-12)
        check_close(tag + " kde_binned (3,3)", kb[(3, 3)], (wa * 1 / 81 + wb * 25 / 81) / norm, 1e-12)
        check_close(tag + " kde_binned (4,3)", kb[(4, 3)], (wb * 1 / 81) / norm, 1e-12)
        check(tag + " kde_binned (4,4) = 0", kb[(4, 4)] == 0.0)
        kc = by_cell(out, "kde_count")
        check(tag + " kde_count", kc[(2, 2)] == 2 and kc[(4, 2)] == 1 and kc[(0, 2)] == 0
              and kc[(4, 3)] == 1 and kc[(4, 4)] == 0 and kc[(1, 1)] == 1 and kc[(0, 0)] == 0)
        check(tag + " params.weighted", out["params"]["weighted"] == weighted)


# ------------------------------------------------------------------------------------------------
# 3. all points in one cell: Gi* by hand, FDR
# ------------------------------------------------------------------------------------------------
def case_one_cell():
    inv = inverse(0, 30)
    m = 10
    # 7 x 7 grid of 1 km squares, centre cell (3, 3) at (0, 0); points scattered inside it
    rnd = random.Random(7)
    xy = [(rnd.uniform(-450, 450), rnd.uniform(-450, 450)) for _ in range(m)]
    h = 1500.0
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30},
                          "grid": {"shape": "square", "size": 1000, "origin_x": -3500,
                                   "origin_y": -3500, "columns": 7, "rows": 7},
                          "area": box(29.9, -0.1, 30.1, 0.1), "points": [inv(x, y) for x, y in xy],
                          "bandwidth": h, "distance_band": 1000})
    counts = by_cell(out, "counts")
    check("one cell: 49 cells, all points in (3,3)", len(counts) == 49 and counts[(3, 3)] == m
          and sum(counts.values()) == m)
    # Gi*, band = s: neighbours = self + 4 edge neighbours (W = 5 inside, 4 on edges, 3 corners).
    # x = m at the centre, 0 elsewhere, n = 49: mean = m/49, S = m sqrt(48)/49.
    # The centre and its 4 neighbours: sum w x = m, z = (m - 5m/49) / (S sqrt((49*5 - 25)/48))
    #   = 44 / sqrt(220) = 2.9664794...; others: z = -W / sqrt(W (49 - W)) = -sqrt(W / (49 - W)).
    z_hot = 44 / math.sqrt(220)
    p_hot = math.erfc(z_hot / math.sqrt(2))               # 0.0030119...
    gz, gp, gb, gc = (by_cell(out, k) for k in ("gi_z", "gi_p", "gi_bin", "gi_count"))
    hot = {(3, 3), (2, 3), (4, 3), (3, 2), (3, 4)}
    for cell in gz:
        c, r = cell
        if cell in hot:
            check_close("one cell: z %s" % (cell,), gz[cell], z_hot, 1e-12)
            check_close("one cell: p %s" % (cell,), gp[cell], p_hot, 1e-9)
            # FDR: 5 p-values of 0.00301; at 0.01: 0.00301 > 0.01*5/49 = 0.00102 -> none;
            # at 0.05: 0.00301 <= 0.05*5/49 = 0.0051 -> significant: bin 2
            check("one cell: bin %s = 2" % (cell,), gb[cell] == 2, "got %r" % gb[cell])
            check("one cell: gi_count %s" % (cell,), gc[cell] == m)
        else:
            W = 1 + (c > 0) + (c < 6) + (r > 0) + (r < 6)
            check_close("one cell: z %s" % (cell,), gz[cell], -math.sqrt(W / (49 - W)), 1e-12)
            check("one cell: bin %s = 0" % (cell,), gb[cell] == 0)
            check("one cell: gi_count %s" % (cell,), gc[cell] == 0)
    # binned KDE: all mass at (3,3); weights 81/185, 25/185, 1/185 (h = 1.5 s)
    kb = by_cell(out, "kde_binned")
    check_close("one cell: kde_binned centre", kb[(3, 3)], m * 81 / 185, 1e-12)
    check_close("one cell: kde_binned edge", kb[(3, 4)], m * 25 / 185, 1e-12)
    check_close("one cell: kde_binned diagonal", kb[(4, 4)], m * 1 / 185, 1e-12)
    check("one cell: kde_binned zero at distance 2", kb[(5, 3)] == 0.0)
    ke = by_cell(out, "kde_exact")
    for cell in [(3, 3), (4, 3), (4, 4), (5, 3), (1, 1)]:
        cx, cy = (cell[0] - 3) * 1000.0, (cell[1] - 3) * 1000.0
        want = sum(kq((cx - x) ** 2 + (cy - y) ** 2, h) for x, y in xy)
        check_close("one cell: kde_exact %s" % (cell,), ke[cell], want, 1e-7, 1e-12)
    # all equal values -> S = 0: every z 0, p 1, bin 0
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30},
                          "grid": {"shape": "square", "size": 1000, "origin_x": -500,
                                   "origin_y": -500, "columns": 1, "rows": 1},
                          "area": box(29.9, -0.1, 30.1, 0.1), "points": [[30, 0]] * 3,
                          "bandwidth": 500, "distance_band": 1000, "methods": ["gistar"]})
    check("S = 0: z 0, p 1, bin 0", out["gi_z"] == [0.0] and out["gi_p"] == [1.0]
          and out["gi_bin"] == [0] and out["gi_count"] == [3] and "counts" not in out)


# ------------------------------------------------------------------------------------------------
# 4. hexagons
# ------------------------------------------------------------------------------------------------
def case_hexagon():
    inv = inverse(0, 30)
    s = 1000.0
    # 5 x 5 flat-topped hexagons, side 1 km; cell (2, 2) centred at (0, 0):
    #   x = ox + s + 1.5 s * 2 = 0  -> ox = -4000;  y = oy + (sqrt3/2) s + sqrt3 s * 2 = 0
    grid = {"shape": "hexagon", "size": s, "origin_x": -4000, "origin_y": -2.5 * SQRT3 * s,
            "columns": 5, "rows": 5}
    # Neighbours of (2, 2) at sqrt3 s: (2,1), (2,3), and in the odd columns 1 and 3 (shifted up
    # half a row) rows 1 and 2. Nearest-centre assignment:
    #   (900, 0)    -> (2,2)  900 m vs 1053 m to (3,1) and (3,2)
    #   (950, 300)  -> (3,2)  centre (1500, 866): 789 m vs 996 m to (0,0)
    #   (1050, 100) -> (3,2)  888 m vs 1055 m to (0,0), 1066 m to (3,1)
    #   (-950, -300)-> (1,1)  centre (-1500, -866): 789 m
    #   (0, 1700)   -> (2,3)  centre (0, 1732)
    h = 2000.0
    cases = [((900, 0), (2, 2)), ((950, 300), (3, 2)), ((1050, 100), (3, 2)),
             ((-950, -300), (1, 1)), ((0, 1700), (2, 3))]
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid,
                          "area": box(29.9, -0.1, 30.1, 0.1),
                          "points": [inv(x, y) for (x, y), _ in cases],
                          "bandwidth": h, "distance_band": 3 * s, "methods": ["counts"]})
    counts = by_cell(out, "counts")
    want = {}
    for _, cell in cases:
        want[cell] = want.get(cell, 0) + 1
    check("hex: 25 cells", len(counts) == 25)
    check("hex: nearest-centre assignment", all(counts[c] == want.get(c, 0) for c in counts),
          "got %r" % {c: v for c, v in counts.items() if v})

    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid,
                          "area": box(29.9, -0.1, 30.1, 0.1), "points": [inv(0, 0)],
                          "bandwidth": h, "distance_band": 3 * s})
    ke, kb, kc = by_cell(out, "kde_exact"), by_cell(out, "kde_binned"), by_cell(out, "kde_count")
    gc = by_cell(out, "gi_count")
    ring1 = {(2, 1), (2, 3), (1, 1), (1, 2), (3, 1), (3, 2)}
    norm = 3 / (math.pi * h * h) * 1e6
    a_km2 = 1.5 * SQRT3 * 1.0                  # 2.598076... km^2
    # h = 2 km: ring 1 at sqrt3 km -> (1 - 3/4)^2 = 1/16; ring 2 at 3 km, 3.46 km -> 0.
    # binned normaliser = 1 + 6/16 = 1.375
    for cell in ke:
        if cell == (2, 2):
            k = 1.0
        elif cell in ring1:
            k = 1 / 16
        else:
            k = 0.0
        check_close("hex: kde_exact %s" % (cell,), ke[cell], norm * k, 1e-9, 1e-12)
        check_close("hex: kde_binned %s" % (cell,), kb[cell], k / 1.375 / a_km2, 1e-12, 1e-15)
        check("hex: kde_count %s" % (cell,), kc[cell] == (1 if k > 0 else 0))
    # Distance band 3 s: includes ring 1 and the 6 cells at exactly 3 s (e.g. (4,2), (0,2),
    # (2,4)? no: (2,4) is 2 sqrt3 s = 3.46 s away); (4,2) is exactly 3 s -> included (tie).
    check("hex: gi_count tie at exactly 3 s included", gc[(4, 2)] == 1 and gc[(0, 2)] == 1
          and gc[(3, 0)] == 1 and gc[(1, 3)] == 1 and gc[(3, 3)] == 1 and gc[(1, 0)] == 1)
    check("hex: gi_count beyond the band", gc[(2, 4)] == 0 and gc[(2, 0)] == 0 and gc[(4, 1)] == 0
          and gc[(0, 0)] == 0)
    check("hex: gi_count ring 1", all(gc[c] == 1 for c in ring1))

    # h = 3 s exactly: the ring-2 cells at exactly 3 s are NOT within h (d < h)
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid,
                          "area": box(29.9, -0.1, 30.1, 0.1), "points": [inv(0, 0)],
                          "bandwidth": 3 * s, "methods": ["kde_binned"]})
    kc = by_cell(out, "kde_count")
    check("hex: kde_count tie at exactly h excluded", kc[(4, 2)] == 0 and kc[(3, 2)] == 1)


# ------------------------------------------------------------------------------------------------
# 5. an area crossing the equator
# ------------------------------------------------------------------------------------------------
def case_equator():
    # WGS84: a = 6378137, e^2 = 0.00669437999014. Near the centre of an LAEA the scale is 1:
    #   0.1 deg of longitude on the equator ~ a * 0.1 * pi/180 = 11131.9 m
    #   0.1 deg of latitude at the equator  ~ a (1 - e^2) * 0.1 * pi/180 = 11057.4 m
    a, e2 = 6378137.0, 0.00669437999014
    x_edge = a * math.radians(0.1)
    y_edge = a * (1 - e2) * math.radians(0.1)
    check("equator: x edge ~ 11132 m", abs(x_edge - 11131.95) < 0.1)
    s = 2000.0
    grid = {"shape": "square", "size": s, "origin_x": -17000, "origin_y": -17000,
            "columns": 17, "rows": 17}
    # Cell c spans [-17000 + 2000 c, -15000 + 2000 c]: the edges at +-11132 / +-11057 m fall in
    # cells 2 and 14 (spans [-13000, -11000] and [11000, 13000]) with ~100 m to spare.
    cols = [c for c in range(17) if -17000 + s * c < x_edge and -17000 + s * (c + 1) > -x_edge]
    rows = [r for r in range(17) if -17000 + s * r < y_edge and -17000 + s * (r + 1) > -y_edge]
    check("equator: hand cells 13 x 13", cols == list(range(2, 15)) and rows == list(range(2, 15)))
    pts = [[30.05, -0.05], [29.95, 0.05], [30.0, -0.001], [30.0, 0.001], [31.0, 0.0],
           [30.1258, 0.0]]
    # (30.05, -0.05) -> x ~ 5566, y ~ -5529 -> (11, 5); (29.95, 0.05) -> (5, 11);
    # (30, -0.001) -> y ~ -111 -> (8, 8); (30, 0.001) -> y ~ 111 -> (8, 8);
    # (31, 0) -> x ~ 111 km: outside the grid, ignored;
    # (30.1258, 0) -> x ~ 14005 m: cell (15, 8), in the grid but outside the area
    h = 2500.0
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid,
                          "area": box(29.9, -0.1, 30.1, 0.1), "points": pts,
                          "bandwidth": h, "distance_band": s})
    cells = [tuple(c) for c in out["cells"]]
    check("equator: study cells", cells == [(c, r) for r in rows for c in cols],
          "got %d cells" % len(cells))
    counts = by_cell(out, "counts")
    check("equator: counts", counts[(11, 5)] == 1 and counts[(5, 11)] == 1 and counts[(8, 8)] == 2
          and sum(counts.values()) == 4)
    check("equator: points in grid 5 of 6", out["params"]["points_in_grid"] == 5)
    # (14, 8) is 2000 m from the point in (15, 8) (outside the area): it counts for the binned
    # KDE and the kde_count (any grid cell), not for Gi* (study-area cells only).
    kc, kb, gc = by_cell(out, "kde_count"), by_cell(out, "kde_binned"), by_cell(out, "gi_count")
    check("equator: kde_count sees a cell outside the area", kc[(14, 8)] == 1)
    # binned, h = 1.25 s: offsets 0, 4 at s ((1 - 0.64)^2 = 0.1296) -> normaliser 1.5184
    check_close("equator: kde_binned from outside the area", kb[(14, 8)], 0.1296 / 1.5184 / 4.0, 1e-12)
    check("equator: gi_count ignores cells outside the area", gc[(14, 8)] == 0)

    # An area whose edges lie ON the equator and ON the central meridian (both straight lines
    # y = 0, x = 0 in this projection), along cell edges: cells that only touch are excluded.
    grid2 = dict(grid, origin_x=-16000, origin_y=-16000, columns=16, rows=16)
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid2,
                          "area": box(30.0, 0.0, 30.1, 0.1), "points": [],
                          "bandwidth": h, "distance_band": s, "methods": ["counts"]})
    # x in [0, 11132], y in [0, 11057]: cells 8..13 in both directions (cell 8 spans [0, 2000])
    cells = [tuple(c) for c in out["cells"]]
    check("equator: touching cells excluded", cells == [(c, r) for r in range(8, 14) for c in range(8, 14)],
          "got %r" % cells[:8])
    # The same area in the southern hemisphere as a MultiPolygon with two parts
    area = {"type": "MultiPolygon", "coordinates": [box(30.0, 0.0, 30.1, 0.1)["coordinates"],
                                                    box(29.9, -0.1, 30.0, 0.0)["coordinates"]]}
    out = run("heatmap", {"projection": {"lat_0": 0, "lon_0": 30}, "grid": grid2, "area": area,
                          "points": [], "bandwidth": h, "distance_band": s, "methods": ["counts"]})
    cells = set(tuple(c) for c in out["cells"])
    want = set((c, r) for r in range(8, 14) for c in range(8, 14)) | \
        set((c, r) for r in range(2, 8) for c in range(2, 8))
    check("equator: multipolygon across the equator", cells == want)


# ------------------------------------------------------------------------------------------------
# 6. an area crossing the UTM zone boundary at 30 E (zones 35 / 36)
# ------------------------------------------------------------------------------------------------
def case_utm_boundary():
    lat0, lon0 = -0.5, 29.0
    inv = inverse(lat0, lon0)
    fwd = pyproj.Transformer.from_crs("+proj=longlat +ellps=WGS84 +no_defs", laea(lat0, lon0),
                                      always_xy=True)
    geod = pyproj.Geod(ellps="WGS84")
    # Points on both sides of 30 E: the projected distance must be the geodesic distance (one
    # continuous projection, no zone jump). LAEA scale ~ 1 - (rho / 2R)^2 / 2 ~ 1 - 4e-5 here.
    p1, p2 = (29.99, -0.5), (30.01, -0.5)
    x1, y1 = fwd.transform(*p1)
    x2, y2 = fwd.transform(*p2)
    _, _, dist = geod.inv(p1[0], p1[1], p2[0], p2[1])
    check_close("utm: planar distance across 30E = geodesic", math.hypot(x2 - x1, y2 - y1), dist, 1e-4)
    # 30 E at -0.5: ~ 1 deg east of the centre, x ~ 111.3 km
    s = 1000.0
    ox, oy = 100000.0, -20000.0
    grid = {"shape": "square", "size": s, "origin_x": ox, "origin_y": oy, "columns": 30, "rows": 40}
    # Two points exactly at the centres of the cell holding 29.99 E and of the cell two columns
    # east (centre 1500..2500 m east of 29.99 E; 30 E is ~1113 m east of it).
    c1 = int((x1 - ox) // s)
    c2 = c1 + 2
    q1 = (ox + (c1 + 0.5) * s, oy + 19.5 * s)
    q2 = (ox + (c2 + 0.5) * s, oy + 19.5 * s)
    l1, l2 = inv(*q1), inv(*q2)
    check("utm: cells on both sides of 30E", l1[0] < 30.0 < l2[0] and c2 - c1 == 2,
          "%r %r %d %d" % (l1, l2, c1, c2))
    h = 3000.0
    out = run("heatmap", {"projection": {"lat_0": lat0, "lon_0": lon0}, "grid": grid,
                          "area": box(29.8, -0.7, 30.2, -0.3), "points": [l1, l2],
                          "bandwidth": h, "distance_band": s})
    cells = [tuple(c) for c in out["cells"]]
    rows = {}
    for c, r in cells:
        rows.setdefault(r, []).append(c)
    check("utm: every row of study cells contiguous across 30E",
          all(cs == list(range(min(cs), max(cs) + 1)) and min(cs) < c1 and max(cs) > c2
              for cs in rows.values()))
    # area width ~ 0.4 deg * 111.3 km = 44.5 km > grid (30 km): the area covers columns fully
    check("utm: the area covers all 30 columns", all(len(cs) == 30 for cs in rows.values()))
    ke = by_cell(out, "kde_exact")
    # the two points are 2 s apart: each cell centre gets K(0) + K(2000)
    want = kq(0, h) + kq(4e6, h)
    check_close("utm: kde_exact across 30E", ke[(c1, 19)], want, 1e-9)
    check_close("utm: kde_exact across 30E (east)", ke[(c2, 19)], want, 1e-9)
    check_close("utm: kde_exact midway", ke[(c1 + 1, 19)], 2 * kq(1e6, h), 1e-9)
    counts = by_cell(out, "counts")
    check("utm: counts", counts[(c1, 19)] == 1 and counts[(c2, 19)] == 1)


# ------------------------------------------------------------------------------------------------
# 7. tiling
# ------------------------------------------------------------------------------------------------
def case_tiling():
    lat0, lon0 = 0.0, 30.0
    inv = inverse(lat0, lon0)
    s = 2000.0

    def square_ring(c, r, ox, oy, cw=False):
        pts = [(ox + c * s, oy + r * s), (ox + (c + 1) * s, oy + r * s),
               (ox + (c + 1) * s, oy + (r + 1) * s), (ox + c * s, oy + (r + 1) * s)]
        if cw:
            pts = pts[::-1]
        return [v for p in pts for v in inv(*p)]

    # cells 8..13 x 8..13 of a grid with origin (-16000, -16000) cover the area
    # [30, 30.1] x [0, 0.1] (x in [0, 11132], y in [0, 11057]) and reach to 12000 m.
    rings = [square_ring(c, r, -16000, -16000) for r in range(8, 14) for c in range(8, 14)]
    area = box(30.0, 0.0, 30.1, 0.1)
    out = run("tiling", {"projection": {"lat_0": lat0, "lon_0": lon0}, "area": area, "rings": rings})
    # (the corners make a lon/lat round trip through PROJ: micrometres, hence 1e-8)
    check_close("tiling: union = 36 s^2", out["union_m2"], 36 * s * s, 1e-8)
    check_close("tiling: sum = union", out["sum_m2"], out["union_m2"], 1e-12)
    check("tiling: no overlap", abs(out["overlap_m2"]) < 1e-3, repr(out["overlap_m2"]))
    check("tiling: nothing uncovered", out["uncovered_m2"] < 1e-3, repr(out["uncovered_m2"]))
    # area ~ 11131.9 x 11057.4 m; outside = 144e6 - area
    check_close("tiling: area", out["area_m2"], 11131.95 * 11057.43, 1e-4)
    check_close("tiling: outside", out["outside_m2"], out["union_m2"] - out["area_m2"], 1e-8)
    check("tiling: ccw, valid", out["all_ccw"] is True and out["invalid"] == 0)
    # a clockwise ring, a duplicate (overlap s^2), a bow tie (invalid: counted, left out of the areas)
    bad = rings + [square_ring(20, 20, -16000, -16000, cw=True), rings[0],
                   [v for p in [(0, 0), (s, s), (s, 0), (0, s)] for v in inv(*p)]]
    out = run("tiling", {"projection": {"lat_0": lat0, "lon_0": lon0}, "area": area, "rings": bad})
    check("tiling: clockwise detected", out["all_ccw"] is False)
    check("tiling: bow tie invalid", out["invalid"] == 1)
    check_close("tiling: duplicate overlaps s^2", out["overlap_m2"], s * s, 1e-6)
    # hexagons: side s, corners at centre + s (cos 60k, sin 60k); 3 x 3 cells
    hx = []
    for c in range(3):
        for r in range(3):
            cx = s + 1.5 * s * c
            cy = SQRT3 / 2 * s + SQRT3 * s * r + (SQRT3 / 2 * s if c % 2 else 0)
            hx.append([v for k in range(6) for v in inv(cx + s * math.cos(math.radians(60 * k)),
                                                      cy + s * math.sin(math.radians(60 * k)))])
    out = run("tiling", {"projection": {"lat_0": lat0, "lon_0": lon0}, "area": area, "rings": hx})
    check_close("tiling: hexagons union = 9 * 1.5 sqrt3 s^2", out["union_m2"], 9 * 1.5 * SQRT3 * s * s, 1e-8)
    check("tiling: hexagons no overlap, ccw", abs(out["overlap_m2"]) < 1e-3 and out["all_ccw"])


# ------------------------------------------------------------------------------------------------
# 8. brute force (plain loops from the definitions) on small random grids
# ------------------------------------------------------------------------------------------------
def brute(req):
    lat0, lon0 = req["projection"]["lat_0"], req["projection"]["lon_0"]
    fwd = pyproj.Transformer.from_crs("+proj=longlat +ellps=WGS84 +no_defs", laea(lat0, lon0),
                                      always_xy=True)
    g = req["grid"]
    s, ox, oy, C, R = g["size"], g["origin_x"], g["origin_y"], g["columns"], g["rows"]
    hexa = g["shape"] == "hexagon"
    h, band = req["bandwidth"], req["distance_band"]

    def centre(c, r):
        if hexa:
            return (ox + s + 1.5 * s * c, oy + SQRT3 / 2 * s + SQRT3 * s * r + (SQRT3 / 2 * s if c % 2 else 0))
        return (ox + (c + 0.5) * s, oy + (r + 0.5) * s)

    def poly(c, r):
        x, y = centre(c, r)
        if hexa:
            return shapely.geometry.Polygon([(x + s * math.cos(math.radians(60 * k)),
                                              y + s * math.sin(math.radians(60 * k))) for k in range(6)])
        return shapely.geometry.box(x - s / 2, y - s / 2, x + s / 2, y + s / 2)

    cells = [(c, r) for r in range(R) for c in range(C)]
    # area: dense lon/lat edges (0.0005 deg), projected; study cells by intersection area
    ring = req["area"]["coordinates"][0]
    dense = []
    for (a1, b1), (a2, b2) in zip(ring[:-1], ring[1:]):
        n = 400
        dense += [(a1 + (a2 - a1) * k / n, b1 + (b2 - b1) * k / n) for k in range(n)]
    area = shapely.geometry.Polygon([fwd.transform(*p) for p in dense])
    study = [cell for cell in cells if poly(*cell).intersection(area).area > 1e-6 * s * s]
    # points: the cell containing them (polygon containment: squares half-open, hexagons nearest)
    counts = {cell: 0 for cell in cells}
    mass = {cell: 0.0 for cell in cells}
    pts = []
    for p in req["points"]:
        x, y = fwd.transform(p[0], p[1])
        w = p[2] if len(p) > 2 else 1.0
        if hexa:
            best = min(((x - centre(c, r)[0]) ** 2 + (y - centre(c, r)[1]) ** 2, (c, r))
                       for c in range(-2, C + 2) for r in range(-2, R + 2))[1]
        else:
            best = (math.floor((x - ox) / s), math.floor((y - oy) / s))
        if best in counts:
            counts[best] += 1
            mass[best] += w
            pts.append((x, y, w))
    A = (1.5 * SQRT3 if hexa else 1.0) * s * s / 1e6

    def K(d2):
        return 3 / (math.pi * h * h) * (1 - d2 / (h * h)) ** 2 if d2 < h * h else 0.0

    def dist2(a, b):
        (x1, y1), (x2, y2) = centre(*a), centre(*b)
        return (x1 - x2) ** 2 + (y1 - y2) ** 2

    # normaliser over the infinite lattice: centres of a big enough virtual grid around (m, m)
    m = int(h / s) + 3
    mid = (m, m) if not hexa else (2 * m, 2 * m)
    virt = [(c, r) for c in range(0, 2 * mid[0] + 1) for r in range(0, 2 * mid[1] + 1)]
    normaliser = sum(K(dist2(mid, o)) for o in virt)
    res = {"cells": [list(c) for c in sorted(study, key=lambda t: (t[1], t[0]))]}
    order = [tuple(c) for c in res["cells"]]
    res["counts"] = [counts[c] for c in order]
    res["kde_exact"] = [sum(w * K((centre(*c)[0] - x) ** 2 + (centre(*c)[1] - y) ** 2) for x, y, w in pts) * 1e6
                        for c in order]
    res["kde_binned"] = [sum(mass[j] * K(dist2(c, j)) for j in cells) / normaliser / A for c in order]
    eps = 1e-9
    res["kde_count"] = [sum(counts[j] for j in cells if dist2(c, j) < h * h * (1 - eps)) for c in order]
    x = [mass[c] for c in order]
    n = len(x)
    mean = sum(x) / n
    S = math.sqrt(sum(v * v for v in x) / n - mean * mean)
    z, p = [], []
    for i in order:
        nb = [j for j in order if dist2(i, j) <= band * band * (1 + eps)]
        W = len(nb)
        sx = sum(mass[j] for j in nb)
        zz = (sx - mean * W) / (S * math.sqrt((n * W - W * W) / (n - 1)))
        z.append(zz)
        p.append(math.erfc(abs(zz) / math.sqrt(2)))
    res["gi_z"], res["gi_p"] = z, p
    res["gi_count"] = [sum(counts[j] for j in order if dist2(i, j) <= band * band * (1 + eps)) for i in order]
    bins = [0] * n
    for alpha, lv in ((0.10, 1), (0.05, 2), (0.01, 3)):
        sp = sorted(p)
        thr = None
        for k in range(1, n + 1):
            if sp[k - 1] <= alpha * k / n:
                thr = sp[k - 1]
        for i in range(n):
            if thr is not None and p[i] <= thr:
                bins[i] = lv if z[i] > 0 else -lv
    res["gi_bin"] = bins
    return res


def case_brute_force():
    rnd = random.Random(20240601)
    for trial in range(6):
        hexa = trial % 2 == 1
        lat0, lon0 = rnd.uniform(-1, 1), rnd.uniform(28, 31)
        s = rnd.choice([700.0, 1000.0, 1300.0])
        C, R = rnd.randint(8, 14), rnd.randint(6, 12)
        ox, oy = -C * s * rnd.uniform(0.4, 0.6), -R * s * rnd.uniform(0.4, 0.6)
        inv = inverse(lat0, lon0)
        # an irregular quadrilateral inside-ish the grid, in lon/lat
        corners = [inv(ox + C * s * fx, oy + R * s * fy) for fx, fy in
                   [(0.1 + rnd.uniform(0, .2), 0.05 + rnd.uniform(0, .2)), (0.9 - rnd.uniform(0, .2), 0.1),
                    (0.85, 0.9 - rnd.uniform(0, .2)), (0.15, 0.8)]]
        ring = corners + [corners[0]]
        weighted = trial >= 2
        pts = []
        for _ in range(150):
            # clustered + uniform, some outside the grid
            if rnd.random() < 0.5:
                x, y = ox + C * s * rnd.gauss(0.4, 0.1), oy + R * s * rnd.gauss(0.6, 0.1)
            else:
                x, y = ox + C * s * rnd.uniform(-0.1, 1.1), oy + R * s * rnd.uniform(-0.1, 1.1)
            p = inv(x, y)
            pts.append(p + [round(rnd.uniform(0.5, 3), 3)] if weighted else p)
        req = {"projection": {"lat_0": lat0, "lon_0": lon0},
               "grid": {"shape": "hexagon" if hexa else "square", "size": s, "origin_x": ox,
                        "origin_y": oy, "columns": C, "rows": R},
               "area": {"type": "Polygon", "coordinates": [ring]}, "points": pts,
               "bandwidth": s * rnd.uniform(1.2, 3.5), "distance_band": s * rnd.uniform(1.0, 2.5)}
        got = run("heatmap", req)
        want = brute(req)
        tag = "brute %d (%s%s):" % (trial, "hexagon" if hexa else "square", ", weighted" if weighted else "")
        check(tag + " study cells", got["cells"] == want["cells"],
              "%d vs %d" % (len(got["cells"]), len(want["cells"])))
        if got["cells"] != want["cells"]:
            continue
        check(tag + " counts", got["counts"] == want["counts"])
        for key in ("kde_exact", "kde_binned", "gi_z", "gi_p"):
            bad = [i for i, (a, b) in enumerate(zip(got[key], want[key])) if not close(a, b, 1e-8, 1e-10)]
            check(tag + " " + key, not bad, "%d cells differ, e.g. %r" %
                  (len(bad), [(got[key][i], want[key][i]) for i in bad[:3]]))
        for key in ("kde_count", "gi_count", "gi_bin"):
            check(tag + " " + key, got[key] == want[key])
        if VERBOSE:
            print("   ", tag, "cells", len(got["cells"]), "bins", sorted(set(got["gi_bin"])))


def case_points_file():
    # CSV input (lon,lat[,weight]), same result as the JSON list
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("30,0,2.5\n30.001,0.0005,1\n")
        path = f.name
    try:
        base = {"projection": {"lat_0": 0, "lon_0": 30},
                "grid": {"shape": "square", "size": 1000, "origin_x": -2500, "origin_y": -2500,
                         "columns": 5, "rows": 5},
                "area": box(29.9, -0.1, 30.1, 0.1), "bandwidth": 2500, "distance_band": 1000}
        a = run("heatmap", dict(base, points_file=path))
        b = run("heatmap", dict(base, points=[[30, 0, 2.5], [30.001, 0.0005, 1]]))
        a.pop("timings_ms"), b.pop("timings_ms")
        check("points_file = points", a == b)
        bench = run("bench", dict(base, points_file=path))
        check("bench totals", bench["sum_counts"] == 2 and close(bench["sum_weights"], 3.5)
              and close(bench["sum_kde_exact"], sum(b["kde_exact"]))
              and set(bench["timings_ms"]) >= {"bin", "kde_exact", "kde_binned"})
    finally:
        os.unlink(path)


def case_observations():
    # Observations with attributes: period, group selector and weighting worked out by hand, and
    # the same surface as the equivalent weighted points; a PROJ string given as it is.
    base = {"projection": {"lat_0": 0, "lon_0": 30},
            "grid": {"shape": "square", "size": 1000, "origin_x": -2500, "origin_y": -2500,
                     "columns": 5, "rows": 5},
            "area": box(29.9, -0.1, 30.1, 0.1), "bandwidth": 2500, "distance_band": 1000}
    girls_and_men = [["female", "child", 4], ["male", "adult", 2]]
    observations = [
        # severity 3, 4 girls, observed 2 days before the end: 3 * 4 * 2^-2 = 3
        {"lon": 30, "lat": 0, "observed_at": "2026-03-30T00:00:00Z", "severity": 3, "affected": girls_and_men},
        # severity 5, 1 woman (an adult: not selected) and 6 girls, 1 day before the end (the
        # time written with an offset): 5 * 6 * 2^-1 = 15
        {"lon": 30.012, "lat": 0.0005, "observed_at": "2026-03-31T01:00:00+01:00", "severity": 5,
         "affected": [["female", "adult", 1], ["female", "child", 6]]},
        # only men: not selected
        {"lon": 30, "lat": 0, "observed_at": "2026-03-30T00:00:00Z", "severity": 5, "affected": [["male", "adult", 3]]},
        # girls, but before the period
        {"lon": 30, "lat": 0, "observed_at": "2026-02-28T23:59:59Z", "severity": 5, "affected": girls_and_men},
        # girls, at the period's end (excluded)
        {"lon": 30, "lat": 0, "observed_at": "2026-04-01T00:00:00Z", "severity": 5, "affected": girls_and_men},
    ]
    period = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
    weighting = {"by_severity": True, "by_people": True, "half_life_seconds": 86400}
    got = run("heatmap", dict(base, observations=observations, period=period,
                              groups={"sexes": ["female"], "ages": ["child"]}, weighting=weighting))
    want = run("heatmap", dict(base, points=[[30, 0, 3.0], [30.012, 0.0005, 15.0]]))
    got.pop("timings_ms"), want.pop("timings_ms")
    check("observations: two kept", got["params"]["points"] == 2 and got["params"]["weighted"])
    check("observations: weights by hand", sorted(w for w in got["weights"] if w) == [3.0, 15.0],
          repr(sorted(w for w in got["weights"] if w)))
    check("observations = weighted points", got == want)
    # No selector: everyone counts (4 + 2 girls and men); no weighting: unweighted counts.
    every = run("heatmap", dict(base, observations=observations[:1], period=period,
                                weighting={"by_people": True}))
    check("observations: people without a selector", sum(every["weights"]) == 6.0)
    plain = run("heatmap", dict(base, observations=observations, period=period))
    check("observations: unweighted", not plain["params"]["weighted"] and sum(plain["counts"]) == 3)
    given = run("heatmap", dict(base, points=[[30, 0]], projection={"proj": laea(0, 30)}))
    built = run("heatmap", dict(base, points=[[30, 0]]))
    for out in (given, built):
        out.pop("timings_ms")
        out["params"].pop("projection")       # the same definition, spelt "0" or "0.0"
    check("projection given as a PROJ string", given == built)


def main():
    for case in (case_single_point, case_two_points, case_one_cell, case_hexagon, case_equator,
                 case_utm_boundary, case_tiling, case_brute_force, case_points_file, case_observations):
        try:
            case()
        except Exception as e:  # a crash is a failure of that case
            failures.append("%s crashed: %r" % (case.__name__, e))
            print("FAIL", case.__name__, "crashed:", repr(e))
    print("%d checks, %d failures" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
