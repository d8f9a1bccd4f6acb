#!/usr/bin/python3
"""Census of the layer configurations of real networks: the prior the host sweeps sample from.

    /usr/bin/python3 tools/ort/census.py LIST PROFILE_DIR OUT.csv [SUMMARY.md]

LIST: data/validation/host-networks.txt (model path, family, ...). PROFILE_DIR: one ONNX
Runtime profile per network, ``<stem>.json``, taken at optimisation level ``disabled`` (node
names and shapes as in the file; ``run.js --network ... --opt-level disabled --profile DIR
--profile-runs 1``). Only the shapes the profile records and the nodes' attributes are read,
never a time: the census is the same on any machine.

One CSV row per executed node of the first profiled run: network, family, node, op, the
op class (``conv``, ``matmul``, ``gemm``, ``pool``, ``eltwise``, ``activation``, ``norm``,
``softmax``, ``reduce``, ``data`` for copies, ``shape`` for shape arithmetic, ``recurrent``,
``quant``, ``other``), the conv kernel family (``depthwise``, ``grouped``, ``1x1``,
``kxk`` with ``/strided``, ``/dilated``), and the features of the class: ``c_in``, ``c_out``,
``groups``, ``kh``, ``kw``, ``stride``, ``dilation``, ``h``, ``w`` (input), ``h_out``,
``w_out``; ``batch``, ``m``, ``k``, ``n`` for matrix products (batch: the product of the
leading dims of the output); ``elements`` (output elements); ``macs``; the input and output
shapes. SUMMARY.md: per class, nodes and MACs per family, and the quantiles of the features.
"""

import csv
import json
import math
import os
import sys
from collections import Counter, defaultdict

import onnx

CLASSES = {
    "Conv": "conv", "ConvTranspose": "conv", "QLinearConv": "conv", "ConvInteger": "conv",
    "MatMul": "matmul", "MatMulInteger": "matmul", "QLinearMatMul": "matmul", "Gemm": "gemm",
    "MaxPool": "pool", "AveragePool": "pool", "GlobalAveragePool": "pool", "GlobalMaxPool": "pool",
    "Add": "eltwise", "Sub": "eltwise", "Mul": "eltwise", "Div": "eltwise", "Pow": "eltwise",
    "Sqrt": "eltwise", "Erf": "eltwise", "Where": "eltwise", "Equal": "eltwise", "Greater": "eltwise",
    "Less": "eltwise", "Min": "eltwise", "Max": "eltwise", "Not": "eltwise", "And": "eltwise",
    "Exp": "eltwise", "Log": "eltwise", "Neg": "eltwise", "Floor": "eltwise", "Ceil": "eltwise",
    "Relu": "activation", "Clip": "activation", "Sigmoid": "activation", "HardSigmoid": "activation",
    "HardSwish": "activation", "Tanh": "activation", "LeakyRelu": "activation", "Gelu": "activation",
    "BatchNormalization": "norm", "LayerNormalization": "norm", "InstanceNormalization": "norm",
    "Softmax": "softmax", "LogSoftmax": "softmax",
    "ReduceMean": "reduce", "ReduceSum": "reduce", "ReduceMax": "reduce", "ReduceMin": "reduce", "TopK": "reduce",
    "ArgMax": "reduce",
    "Transpose": "data", "Reshape": "data", "Flatten": "data", "Squeeze": "data", "Unsqueeze": "data",
    "Concat": "data", "Slice": "data", "Split": "data", "Gather": "data", "GatherND": "data", "Pad": "data",
    "Resize": "data", "Expand": "data", "Tile": "data", "Identity": "data", "Cast": "data",
    "ScatterND": "data", "GatherElements": "data", "Dropout": "data",
    "Shape": "shape", "Constant": "shape", "ConstantOfShape": "shape", "Range": "shape", "Size": "shape",
    "NonZero": "detection", "NonMaxSuppression": "detection", "RoiAlign": "detection",
    "LSTM": "recurrent", "GRU": "recurrent", "RNN": "recurrent",
    "QuantizeLinear": "quant", "DequantizeLinear": "quant", "DynamicQuantizeLinear": "quant",
}
COLUMNS = ["network", "family", "node", "op", "class", "kernel_family", "c_in", "c_out", "groups", "kh", "kw",
           "stride", "dilation", "h", "w", "h_out", "w_out", "batch", "m", "k", "n", "elements", "macs",
           "input_shapes", "output_shapes"]


def shapes(args, key):
    out = []
    for entry in args.get(key, []) or []:
        for _, dims in entry.items():
            out.append([int(d) for d in dims])
    return out


def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


def node_attrs(model):
    out = {}

    def walk(g):
        for n in g.node:
            out[n.name] = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute
                           if a.type != onnx.AttributeProto.GRAPH}
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(model.graph)
    return out


def features(op, a, ins, outs):
    f = {}
    out0 = outs[0] if outs else []
    f["elements"] = prod(out0) if out0 else ""
    if op in ("Conv", "ConvTranspose") and len(ins) >= 2 and len(ins[0]) == 4 and len(ins[1]) == 4:
        x, w = ins[0], ins[1]
        g = a.get("group", 1)
        k = a.get("kernel_shape") or w[2:]
        s = a.get("strides", [1, 1])
        d = a.get("dilations", [1, 1])
        cin = x[1]
        cout = w[0] if op == "Conv" else w[1] * g
        if g > 1 and g == cin and w[1] == 1:
            fam = "depthwise"
        elif g > 1:
            fam = "grouped"
        elif k[0] == 1 and k[1] == 1:
            fam = "1x1"
        else:
            fam = "kxk"
        if max(s) > 1:
            fam += "/strided"
        if max(d) > 1:
            fam += "/dilated"
        if op == "ConvTranspose":
            fam = "transposed"
        f.update(kernel_family=fam, c_in=cin, c_out=cout, groups=g, kh=k[0], kw=k[1], stride=max(s),
                 dilation=max(d), h=x[2], w=x[3])
        if len(out0) == 4:
            f.update(h_out=out0[2], w_out=out0[3])
            f["macs"] = prod(out0) * (cin // g) * k[0] * k[1] if op == "Conv" else prod(x) * (cout // g) * k[0] * k[1]
    elif op in ("MatMul", "Gemm") and ins and out0:
        # The profile leaves out weights ONNX Runtime prepacked: take N from the output.
        A = ins[0]
        n = out0[-1]
        if op == "Gemm":
            m = A[1] if a.get("transA", 0) else A[0]
            k = A[0] if a.get("transA", 0) else A[1]
            batch = 1
        else:
            k = A[-1]
            m = A[-2] if len(A) >= 2 else 1
            batch = prod(out0[:-2]) if len(out0) > 2 else 1
        # batched: both operands are activations with leading dims (attention)
        shared = len(ins) >= 2 and len(ins[1]) > 2 and prod(ins[1][:-2]) > 1
        f.update(batch=batch if shared else 1, m=m if shared else m * (batch if len(out0) > 2 else 1), k=k, n=n,
                 macs=batch * m * k * n)
    elif op in ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool") and ins and len(ins[0]) == 4:
        x = ins[0]
        k = a.get("kernel_shape", x[2:])
        f.update(c_in=x[1], h=x[2], w=x[3], kh=k[0], kw=k[1], stride=max(a.get("strides", [1, 1])))
        if len(out0) == 4:
            f.update(h_out=out0[2], w_out=out0[3])
    elif op in ("Softmax", "LogSoftmax", "LayerNormalization", "ReduceMean", "ReduceSum", "ReduceMax") and ins:
        x = ins[0]
        axis = a.get("axis", -1)
        axes = a.get("axes")
        if axes:
            inner = prod(x[ax] for ax in axes)
        elif x:
            inner = x[axis] if op != "ReduceMean" else x[-1]
        else:
            inner = 1
        f.update(k=inner, m=(prod(x) // inner) if inner else "")
    return f


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    listing, pdir, out_csv = argv[:3]
    summary = argv[3] if len(argv) > 3 else None
    nets = []
    for line in open(listing):
        f = line.split()
        if f and not f[0].startswith("#"):
            nets.append((f[0], f[1] if len(f) > 1 else ""))
    rows = []
    missing = []
    for model, family in nets:
        stem = os.path.basename(model)[:-5]
        prof = os.path.join(pdir, stem + ".json")
        if not os.path.exists(prof):
            missing.append(stem)
            continue
        attrs = node_attrs(onnx.load(model, load_external_data=False))
        events = json.load(open(prof))
        runs = sorted((e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"),
                      key=lambda e: e["ts"])
        if not runs:
            missing.append(stem)
            continue
        r0 = runs[0]
        for e in sorted(events, key=lambda e: e.get("ts", 0)):
            if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
                continue
            if not (r0["ts"] <= e["ts"] <= r0["ts"] + r0["dur"]):
                continue
            name = e["name"][: -len("_kernel_time")]
            args = e.get("args", {})
            op = args.get("op_name", "")
            ins, outs = shapes(args, "input_type_shape"), shapes(args, "output_type_shape")
            row = {c: "" for c in COLUMNS}
            row.update(network=stem, family=family, node=name, op=op, **{"class": CLASSES.get(op, "other")})
            row.update(features(op, attrs.get(name, {}), ins, outs))
            row["input_shapes"] = ";".join("x".join(map(str, s)) for s in ins)
            row["output_shapes"] = ";".join("x".join(map(str, s)) for s in outs)
            rows.append(row)
    tmp = out_csv + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, out_csv)
    if missing:
        sys.stderr.write("census.py: no profile for %s\n" % ", ".join(missing))
    if summary:
        write_summary(rows, summary, len(nets) - len(missing))
    return 0


def quantiles(xs):
    xs = sorted(xs)
    if not xs:
        return ""
    q = lambda p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
    return "%s / %s / %s / %s / %s" % (q(0), q(0.1), q(0.5), q(0.9), q(1))


def write_summary(rows, path, networks):
    out = ["# Layer census of the host validation suite (%d networks, %d executed nodes at level `disabled`)"
           % (networks, len(rows)), "",
           "Generated by `tools/ort/census.py`; shapes from ONNX Runtime profiles, no timing. Per class:",
           "executed nodes per family, MACs share, and quantiles (min / p10 / p50 / p90 / max) of the features.", ""]
    fams = sorted({r["family"] for r in rows})
    total_macs = sum(int(r["macs"]) for r in rows if r["macs"] != "")
    out.append("| class | " + " | ".join(fams) + " | all | MACs share |")
    out.append("|---|" + "---|" * (len(fams) + 2))
    by_class = defaultdict(list)
    for r in rows:
        by_class[r["class"]].append(r)
    for c in sorted(by_class, key=lambda c: -len(by_class[c])):
        rs = by_class[c]
        cnt = Counter(r["family"] for r in rs)
        macs = sum(int(r["macs"]) for r in rs if r["macs"] != "")
        out.append("| %s | %s | %d | %.1f%% |" % (c, " | ".join(str(cnt.get(f, 0)) for f in fams), len(rs),
                                                   100.0 * macs / total_macs if total_macs else 0))
    out.append("")
    convs = [r for r in rows if r["class"] == "conv" and r["kernel_family"]]
    out += ["## Convolutions by kernel family", "",
            "| kernel family | nodes | MACs share | c_in | c_out | groups | k | h (input) |",
            "|---|--:|--:|---|---|---|---|---|"]
    kf = defaultdict(list)
    for r in convs:
        kf[r["kernel_family"]].append(r)
    for k in sorted(kf, key=lambda k: -len(kf[k])):
        rs = kf[k]
        macs = sum(int(r["macs"]) for r in rs if r["macs"] != "")
        out.append("| %s | %d | %.1f%% | %s | %s | %s | %s | %s |" % (
            k, len(rs), 100.0 * macs / total_macs if total_macs else 0,
            quantiles([int(r["c_in"]) for r in rs]), quantiles([int(r["c_out"]) for r in rs]),
            quantiles([int(r["groups"]) for r in rs]), quantiles([int(r["kh"]) for r in rs]),
            quantiles([int(r["h"]) for r in rs])))
    out.append("")
    mm = [r for r in rows if r["class"] in ("matmul", "gemm") and r["m"] != ""]
    out += ["## Matrix products", "",
            "| kind | nodes | MACs share | batch | M | K | N |", "|---|--:|--:|---|---|---|---|"]
    kinds = defaultdict(list)
    for r in mm:
        kind = r["op"] + (" batched" if int(r["batch"]) > 1 else "") + (" M=1" if int(r["m"]) == 1 else " M>1")
        kinds[kind].append(r)
    for k in sorted(kinds):
        rs = kinds[k]
        macs = sum(int(r["macs"]) for r in rs)
        out.append("| %s | %d | %.1f%% | %s | %s | %s | %s |" % (
            k, len(rs), 100.0 * macs / total_macs if total_macs else 0, quantiles([int(r["batch"]) for r in rs]),
            quantiles([int(r["m"]) for r in rs]), quantiles([int(r["k"]) for r in rs]),
            quantiles([int(r["n"]) for r in rs])))
    out.append("")
    out += ["## Other ops by output elements", "", "| op | nodes | elements |", "|---|--:|---|"]
    ops = defaultdict(list)
    for r in rows:
        if r["class"] not in ("conv", "matmul", "gemm") and r["elements"] != "":
            ops[r["op"]].append(int(r["elements"]))
    for k in sorted(ops, key=lambda k: -len(ops[k])):
        out.append("| %s | %d | %s |" % (k, len(ops[k]), quantiles(ops[k])))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
