#!/usr/bin/python3
"""Synthetic small networks of many tiny layers for the cache-state experiment of issue 12 (helper smallnet,
2026-12-07; calibration-side: no validation network is timed or fitted).

The 42 chains of step `cache` (ir_chains.py, se_chains.py, hires_chains.py) tie depth to layer size: a chain with
a large sum of activations has large layers (the IR chains at 56-112 px, the high-resolution chains at 160-320
px), and the chains whose layers are tiny are shallow (the SE chains: 1-3 MiB of activations). None looks like a
small mobile network: a stem at 112 px, then a few hundred layers of 24-512 channels at 7-28 px, each layer's
input + output + weights 10-400 KiB, summed activations 4-20 MiB, weights 1-12 MB, most of them in a 1x1 head
and a classifier. These are such networks, in two generic block families (the blocks are ShuffleNetV2's and
MobileNetV3's published units; widths, depths and resolutions are a grid that is none of the suite's networks):

  su  stem 3x3 s2 convolution 3 -> 24 + Relu, 3x3 s2 MaxPool; three stages of channel-split units (Slice in
      halves, 1x1 + Relu, 3x3 depthwise, 1x1 + Relu on one half, Concat, channel shuffle Reshape-Transpose-
      Reshape), the first unit of a stage a stride-2 unit with both branches; 1x1 head to HEAD channels + Relu,
      GlobalAveragePool, Flatten, Gemm HEAD -> 1000.
  mv  stem 3x3 s2 convolution 3 -> 16 + HardSwish; stages of inverted residuals (1x1 expand + HardSwish,
      KxK depthwise + HardSwish, squeeze-excite in the stages marked so, 1x1 project, residual Add when the
      shapes allow), the first block of a stage stride 2; 1x1 head to 6C + HardSwish, GlobalAveragePool,
      Flatten, Gemm -> HEAD + HardSwish, Gemm HEAD -> 1000.

Name: sm_<family>_<name>.onnx (CONFIGS). Input 1x3xRxR, opset 14, float32, the same bytes on every run.

    /usr/bin/python3 tools/ort/small_chains.py OUTDIR

Time them as the other chains: `node tools/ort/cache_state.js --out FILE.csv OUTDIR/*.onnx`.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# su: (name, resolution, stage widths, units per stage, head channels)
# mv: (name, resolution, [(channels, expand, kernel, blocks, squeeze-excite)] per stage after the stem, head F)
# A grid around the small-network regime (summed activations 3-25 MiB; weights 1-12 MB; a layer's footprint
# 20-500 KiB), with pairs that differ in width at the same depth (the per-layer working set doubles, the layer
# count stays) and in depth at the same width (the sum grows, each layer stays).
SU = [
    ("w32_d1", 224, (32, 64, 128), (3, 6, 3), 512),
    ("w32_d2", 224, (32, 64, 128), (6, 12, 6), 512),
    ("w64_d1", 224, (64, 128, 256), (3, 6, 3), 1024),
    ("w64_d2", 224, (64, 128, 256), (6, 12, 6), 1024),
    ("w128_d1", 224, (128, 256, 512), (3, 6, 3), 1024),
    ("w64_d1_r160", 160, (64, 128, 256), (3, 6, 3), 1024),
]
MV = [
    ("w1_d1", 224, [(16, 3, 3, 1, True), (24, 4, 3, 2, False), (40, 4, 5, 2, True), (56, 6, 5, 2, True),
                    (88, 6, 5, 2, True)], 1024),
    ("w1_d2", 224, [(16, 3, 3, 2, True), (24, 4, 3, 4, False), (40, 4, 5, 4, True), (56, 6, 5, 4, True),
                    (88, 6, 5, 4, True)], 1024),
    ("w2_d1", 224, [(32, 3, 3, 1, True), (48, 4, 3, 2, False), (80, 4, 5, 2, True), (112, 6, 5, 2, True),
                    (176, 6, 5, 2, True)], 512),
    ("w1_d1_r160", 160, [(16, 3, 3, 1, True), (24, 4, 3, 2, False), (40, 4, 5, 2, True), (56, 6, 5, 2, True),
                         (88, 6, 5, 2, True)], 1024),
]


class Graph:
    def __init__(self, rng):
        self.rng, self.nodes, self.inits, self.k = rng, [], [], 0

    def name(self, prefix):
        self.k += 1
        return f"{prefix}{self.k}"

    def const(self, values, dtype=np.int64):
        n = self.name("k")
        self.inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), n))
        return n

    def node(self, op, inputs, **attrs):
        y = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [y], **attrs))
        return y

    def conv(self, x, ci, co, ks, stride=1, group=1, act=None):
        w = (self.rng.standard_normal((co, ci // group, ks, ks)) * 0.05).astype(np.float32)
        b = (self.rng.standard_normal((co,)) * 0.05).astype(np.float32)
        wn, bn = self.name("w"), self.name("b")
        self.inits.extend([numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)])
        y = self.node("Conv", [x, wn, bn], kernel_shape=[ks, ks], pads=[ks // 2] * 4, strides=[stride, stride],
                      group=group)
        return self.node(act, [y]) if act else y

    def gemm(self, x, ci, co, act=None):
        w = (self.rng.standard_normal((co, ci)) * 0.05).astype(np.float32)
        b = (self.rng.standard_normal((co,)) * 0.05).astype(np.float32)
        wn, bn = self.name("w"), self.name("b")
        self.inits.extend([numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)])
        y = self.node("Gemm", [x, wn, bn], transB=1)
        return self.node(act, [y]) if act else y

    def classifier(self, x, c, hidden, act):
        p = self.node("GlobalAveragePool", [x])
        f = self.node("Flatten", [p], axis=1)
        if hidden:
            f = self.gemm(f, c, hidden, act)
            c = hidden
        return self.gemm(f, c, 1000)

    def model(self, R, out):
        g = helper.make_graph(self.nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, R, R])],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 1000])], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
        m.ir_version = 8
        return m


def shuffle_net(R, widths, units, head, rng):
    g = Graph(rng)
    x = g.conv("x", 3, 24, 3, stride=2, act="Relu")
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    c, h = 24, R // 4
    for w, n in zip(widths, units):
        half = w // 2
        for u in range(n):
            if u == 0:  # stride 2: both branches see the whole input
                h = (h + 1) // 2
                b1 = g.conv(g.conv(x, c, c, 3, stride=2, group=c), c, half, 1, act="Relu")
                b2 = g.conv(x, c, half, 1, act="Relu")
            else:
                b1 = g.node("Slice", [x, g.const([0]), g.const([half]), g.const([1])])
                b2 = g.node("Slice", [x, g.const([half]), g.const([w]), g.const([1])])
                b2 = g.conv(b2, half, half, 1, act="Relu")
            b2 = g.conv(b2, half, half, 3, stride=2 if u == 0 else 1, group=half)
            b2 = g.conv(b2, half, half, 1, act="Relu")
            y = g.node("Concat", [b1, b2], axis=1)
            y = g.node("Reshape", [y, g.const([1, 2, half, h, h])])
            y = g.node("Transpose", [y], perm=[0, 2, 1, 3, 4])
            x = g.node("Reshape", [y, g.const([1, w, h, h])])
            c = w
    x = g.conv(x, c, head, 1, act="Relu")
    return g.model(R, g.classifier(x, head, 0, None))


def mobile_net(R, stages, head, rng):
    g = Graph(rng)
    x = g.conv("x", 3, 16, 3, stride=2, act="HardSwish")
    c = 16
    for co, t, k, n, se in stages:
        for b in range(n):
            stride = 2 if b == 0 else 1
            e = c * t
            y = g.conv(x, c, e, 1, act="HardSwish")
            y = g.conv(y, e, e, k, stride=stride, group=e, act="HardSwish")
            if se:
                s = g.node("GlobalAveragePool", [y])
                s = g.conv(s, e, max(8, e // 4), 1, act="Relu")
                s = g.conv(s, max(8, e // 4), e, 1, act="HardSigmoid")
                y = g.node("Mul", [y, s])
            y = g.conv(y, e, co, 1)
            x = g.node("Add", [x, y]) if stride == 1 and c == co else y
            c = co
    x = g.conv(x, c, 6 * c, 1, act="HardSwish")
    return g.model(R, g.classifier(x, 6 * c, head, "HardSwish"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 tools/ort/small_chains.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(17)
    for name, R, widths, units, head in SU:
        onnx.save(shuffle_net(R, widths, units, head, rng), f"{out}/sm_su_{name}.onnx")
    for name, R, stages, head in MV:
        onnx.save(mobile_net(R, stages, head, rng), f"{out}/sm_mv_{name}.onnx")
    print(len(SU) + len(MV))


if __name__ == "__main__":
    main()
