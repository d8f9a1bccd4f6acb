#!/usr/bin/python3
"""Synthetic high-resolution, few-channel chains for the cache-state experiment of issue 12
(calibration-side: no validation network is used; the blocks are generic, their sizes a grid).

The 34 chains of ir_chains.py and se_chains.py tie a network's summed activations to its layers'
working sets (deep chains are also wide); these separate the two: deep chains of small layers
(a large sum of outputs, each layer's input + output + weights a few MiB) and shallow chains of
large layers (a small sum, one depthwise block of 12-25 MiB), 160-320 px, 8-64 channels. Blocks (Relu after
each convolution, no residual):
  c3  3x3 convolution C -> C
  c1  two 1x1 convolutions C -> 2C -> C (not in CONFIGS: no warm saving in the estimate)
  dw  3x3 depthwise convolution, then 1x1 C -> C (a depthwise-separable block)

    /usr/bin/python3 tools/ort/hires_chains.py OUTDIR

Writes OUTDIR/hr_<block>_c<C>_h<H>_l<L>.onnx (opset 13, float32, the same bytes on every run).
Time them as ir_chains.py's: `node tools/ort/cache_state.js --out FILE.csv OUTDIR/*.onnx`.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# (block, channels, resolution, blocks): deep chains of small layers, then shallow chains of large
# layers, then two small shallow ones. Only chains whose estimate has a warm saving (run 25's profile:
# 3-20% of the cold estimate) inform h; six more (c1 16x224x8, 8x320x8, 48x224x1, 32x320x1; c3 8x320x6,
# 32x160x1) had none (their convolutions' warm models equal the cold ones at these dims) and were
# dropped before any of them was scored (helper share, 2026-12-07 16:55 UTC).
CONFIGS = [
    ("c3", 8, 160, 16), ("dw", 16, 160, 12), ("dw", 8, 320, 10), ("dw", 32, 160, 8),
    ("dw", 64, 160, 1), ("dw", 32, 320, 1),
    ("c3", 8, 160, 2), ("dw", 16, 160, 2),
]


def net(block, C, H, L, rng):
    nodes, inits = [], []
    k = 0

    def conv(x, ci, co, ks, g):
        nonlocal k
        w = (rng.standard_normal((co, ci // g, ks, ks)) * 0.05).astype(np.float32)
        b = (rng.standard_normal((co,)) * 0.05).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")])
        y = f"c{k}"
        nodes.append(helper.make_node("Conv", [x, f"w{k}", f"b{k}"], [y], kernel_shape=[ks, ks],
                                      pads=[ks // 2] * 4, group=g))
        nodes.append(helper.make_node("Relu", [y], [y + "r"]))
        k += 1
        return y + "r"

    prev = "x"
    for _ in range(L):
        if block == "c3":
            prev = conv(prev, C, C, 3, 1)
        elif block == "c1":
            prev = conv(conv(prev, C, 2 * C, 1, 1), 2 * C, C, 1, 1)
        else:
            prev = conv(conv(prev, C, C, 3, C), C, C, 1, 1)
    g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, H, H])],
                          [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, C, H, H])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 tools/ort/hires_chains.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(13)
    for block, C, H, L in CONFIGS:
        onnx.save(net(block, C, H, L, rng), f"{out}/hr_{block}_c{C}_h{H}_l{L}.onnx")
    print(len(CONFIGS))


if __name__ == "__main__":
    main()
