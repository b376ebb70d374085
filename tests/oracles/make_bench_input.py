#!/usr/bin/python3
"""Writes the kernel-density benchmark input: N random points (CSV lon,lat, no header) and the
request JSON for `heatmap_oracle.py bench`.

    /usr/bin/python3 tests/oracles/make_bench_input.py OUT_DIR [--points 1000000] [--seed 1]
        [--weights] [--shape square|hexagon] [--size 1000] [--bandwidth 5000]

The scene: a 400 km x 400 km grid (LAEA centred on lat -0.5, lon 29, origin (-200 km, -200 km),
cells of --size metres), the area the lon/lat box [27.2, 30.8] x [-2.3, 1.3] (about 400 km on a
side; it crosses the equator and the UTM zone boundary at 30 E), points uniform in that box.
Writes OUT_DIR/points.csv and OUT_DIR/bench.json (which points at the CSV by absolute path).
"""
import argparse
import json
import math
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weights", action="store_true")
    ap.add_argument("--shape", default="square", choices=["square", "hexagon"])
    ap.add_argument("--size", type=float, default=1000.0)
    ap.add_argument("--bandwidth", type=float, default=5000.0)
    args = ap.parse_args()

    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    lon = rng.uniform(27.2, 30.8, args.points)
    lat = rng.uniform(-2.3, 1.3, args.points)
    cols = [lon, lat]
    fmt = "%.7f,%.7f"
    if args.weights:
        cols.append(rng.integers(1, 6, args.points).astype(float))
        fmt += ",%g"
    csv = os.path.abspath(os.path.join(args.out_dir, "points.csv"))
    np.savetxt(csv, np.column_stack(cols), fmt=fmt)

    s = args.size
    if args.shape == "square":
        columns = rows = int(round(400000 / s))
    else:
        columns = int(math.ceil((400000 - 0.5 * s) / (1.5 * s)))
        rows = int(math.ceil(400000 / (math.sqrt(3) * s) - 0.5))
    request = {
        "projection": {"lat_0": -0.5, "lon_0": 29.0},
        "grid": {"shape": args.shape, "size": s, "origin_x": -200000.0, "origin_y": -200000.0,
                 "columns": columns, "rows": rows},
        "area": {"type": "Polygon", "coordinates": [[[27.2, -2.3], [30.8, -2.3], [30.8, 1.3],
                                                     [27.2, 1.3], [27.2, -2.3]]]},
        "points_file": csv,
        "bandwidth": args.bandwidth,
        "distance_band": 3 * s,
        "methods": ["counts", "kde_exact", "kde_binned"],
    }
    with open(os.path.join(args.out_dir, "bench.json"), "w") as f:
        json.dump(request, f, indent=1)
    print(os.path.join(args.out_dir, "bench.json"))


if __name__ == "__main__":
    main()
