#!/usr/bin/python3
"""Per-layer cache state of the Conv layers inside the cache chains (issue 12; helper convlayer, 2026-12-07).

    /usr/bin/python3 tools/ort/chain_layers.py ODONATA CHAINS_DIR PROF_DIR [PROF_DIR ...]
        [--platform host-ort-cpu] [--profiler-us 2.0] [--out CSV]
    /usr/bin/python3 tools/ort/chain_layers.py --selftest   (ctest chain_layers_selftest)

The calibration-side networks of step `cache` (tools/ort/ir_chains.py, tools/ort/se_chains.py: CHAINS_DIR, the
one command's WORK/irchains) are profiled per node, warm and back to back as the networks are timed
(`node tools/ort/run.js --network CHAIN ... --profile PROF_DIR`, under the timing lock). For every Conv layer this
prints what the estimate would need: its measured kernel time (the median over the PROF_DIRs of ORT's profiled
time, less --profiler-us per ORT node) against the layer's estimate cold (`odonata estimate --cache cold`), warm
(`--cache warm`) and as shipped (`--cache auto`, the network's share h), each less the profile's dispatch_ms, and the
share h* = (cold - measured) / (cold - warm) that would make the layer's estimate exact (1: the layer runs at its
warm model's time, 0: at its cold one). Per chain family (ir, se) and conv kind (dw: groups = input channels;
1x1; kxk): layers, MAPE and median error of each estimate, median h* and median network h.

No validation network is read: these are the calibration chains whose whole-network warm/cold ratios fit the share.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def h_star(cold, warm, meas):
    """The share of the warm saving that makes cold - h (cold - warm) equal to meas; None when the warm model saves
    nothing (cold <= warm)."""
    if cold - warm <= 0:
        return None
    return (cold - meas) / (cold - warm)


def conv_kind(in_c, group, kernel):
    """dw: a grouped Conv with as many groups as input channels (more than 1); 1x1; kxk (the first kernel dim)."""
    if group > 1 and group == in_c:
        return "dw"
    if group > 1:
        return "grouped"
    return f"{kernel}x{kernel}"


def graph_convs(model_path):
    """{layer name: kind} for the Conv nodes of an ONNX file; an unnamed node is named as odonata names it,
    '<op>_<index in the graph>'. The input channels come from the weight initializer: [out_c, in_c / group, kh, kw]."""
    import onnx  # only here: --selftest's summary part runs without it
    g = onnx.load(model_path, load_external_data=False).graph
    dims = {t.name: list(t.dims) for t in g.initializer}
    kinds = {}
    for i, n in enumerate(g.node):
        if n.op_type != "Conv":
            continue
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        w = dims.get(n.input[1])
        if not w or len(w) < 3:
            continue
        group = a.get("group", 1)
        kernel = (a.get("kernel_shape") or w[2:])[0]
        kinds[n.name or f"{n.op_type}_{i}"] = conv_kind(w[1] * group, group, kernel)
    return kinds


def summarize(rows):
    """Per (family, kind): n, MAPE and median signed error (%) of the auto, cold and warm estimates, median h*, median h.
    rows: dicts with family, kind, meas, auto, cold, warm, h."""
    out = {}
    for key in sorted({(r["family"], r["kind"]) for r in rows}):
        v = [r for r in rows if (r["family"], r["kind"]) == key]
        s = {"n": len(v)}
        for est in ("auto", "cold", "warm"):
            errs = [100 * (r[est] - r["meas"]) / r["meas"] for r in v]
            s[est + "_mape"] = statistics.fmean(abs(e) for e in errs)
            s[est + "_median"] = statistics.median(errs)
        hs = [h_star(r["cold"], r["warm"], r["meas"]) for r in v]
        hs = [x for x in hs if x is not None]
        s["h_star"] = statistics.median(hs) if hs else None
        s["h"] = statistics.median(r["h"] for r in v)
        out[key] = s
    return out


def estimate_layers(odonata, model, platform, cache):
    j = json.loads(subprocess.run([odonata, "estimate", model, "--platform", platform, "--cache", cache,
                                   "--format", "json"], capture_output=True, text=True, check=True).stdout)
    return j, {l["name"]: l for l in j["layers"]}


def dispatch_ms(odonata, platform):
    out = subprocess.run([odonata, "platforms", "--format", "json"], check=True, capture_output=True, text=True).stdout
    for p in json.loads(out)["platforms"]:
        if p["name"] == platform or p["path"] == platform:
            with open(p["path"], encoding="utf-8") as f:
                d = json.load(f).get("dispatch_ms", 0)
            return d["value"] if isinstance(d, dict) else float(d)
    sys.exit(f"chain_layers.py: platform '{platform}' not found by '{odonata} platforms'")


def selftest():
    assert h_star(10.0, 6.0, 8.0) == 0.5
    assert h_star(10.0, 6.0, 6.0) == 1.0
    assert h_star(10.0, 6.0, 12.0) == -0.5
    assert h_star(5.0, 5.0, 4.0) is None
    assert conv_kind(96, 96, 3) == "dw" and conv_kind(96, 1, 1) == "1x1" and conv_kind(64, 1, 3) == "3x3"
    assert conv_kind(64, 32, 3) == "grouped" and conv_kind(1, 1, 5) == "5x5"
    rows = [  # dw layers at their warm time, 1x1 layers at h = 0.25, the network's share 0.4
        {"family": "ir", "kind": "dw", "meas": 6.0, "cold": 10.0, "warm": 6.0, "auto": 8.4, "h": 0.4},
        {"family": "ir", "kind": "dw", "meas": 3.0, "cold": 5.0, "warm": 3.0, "auto": 4.2, "h": 0.4},
        {"family": "ir", "kind": "1x1", "meas": 9.0, "cold": 10.0, "warm": 6.0, "auto": 8.4, "h": 0.4},
    ]
    s = summarize(rows)
    dw, one = s[("ir", "dw")], s[("ir", "1x1")]
    assert dw["n"] == 2 and dw["h_star"] == 1.0 and dw["h"] == 0.4
    assert abs(dw["warm_mape"]) < 1e-12 and abs(dw["auto_mape"] - 40.0) < 1e-9 and abs(dw["cold_median"] - 66.6667) < 1e-3
    assert one["h_star"] == 0.25 and abs(one["auto_median"] - 100 * (8.4 - 9.0) / 9.0) < 1e-9
    # per_layer.py's Conv-by-kind table (hand-computed: errors +60, -40 (dw), +10, -30, +20 (1x1); sum of |e| 160)
    sys.path.insert(0, HERE)
    import per_layer
    prow = [{"op": "Conv", "conv_kind": k, "error_pct": str(e)}
            for k, e in (("dw", 60), ("dw", -40), ("1x1", 10), ("1x1", -30), ("1x1", 20))]
    prow.append({"op": "MatMul", "conv_kind": "", "error_pct": "500"})
    t = per_layer.by_kind(prow)
    assert [x[0] for x in t] == ["dw", "1x1"] and [x[1] for x in t] == [2, 3], t
    assert abs(t[0][2] - 50.0) < 1e-12 and abs(t[0][3] - 10.0) < 1e-12 and abs(t[0][4] - 62.5) < 1e-12, t
    assert abs(t[1][2] - 20.0) < 1e-12 and abs(t[1][3] - 10.0) < 1e-12 and abs(t[1][4] - 37.5) < 1e-12, t
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        print("chain_layers.py selftest: summary passed; onnx missing, graph part skipped")
        return 0
    w_dw = helper.make_tensor("wdw", TensorProto.FLOAT, [8, 1, 3, 3], [0.0] * 72)
    w_pw = helper.make_tensor("wpw", TensorProto.FLOAT, [4, 8, 1, 1], [0.0] * 32)
    nodes = [helper.make_node("Conv", ["x", "wdw"], ["y"], group=8, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["y"], ["yr"], name="r"),
             helper.make_node("Conv", ["yr", "wpw"], ["z"], name="pw")]
    g = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 4, 4])],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4, 4, 4])], [w_dw, w_pw])
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.onnx")
        onnx.save(helper.make_model(g), p)
        assert graph_convs(p) == {"Conv_0": "dw", "pw": "1x1"}, graph_convs(p)
    print("chain_layers.py selftest: passed")
    return 0


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("odonata")
    ap.add_argument("chains_dir")
    ap.add_argument("prof_dirs", nargs="+")
    ap.add_argument("--platform", default="host-ort-cpu")
    ap.add_argument("--profiler-us", type=float, default=2.0,
                    help="the profiler's cost per ORT node removed from the measured times [2.0, run 24's]")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    odonata = os.path.abspath(a.odonata)
    disp = dispatch_ms(odonata, a.platform)
    rows = []
    stems = sorted({f[:-5] for d in a.prof_dirs for f in os.listdir(d) if f.endswith(".json")})
    if not stems:
        sys.exit("chain_layers.py: no <chain>.json profile in " + ", ".join(a.prof_dirs))
    for stem in stems:
        model = os.path.join(a.chains_dir, stem + ".onnx")
        if not os.path.exists(model):
            sys.exit(f"chain_layers.py: profile {stem}.json has no model {model}")
        kinds = graph_convs(model)
        profiles = []
        for d in a.prof_dirs:
            p = os.path.join(d, stem + ".json")
            if os.path.exists(p):
                out = subprocess.run(["node", os.path.join(HERE, "layers.js"), "--json", odonata, model, a.platform, p],
                                     check=True, capture_output=True, text=True).stdout
                profiles.append({l["name"]: l for l in json.loads(out)["layers"]})
        est = {}
        for cache in ("auto", "cold", "warm"):
            j, est[cache] = estimate_layers(odonata, model, a.platform, cache)
            if cache == "auto":
                h = (j.get("cache") or {}).get("share")
                h = 1.0 if h is None else h
        for name, l in est["auto"].items():
            if l["op"] != "Conv" or l["estimator"] == "free" or name not in kinds:
                continue
            times = [p[name]["measured_ms"] - p[name]["ort_nodes"] * a.profiler_us / 1000 for p in profiles
                     if name in p and p[name]["measured_ms"] is not None]
            times = [t for t in times if t > 0]
            if not times:
                continue
            rows.append({"family": stem.split("_")[0], "chain": stem, "layer": name, "kind": kinds[name],
                         "ops": "+".join(l["ops"]), "out": "x".join(str(x) for x in l["output_shape"]),
                         "h": h, "meas": statistics.median(times), "profiles": len(times),
                         "auto": est["auto"][name]["ms"] - disp, "cold": est["cold"][name]["ms"] - disp,
                         "warm": est["warm"][name]["ms"] - disp})
    if a.out:
        with open(a.out, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) + ["h_star"])
            w.writeheader()
            for r in rows:
                hs = h_star(r["cold"], r["warm"], r["meas"])
                w.writerow({**{k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in r.items()},
                            "h_star": "" if hs is None else f"{hs:.3f}"})
    print(f"platform {a.platform}, {len(stems)} chains, {len(a.prof_dirs)} profile dir(s), profiler "
          f"{a.profiler_us:.2f} us per ORT node and dispatch {disp * 1000:.3f} us per layer removed")
    print("| family | kind | layers | auto MAPE / median | cold MAPE / median | warm MAPE / median | median h* | median h |")
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for (fam, kind), s in summarize(rows).items():
        hs = "" if s["h_star"] is None else f"{s['h_star']:.2f}"
        print(f"| {fam} | {kind} | {s['n']} | " +
              " | ".join(f"{s[e + '_mape']:.1f}% / {s[e + '_median']:+.1f}%" for e in ("auto", "cold", "warm")) +
              f" | {hs} | {s['h']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
