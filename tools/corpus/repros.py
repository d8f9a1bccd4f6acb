#!/usr/bin/python3
"""Write the minimal reproductions of the corpus failures (models/third-party/repro/*.onnx).

    /usr/bin/python3 tools/corpus/repros.py

Each model is a few hand-built nodes (onnx.helper; no weights) showing one cause seen on the
third-party corpus (models/third-party/STATUS.md names the corpus models per cause). ONNX Runtime
(onnxruntime-node 1.30) runs every one of them except no_opset_import, which it rejects too.
Deterministic; idempotent.
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "models", "third-party", "repro")


def model(name, nodes, inputs, outputs, inits=(), opset=13, extra_opsets=(), ir=8):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset)] if opset else []
    opsets += [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(g, opset_imports=opsets, producer_name="odonata tools/corpus/repros.py")
    m.ir_version = ir
    return m


def vi(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


def if_on_input():
    """Silero VAD: an If on a scalar graph input (sr == 16000) whose branches give different
    shapes; the output shape is only known once the value of sr is."""
    then_g = helper.make_graph([helper.make_node("Identity", ["x"], ["t"])], "then", [],
                               [vi("t", TensorProto.FLOAT, [1, 4])])
    else_g = helper.make_graph([helper.make_node("Concat", ["x", "x"], ["e"], axis=1)], "else", [],
                               [vi("e", TensorProto.FLOAT, [1, 8])])
    nodes = [
        helper.make_node("Equal", ["sr", "k16000"], ["is16k"]),
        helper.make_node("If", ["is16k"], ["y"], then_branch=then_g, else_branch=else_g),
        helper.make_node("Relu", ["y"], ["z"]),
    ]
    return model("if_on_input", nodes, [vi("x", TensorProto.FLOAT, [1, 4]), vi("sr", TensorProto.INT64, [])],
                 [vi("z", TensorProto.FLOAT, None)],
                 inits=[numpy_helper.from_array(np.array(16000, dtype=np.int64), "k16000")])


def split_num_outputs_opset18():
    """PyTorch 2.9 (dynamo) at opset 18: Split with the num_outputs attribute (new in opset 18)."""
    nodes = [helper.make_node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2),
             helper.make_node("Mul", ["a", "b"], ["y"])]
    return model("split_num_outputs_opset18", nodes, [vi("x", TensorProto.FLOAT, [1, 256])],
                 [vi("y", TensorProto.FLOAT, [1, 128])], opset=18, ir=8)


def resize_antialias_opset18():
    """onnxruntime-extensions pre-processing at opset 18: Resize with antialias (new in 18)."""
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear", antialias=1)]
    return model("resize_antialias_opset18", nodes, [vi("x", TensorProto.FLOAT, [1, 3, 64, 64])],
                 [vi("y", TensorProto.FLOAT, [1, 3, 32, 32])],
                 inits=[numpy_helper.from_array(np.array([1, 1, 0.5, 0.5], dtype=np.float32), "scales")],
                 opset=18)


def dropout_mask_opset9():
    """onnx-caffe2 (ONNX model zoo, opset 9): Dropout with its optional mask output declared but
    unused; ONNX 1.12 infers no shape for the mask."""
    nodes = [helper.make_node("Dropout", ["x"], ["y", "mask"], ratio=0.5),
             helper.make_node("Relu", ["y"], ["z"])]
    return model("dropout_mask_opset9", nodes, [vi("x", TensorProto.FLOAT, [1, 16])],
                 [vi("z", TensorProto.FLOAT, [1, 16])], opset=9, ir=4)


def onehot_depth_rank1():
    """tf2onnx (Magika v2): OneHot whose depth is a rank-1 tensor of one element ([257]), which
    the ONNX spec allows (scalar or rank 1 with one element)."""
    nodes = [helper.make_node("OneHot", ["idx", "depth", "values"], ["oh"], axis=-1),
             helper.make_node("ReduceMean", ["oh"], ["s"], axes=[1], keepdims=0)]
    return model("onehot_depth_rank1", nodes, [vi("idx", TensorProto.INT32, [1, 64])],
                 [vi("s", TensorProto.FLOAT, [1, 257])],
                 inits=[numpy_helper.from_array(np.array([257], dtype=np.int32), "depth"),
                        numpy_helper.from_array(np.array([0, 1], dtype=np.float32), "values")])


def no_opset_import():
    """PyTorch 0.2 (onnx/tutorials super_resolution.onnx): IR 3 and no opset_import at all.
    ONNX Runtime rejects it ("Missing opset in the model"); a clear error is the expected result."""
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    return model("no_opset_import", nodes, [vi("x", TensorProto.FLOAT, [1, 4])],
                 [vi("y", TensorProto.FLOAT, [1, 4])], opset=None, ir=3)


def com_microsoft_fusedconv():
    """ONNX Runtime's saved optimized graph: com.microsoft FusedConv (Conv + activation) followed
    by ONNX ops; the contrib op has no shape function in ONNX, so everything after it is unknown."""
    w = numpy_helper.from_array(np.zeros((8, 3, 3, 3), dtype=np.float32), "w")
    b = numpy_helper.from_array(np.zeros((8,), dtype=np.float32), "b")
    nodes = [helper.make_node("FusedConv", ["x", "w", "b"], ["c"], domain="com.microsoft", activation="Relu",
                              kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("GlobalAveragePool", ["c"], ["y"])]
    return model("com_microsoft_fusedconv", nodes, [vi("x", TensorProto.FLOAT, [1, 3, 32, 32])],
                 [vi("y", TensorProto.FLOAT, [1, 8, 1, 1])], inits=[w, b],
                 extra_opsets=[("com.microsoft", 1)])


def com_microsoft_qlinear():
    """The ONNX quantizer's QOperator format: com.microsoft QLinearConcat (whose first input is a
    scale, not a tensor) and QLinearSoftmax before an ONNX DequantizeLinear whose output has a
    value_info: guessing a contrib op's output from its first input makes it a scalar."""
    def s(name, v, dt=np.float32):
        return numpy_helper.from_array(np.array(v, dtype=dt), name)
    inits = [s("xs", 0.02), s("xz", 128, np.uint8), s("ys", 0.04), s("yz", 128, np.uint8),
             s("ps", 1.0 / 256), s("pz", 0, np.uint8)]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearConcat", ["ys", "yz", "xq", "xs", "xz", "xq", "xs", "xz"], ["cq"], axis=1,
                         domain="com.microsoft"),
        helper.make_node("QLinearSoftmax", ["cq", "ys", "yz", "ps", "pz"], ["pq"], axis=-1, opset=13,
                         domain="com.microsoft"),
        helper.make_node("DequantizeLinear", ["pq", "ps", "pz"], ["y"]),
    ]
    m = model("com_microsoft_qlinear", nodes, [vi("x", TensorProto.FLOAT, [1, 8, 2])],
              [vi("y", TensorProto.FLOAT, [1, 16, 2])], inits=inits, extra_opsets=[("com.microsoft", 1)])
    return m


def layernorm_opset9():
    """ONNX Runtime's saved graph of an opset-9 model (PP-OCRv4 rec): its LayerNormalization fusion
    is written in the ONNX domain although the model imports opset 9 (the op exists from 17)."""
    c = 16
    inits = [numpy_helper.from_array(np.ones(c, dtype=np.float32), "g"),
             numpy_helper.from_array(np.zeros(c, dtype=np.float32), "b")]
    nodes = [helper.make_node("LayerNormalization", ["x", "g", "b"], ["n"], axis=-1, epsilon=1e-5),
             helper.make_node("MatMul", ["n", "w"], ["y"])]
    inits.append(numpy_helper.from_array(np.zeros((c, 8), dtype=np.float32), "w"))
    return model("layernorm_opset9", nodes, [vi("x", TensorProto.FLOAT, [1, 40, c])],
                 [vi("y", TensorProto.FLOAT, [1, 40, 8])], inits=inits, opset=9, ir=5)


def dynamic_quantize_lstm():
    """quantize_dynamic on an LSTM: com.microsoft DynamicQuantizeLSTM (int8 weights) between ONNX
    ops; its outputs are unknown to ONNX's shape inference."""
    hidden, inp = 4, 3
    def i8(name, shape):
        return numpy_helper.from_array(np.zeros(shape, dtype=np.int8), name)
    def f(name, v, dt=np.float32):
        return numpy_helper.from_array(np.array(v, dtype=dt), name)
    inits = [i8("W", (1, inp, 4 * hidden)), i8("R", (1, hidden, 4 * hidden)),
             f("B", np.zeros((1, 8 * hidden))), f("ws", [0.01]), f("rs", [0.01]),
             numpy_helper.from_array(np.zeros((1,), dtype=np.int8), "wz"),
             numpy_helper.from_array(np.zeros((1,), dtype=np.int8), "rz")]
    nodes = [helper.make_node("DynamicQuantizeLSTM",
                              ["x", "W", "R", "B", "", "", "", "", "ws", "wz", "rs", "rz"], ["Y"],
                              domain="com.microsoft", hidden_size=hidden),
             helper.make_node("Squeeze", ["Y", "axes"], ["s"]),
             helper.make_node("Transpose", ["s"], ["y"], perm=[1, 0, 2])]
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axes"))
    return model("dynamic_quantize_lstm", nodes, [vi("x", TensorProto.FLOAT, [5, 1, inp])],
                 [vi("y", TensorProto.FLOAT, [1, 5, hidden])], inits=inits, extra_opsets=[("com.microsoft", 1)])


REPROS = [if_on_input, split_num_outputs_opset18, resize_antialias_opset18, dropout_mask_opset9,
          onehot_depth_rank1, no_opset_import, com_microsoft_fusedconv, com_microsoft_qlinear,
          dynamic_quantize_lstm, layernorm_opset9]


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in REPROS:
        m = f()
        path = os.path.join(OUT, f.__name__ + ".onnx")
        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(m.SerializeToString())
        os.replace(tmp, path)
        print(path)


if __name__ == "__main__":
    main()
