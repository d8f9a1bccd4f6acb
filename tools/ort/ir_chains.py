#!/usr/bin/python3
"""Synthetic inverted-residual networks (1x1 expand, 3x3 depthwise, 1x1 project, residual Add;
Relu after the first two) of 24 sizes, weights 0.02-48 MB, for the cache-state experiment of
issue 12 (calibration-side: no validation network is used). Time them with
`node tools/ort/cache_state.js` (warm and cold) or run.js --network.

    /usr/bin/python3 tools/ort/ir_chains.py OUTDIR
"""
import os, sys, itertools
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
def net(C, H, L, t):
    nodes, inits = [], []
    prev = "x"; k = 0
    def conv(x, ci, co, ks, g, relu=True):
        nonlocal k
        w = (rng.standard_normal((co, ci // g, ks, ks)) * 0.05).astype(np.float32)
        b = (rng.standard_normal((co,)) * 0.05).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")])
        y = f"c{k}"
        nodes.append(helper.make_node("Conv", [x, f"w{k}", f"b{k}"], [y], kernel_shape=[ks, ks], pads=[ks // 2] * 4, group=g))
        k += 1
        if relu:
            nodes.append(helper.make_node("Relu", [y], [y + "r"])); y = y + "r"
        return y
    for i in range(L):
        e = conv(prev, C, t * C, 1, 1)
        d = conv(e, t * C, t * C, 3, t * C)
        p = conv(d, t * C, C, 1, 1, relu=False)
        a = f"a{i}"
        nodes.append(helper.make_node("Add", [prev, p], [a])); prev = a
    g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, H, H])],
                          [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, C, H, H])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]); m.ir_version = 8
    return m
cfgs = [(16,56,4,6),(24,56,4,6),(32,28,6,6),(48,28,6,6),(64,14,8,6),(96,14,8,6),(128,14,6,6),(160,7,8,6),(192,7,8,6),
        (256,7,6,6),(320,7,6,6),(320,7,10,6),(32,56,4,4),(64,28,4,4),(96,28,4,4),(128,28,4,4),(160,14,8,4),(256,14,6,4),
        (384,7,6,4),(512,7,4,4),(16,112,2,4),(24,112,3,4),(48,56,4,6),(112,14,12,6)]
for C,H,L,t in cfgs:
    onnx.save(net(C,H,L,t), f"{out}/ir_c{C}_h{H}_l{L}_t{t}.onnx")
print(len(cfgs))
