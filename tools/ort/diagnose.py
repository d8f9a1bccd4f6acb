#!/usr/bin/python3
"""Per-class diagnosis of odonata's host estimates against ONNX Runtime per-node profiles.

    /usr/bin/python3 tools/ort/diagnose.py --odonata BIN --model ORIG.onnx --optimized OPT.onnx \\
        --profile PROF.json --platform LABEL=PROFILE.json [--platform ...] --out GROUPS.csv [--family F]
    /usr/bin/python3 tools/ort/diagnose.py --summary GROUPS.csv... > TABLE.md

DIAGNOSIS ONLY: the networks profiled here are validation networks; nothing may be fitted or
tuned on these numbers (data/validation/README.md, host-networks.txt).

First form, one network: PROF.json is an ONNX Runtime profile at optimisation level ``all``
(run.js --network M --profile DIR), OPT.onnx the optimized model ONNX Runtime saves at the
same level and thread count (tools/ort/optimized.js keeps none; ``--keep DIR`` there, or
save it alone).  ORIG.onnx is the model as given to odonata (weights may be stripped).

Matching: each optimized node covers original nodes (tools/ort/ort_graph.py), each odonata
layer covers original nodes (its ``covers``).  The connected groups of the bipartite graph
"optimized node -- odonata layer that share an original node" are the units compared:
measured = sum of the group's optimized nodes' median kernel times (over the profiled runs
after the first; control-flow nodes (If, Loop) are left out: the profile lists their
subgraphs' nodes, matched by name), estimated = sum of its odonata layers' ms.  A group with no odonata layer
(NCHWc reorders, nodes ONNX Runtime adds) is estimated 0; a group with no optimized node
(odonata costs a layer ONNX Runtime fused or removed) is measured 0.

Class of a group: that of its slowest optimized node (else of its odonata layers' op):
``conv <family>`` by the kernel family of the original Conv it covers (depthwise, grouped,
1x1, kxk; strided, dilated), ``matmul M=1`` (and Gemm), ``matmul M>1``, ``matmul batched``,
``softmax``, ``layernorm``, ``gelu``, ``transpose``, ``reshape/copy``,
``concat/slice/gather``, ``nchwc reorder``, ``eltwise``, ``activation``, ``pool``,
``resize``, ``reduce``, ``detection``, ``recurrent``, ``int8``, ``other``.

Output CSV, one row per group: network, family, class, ort_nodes, ort_ops, layers, measured_ms,
then est_<LABEL>_ms per platform.  Second form: the per-class table over all the CSVs given
(time share, estimate and error per platform, per-group MAPE of groups above 0.01 ms).
"""

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ort_graph  # noqa: E402

REORDER = {"ReorderInput", "ReorderOutput"}
SIMPLE = {
    "Softmax": "softmax", "LogSoftmax": "softmax",
    "LayerNormalization": "layernorm", "SkipLayerNormalization": "layernorm",
    "SimplifiedLayerNormalization": "layernorm", "SkipSimplifiedLayerNormalization": "layernorm",
    "Gelu": "gelu", "BiasGelu": "gelu", "FastGelu": "gelu", "QuickGelu": "gelu", "Erf": "gelu",
    "Transpose": "transpose",
    "Reshape": "reshape/copy", "Flatten": "reshape/copy", "Squeeze": "reshape/copy", "Unsqueeze": "reshape/copy",
    "Identity": "reshape/copy", "Expand": "reshape/copy", "Cast": "reshape/copy", "Tile": "reshape/copy",
    "Concat": "concat/slice/gather", "Slice": "concat/slice/gather", "Split": "concat/slice/gather",
    "Gather": "concat/slice/gather", "Pad": "concat/slice/gather", "GatherElements": "concat/slice/gather",
    "ScatterND": "concat/slice/gather",
    "Shape": "shape", "ConstantOfShape": "shape", "Range": "shape", "Size": "shape", "ReduceProd": "shape",
    "Mod": "eltwise", "Add": "eltwise", "Sub": "eltwise", "Mul": "eltwise", "Div": "eltwise", "Sum": "eltwise", "Pow": "eltwise",
    "Sqrt": "eltwise", "Where": "eltwise", "Equal": "eltwise", "Greater": "eltwise", "Less": "eltwise",
    "Min": "eltwise", "Max": "eltwise", "Exp": "eltwise", "Log": "eltwise", "Neg": "eltwise", "Not": "eltwise",
    "And": "eltwise", "Floor": "eltwise", "Ceil": "eltwise", "Round": "eltwise", "BatchNormalization": "eltwise",
    "Relu": "activation", "Clip": "activation", "Sigmoid": "activation", "HardSigmoid": "activation",
    "HardSwish": "activation", "Tanh": "activation", "LeakyRelu": "activation",
    "MaxPool": "pool", "AveragePool": "pool", "GlobalAveragePool": "pool", "GlobalMaxPool": "pool",
    "Resize": "resize", "Upsample": "resize",
    "ReduceMean": "reduce", "ReduceSum": "reduce", "ReduceMax": "reduce", "ReduceMin": "reduce", "ArgMax": "reduce",
    "NonMaxSuppression": "detection", "TopK": "detection", "NonZero": "detection", "RoiAlign": "detection",
    "GatherND": "detection",
    "LSTM": "recurrent", "GRU": "recurrent", "RNN": "recurrent", "DynamicQuantizeLSTM": "recurrent",
    "QLinearConv": "int8", "ConvInteger": "int8", "MatMulInteger": "int8", "QLinearMatMul": "int8",
    "DynamicQuantizeLinear": "int8", "QuantizeLinear": "int8", "DequantizeLinear": "int8",
    "DynamicQuantizeMatMul": "int8", "MatMulIntegerToFloat": "int8", "QLinearAdd": "int8",
}


def median(xs):
    s = sorted(xs)
    n = len(s)
    return (s[(n - 1) // 2] + s[n // 2]) / 2 if n else 0.0


def profile_nodes(path):
    """Per optimized node: op, median kernel ms over the runs after the first, input shapes."""
    events = json.load(open(path))
    runs = sorted((e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"),
                  key=lambda e: e["ts"])
    per = defaultdict(lambda: {"op": "", "ms": defaultdict(float), "shapes": None})
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        k = next((i for i, r in enumerate(runs) if r["ts"] <= e["ts"] <= r["ts"] + r["dur"]), None)
        if k is None or k == 0:
            continue
        name = e["name"][: -len("_kernel_time")]
        a = e.get("args", {})
        if a.get("op_name") in ("If", "Loop", "Scan"):
            continue  # its time is that of its subgraph's nodes, which the profile lists too
        p = per[name]
        p["op"] = a.get("op_name", "")
        p["ms"][k] += e["dur"] / 1000.0
        if p["shapes"] is None:
            p["shapes"] = [[int(d) for d in list(x.values())[0]] for x in a.get("input_type_shape", [])]
    out = {}
    for name, p in per.items():
        vals = [p["ms"].get(k, 0.0) for k in range(1, len(runs))]
        out[name] = {"op": p["op"], "ms": median(vals), "shapes": p["shapes"] or []}
    run_ms = median([r["dur"] / 1000.0 for r in runs[1:]]) if len(runs) > 1 else 0.0
    return out, run_ms


def node_class(op, shapes, covers, families):
    if op in REORDER:
        return "nchwc reorder"
    if op in ("Conv", "FusedConv", "NhwcFusedConv", "ConvTranspose"):
        fam = next((families[c] for c in covers if c in families), None)
        if fam is None and any(c.endswith("BatchNormalization") for c in covers):
            return "batchnorm (as NCHWc conv)"  # a lone BatchNormalization ("<bn>_bn_nchwc")
        return "conv " + (fam or "?")
    if op in ("MatMul", "FusedMatMul", "Gemm", "FusedGemm", "MatMulNBits"):
        if len(shapes) == 1 and shapes[0]:
            # the profile leaves out prepacked (constant) weights: activations x weights
            rows = 1
            for d in shapes[0][:-1]:
                rows *= d
            return "matmul M=1" if rows == 1 else "matmul M>1"
        if len(shapes) >= 2 and shapes[0]:
            a, b = shapes[0], shapes[1]
            if op in ("Gemm", "FusedGemm"):
                m = a[0]
            else:
                m = a[-2] if len(a) >= 2 else 1
            lead_a = 1
            for d in a[:-2]:
                lead_a *= d
            lead_b = 1
            for d in b[:-2]:
                lead_b *= d
            if op not in ("Gemm", "FusedGemm") and lead_b > 1:
                return "matmul batched"
            if m * lead_a == 1:
                return "matmul M=1"
            return "matmul M>1"
        return "matmul ?"
    return SIMPLE.get(op, "other")


def layer_class(layer):
    op = layer["op"]
    if op in ("Conv", "DepthwiseConv"):
        return "conv (no ORT node)"
    return SIMPLE.get(op, "other") if op not in ("MatMul", "Gemm") else "matmul (no ORT node)"


def one(args):
    original = onnx.load(args["model"], load_external_data=False)
    optimized = onnx.load(args["optimized"], load_external_data=False)
    _, node_map, families = ort_graph.summarise(original, optimized, want_map=True)
    prof, run_ms = profile_nodes(args["profile"])
    estimates = {}
    for lab, plat in args["platforms"]:
        out = subprocess.run([args["odonata"], "estimate", args["model"], "--platform", plat, "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
        estimates[lab] = json.loads(out)
    labels = [lab for lab, _ in args["platforms"]]
    first = estimates[labels[0]]
    # odonata layers (same layer structure for every platform of the same base rules)
    layer_of = {}
    for i, l in enumerate(first["layers"]):
        for c in l["covers"]:
            layer_of[c] = i
    # union-find over ORT nodes ("o:name") and layers ("l:i")
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        parent[find(a)] = find(b)

    for name in prof:
        find("o:" + name)
        # nodes of subgraphs (If branches) are not in the optimized main graph: by name
        covers = node_map[name][1] if name in node_map else [name]
        for c in covers:
            if c in layer_of:
                union("o:" + name, "l:%d" % layer_of[c])
    for i in range(len(first["layers"])):
        find("l:%d" % i)
    groups = defaultdict(list)
    for x in list(parent):
        groups[find(x)].append(x)
    rows = []
    for members in groups.values():
        onames = [m[2:] for m in members if m.startswith("o:")]
        layers = sorted(int(m[2:]) for m in members if m.startswith("l:"))
        measured = sum(prof[n]["ms"] for n in onames)
        if onames:
            slow = max(onames, key=lambda n: prof[n]["ms"])
            cls = node_class(prof[slow]["op"], prof[slow]["shapes"], node_map.get(slow, (None, [slow]))[1], families)
        else:
            cls = layer_class(first["layers"][layers[0]])
        row = {"network": args["network"], "family": args["family"], "class": cls, "ort_nodes": len(onames),
               "ort_ops": "+".join(sorted({prof[n]["op"] for n in onames})),
               "layers": "+".join(first["layers"][i]["op"] for i in layers), "measured_ms": "%.6f" % measured}
        for lab in labels:
            row["est_%s_ms" % lab] = "%.6f" % sum(estimates[lab]["layers"][i]["ms"] for i in layers)
        rows.append(row)
    rows.sort(key=lambda r: (r["class"], -float(r["measured_ms"])))
    cols = ["network", "family", "class", "ort_nodes", "ort_ops", "layers", "measured_ms"] + \
           ["est_%s_ms" % lab for lab in labels]
    tmp = args["out"] + ".tmp"
    with open(tmp, "w", newline="") as f:
        f.write("# %s: profile %s, model_run median %.4f ms, node sum %.4f ms; totals: %s\n" % (
            args["network"], os.path.basename(args["profile"]), run_ms, sum(p["ms"] for p in prof.values()),
            ", ".join("%s %.4f ms (overhead %.4f)" % (lab, estimates[lab]["total_ms"], estimates[lab]["overhead_ms"])
                      for lab in labels)))
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, args["out"])
    return 0


def summary(files):
    rows, labels = [], None
    for f in files:
        lines = [l for l in open(f) if not l.startswith("#")]
        rs = list(csv.DictReader(lines))
        rows += rs
        if rs:
            labels = [k[4:-3] for k in rs[0] if k.startswith("est_")]
    total = sum(float(r["measured_ms"]) for r in rows)
    net_total = defaultdict(float)
    for r in rows:
        net_total[r["network"]] += float(r["measured_ms"])
    nets = len(net_total)
    by = defaultdict(list)
    for r in rows:
        by[r["class"]].append(r)
    head = "| class | groups | networks | measured ms | share | mean share per network | " + " | ".join(
        "%s est. ms | %s error | %s group MAPE" % (l, l, l) for l in labels) + " |"
    out = [head, "|---|--:|--:|--:|--:|--:|" + "--:|--:|--:|" * len(labels)]
    for c in sorted(by, key=lambda c: -sum(float(r["measured_ms"]) for r in by[c])):
        rs = by[c]
        meas = sum(float(r["measured_ms"]) for r in rs)
        cells = []
        for l in labels:
            est = sum(float(r["est_%s_ms" % l]) for r in rs)
            big = [r for r in rs if float(r["measured_ms"]) >= 0.01]
            gm = (sum(abs(float(r["est_%s_ms" % l]) - float(r["measured_ms"])) / float(r["measured_ms"]) for r in big)
                  / len(big) * 100) if big else None
            err = "%+.0f%%" % (100 * (est - meas) / meas) if meas > 0 else "(not run)"
            cells.append("%.3f | %s | %s" % (est, err, "%.0f%%" % gm if gm is not None else ""))
        mean_share = sum(float(r["measured_ms"]) / net_total[r["network"]] for r in rs if net_total[r["network"]]) / nets
        out.append("| %s | %d | %d | %.3f | %.1f%% | %.1f%% | %s |" % (
            c, len(rs), len({r["network"] for r in rs}), meas, 100 * meas / total if total else 0, 100 * mean_share,
            " | ".join(cells)))
    meas = total
    cells = []
    for l in labels:
        est = sum(float(r["est_%s_ms" % l]) for r in rows)
        cells.append("%.3f | %+.0f%% | " % (est, 100 * (est - meas) / meas))
    out.append("| all | %d | %d | %.3f | 100%% | 100%% | %s |" % (len(rows), len({r["network"] for r in rows}), meas,
                                                          " | ".join(cells)))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def main(argv):
    if argv and argv[0] == "--summary":
        return summary(argv[1:])
    args = {"platforms": [], "family": ""}
    i = 0
    while i < len(argv):
        k = argv[i]
        if k in ("--odonata", "--model", "--optimized", "--profile", "--out", "--family", "--network") \
                and i + 1 < len(argv):
            args[k[2:]] = argv[i + 1]
        elif k == "--platform" and i + 1 < len(argv):
            lab, _, path = argv[i + 1].partition("=")
            args["platforms"].append((lab, path or lab))
        else:
            sys.stderr.write(__doc__)
            return 2
        i += 2
    for k in ("odonata", "model", "optimized", "profile", "out"):
        if k not in args:
            sys.stderr.write("diagnose.py: --%s is required\n" % k)
            return 2
    if not args["platforms"]:
        sys.stderr.write("diagnose.py: give at least one --platform LABEL=PROFILE\n")
        return 2
    args.setdefault("network", os.path.basename(args["model"])[:-5])
    return one(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
