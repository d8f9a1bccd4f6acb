#!/usr/bin/env python3
"""Sweep plan of convolutions on small maps (issue 12, helper smallconv, 2026-12-07).

    /usr/bin/python3 tools/ort/smallconv_plan.py [--census data/host-ort-cpu/census/layers.csv]
        [--out tools/ort/plans/smallconv.csv]

The conv class's worst per-layer misses in run 21 are convolutions on maps of 1x1 to 10x10 (squeeze-excite
fc1/fc2 on 1x1, SSDlite's extra layers and heads at 1-5, Inception's and the detectors' at 8-10). The rows
are drawn from the STRUCTURE of the census (no time is read): the non-grouped fp32 Convs of class conv whose
input map is at most 10 pixels high, in four strata declared here before any timing:

    se     1x1 kernel on a 1x1 map (squeeze-excite's reduce and expand)   10 rows
    tiny1  1x1 kernel on 2-5 pixels (SSDlite's extras and heads)           6 rows
    tiny3  3x3 kernel on 2-5 pixels (SSD300's extras, the FPN heads)       4 rows
    small  1x1 or 3x3 on 8-10 pixels (Inception's last stage, heads)       4 rows

Each row is a census layer drawn uniformly within its stratum and jittered as census_sweeps.py does
(channels x [0.7, 1.4] keeping their alignment, the map x [0.7, 1.4], at least the kernel's span; a 1x1 map
stays 1x1). Deterministic (seed 1301). 24 rows; with the calibration's 2 passes, cold and warm, about 1 s
each in the measure step.
"""
import argparse
import csv
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from census_sweeps import COLUMNS, conv_row, write  # noqa: E402

STRATA = [
    ("se", lambda r: int(r["kh"]) == 1 and int(r["h"]) == 1, 10),
    ("tiny1", lambda r: int(r["kh"]) == 1 and 2 <= int(r["h"]) <= 5, 6),
    ("tiny3", lambda r: int(r["kh"]) == 3 and 2 <= int(r["h"]) <= 5, 4),
    ("small", lambda r: int(r["kh"]) in (1, 3) and 8 <= int(r["h"]) <= 10, 4),
]


def small_map_convs(census):
    return [r for r in census if r["class"] == "conv" and r["op"] == "Conv" and int(r["groups"] or 1) == 1
            and int(r["c_in"]) > 4 and int(r["h"]) <= 10 and r["kh"] == r["kw"]]


def plan(census, seed=1301, strata=STRATA):
    """[(stratum, row)] in the order of the strata."""
    rng = random.Random(seed)
    pool = small_map_convs(census)
    out, seen = [], set()
    for name, keep, n in strata:
        rows = [r for r in pool if keep(r)]
        got, tries = 0, 0
        while rows and got < n and tries < 50 * n:
            tries += 1
            row = conv_row(rng, rng.choice(rows), False)
            key = tuple(row[c] for c in COLUMNS)
            if key in seen:
                continue
            seen.add(key)
            out.append((name, row))
            got += 1
    return out


def selftest():
    """The strata and filters on a hand-made census (every expected value stated here)."""
    def layer(c_in, c_out, k, h, groups=1, cls="conv", kw=None):
        return {"class": cls, "op": "Conv", "c_in": str(c_in), "c_out": str(c_out), "groups": str(groups),
                "kh": str(k), "kw": str(kw if kw is not None else k), "stride": "1", "dilation": "1",
                "h": str(h), "w": str(h)}
    census = [layer(480, 120, 1, 1), layer(120, 480, 1, 1),       # squeeze-excite pair (alignment 16 and 8)
              layer(512, 24, 1, 3), layer(256, 546, 1, 2),        # SSDlite-like 1x1 heads on 2-5 pixels
              layer(256, 128, 3, 5),                             # a 3x3 on 5 pixels
              layer(1280, 192, 1, 8), layer(384, 384, 3, 8),     # 8-pixel 1x1 and 3x3
              # Left out: 7x7 and 14x14 maps, grouped, depthwise (class dwconv), RGB input, 1-D/line kernels.
              layer(960, 240, 1, 7), layer(96, 24, 1, 14), layer(64, 64, 3, 1, groups=2),
              layer(96, 96, 3, 3, cls="dwconv"), layer(3, 16, 3, 4), layer(64, 64, 3, 4, kw=1)]
    failures = []

    def check(what, ok):
        if not ok:
            failures.append(what)
    # The filter keeps the 7 layers above and the 7x7 one (maps up to 10), which no stratum takes.
    check("filter keeps 8 layers", len(small_map_convs(census)) == 8)
    rows = plan(census, strata=[(n, f, 3) for n, f, _ in STRATA])
    by = {}
    for name, r in rows:
        by.setdefault(name, []).append(r)
    # se: two census layers, three distinct draws (channel jitter): 3 rows, all 1x1 on 1x1 maps.
    check("strata sizes", {k: len(v) for k, v in by.items()} == {"se": 3, "tiny1": 3, "tiny3": 3, "small": 3})
    for name, rs in by.items():
        for r in rs:
            check(f"{name}: one group", r["groups"] == 1)
            check(f"{name}: square kernel of 1 or 3", r["kernel_h"] == r["kernel_w"] and r["kernel_h"] in (1, 3))
            check(f"{name}: not RGB", r["in_c"] > 4)
    for r in by["se"]:
        check("se: a 1x1 map stays 1x1", (r["in_h"], r["in_w"], r["kernel_h"]) == (1, 1, 1))
        # 480 -> 120 keeps alignments 16 -> 8; 120 -> 480 keeps 8 -> 16.
        check("se: alignment kept", (r["in_c"] % 16, r["out_c"] % 8) == (0, 0) or (r["in_c"] % 8, r["out_c"] % 16) == (0, 0))
    for r in by["tiny1"] + by["tiny3"]:
        check("tiny: map jittered from 2-5 pixels stays within 1-7", 1 <= r["in_h"] <= 7)
    for r in by["tiny3"]:
        check("tiny3: 3x3 at least its span", r["kernel_h"] == 3 and r["in_h"] >= 3)
    for r in by["small"]:
        check("small: map jittered from 8 stays within 6-11", 6 <= r["in_h"] <= 11)
    check("maps of 7 and 14 are in no stratum", plan([layer(960, 240, 1, 7), layer(96, 24, 1, 14)]) == [])
    check("deterministic", plan(census, strata=[(n, f, 3) for n, f, _ in STRATA]) == rows)
    for f in failures:
        print("FAIL:", f)
    print("smallconv_plan selftest:", "FAILED" if failures else "ok")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--census", default="data/host-ort-cpu/census/layers.csv")
    ap.add_argument("--out", default="tools/ort/plans/smallconv.csv")
    ap.add_argument("--selftest", action="store_true", help="check the strata on a hand-made census")
    a = ap.parse_args()
    if a.selftest:
        sys.exit(selftest())
    with open(a.census) as f:
        census = list(csv.DictReader(f))
    write(a.out, [r for _, r in plan(census)])


if __name__ == "__main__":
    main()
