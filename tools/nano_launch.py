#!/usr/bin/python3
"""Candidates (T) and (D) of data/jetson-nano/README.md (declared 2026-12-07 16:15 UTC, branch nanolat).

(T): the iCAS loop's transfers priced from the input/output sizes at the profile's 25.6 GB/s (not fitted):
     T = (6 x input bytes + 2 x output bytes) / 25.6 GB/s, taken off the iCAS calibration rows before the fit.
(D): a launch cost d per executed TensorRT layer: for each d of the declared grid the (U2) pipeline of
     tools/fit_jetson_nano.sh (FP32 fit, torch2trt 4-number fit, r on unpadded 1x1, dwconv refit) is rerun with
     d x n off every iCAS calibration row and d x N off every torch2trt calibration row.
Calibration rows only, unless --validate (the once-only validation figure, after the rules are applied).
Usage: tools/nano_launch.py [path/to/odonata] [--validate D USE_T | --t-gbps GBPS]   (report on stdout)
       tools/nano_launch.py --selftest
"""
import csv, json, os, re, subprocess, sys, tempfile
import numpy as np

MS_PER_BYTE = 1e3 / 25.6e9  # the profile's bandwidth_gbps (datasheet LPDDR4)
GRID = [0.0, 0.01, 0.02, 0.03, 0.05]
# TensorRT PointWise fusion (catalog): adjacent element-wise / activation layers, each feeding only the next.
POINTWISE = {"Relu", "Sigmoid", "Mul", "Add", "Sub", "Div", "Clip", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu",
             "Elu", "BatchNormalization"}


def icas_layers(name):
    """Executed TensorRT layers of an iCAS network from its name: L conv (2L for _DWS) + 1 Linear."""
    L = int(re.search(r"_L(\d+)_", name).group(1))
    return (2 * L if name.endswith("_DWS") else L) + 1


def transfer_ms(in_bytes, out_bytes, in_copies=6, out_copies=2):
    return (in_copies * in_bytes + out_copies * out_bytes) * MS_PER_BYTE


def icas_transfer_ms(name):
    """latency.py: flatten + copyto (2 x read+write) + H2D (read+write) of 3xWxW FP32; D2H of 10 FP32 outputs."""
    W = int(re.search(r"_W(\d+)", name).group(1))
    return transfer_ms(3 * W * W * 4, 10 * 4)


def count_kernels(path, layers, pointwise=True):
    """Executed TensorRT layers: the estimate's non-free layers (the profile's fusion rules), less one per merge of
    (i) BatchNormalization feeding only a Relu and, with pointwise, (ii) any pointwise layer feeding only a
    pointwise consumer (at most one merge per consumer). Slice and Transpose count one each; Concat is free."""
    import onnx
    g = onnx.load(path, load_external_data=False).graph
    producer, consumers = {}, {}
    for n in g.node:
        for t in n.output:
            producer[t] = n
        for t in n.input:
            consumers.setdefault(t, []).append(n.name)
    layer_of = {}
    live = [l for l in layers if l["estimator"] != "free"]
    for i, l in enumerate(live):
        for c in l["covers"]:
            layer_of[c] = i
    count = sum(l.get("repeat", 1) for l in live)
    nodes = {n.name: n for n in g.node}
    for i, l in enumerate(live):
        if len(l["ops"]) != 1 or l["ops"][0] not in POINTWISE:
            continue
        node = nodes[l["covers"][0]]
        for t in node.input:
            p = producer.get(t)
            if p is None or p.name not in layer_of:
                continue
            pl = live[layer_of[p.name]]
            if pl["covers"][-1] != p.name or len(pl["ops"]) != 1 or pl["ops"][0] not in POINTWISE:
                continue
            if consumers.get(t, []) != [node.name]:
                continue
            if (pl["ops"][0] == "BatchNormalization" and l["ops"][0] == "Relu") or pointwise:
                count -= 1
                break
    return count


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(" ".join(cmd[:3]) + ": " + out.stderr.strip()[:400])
    return out.stdout


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    sys.path.insert(0, "tools")
    import nano_unpadded
    args = [a for a in sys.argv[1:]]
    validate = None
    global MS_PER_BYTE
    sens = None
    if "--t-gbps" in args:  # (T) sensitivity on calibration rows only: the transfers at another bandwidth
        i = args.index("--t-gbps")
        sens = float(args[i + 1])
        MS_PER_BYTE = 1e3 / (sens * 1e9)
        del args[i:i + 2]
    if "--validate" in args:
        i = args.index("--validate")
        validate = (float(args[i + 1]), args[i + 2] == "1")
        del args[i:i + 3]
    od = args[0] if args else "build/odonata"
    work = tempfile.mkdtemp(prefix="nanolat")
    conv = [l for l in open("tools/fit_jetson_nano.sh") if l.startswith("conv=")][0].split('"')[1]
    lines = [l for l in open("data/jetson-nano/icas_calibration.csv") if not l.startswith("#")]
    icas = list(csv.DictReader(lines))
    fields = list(icas[0].keys())
    n_of = {r["model"]: icas_layers(r["model"][5:]) for r in icas}
    t_of = {r["model"]: icas_transfer_ms(r["model"][5:]) for r in icas}
    meas_of = {r["model"]: float(r["latency_ms"]) for r in icas}
    suite = [r for r in csv.DictReader(l for l in open("data/validation/jetson-nano.csv") if not l.startswith("#"))]
    t2t = [r for r in suite if r["platform"] == "jetson-nano:torch2trt" and r["split"] == "calibration"]

    def pipeline(d, use_t, tag):
        os.makedirs("%s/%s/b" % (work, tag)); os.makedirs("%s/%s/u" % (work, tag)); os.makedirs("%s/%s/u2" % (work, tag))
        cal = "%s/%s/cal.csv" % (work, tag)
        with open(cal, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            w.writeheader()
            for r in icas:
                r2 = dict(r)
                r2["latency_ms"] = "%.6f" % (meas_of[r["model"]] - d * n_of[r["model"]] - (t_of[r["model"]] if use_t else 0))
                w.writerow(r2)
        b = "%s/%s/b/jetson-nano.json" % (work, tag)
        run([od, "fit", cal, "--base", "data/seed-profiles/jetson-nano.json", "--name", "jetson-nano", "--overhead-group",
             "icas-python-loop", "--terms", "conv=" + conv, "--terms", "dwconv=1;macs;elems", "--terms", "gemm=in_c*spatial",
             "--split-by", "conv=kernel", "--split-by", "dwconv=kernel", "--no-power", "--out", b])
        xs = []
        for r in t2t:
            m = "data/validation/" + r["model"]
            e = json.loads(run([od, "estimate", m, "--platform", b, "--precision", "fp32", "--format", "json"]))
            unp = nano_unpadded.unpadded_1x1(m)
            U = sum(l["ms"] * l.get("repeat", 1) for l in e["layers"] if l["op"].startswith("Conv") and l["covers"][0] in unp)
            G = sum(l["macs"] * l.get("repeat", 1) for l in e["layers"] if l["op"].split("+")[0] in ("Gemm", "MatMul"))
            N = count_kernels(m, e["layers"])
            xs.append((e["layers_ms"], U, G, N, float(r["measured_ms"]), r["network"].split()[-1]))
        c = fit4(xs, d)
        t2t_in = [100 * (pred4(c, x, d) - x[4]) / x[4] for x in xs]
        loo = []
        for i in range(len(xs)):
            ci = fit4(xs[:i] + xs[i + 1:], d)
            loo.append(100 * (pred4(ci, xs[i], d) - xs[i][4]) / xs[i][4])
        s, q, g, o = c
        r1 = 1 + q / s
        p = json.load(open(b))
        conv32 = [f for f in p["classes"]["conv"]["fitted"] if f["precision"] == "fp32"][0]
        nano_unpadded.scale_unpadded_1x1(conv32, r1)
        u = "%s/%s/u/jetson-nano.json" % (work, tag)
        json.dump(p, open(u, "w"), indent=2)
        u2 = "%s/%s/u2/jetson-nano.json" % (work, tag)
        predf = "%s/%s/pred.csv" % (work, tag)
        rep = run([od, "fit", cal, "--base", u, "--name", "jetson-nano", "--overhead-group", "icas-python-loop",
                   "--classes", "dwconv", "--terms", "dwconv=1;macs;elems", "--split-by", "dwconv=kernel", "--no-power",
                   "--out", u2, "--predictions", predf, "--report"])
        over = float(re.search(r"overhead 'icas-python-loop': ([0-9.e+-]+) ms", rep).group(1))
        # The FP32 Linear weight streaming of tools/fit_jetson_nano.sh: + 2g per MAC, 20g off the per-input term (the
        # iCAS layers have 10 outputs, so their times are unchanged); wide Linear layers (VGG, 4096 outputs) need it.
        p = json.load(open(u2))
        gemm32 = [f for f in p["classes"]["gemm"]["fitted"] if f["precision"] == "fp32"][0]
        per_input = [t for t in gemm32["terms"] if [f["dim"] for f in t["factors"]] == ["in_c", "spatial"]]
        assert len(per_input) == 1 and per_input[0]["coef"] > 20 * g, per_input
        per_input[0]["coef"] -= 20 * g
        gemm32["terms"].append({"coef": 2 * g, "factors": [{"dim": "macs"}]})
        json.dump(p, open(u2, "w"), indent=2)
        errs = []
        for r in csv.DictReader(open(predf)):
            mod = r["model"]
            pr = float(r["predicted_ms"]) + d * n_of[mod] + (t_of[mod] if use_t else 0)
            errs.append(100 * (pr - meas_of[mod]) / meas_of[mod])
        icas_mape = float(np.mean(np.abs(errs)))
        res = dict(d=d, use_t=use_t, icas=icas_mape, t2t=float(np.mean(np.abs(t2t_in))), loo=float(np.mean(np.abs(loo))),
                   loo_rows=loo, s=s, r=r1, g=g, o=o, overhead=over, u2=u2, xs=xs)
        print("d %.3f ms, T %s: iCAS calibration in-sample %.3f%% (overhead %.4f ms); torch2trt s %.4f r %.4f g %.3g o %.3f, "
              "in-sample %.2f%%, leave-one-out %.2f%% [%s]; N %s" % (
                  d, "on" if use_t else "off", icas_mape, over, s, r1, g, o, res["t2t"], res["loo"],
                  ", ".join("%s %+.1f" % (x[5], e) for x, e in zip(xs, loo)), [x[3] for x in xs]), flush=True)
        return res

    if sens is not None:
        tt = pipeline(0.0, True, "sens")
        print("(T) sensitivity at %g GB/s (calibration rows only): T %.4f-%.4f ms on the iCAS calibration rows, %.4f ms "
              "for a 1x3x224x224 input; iCAS in-sample %.3f%%" % (sens, min(icas_transfer_ms(r["model"][5:]) for r in icas),
              max(icas_transfer_ms(r["model"][5:]) for r in icas), transfer_ms(3 * 224 * 224 * 4, 4000), tt["icas"]))
    elif validate is None:
        print("# tools/nano_launch.py: candidates (T) and (D) of data/jetson-nano/README.md, calibration rows only")
        lo = min(t_of.values()); hi = max(t_of.values())
        print("(T) iCAS calibration rows: T %.4f-%.4f ms (input 1.2-120 KB); a 1x3x224x224 FP32 input, 1000 outputs: %.4f ms"
              % (lo, hi, transfer_ms(3 * 224 * 224 * 4, 4000)))
        base = pipeline(0.0, False, "d0")
        tt = pipeline(0.0, True, "d0T")
        print("(T) rule: iCAS in-sample %.3f%% -> %.3f%% (veto if worse by > 0.05 point): %s" % (
            base["icas"], tt["icas"], "kept" if tt["icas"] <= base["icas"] + 0.05 else "vetoed"))
        res = [base]
        for d in GRID[1:]:
            res.append(pipeline(d, False, "d%g" % d))
        best = min(res, key=lambda x: (x["icas"] + x["t2t"]) / 2)
        print("(D) joint objective (mean of the two in-sample MAPEs): " + ", ".join(
            "d %.3f: %.3f" % (x["d"], (x["icas"] + x["t2t"]) / 2) for x in res))
        ok = (best["d"] > 0 and best["loo"] <= base["loo"] - 0.5 and max(abs(e) for e in best["loo_rows"]) <= 10
              and best["icas"] <= base["icas"] + 0.2)
        print("(D) d* = %.3f ms: leave-one-out %.2f%% vs %.2f%% at d = 0, max |held-out| %.1f%%, iCAS %.3f%% vs %.3f%%: %s"
              % (best["d"], best["loo"], base["loo"], max(abs(e) for e in best["loo_rows"]), best["icas"], base["icas"],
                 "ADOPTED" if ok else "not adopted"))
    else:
        d, use_t = validate
        res = pipeline(d, use_t, "val")
        print("# validation, computed once: d %.3f ms, T %s; default-mode FP32 rows of data/validation/jetson-nano.csv" % (d, use_t))
        rows = [r for r in suite if r["platform"] == "jetson-nano" and r["precision"] == "fp32" and r["split"] == "validation"]
        ape = {}
        for r in rows:
            m = "data/validation/" + r["model"]
            e = json.loads(run([od, "estimate", m, "--platform", res["u2"], "--precision", "fp32", "--format", "json"]))
            deepedge = "deepedgebench" in r["source"]
            outs = 2 * 224 * 224 * 4 if "unet" in r["model"] else 4000
            tms = transfer_ms(3 * 224 * 224 * 4, outs, 4 if deepedge else 6, 2) if use_t else 0.0
            n_pw, n_sep = count_kernels(m, e["layers"]), count_kernels(m, e["layers"], pointwise=False)
            est = e["total_ms"] + tms + d * n_pw
            meas = float(r["measured_ms"])
            ape.setdefault("deepedgebench" if deepedge else "icas", []).append(100 * (est - meas) / meas)
            print("%-45s measured %8.3f estimate %8.3f (T %.3f, N %d / %d without PointWise) error %+.1f%%" % (
                r["network"][:45], meas, est, tms, n_pw, n_sep, 100 * (est - meas) / meas))
        for k, v in ape.items():
            print("%s: %d rows, MAPE %.2f%%" % (k, len(v), np.mean(np.abs(v))))
    import shutil
    shutil.rmtree(work)


def fit4(xs, d):
    A = np.array([[l / m, u / m, g / m, 1 / m] for l, u, g, n, m, _ in xs])
    b = np.array([(m - d * n) / m for l, u, g, n, m, _ in xs])
    c, *_ = np.linalg.lstsq(A, b, rcond=None)
    return c


def pred4(c, x, d):
    l, u, g, n, m, _ = x
    return c[0] * l + c[1] * u + c[2] * g + c[3] + d * n


def _selftest():
    # hand-computed: W = 100: 6 x 120,000 + 2 x 40 = 720,080 bytes / 25.6e9 B/s = 0.028128125 ms
    assert abs(icas_transfer_ms("convnet_L2_F8_K3x3_W100") - 0.028128125) < 1e-12
    assert icas_layers("convnet_L10_F128_K2x2_W20_DWS") == 21 and icas_layers("convnet_L2_F128_K1x1_1_K3x3_1_W80") == 3
    # fit4 recovers s, q, g, o from rows made with known numbers and a fixed d
    xs = []
    for i, (l, u, g, n) in enumerate([(10, 2, 0, 30), (20, 0, 1e6, 50), (35, 10, 0, 80), (60, 1, 2e6, 120), (90, 40, 0, 200)]):
        m = 0.5 * l + 0.1 * u + 2e-7 * g + 1.5 + 0.01 * n
        xs.append((l, u, g, n, m, str(i)))
    c = fit4(xs, 0.01)
    assert np.allclose(c, [0.5, 0.1, 2e-7, 1.5], rtol=1e-6), c
    # kernel count: Conv -> Sigmoid -> Mul(conv, sigmoid) -> BatchNormalization -> Relu, plus a free Reshape.
    # Non-free layers 5; merges with PointWise: Sigmoid->Mul, Mul->BN, BN->Relu: 2 kernels; without: BN->Relu only: 4.
    import onnx, tempfile
    from onnx import helper
    names = ["conv", "sig", "mul", "bn", "relu", "reshape"]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"), helper.make_node("Sigmoid", ["c"], ["s"], name="sig"),
             helper.make_node("Mul", ["c", "s"], ["m"], name="mul"),
             helper.make_node("BatchNormalization", ["m", "g", "b", "mu", "v"], ["n"], name="bn"),
             helper.make_node("Relu", ["n"], ["r"], name="relu"), helper.make_node("Reshape", ["r", "sh"], ["y"], name="reshape")]
    graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 4, 4])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    path = tempfile.mktemp(suffix=".onnx")
    onnx.save(helper.make_model(graph), path)
    ops = ["Conv", "Sigmoid", "Mul", "BatchNormalization", "Relu", "Reshape"]
    layers = [{"ops": [o], "covers": [n], "estimator": "free" if o == "Reshape" else "roofline"} for o, n in zip(ops, names)]
    assert count_kernels(path, layers) == 2 and count_kernels(path, layers, pointwise=False) == 4
    os.remove(path)
    print("nano_launch selftest: ok")


if __name__ == "__main__":
    if "--selftest" in sys.argv:
        _selftest()
    else:
        main()
