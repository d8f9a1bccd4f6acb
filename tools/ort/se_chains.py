#!/usr/bin/python3
"""Synthetic chains of small mobile blocks for the cache-state experiment of issue 12 (calibration-side: no
validation network is used; the block is the generic MobileNetV3 block, its sizes are a grid, not any network's).

Each block: 1x1 expand + HardSwish, depthwise KxK + HardSwish, squeeze-excite (GlobalAveragePool, 1x1 reduce to
a quarter + Relu, 1x1 expand + HardSigmoid, Mul), 1x1 project, residual Add. With a head F > 0 the chain ends
in GlobalAveragePool, Flatten, Gemm C -> F + HardSwish, Gemm F -> 1000 (a classifier whose two M = 1 Gemms
hold most of the weights, as in small mobile networks); without, the last block's output is the output.

    /usr/bin/python3 tools/ort/se_chains.py OUTDIR [--variants]

--variants writes instead two of the sizes in four forms: with the squeeze-excite and HardSwish (se_), without
the squeeze-excite (nose_), with Relu for HardSwish (relu_), with neither (plain_).

Time them as tools/ort/ir_chains.py's networks: `node tools/ort/cache_state.js --out FILE.csv OUTDIR/*.onnx`.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)


def net(C, H, L, t, K, F, se=True, block_act="HardSwish"):
    nodes, inits = [], []
    k = 0

    def weight(shape):
        nonlocal k
        w = (rng.standard_normal(shape) * 0.05).astype(np.float32)
        b = (rng.standard_normal((shape[0],)) * 0.05).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")])
        k += 1
        return f"w{k - 1}", f"b{k - 1}"

    def act(x, op):
        if op is None:
            return x
        y = f"{x}_{op}"
        nodes.append(helper.make_node(op, [x], [y]))
        return y

    def conv(x, ci, co, ks, g, op):
        w, b = weight((co, ci // g, ks, ks))
        y = f"c{k}"
        nodes.append(helper.make_node("Conv", [x, w, b], [y], kernel_shape=[ks, ks], pads=[ks // 2] * 4, group=g))
        return act(y, op)

    prev = "x"
    E = t * C
    for i in range(L):
        e = conv(prev, C, E, 1, 1, block_act)
        d = conv(e, E, E, K, E, block_act)
        if not se:
            p = conv(d, E, C, 1, 1, None)
            nodes.append(helper.make_node("Add", [prev, p], [f"a{i}"]))
            prev = f"a{i}"
            continue
        s = f"gap{i}"
        nodes.append(helper.make_node("GlobalAveragePool", [d], [s]))
        r = conv(s, E, max(8, E // 4), 1, 1, "Relu")
        x = conv(r, max(8, E // 4), E, 1, 1, "HardSigmoid")
        m = f"se{i}"
        nodes.append(helper.make_node("Mul", [d, x], [m]))
        p = conv(m, E, C, 1, 1, None)
        a = f"a{i}"
        nodes.append(helper.make_node("Add", [prev, p], [a]))
        prev = a
    out_shape = [1, C, H, H]
    if F > 0:
        nodes.append(helper.make_node("GlobalAveragePool", [prev], ["pool"]))
        nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], axis=1))
        w, b = weight((F, C))
        nodes.append(helper.make_node("Gemm", ["flat", w, b], ["fc1"], transB=1))
        h = act("fc1", "HardSwish")
        w, b = weight((1000, F))
        nodes.append(helper.make_node("Gemm", [h, w, b], ["logits"], transB=1))
        prev, out_shape = "logits", [1, 1000]
    g = helper.make_graph(nodes, "se_chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, H, H])],
                          [helper.make_tensor_value_info(prev, TensorProto.FLOAT, out_shape)], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    return model


# (C, H, blocks, expansion, kernel, head F): channel counts multiples of 16 (ONNX Runtime's NCHWc block here)
# and 8; heads of 0, 1024 and 2048 (2.2-9 MB of Gemm weights).
cfgs = [(16, 56, 2, 4, 3, 0), (24, 28, 3, 4, 3, 0), (48, 14, 4, 6, 5, 0), (96, 7, 3, 6, 5, 0),
        (24, 28, 3, 4, 3, 1024), (48, 14, 4, 6, 5, 1024), (96, 7, 3, 6, 5, 1024), (96, 7, 3, 6, 5, 2048),
        (64, 14, 3, 6, 3, 2048), (160, 7, 3, 6, 5, 1024)]
if len(sys.argv) > 2 and sys.argv[2] == "--variants":
    # Which part of the block makes the cold runs slow: the same two sizes without the squeeze-excite
    # (nose_), with it but Relu in place of HardSwish (relu_), and with neither (plain_).
    n = 0
    for C, H, L, t, K, F in [(96, 7, 3, 6, 5, 0), (48, 14, 4, 6, 5, 0)]:
        for tag, se, block_act in [("se", True, "HardSwish"), ("nose", False, "HardSwish"), ("relu", True, "Relu"),
                             ("plain", False, "Relu")]:
            onnx.save(net(C, H, L, t, K, F, se, block_act), f"{out}/{tag}_c{C}_h{H}_l{L}_t{t}_k{K}_f{F}.onnx")
            n += 1
    print(n)
else:
    for C, H, L, t, K, F in cfgs:
        onnx.save(net(C, H, L, t, K, F), f"{out}/se_c{C}_h{H}_l{L}_t{t}_k{K}_f{F}.onnx")
    print(len(cfgs))
