#!/usr/bin/python3
"""Chains that price ONNX Runtime's fused HardSwish as the networks pay it (issue 12; helper small, 2026-12-07).

    /usr/bin/python3 tools/ort/act_chains.py write OUTDIR
    /usr/bin/python3 tools/ort/act_chains.py join TIMES.csv OUT.csv
    /usr/bin/python3 tools/ort/act_chains.py --selftest          (ctest act_chains_selftest)

Calibration-side: the shapes are those of the fa_* sweep pairs (tools/ort/sweeps-phase2.txt) and of the blocks of
tools/ort/se_chains.py; no validation network is read. Each model is K = 6 layers of one convolution (a depthwise
KxK C -> C, or a 1x1 C -> B then a plain 1x1 B -> C that chains them) in one of three forms: `plain` (no
activation), `hs` (HardSigmoid alpha 1/6, beta 0.5, then Mul: opset 13, the sweep rows' and torchvision's export)
and `hsn` (the native HardSwish op, opset 14: se_chains.py's). ONNX Runtime 1.30 fuses both activation forms into
its NCHWc Conv (nchwc:Conv[HardSwish], optimized.js at level all); the graph ends in a Reshape, as the sweep rows
do (an activation that writes the graph output is not fused).

`write` writes the 21 models. The one command times them warm and cold (tools/ort/cache_state.js, step `cache`),
and `join` turns cache_state.js's CSV into the rows of `odonata fit --activation-chains`: one row per activation
model with its plain twin, activation,model,plain_model,layers,elements,act_warm_ms,plain_warm_ms (elements: the
activation's output elements per layer). The fit prices the activation by the median over the rows of
(act_warm_ms - plain_warm_ms) / (layers x elements): unprofiled whole-network times, where the sweep pairs
(FitFusedActivations) difference two single layers' profiled kernel times.
"""
import csv
import os
import sys

K = 6
# (name, kind, C, H, B, kernel): dw: depthwise C -> C at H x H; pw: 1x1 C -> B (+ activation) then 1x1 B -> C.
SHAPES = [("dw28_96", "dw", 96, 28, 96, 3), ("dw14_240", "dw", 240, 14, 240, 3), ("dw14_384", "dw", 384, 14, 384, 3),
          ("dw7_576k5", "dw", 576, 7, 576, 5), ("pw28_24_96", "pw", 24, 28, 96, 1),
          ("pw14_80_240", "pw", 80, 14, 240, 1), ("pw7_96_576", "pw", 96, 7, 576, 1)]
FORMS = ("plain", "hs", "hsn")


def elements(shape):
    """The activation's output elements per layer: the depthwise output C x H x H, the 1x1 expansion's B x H x H."""
    _, kind, c, h, b, _ = shape
    return (c if kind == "dw" else b) * h * h


def model_name(shape, form):
    return f"{shape[0]}_k{K}_{form}.onnx"


def write(out):
    import numpy as np  # only here: join and --selftest run without them
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    for shape in SHAPES:
        name, kind, C, H, B, k = shape
        for form in FORMS:
            nodes, inits = [], []
            n = 0

            def conv(x, cin, cout, kk, group):
                nonlocal n
                w = (rng.standard_normal((cout, cin // group, kk, kk)) * 0.05).astype(np.float32)
                b = (rng.standard_normal((cout,)) * 0.05).astype(np.float32)
                inits.extend([numpy_helper.from_array(w, f"w{n}"), numpy_helper.from_array(b, f"b{n}")])
                y = f"c{n}"
                nodes.append(helper.make_node("Conv", [x, f"w{n}", f"b{n}"], [y], name=y, kernel_shape=[kk, kk],
                                              pads=[kk // 2] * 4, group=group))
                n += 1
                return y

            def act(x):
                if form == "plain":
                    return x
                if form == "hsn":
                    nodes.append(helper.make_node("HardSwish", [x], [x + "_hs"], name=x + "_hs"))
                    return x + "_hs"
                nodes.append(helper.make_node("HardSigmoid", [x], [x + "_s"], name=x + "_s", alpha=1 / 6, beta=0.5))
                nodes.append(helper.make_node("Mul", [x, x + "_s"], [x + "_hs"], name=x + "_hs"))
                return x + "_hs"

            x = "x"
            for _ in range(K):
                if kind == "dw":
                    x = act(conv(x, C, C, k, C))
                else:
                    x = conv(act(conv(x, C, B, 1, 1)), B, C, 1, 1)
            inits.append(numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "flat"))
            nodes.append(helper.make_node("Reshape", [x, "flat"], ["y"], name="out"))
            g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, H, H])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, C * H * H])], inits)
            m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14 if form == "hsn" else 13)])
            m.ir_version = 8
            onnx.checker.check_model(m)
            onnx.save(m, os.path.join(out, model_name(shape, form)))
    return len(SHAPES) * len(FORMS)


def join_rows(times):
    """times: {model file name: warm_ms}. One row per activation model whose plain twin was timed too."""
    rows = []
    for shape in SHAPES:
        plain = model_name(shape, "plain")
        for form in FORMS[1:]:
            act = model_name(shape, form)
            if act in times and plain in times:
                rows.append({"activation": "HardSwish", "model": act, "plain_model": plain, "layers": K,
                             "elements": elements(shape), "act_warm_ms": times[act], "plain_warm_ms": times[plain]})
    return rows


def join(times_csv, out_csv):
    with open(times_csv, encoding="utf-8") as f:
        lines = f.read().splitlines()
    times = {r["model"]: r["warm_ms"] for r in csv.DictReader(line for line in lines if not line.startswith("#"))}
    # Provenance: the timing's own comment line (cache_state.js: runtime, threads, flags, UTC time).
    timing = next((line[1:].strip() for line in lines if line.startswith("#")), "no comment line")
    rows = join_rows(times)
    if not rows:
        sys.exit(f"act_chains.py: {times_csv}: no activation model with its plain twin (expected {model_name(SHAPES[0], 'hs')} ...)")
    with open(out_csv, "w", newline="", encoding="utf-8") as f:
        f.write(f"# tools/ort/act_chains.py join of {os.path.basename(times_csv)} ({timing})\n")
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def selftest():
    # Hand-computed: the depthwise 96 x 28 x 28 output is 75,264 elements; the 1x1 24 -> 96 at 28 x 28 expands
    # to 96 x 784 = 75,264 as well; the 1x1 96 -> 576 at 7 x 7: 576 x 49 = 28,224.
    assert elements(SHAPES[0]) == 75264, elements(SHAPES[0])
    assert elements(SHAPES[4]) == 75264, elements(SHAPES[4])
    assert elements(SHAPES[6]) == 28224, elements(SHAPES[6])
    rows = join_rows({"dw28_96_k6_plain.onnx": "0.1", "dw28_96_k6_hs.onnx": "0.2", "pw7_96_576_k6_hsn.onnx": "0.3"})
    # Only the dw28_96 hs model has its plain twin; the pw7 hsn model has none (its plain was not timed).
    assert [r["model"] for r in rows] == ["dw28_96_k6_hs.onnx"], rows
    assert rows[0]["layers"] == 6 and rows[0]["plain_model"] == "dw28_96_k6_plain.onnx", rows
    assert model_name(SHAPES[3], "hsn") == "dw7_576k5_k6_hsn.onnx"
    print("act_chains.py selftest: ok")
    return 0


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        print(write(sys.argv[2]), "models in", sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "join":
        print(join(sys.argv[2], sys.argv[3]), "rows in", sys.argv[3])
        return 0
    sys.exit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    sys.exit(main())
