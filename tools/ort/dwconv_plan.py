#!/usr/bin/env python3
"""Depthwise rows stratified by kernel and stride (helper dwconv, 2026-12-07; issue 12).

    /usr/bin/python3 tools/ort/dwconv_plan.py [--census data/host-ort-cpu/census/layers.csv]
        [--third-party data/validation/host-third-party.txt] [--out tools/ort/plans/dwconv_kernels.csv]

census_dwconv.csv (census_sweeps.py) draws its 59 rows uniformly over the census's depthwise
layers, so a kernel family with few layers gets few rows: 5 of them are 7x7 (ConvNeXt's 18
layers), none at ConvNeXt's 7x7 or 28x28 maps. This plan draws a fixed number of rows per
(kernel, stride) stratum, uniformly over the stratum's DISTINCT configurations (kernel, stride,
channels, map), from the STRUCTURE of the suite: the census of the 37 host networks plus the
depthwise Convs of the third-party models (their shapes by ONNX shape inference; no time is read).
Each row is jittered as census_sweeps.py does (every dimension x [0.7, 1.4] log-uniform, channels
kept at the census value's alignment, rows above MAX_MACS shrunk). Deterministic (seed 1301).
"""
import argparse
import csv
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import census_sweeps  # noqa: E402

# Rows per (kernel, stride) stratum, dilation 1 (the dilated 5x5 rows have lines of their own).
STRATA = {("7", "1"): 8, ("5", "1"): 6, ("5", "2"): 4, ("3", "1"): 8, ("3", "2"): 4}
SEED = 1301


def third_party_rows(listing):
    """Depthwise Convs of the third-party models named in `listing` (structure only)."""
    import onnx
    import onnx.shape_inference
    out = []
    with open(listing) as f:
        paths = [ln.split()[0] for ln in f if ln.strip() and not ln.startswith("#")]
    for path in paths:
        m = onnx.shape_inference.infer_shapes(onnx.load(path, load_external_data=False))
        shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
                  for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
        inits = {i.name: list(i.dims) for i in m.graph.initializer}
        for n in m.graph.node:
            if n.op_type != "Conv":
                continue
            a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
            g, x, w = a.get("group", 1), shapes.get(n.input[0]), inits.get(n.input[1])
            if g <= 1 or not x or len(x) != 4 or x[1] != g or (w and w[0] != g):
                continue
            k = a.get("kernel_shape", w[2:] if w else [0, 0])
            out.append({"network": os.path.basename(path), "kh": str(k[0]), "kw": str(k[1]),
                        "stride": str(a.get("strides", [1, 1])[0]), "dilation": str(a.get("dilations", [1, 1])[0]),
                        "c_in": str(x[1]), "groups": str(g), "h": str(x[2]), "w": str(x[3])})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--census", default="data/host-ort-cpu/census/layers.csv")
    ap.add_argument("--third-party", default="data/validation/host-third-party.txt")
    ap.add_argument("--out", default="tools/ort/plans/dwconv_kernels.csv")
    a = ap.parse_args()
    with open(a.census) as f:
        layers = [r for r in csv.DictReader(f) if r["op"] == "Conv" and r["kernel_family"].startswith("depthwise")]
    layers += third_party_rows(a.third_party)
    rng = random.Random(SEED)
    rows, seen = [], set()
    for (k, s), n in STRATA.items():
        configs = sorted({(r["kh"], r["kw"], r["stride"], r["dilation"] or "1", r["c_in"], r["h"], r["w"])
                          for r in layers if r["kh"] == k and r["stride"] == s and (r["dilation"] or "1") == "1"})
        got, tries = 0, 0
        while configs and got < n and tries < 50 * n:
            tries += 1
            kh, kw, st, dil, c, h, w = rng.choice(configs)
            row = census_sweeps.conv_row(rng, {"kh": kh, "kw": kw, "stride": st, "dilation": dil, "c_in": c,
                                               "h": h, "w": w, "groups": c}, True)
            key = tuple(row[col] for col in census_sweeps.COLUMNS)
            if key in seen:
                continue
            seen.add(key)
            rows.append(row)
            got += 1
    census_sweeps.write(a.out, rows)


if __name__ == "__main__":
    main()
