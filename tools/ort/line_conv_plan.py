#!/usr/bin/python3
"""Sweep plan of line convolutions: 4-D Convs with one spatial axis of length 1 (issue 12, helper magika).

    /usr/bin/python3 tools/ort/line_conv_plan.py --odonata build/odonata --rows 10 --seed 109 \
        --out tools/ort/plans/lineconv.csv models/*.onnx models/third-party/*.onnx
    /usr/bin/python3 tools/ort/line_conv_plan.py --selftest

Magika v3's first layer is a Conv on an NCHW input of width 1 (1x256x512x1, a 5x1 kernel, 512 filters,
333M MACs); the conv class has no row within a factor of 2 of it (conv_coverage.py: distance 4.5), and
the trees extrapolate it flat from square-image rows. Declared rule (2026-12-06 21:55 UTC, before any
row was timed): the census is every ungrouped fp32 Conv with a 4-D input whose H or W is 1 (not both)
and whose kernel is longer than 1 along the other axis, in the given models less the validation
networks (data/validation/host-networks.txt, host-third-party.txt) and copies of them (names in
EXCLUDE); half the rows are tall (W = 1), half wide (H = 1), each a census layer of its orientation
drawn uniformly with replacement, its channels jittered as
census_sweeps.py does (log-uniform factor in [0.7, 1.4], the census value's alignment kept), its
length jittered the same way, kernel, orientation, stride and padding kept. Structure only: no
timing is read.
"""
import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from census_sweeps import COLUMNS, MAX_MACS, jitter, jitter_channels  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALIDATION_LISTS = ["data/validation/host-networks.txt", "data/validation/host-third-party.txt"]
# Copies of a validation network under another name (the same layers): never a census source.
EXCLUDE = {"magika_v3_3_ortopt.onnx", "magika_v3_3_int8_dynamic.onnx"}


def is_line_conv(x, w, group):
    """A 4-D ungrouped Conv whose input has exactly one spatial axis of length 1 and whose kernel
    is longer than 1 along the other axis (x: N,C,H,W; w: M,C,kh,kw)."""
    if len(x) != 4 or len(w) != 4 or group != 1:
        return False
    h, wd, kh, kw = x[2], x[3], w[2], w[3]
    if h == 1 and wd > 1:
        return kw > 1
    if wd == 1 and h > 1:
        return kh > 1
    return False


def census(odonata, paths):
    import onnx  # only the census needs it
    rows = []
    for p in paths:
        try:
            m = onnx.load(p, load_external_data=False)
        except Exception as e:  # noqa: BLE001 (a missing or malformed file: one clear line)
            sys.exit(f"line_conv_plan.py: cannot read {p}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
        if not any(n.op_type == "Conv" for n in m.graph.node):
            continue
        r = subprocess.run([odonata, "inspect", p, "--format", "json"], capture_output=True, text=True)
        if r.returncode:
            print(f"line_conv_plan.py: skipped {p}: {r.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        j = json.loads(r.stdout)
        shape = {i["name"]: i["shape"] for i in j["inputs"]}
        for n in j["nodes"]:
            for o in n.get("outputs", []):
                shape[o["name"]] = o["shape"]
        for t in m.graph.initializer:
            shape[t.name] = list(t.dims)
        for n in m.graph.node:
            if n.op_type != "Conv":
                continue
            a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
            x, w = shape.get(n.input[0]), shape.get(n.input[1])
            if not x or not w or not is_line_conv(x, w, a.get("group", 1)):
                continue
            strides = a.get("strides", [1, 1])
            pads = a.get("pads", [0, 0, 0, 0])
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or max(a.get("dilations", [1, 1])) > 1:
                continue  # not in the census so far; the plan format has one dilation and explicit pads
            rows.append({"model": os.path.basename(p), "node": n.name, "c_in": x[1], "c_out": w[0], "h": x[2],
                         "w": x[3], "kh": w[2], "kw": w[3], "stride_h": strides[0], "stride_w": strides[1],
                         "pad_h": pads[0], "pad_w": pads[1]})
    return rows


def plan_row(rng, r):
    """One jittered row from census layer r: channels keep their alignment, the long axis its
    orientation, kernel, stride and padding kept; the length shrunk when above MAX_MACS."""
    c_in, c_out = jitter_channels(rng, int(r["c_in"])), jitter_channels(rng, int(r["c_out"]))
    kh, kw = int(r["kh"]), int(r["kw"])
    tall = int(r["w"]) == 1  # the long axis is H (NCHW input of width 1)
    k, s = (kh, int(r["stride_h"])) if tall else (kw, int(r["stride_w"]))
    length = jitter(rng, int(r["h"] if tall else r["w"]), k)
    while c_in * c_out * kh * kw * math.ceil(length / s) > MAX_MACS and length > 2 * k:
        length = int(length * 0.8)
    h, w = (length, 1) if tall else (1, length)
    return {"op": "Conv", "batch": 1, "in_c": c_in, "in_h": h, "in_w": w, "out_c": c_out, "kernel_h": kh,
            "kernel_w": kw, "stride_h": int(r["stride_h"]), "stride_w": int(r["stride_w"]), "groups": 1,
            "dilation": 1, "pad_h": int(r["pad_h"]), "pad_w": int(r["pad_w"]), "precision": "fp32"}


def validation_models():
    names = set()
    for lst in VALIDATION_LISTS:
        with open(os.path.join(ROOT, lst), encoding="utf-8") as f:
            names |= {os.path.basename(line.split()[0]) for line in f if line.strip() and not line.startswith("#")}
    return names


def selftest():
    # The filter: Magika v3 (W = 1, 5x1), Magika v2 (H = 1, 1x5); not square, not 1x1 on a line,
    # not a point, not grouped, not 3-D.
    assert is_line_conv([1, 256, 512, 1], [512, 256, 5, 1], 1)
    assert is_line_conv([1, 256, 1, 1024], [512, 256, 1, 5], 1)
    assert not is_line_conv([1, 64, 56, 56], [64, 64, 3, 3], 1)
    assert not is_line_conv([1, 64, 56, 56], [64, 64, 7, 1], 1)  # Inception's 7x1: a kxk-family row
    assert not is_line_conv([1, 256, 512, 1], [512, 256, 1, 1], 1)
    assert not is_line_conv([1, 256, 1, 1], [512, 256, 3, 3], 1)
    assert not is_line_conv([1, 256, 512, 1], [256, 1, 5, 1], 256)
    assert not is_line_conv([1, 256, 512], [512, 256, 5], 1)
    # The rows: orientation, kernel, padding kept; channels multiples of 16 as the census's; the
    # length within the jitter's [0.7, 1.4].
    rng = random.Random(1)
    tall = {"c_in": 256, "c_out": 512, "h": 512, "w": 1, "kh": 5, "kw": 1, "stride_h": 1, "stride_w": 1,
            "pad_h": 0, "pad_w": 0}
    wide = dict(tall, h=1, w=1024, kh=1, kw=5)
    for _ in range(50):
        a, b = plan_row(rng, tall), plan_row(rng, wide)
        assert a["in_w"] == 1 and 358 <= a["in_h"] <= 717 and (a["kernel_h"], a["kernel_w"]) == (5, 1), a
        assert b["in_h"] == 1 and 716 <= b["in_w"] <= 1434 and (b["kernel_h"], b["kernel_w"]) == (1, 5), b
        for r in (a, b):
            assert r["in_c"] % 16 == 0 and r["out_c"] % 16 == 0 and r["pad_h"] == 0 and r["groups"] == 1, r
            assert 176 <= r["in_c"] <= 368 and 352 <= r["out_c"] <= 720, r  # [0.7, 1.4] x, to 16
    print("line_conv_plan.py selftest: ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--odonata", default="build/odonata")
    ap.add_argument("--rows", type=int, default=10)
    ap.add_argument("--seed", type=int, default=109)
    ap.add_argument("--out")
    ap.add_argument("--census-out", help="also write the census layers (CSV)")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        selftest()
        return
    if not a.out or not a.models:
        sys.exit("line_conv_plan.py: give --out PLAN.csv and the models to take the census of")
    skip = validation_models() | EXCLUDE
    paths = [p for p in a.models if os.path.basename(p) not in skip]
    rows = census(a.odonata, paths)
    if not rows:
        sys.exit("line_conv_plan.py: no line convolution in the census")
    for r in rows:
        print(f"census: {r['model']} {r['node']}: {r['c_in']}->{r['c_out']} {r['h']}x{r['w']} "
              f"kernel {r['kh']}x{r['kw']}", file=sys.stderr)
    if a.census_out:
        with open(a.census_out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    rng = random.Random(a.seed)
    out, seen = [], set()
    # Half the rows per orientation (H = 1 or W = 1, when the census has both): ONNX Runtime's
    # NCHWc kernels block the output along W, so a tall line and a wide one are different paths.
    by_axis = [[r for r in rows if int(r["w"]) == 1], [r for r in rows if int(r["h"]) == 1]]
    by_axis = [g for g in by_axis if g]
    while len(out) < a.rows and len(seen) < 50 * a.rows:
        row = plan_row(rng, rng.choice(by_axis[len(out) % len(by_axis)]))
        key = tuple(row[c] for c in COLUMNS)
        if key not in seen:
            out.append(row)
        seen.add(key)
    tmp = a.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    os.replace(tmp, a.out)
    print(f"{a.out}: {len(out)} rows from {len(rows)} census layers")


if __name__ == "__main__":
    main()
