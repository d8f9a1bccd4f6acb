#!/usr/bin/python3
"""Two synthetic graphs, Conv(x) + Conv(x) -> Add -> Relu, 16 channels, 1x1 kernels, in 1-D ([1, 16, 25])
and 2-D ([1, 16, 25, 25]) (helper tinyfix, 2026-12-07): ONNX Runtime 1.30's optimized graphs
(tools/ort/optimized.js --levels all --threads 1) keep the 1-D one as Conv, Conv, Add, Relu and make
the 2-D one two nchwc Conv, 'Conv[Relu] <- Conv+Add+Relu'.

    /usr/bin/python3 residual_1d_2d.py OUTDIR
"""
import os, sys
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
def model(nd, path):
    C=16; L=25
    xs=[1,C,L] if nd==1 else [1,C,L,L]
    k=[1]*nd
    rng=np.random.default_rng(1)
    inits=[]
    for nm in ("wa","wb"):
        inits.append(numpy_helper.from_array((rng.standard_normal([C,C]+k)/4).astype(np.float32), nm))
        inits.append(numpy_helper.from_array(np.zeros([C],np.float32)+0.1, nm+"_b"))
    nodes=[helper.make_node("Conv",["x","wa","wa_b"],["a"],name="conv_a",kernel_shape=k),
           helper.make_node("Conv",["x","wb","wb_b"],["b"],name="conv_b",kernel_shape=k),
           helper.make_node("Add",["a","b"],["s"],name="add"),
           helper.make_node("Relu",["s"],["y"],name="relu")]
    g=helper.make_graph(nodes,"res%dd"%nd,[helper.make_tensor_value_info("x",TensorProto.FLOAT,xs)],
                        [helper.make_tensor_value_info("y",TensorProto.FLOAT,xs)],inits)
    m=helper.make_model(g,opset_imports=[helper.make_opsetid("",13)]); m.ir_version=7
    onnx.checker.check_model(m); onnx.save(m,path)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
model(1, os.path.join(out, "res1d.onnx")); model(2, os.path.join(out, "res2d.onnx"))
