#!/usr/bin/python3
"""Synthetic pool models of data/host-ort-cpu/diagnosis/incep (calibration side: no suite network).
   gen_pool_models.py OUTDIR
{max,avg,gap}_alone.onnx: the pool alone (graph input -> pool); {max,avg,gap}_chain.onnx: 3x3 Conv + Relu
-> pool -> 1x1 Conv. Shapes jittered off Inception v3's: MaxPool 3x3/2 on 64 ch at 144x144, AveragePool
3x3/1 pad 1 count_include_pad on 256 ch at 33x33, GlobalAveragePool on 1344 ch at 7x7.
gapse_{1344,336}_{alone,conv1}.onnx: an SE-like GlobalAveragePool -> 1x1 Conv (C -> C/4), alone or after a
1x1 Conv + Relu (RegNetY-like stages: 1344 ch at 7x7, 336 ch at 14x14)."""
import os, sys
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def conv(rng, name, x, cin, cout, k, out_name, pad):
    w = nh.from_array((rng.standard_normal((cout, cin, k, k)) * 0.05).astype(np.float32), name + "_w")
    b = nh.from_array(np.zeros(cout, np.float32), name + "_b")
    return [h.make_node("Conv", [x, name + "_w", name + "_b"], [out_name], kernel_shape=[k, k], pads=[pad] * 4, name=name)], [w, b]


def save(nodes, inits, C, H, out_name, out_shape, fname):
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, [1, C, H, H])],
                     [h.make_tensor_value_info(out_name, T.FLOAT, out_shape)], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, fname))


rng = np.random.default_rng(3)
for kind, C, H in [("max", 64, 144), ("avg", 256, 33), ("gap", 1344, 7)]:
    for with_conv in (False, True):
        nodes, inits, x = [], [], "x"
        if with_conv:
            n, i = conv(rng, "c0", "x", C, C, 3, "c0o", 1)
            nodes += n; inits += i
            nodes.append(h.make_node("Relu", ["c0o"], ["r0"], name="relu0")); x = "r0"
        if kind == "max":
            nodes.append(h.make_node("MaxPool", [x], ["p"], kernel_shape=[3, 3], strides=[2, 2], name="pool")); Ho = (H - 3) // 2 + 1
        elif kind == "avg":
            nodes.append(h.make_node("AveragePool", [x], ["p"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
                                     count_include_pad=1, name="pool")); Ho = H
        else:
            nodes.append(h.make_node("GlobalAveragePool", [x], ["p"], name="pool")); Ho = 1
        o = "p"
        if with_conv:
            n, i = conv(rng, "c1", "p", C, C, 1, "y", 0)
            nodes += n; inits += i; o = "y"
        save(nodes, inits, C, H, o, [1, C, Ho, Ho], f"{kind}_{'chain' if with_conv else 'alone'}.onnx")

rng = np.random.default_rng(5)
for C, H in [(1344, 7), (336, 14)]:
    for pre in ("alone", "conv1"):
        nodes, inits, x = [], [], "x"
        if pre == "conv1":
            n, i = conv(rng, "c0", "x", C, C, 1, "c0o", 0)
            nodes += n; inits += i
            nodes.append(h.make_node("Relu", ["c0o"], ["r0"], name="relu0")); x = "r0"
        nodes.append(h.make_node("GlobalAveragePool", [x], ["p"], name="pool"))
        n, i = conv(rng, "c1", "p", C, C // 4, 1, "y", 0)
        nodes += n; inits += i
        save(nodes, inits, C, H, "y", [1, C // 4, 1, 1], f"gapse_{C}_{pre}.onnx")
