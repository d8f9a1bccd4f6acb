#!/usr/bin/python3
"""Structural coverage of the conv class's calibration rows (issue 12; no timing is read).

The conv class is fitted as gradient-boosted trees on log(measured / refined roofline) over the
layer dims of src/fit/fit_platform.cc TreeFeatures. Trees extrapolate flat: a layer outside the
rows' range gets the residual of the nearest rows. This lists, for every fp32 Conv layer of the
given networks that odonata puts in the class `conv`, the features outside the [min, max] of the
class's sweep rows, and the layers far from every row.

Declared distance (2026-12-06, before any row was added or timed): a layer's distance to a row is
the largest |log2(layer / row)| over the structural features in_c, out_c, out_h, out_w, kernel,
stride, group, dilation (a feature of 0 is taken as 1); the layer is "far" when its nearest row is
more than 1 away (no row within a factor of 2 in all of them at once).

  conv_coverage.py --sweeps data/host-ort-cpu/phase2/sweeps.csv --odonata build/odonata \
      MODEL.onnx ... > data/host-ort-cpu/diagnosis/conv-coverage.csv

Reads the sweep CSV's layer columns and the models' structure (odonata inspect --format json for
shapes and classes, the onnx package for the Conv attributes); never latency_ms.
"""
import argparse
import csv
import json
import math
import subprocess
import sys

# src/fit/fit_platform.cc TreeFeatures(kConv), in its order.
FEATURES = ["out_h", "out_w", "in_c", "out_c", "in_h", "in_w", "batch", "kernel", "spatial", "macs", "elems",
            "group", "stride", "dilation", "weights", "inputs", "align", "valid_macs", "valid_permille"]
# The declared distance's features.
DISTANCE = ["in_c", "out_c", "out_h", "out_w", "kernel", "stride", "group", "dilation"]
FAR = 1.0

# Only the plain Conv rows: convolution + activation rows price the activation (fit_platform.cc), not the class.
CONV_OPS = {"Conv"}


def align(c):
    """The largest power of two (up to 64) dividing c (src/layer_cost.cc kAlign)."""
    if c <= 0:
        return 0
    a = 1
    while a < 64 and c % (2 * a) == 0:
        a *= 2
    return a


def valid_taps(n_in, n_out, k, s, d, p):
    """Taps of one axis that read the input rather than the padding, and all taps."""
    valid = 0
    for o in range(n_out):
        for t in range(k):
            i = o * s - p + t * d
            if 0 <= i < n_in:
                valid += 1
    return valid, n_out * k


def features(batch, in_c, in_sp, out_c, out_sp, kernel, strides, dilations, pads, group, bias=True):
    """The tree features of a convolution (LayerDim in src/layer_cost.cc). in_sp, out_sp, kernel,
    strides, dilations, pads (the begin pad) per spatial axis; in_c is the input's channels."""
    per_group = in_c // group
    k_prod = math.prod(kernel)
    positions = math.prod(out_sp)
    macs = batch * out_c * per_group * k_prod * positions
    valid = alls = 1
    for a in range(len(kernel)):
        v, t = valid_taps(in_sp[a], out_sp[a], kernel[a], strides[a], dilations[a], pads[a])
        valid *= v
        alls *= t
    f = {
        "out_h": out_sp[0] if len(out_sp) >= 1 else 0,
        "out_w": out_sp[1] if len(out_sp) >= 2 else 0,
        "in_c": per_group,
        "out_c": out_c,
        "in_h": in_sp[0] if len(in_sp) >= 1 else 0,
        "in_w": in_sp[1] if len(in_sp) >= 2 else 0,
        "batch": batch,
        "kernel": k_prod,
        "spatial": batch * positions * k_prod,
        "macs": macs,
        "elems": batch * out_c * positions,
        "group": max(group, 1),
        "stride": strides[0] if strides else 1,
        "dilation": dilations[0] if dilations else 1,
        "weights": out_c * per_group * k_prod + (out_c if bias else 0),
        "inputs": batch * in_c * math.prod(in_sp),
        "align": align(per_group),
        "valid_macs": macs // alls * valid if alls and macs % alls == 0 else round(macs * valid / max(alls, 1)),
        "valid_permille": round(1000 * valid / alls) if alls else 1000,
    }
    return f


def window_out(n, k, s, d, p):
    return (n + 2 * p - (d * (k - 1) + 1)) // s + 1


def sweep_rows(path):
    """The conv class's fp32 rows of a sweep CSV (its layer columns only), as feature dicts."""
    rows = []
    with open(path, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    for r in csv.DictReader(lines):
        if r["op"] not in CONV_OPS or r.get("precision", "fp32") != "fp32":
            continue
        b, ic, ih, iw, oc = (int(r[c]) for c in ("batch", "in_c", "in_h", "in_w", "out_c"))
        kh, kw, sh, sw, g, d = (int(r[c]) for c in ("kernel_h", "kernel_w", "stride_h", "stride_w", "groups",
                                                  "dilation"))
        if g > 1 and g == ic:  # depthwise: the class dwconv
            continue
        pads = []
        for p, k in ((int(r["pad_h"]), kh), (int(r["pad_w"]), kw)):
            pads.append(p if p >= 0 else d * (k - 1) // 2)  # -1: same (src/measurements.cc Pad)
        out_sp = [window_out(ih, kh, sh, d, pads[0]), window_out(iw, kw, sw, d, pads[1])]
        feat = features(b, ic, [ih, iw], oc, out_sp, [kh, kw], [sh, sw], [d, d], pads, g)
        rows.append({"model": r.get("model", ""), "f": feat})
    return rows


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            import onnx
            return onnx.helper.get_attribute_value(a)
    return default


def read_feeds(path):
    """tools/ort/feeds.js's list (MODEL_STEM NAME:TYPE[D;D;...] ...) as odonata --input-shape options per stem."""
    feeds = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            opts = []
            for w in words[1:]:
                name, spec = w.split(":", 1)
                dims = spec[spec.index("[") + 1:spec.rindex("]")].replace(";", "x")
                opts += ["--input-shape", f"{name}={dims}"]
            feeds[words[0]] = opts
    return feeds


def network_convs(model_path, odonata, shape_options=()):
    """The class-`conv` fp32 Conv nodes of a model, as (node name, feature dict, note)."""
    import onnx
    out = subprocess.run([odonata, "inspect", model_path, "--format", "json", *shape_options], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"odonata inspect {model_path}: {out.stderr.strip().splitlines()[-1:]}")
    info = json.loads(out.stdout)
    shapes = {t["name"]: t["shape"] for t in info.get("inputs", [])}
    cls, macs = {}, {}
    for n in info["nodes"]:
        cls[n["name"]] = n.get("class")
        macs[n["name"]] = n.get("macs")
        for t in n.get("outputs", []):
            shapes[t["name"]] = t["shape"]
    model = onnx.load(model_path, load_external_data=False)
    inits = {t.name: list(t.dims) for t in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    for t in model.graph.input:
        if t.name not in shapes and t.type.tensor_type.HasField("shape"):
            shapes[t.name] = [d.dim_value for d in t.type.tensor_type.shape.dim]
    result = []
    for node in model.graph.node:
        if node.op_type != "Conv" or cls.get(node.name) != "conv":
            continue
        x = shapes.get(node.input[0])
        y = shapes.get(node.output[0])
        wname = node.input[1]
        w = inits.get(wname) or shapes.get(wname)
        if w is None and wname in producer and producer[wname].op_type == "DequantizeLinear":
            continue  # QDQ int8: the class conv_int8
        p = producer.get(node.input[0])
        if p is not None and p.op_type == "DequantizeLinear":
            continue
        if not x or not y or not w:
            result.append((node.name, None, "shapes unknown"))
            continue
        r = len(x) - 2
        kernel = list(attr(node, "kernel_shape", w[2:]))
        strides = list(attr(node, "strides", [1] * r))
        dil = list(attr(node, "dilations", [1] * r))
        pads = list(attr(node, "pads", [0] * (2 * r)))
        auto = attr(node, "auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = []
            for a in range(r):
                total = max((y[2 + a] - 1) * strides[a] + dil[a] * (kernel[a] - 1) + 1 - x[2 + a], 0)
                pads.append(total // 2 if auto == "SAME_UPPER" else total - total // 2)
        group = attr(node, "group", 1)
        feat = features(x[0], x[1], x[2:], y[1], y[2:], kernel, strides, dil, pads[:r], group, len(node.input) > 2)
        notes = [f"{r}-D"] if r != 2 else []
        if feat["macs"] != macs.get(node.name, feat["macs"]):  # odonata's own count: the features' cross-check
            notes.append(f"macs {feat['macs']} but odonata counts {macs[node.name]}")
        result.append((node.name, feat, "; ".join(notes)))
    return result


def ranges(rows):
    return {f: (min(r["f"][f] for r in rows), max(r["f"][f] for r in rows)) for f in FEATURES}


def outside(feat, rng):
    """The features of `feat` outside the rows' [min, max], as 'name=value<min' or 'name=value>max'."""
    why = []
    for f in FEATURES:
        lo, hi = rng[f]
        if feat[f] < lo:
            why.append(f"{f}={feat[f]}<{lo}")
        elif feat[f] > hi:
            why.append(f"{f}={feat[f]}>{hi}")
    return why


def distance(a, b):
    return max(abs(math.log2(max(a[f], 1) / max(b[f], 1))) for f in DISTANCE)


def nearest(feat, rows):
    best = min(rows, key=lambda r: distance(feat, r["f"]))
    return distance(feat, best["f"]), best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sweeps", required=True, help="sweep CSV (its conv rows are the class's calibration rows)")
    ap.add_argument("--extra-sweeps", action="append", default=[], help="more sweep CSVs or plan CSVs (trial rows)")
    ap.add_argument("--odonata", default="build/odonata")
    ap.add_argument("--feeds", help="input shapes of the models that need them (data/host-ort-cpu/phase2/feeds.txt)")
    ap.add_argument("--all", action="store_true", help="list every layer, not only the flagged ones")
    ap.add_argument("models", nargs="+")
    a = ap.parse_args(argv)
    try:
        rows = sweep_rows(a.sweeps)
        for e in a.extra_sweeps:
            rows += sweep_rows(e)
    except (OSError, KeyError, ValueError) as e:
        print(f"conv_coverage.py: {a.sweeps}: {e}", file=sys.stderr)
        return 1
    if not rows:
        print(f"conv_coverage.py: no fp32 conv rows in {a.sweeps}", file=sys.stderr)
        return 1
    try:
        feeds = read_feeds(a.feeds) if a.feeds else {}
    except (OSError, ValueError) as e:
        print(f"conv_coverage.py: {a.feeds}: {e}", file=sys.stderr)
        return 1
    rng = ranges(rows)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["model", "layer", "in_c", "out_c", "in_h", "in_w", "out_h", "out_w", "kernel", "stride", "group",
                "macs", "outside", "nearest_distance", "far", "nearest_row", "note"])
    flagged = total = 0
    for m in a.models:
        try:
            stem = m.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            convs = network_convs(m, a.odonata, feeds.get(stem, []))
        except (RuntimeError, OSError, ValueError) as e:
            # A model odonata cannot load as it is (symbolic input sizes): a row saying so.
            w.writerow([m, ""] + [""] * 14 + [str(e).replace("\n", " ")[:300]])
            continue
        for name, feat, note in convs:
            total += 1
            if feat is None:
                w.writerow([m, name] + [""] * 13 + [note])
                continue
            why = outside(feat, rng)
            d, best = nearest(feat, rows)
            far = d > FAR
            if not (why or far or a.all):
                continue
            flagged += bool(why or far)
            w.writerow([m, name] + [feat[f] for f in ("in_c", "out_c", "in_h", "in_w", "out_h", "out_w", "kernel",
                                                     "stride", "group", "macs")] +
                       [" ".join(why), f"{d:.2f}", int(far), best["model"], note])
    print(f"# {flagged} of {total} conv-class layers outside the {len(rows)} rows' range or far (> {FAR})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
