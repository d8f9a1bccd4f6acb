#!/usr/bin/python3
"""The 1-D convolution plan of the host sweeps (issue 12; docs/host-platform.md "1-D convolutions").

    /usr/bin/python3 tools/ort/conv1d_plan.py [--odonata build/odonata] [--out tools/ort/plans/conv1d.csv]

A census of the Conv layers over one spatial dimension (input [N, C, L]) of the models in models/
and models/third-party/ that have them (MODELS below: the Silero VAD family; no other model there
has one, 2026-12-06), read with `odonata inspect --format json` at the input shapes of INPUTS (the
structure only, never a time), deduplicated; then ROWS plan rows drawn from it, each a census layer
(uniformly within its kernel family; a row drawn twice is drawn again) with its channels and length multiplied by
their own factor drawn log-uniformly in [0.7, 1.4] (channels rounded to the census value's alignment,
its largest power-of-two divisor up to 16, as census_sweeps.py does), so that the rows are not the
networks' layers themselves. Depthwise layers become DepthwiseConv1d rows, the others Conv1d; the
length is in_w (in_h, kernel_h, stride_h 1). Deterministic (seed 131).
"""
import argparse
import csv
import json
import math
import random
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from census_sweeps import COLUMNS, alignment  # noqa: E402

# Model, --input-shape options (the shapes feeds.txt and the networks' own exports run them at).
MODELS = [
    ("models/third-party/silero_vad_v3.onnx", ["--input-shape", "input=1x1536"]),
    ("models/third-party/silero_vad_16k_op15.onnx", ["--input-shape", "input=1x576", "--input-shape", "state=2x1x128"]),
    ("models/third-party/silero_vad_v1_micro.onnx", ["--input-shape", "input=1x4000"]),
    ("models/third-party/silero_vad_v1_mini.onnx", ["--input-shape", "input=1x4000"]),
]
# Rows per kernel family: pointwise (k 1), kxk (k 3..17), depthwise, the STFT (large kernel, strided).
FAMILIES = {"1": 9, "k": 6, "dw": 6, "stft": 3}


def family(r):
    if r["groups"] > 1 and r["groups"] == r["in_c"]:
        return "dw"
    if r["kernel_w"] >= 64:
        return "stft"
    return "1" if r["kernel_w"] == 1 else "k"


def census(odonata):
    """The distinct 1-D Conv layers of MODELS: odonata's shapes (inspect --format json), the file's attributes."""
    import onnx
    rows = {}
    for model, opts in MODELS:
        out = subprocess.run([odonata, "inspect", model, "--format", "json", *opts], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"conv1d_plan.py: odonata inspect {model}: {out.stderr.strip()}")
        info = json.loads(out.stdout)
        shapes = {t["name"]: t["shape"] for t in info.get("inputs", [])}
        cls = {}
        for n in info["nodes"]:
            cls[n["name"]] = n.get("class")
            for t in n.get("outputs", []):
                shapes[t["name"]] = t["shape"]
        m = onnx.load(model, load_external_data=False)
        inits = {t.name: list(t.dims) for t in m.graph.initializer}
        for node in m.graph.node:
            if node.op_type != "Conv" or cls.get(node.name) not in ("conv", "dwconv"):
                continue
            x, w = shapes.get(node.input[0]), inits.get(node.input[1])
            if not x or not w or len(x) != 3 or len(w) != 3:
                continue
            a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
            r = {"in_c": x[1], "in_w": x[2], "out_c": w[0], "kernel_w": w[2], "stride_w": list(a.get("strides", [1]))[0],
                 "groups": a.get("group", 1), "dilation": list(a.get("dilations", [1]))[0],
                 "pad_w": list(a.get("pads", [0, 0]))[0]}
            rows[tuple(sorted(r.items()))] = r
    return list(rows.values())


def jitter(rng, v, a=1):
    """v times a factor log-uniform in [0.7, 1.4], rounded once to a multiple of a (census_sweeps.py's
    jitter_channels rounds to an integer first: the committed plan was drawn with this rounding)."""
    x = v * math.exp(rng.uniform(math.log(0.7), math.log(1.4)))
    return max(a, int(round(x / a)) * a)


def sample(layers, seed=131):
    rng = random.Random(seed)
    by = {}
    for r in sorted(layers, key=lambda r: sorted(r.items())):
        by.setdefault(family(r), []).append(r)
    out = []
    for fam, n in FAMILIES.items():
        pool = by.get(fam, [])
        seen = set()
        for _ in range(50 * n if pool else 0):  # n distinct rows per family
            if len(seen) == n:
                break
            r = dict(rng.choice(pool))
            dw = fam == "dw"
            r["in_c"] = jitter(rng, r["in_c"], alignment(r["in_c"]))
            if dw:
                r["out_c"] = r["groups"] = r["in_c"]
            elif r["out_c"] > 2:
                r["out_c"] = jitter(rng, r["out_c"], alignment(r["out_c"]))
            span = r["dilation"] * (r["kernel_w"] - 1) + 1
            r["in_w"] = max(jitter(rng, r["in_w"]), span - 2 * r["pad_w"])
            key = tuple(sorted(r.items()))
            if key in seen:
                continue
            seen.add(key)
            out.append({"op": "DepthwiseConv1d" if dw else "Conv1d", "batch": 1, "in_h": 1, "kernel_h": 1,
                        "stride_h": 1, "pad_h": 0, "precision": "fp32", **r})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--odonata", default="build/odonata")
    ap.add_argument("--out", default="tools/ort/plans/conv1d.csv")
    ap.add_argument("--census-out", help="also write the census (the deduplicated layers) here")
    a = ap.parse_args(argv)
    layers = census(a.odonata)
    if a.census_out:
        with open(a.census_out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["family"] + sorted(layers[0]))
            w.writeheader()
            for r in sorted(layers, key=lambda r: (family(r), sorted(r.items()))):
                w.writerow({"family": family(r), **r})
    rows = sample(layers)
    with open(a.out + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in COLUMNS})
    os.replace(a.out + ".tmp", a.out)
    print(f"conv1d_plan.py: {len(layers)} census layers, {len(rows)} rows -> {a.out}")


if __name__ == "__main__":
    main()
