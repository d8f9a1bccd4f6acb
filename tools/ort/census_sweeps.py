#!/usr/bin/env python3
"""Sweep plans sampled from the census of real layer configurations (issue 12, phase 2).

    /usr/bin/python3 tools/ort/census_sweeps.py [--census data/host-ort-cpu/census/layers.csv] [--out tools/ort/plans]

Writes one plan (odonata's measurement CSV without latencies) per class: conv.csv (1x1, kxk,
strided, dilated, grouped), dwconv.csv (depthwise, strided, dilated), gemm.csv (matrix products
with a constant B and M > 1: the linear layers of ViT, Swin, ConvNeXt) and matmul.csv (batched
products of two activations: attention's Q x K^T and A x V). `odonata sweep --plan FILE --out DIR
--models` turns a plan into its models (tools/ort/sweeps-phase2.txt, the phase-2 trial).

Each row is a census configuration (drawn uniformly within its kernel family, with replacement)
with every channel, spatial and matrix dimension multiplied by its own factor drawn
log-uniformly in [0.7, 1.4] and rounded, so that the rows are not the validation networks'
layers themselves (docs/host-cost-model.md section 4.4); channel counts are rounded to the
census value's alignment (its largest power-of-two divisor up to 16), so that a layer whose
channels are multiples of 16 in the census stays on that kernel path in its sample. Rows above MAX_MACS multiply-accumulates are shrunk
(spatial size, or M) to stay within the calibration's time budget. Deterministic: fixed seeds.
"""
import argparse
import csv
import math
import os
import random

COLUMNS = ["op", "batch", "in_c", "in_h", "in_w", "out_c", "kernel_h", "kernel_w", "stride_h", "stride_w",
           "groups", "dilation", "pad_h", "pad_w", "precision"]
MAX_MACS = 1.2e9  # about 8 ms on one core of this machine: 20 runs stay below a quarter second
# Rows per kernel family (the census has 2084 convolutions, 295 matrix products).
CONV = {"1x1": 70, "kxk": 55, "kxk/strided": 20, "1x1/strided": 12, "kxk/dilated": 12, "grouped": 35,
        "grouped/strided": 10}
DW = {"depthwise": 40, "depthwise/strided": 15, "depthwise/dilated": 4}
GEMM_ROWS = 36
MATMUL_ROWS = 20


def jitter(rng, x, lo=1):
    f = math.exp(rng.uniform(math.log(0.7), math.log(1.4)))
    return max(lo, int(round(x * f)))


def alignment(x):
    """The largest power of two up to 16 dividing x."""
    a = 1
    while a < 16 and x % (2 * a) == 0:
        a *= 2
    return a


def jitter_channels(rng, x):
    """jitter(), keeping the census value's alignment (its largest power-of-two divisor up to 16):
    CPU kernels take another path for channels that are not multiples of the vector block (ONNX
    Runtime's NCHWc convolutions need multiples of 16 with AVX-512, 8 with AVX2), so a sample must
    be aligned where the real layer is, or the sweep measures the slow path for the fast one."""
    a = alignment(x)
    return max(a, a * int(round(jitter(rng, x) / a)))


def conv_row(rng, r, depthwise):
    k_h, k_w = int(r["kh"]), int(r["kw"])
    stride, dil = int(r["stride"]), int(r["dilation"] or 1)
    span = dil * (max(k_h, k_w) - 1) + 1
    h = jitter(rng, int(r["h"]), span)
    w = max(span, int(round(h * int(r["w"]) / int(r["h"]))))
    groups = int(r["groups"] or 1)
    if depthwise:
        c = jitter_channels(rng, int(r["c_in"]))
        op, c_in, c_out, g = "DepthwiseConv", c, c, c
    elif groups > 1:
        g = jitter(rng, groups, 2)
        c_in = g * jitter_channels(rng, int(r["c_in"]) // groups)
        c_out = g * jitter_channels(rng, int(r["c_out"]) // groups)
        op = "Conv"
    else:
        g = 1
        c_in = int(r["c_in"]) if int(r["c_in"]) <= 4 else jitter_channels(rng, int(r["c_in"]))  # RGB stays RGB
        c_out = jitter_channels(rng, int(r["c_out"]))
        op = "Conv"

    def macs(hh, ww):
        return (c_in // g) * c_out * k_h * k_w * math.ceil(hh / stride) * math.ceil(ww / stride)

    while macs(h, w) > MAX_MACS and h > span and w > span:
        h, w = max(span, int(h * 0.8)), max(span, int(w * 0.8))
    return {"op": op, "batch": 1, "in_c": c_in, "in_h": h, "in_w": w, "out_c": c_out, "kernel_h": k_h,
            "kernel_w": k_w, "stride_h": stride, "stride_w": stride, "groups": g, "dilation": dil,
            "pad_h": -1, "pad_w": -1, "precision": "fp32"}


def sample(rng, rows, counts, make):
    out, seen = [], set()
    for family, n in counts.items():
        pool = [r for r in rows if r["kernel_family"] == family]
        tries = 0
        while pool and sum(1 for x in out if x[0] == family) < n and tries < 50 * n:
            tries += 1
            row = make(rng.choice(pool))
            key = tuple(row[c] for c in COLUMNS)
            if key in seen:
                continue
            seen.add(key)
            out.append((family, row))
    return [r for _, r in out]


def write(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    os.replace(tmp, path)
    print(f"{path}: {len(rows)} rows")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--census", default="data/host-ort-cpu/census/layers.csv")
    ap.add_argument("--out", default="tools/ort/plans")
    a = ap.parse_args()
    with open(a.census) as f:
        census = list(csv.DictReader(f))
    os.makedirs(a.out, exist_ok=True)
    convs = [r for r in census if r["class"] == "conv" and r["op"] == "Conv"]
    write(os.path.join(a.out, "conv.csv"), sample_conv(convs, CONV, 1201, False))
    write(os.path.join(a.out, "dwconv.csv"), sample_conv(convs, DW, 1202, True))

    products = [r for r in census if r["op"] in ("MatMul", "Gemm") and r["m"] and int(r["m"]) > 1]
    weights = [r for r in products if ";" not in r["input_shapes"] or r["op"] == "Gemm"]
    batched = [r for r in products if r not in weights]
    rng = random.Random(1203)
    rows, seen = [], set()
    while len(rows) < GEMM_ROWS:
        r = rng.choice(weights)
        m, k, n = jitter(rng, int(r["m"])), jitter(rng, int(r["k"])), jitter(rng, int(r["n"]))
        while m * k * n > MAX_MACS and m > 1:
            m = max(1, int(m * 0.8))
        row = {"op": "Gemm", "batch": m, "in_c": k, "in_h": 1, "in_w": 1, "out_c": n, "kernel_h": 1, "kernel_w": 1,
               "stride_h": 1, "stride_w": 1, "groups": 1, "dilation": 1, "pad_h": -1, "pad_w": -1, "precision": "fp32"}
        key = (m, k, n)
        if key not in seen:
            seen.add(key)
            rows.append(row)
    write(os.path.join(a.out, "gemm.csv"), rows)
    rng = random.Random(1204)
    rows, seen = [], set()
    while len(rows) < MATMUL_ROWS:
        r = rng.choice(batched)
        b, m, k, n = (jitter(rng, int(r[c])) for c in ("batch", "m", "k", "n"))
        while b * m * k * n > MAX_MACS and b > 1:
            b = max(1, int(b * 0.8))
        row = {"op": "MatMul", "batch": b, "in_c": k, "in_h": m, "in_w": 1, "out_c": n, "kernel_h": 1, "kernel_w": 1,
               "stride_h": 1, "stride_w": 1, "groups": 1, "dilation": 1, "pad_h": -1, "pad_w": -1, "precision": "fp32"}
        if (b, m, k, n) not in seen:
            seen.add((b, m, k, n))
            rows.append(row)
    write(os.path.join(a.out, "matmul.csv"), rows)


def sample_conv(convs, counts, seed, depthwise):
    rng = random.Random(seed)
    return sample(rng, convs, counts, lambda r: conv_row(rng, r, depthwise))


if __name__ == "__main__":
    main()
