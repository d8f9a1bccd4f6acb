#!/usr/bin/python3
"""Chains of K shape-keeping Conv+Relu layers (K = 1, 2, 8) of 16 small configurations, for the
unprofiled per-layer cost of small convolutions (issue 12, cache state): time them with
`node tools/ort/dispatch.js --chains OUTDIR` and take (run(8) - run(1)) / 7 per layer.

    /usr/bin/python3 tools/ort/conv_chains.py OUTDIR
"""
import csv, os, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
out = sys.argv[1]
os.makedirs(out + "/models", exist_ok=True)
# name, C, H, k, group
CFG = [("c3_16_28", 16, 28, 3, 1), ("c3_32_14", 32, 14, 3, 1), ("c3_8_28", 8, 28, 3, 1), ("c3_64_7", 64, 7, 3, 1),
       ("c1_64_14", 64, 14, 1, 1), ("c1_128_7", 128, 7, 1, 1), ("c1_24_56", 24, 56, 1, 1), ("c1_48_28", 48, 28, 1, 1),
       ("c1_256_7", 256, 7, 1, 1), ("c1_40_28", 40, 28, 1, 1),
       ("dw3_96_28", 96, 28, 3, 96), ("dw3_144_14", 144, 14, 3, 144), ("dw5_240_7", 240, 7, 5, 240),
       ("dw3_32_56", 32, 56, 3, 32), ("dw3_58_14", 58, 14, 3, 58), ("dw3_16_112", 16, 112, 3, 16)]
KS = [1, 2, 8]
rng = np.random.default_rng(1)
rows = []
for name, C, H, k, g in CFG:
    for K in KS:
        nodes, inits = [], []
        prev = "x"
        for i in range(K):
            w = rng.standard_normal((C, C // g, k, k)).astype(np.float32) * 0.1
            b = rng.standard_normal((C,)).astype(np.float32) * 0.1
            inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
            nodes.append(helper.make_node("Conv", [prev, f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[k, k],
                                          pads=[k // 2] * 4, group=g))
            o = "y" if i == K - 1 else f"r{i}"
            nodes.append(helper.make_node("Relu", [f"c{i}"], [o]))
            prev = o
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, H, H])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, C, H, H])], inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        f = f"models/{name}_{K}.onnx"
        onnx.save(m, os.path.join(out, f))
        rows.append({"op": name, "nodes": 2 * K, "elements": C * H * H, "model": f})
with open(os.path.join(out, "plan.csv"), "w", newline="") as fh:
    wr = csv.DictWriter(fh, fieldnames=["op", "nodes", "elements", "model"]); wr.writeheader(); wr.writerows(rows)
print(len(rows), "models")
