#!/usr/bin/python3
"""int8 QDQ cache chains (issue 12; helper int8net, 2026-12-07): calibration-side networks of quantized
convolutions, timed whole warm and cold as the fp32 cache chains are, so that the cache share is fitted on the
int8 classes (conv_int8, dwconv_int8) too.

    /usr/bin/python3 tools/ort/int8_chains.py OUTDIR        write the chains (OUTDIR/q8_*.onnx)
    /usr/bin/python3 tools/ort/int8_chains.py --selftest    (ctest int8_chains_selftest)

The blocks are generic and their sizes a grid; the kinds of layer are those of the int8 networks of the suite
(structure only, as the preamble allows: few channels at high resolution, 1x1 convolutions, depthwise 3x3, 1x1
heads of 1-10 outputs with a depthwise 3x3 on them, a 3-channel stride-2 first convolution); no timing of a
validation network is read. Each convolution is written as ONNX Runtime's quantizer writes it (quantize_static,
QDQ, U8S8, as odonata's int8 sweep rows are, src/onnx/writer.cc BuildQdqModel): uint8 activations (scale 0.02,
zero point 128), int8 weights with per-output-channel scales (zero point 0, axis 0), int32 bias of scale
x_scale x w_scale (axis 0), each through a DequantizeLinear, the Conv's output through a QuantizeLinear:

    x (float) -> Q -> [DQ(act), DQ(w), DQ(b) -> Conv -> Q]* -> DQ -> y (float)

ONNX Runtime 1.30 fuses each DQ -> Conv -> Q into a QLinearConv (channels last); odonata's QDQ rule
(data/host-ort-cpu/phase2/base.json) into a conv_int8 or dwconv_int8 layer. No Relu: the networks' QDQ export folds
it into the QuantizeLinear's range. Blocks (L of them):
  dw   1x1 C -> C, then depthwise 3x3 C                     (the inverted block without expansion)
  hd   a dw block, then a head on its output: 1x1 C -> N (N cycling 1, 4, 10), depthwise 3x3 N, each head a graph
       output (dequantized)
  c3   3x3 C -> C
  st   first a 3 -> C 3x3 stride-2 convolution from 2H x 2H, then L dw blocks at H

Writes OUTDIR/q8_<block>_c<C>_h<H>_l<L>.onnx (opset 13, the same bytes on every run). The one command writes them
into WORK/irchains beside the fp32 chains (step `cache`): `cache_state.js` times them and `odonata fit
--cache-chains` reads them with the others.
"""
import os
import sys

# (block, channels, resolution, blocks). Grid: 8-64 channels at 10-160 px (the int8 networks' layers run at
# 4-160 px with 1-256 channels); deep chains of small layers and shallow chains of larger ones, heads at 10-40 px.
CONFIGS = [
    ("dw", 16, 160, 2), ("dw", 16, 80, 6), ("dw", 32, 80, 4), ("dw", 64, 80, 2), ("dw", 64, 40, 6),
    ("dw", 64, 20, 10), ("hd", 64, 40, 3), ("hd", 64, 20, 4), ("hd", 64, 10, 6), ("c3", 16, 40, 6),
    ("c3", 8, 80, 4), ("st", 16, 160, 1),
]
HEADS = (1, 4, 10)
ACT_SCALE, ACT_ZERO = 0.02, 128


def model_name(block, c, h, l):
    return f"q8_{block}_c{c}_h{h}_l{l}.onnx"


def layer_plan(block, c, h, l):
    """The chain's convolutions in order: (cin, cout, kernel, group, stride, out_h). Pure: the selftest checks it."""
    layers = []
    if block == "st":
        layers.append((3, c, 3, 1, 2, h))
    heads = 0
    for _ in range(l):
        if block == "c3":
            layers.append((c, c, 3, 1, 1, h))
            continue
        layers.append((c, c, 1, 1, 1, h))
        layers.append((c, c, 3, c, 1, h))
        if block == "hd":
            n = HEADS[heads % len(HEADS)]
            heads += 1
            layers.append((c, n, 1, 1, 1, h))
            layers.append((n, n, 3, n, 1, h))
    return layers


def input_shape(block, c, h):
    return [1, 3, 2 * h, 2 * h] if block == "st" else [1, c, h, h]


def build(block, c, h, l, rng):
    """The QDQ chain as an onnx.ModelProto."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits, outputs = [], [], []
    inits.append(numpy_helper.from_array(np.array(ACT_SCALE, np.float32), "act_scale"))
    inits.append(numpy_helper.from_array(np.array(ACT_ZERO, np.uint8), "act_zero"))
    shape = input_shape(block, c, h)
    nodes.append(helper.make_node("QuantizeLinear", ["x", "act_scale", "act_zero"], ["q_in"], name="q_in"))
    trunk = "q_in"
    plan = layer_plan(block, c, h, l)
    k = 0

    def conv(x_q, cin, cout, ks, group, stride):
        nonlocal k
        w_scale = rng.uniform(0.002, 0.01, cout).astype(np.float32)
        w = np.floor(rng.uniform(-127, 128, (cout, cin // group, ks, ks))).astype(np.int8)
        b = rng.integers(-1000, 1000, cout).astype(np.int32)
        inits.extend([numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(w_scale, f"w{k}_scale"),
                      numpy_helper.from_array(np.zeros(cout, np.int8), f"w{k}_zero"),
                      numpy_helper.from_array(b, f"b{k}"),
                      numpy_helper.from_array((ACT_SCALE * w_scale).astype(np.float32), f"b{k}_scale"),
                      numpy_helper.from_array(np.zeros(cout, np.int32), f"b{k}_zero")])
        nodes.append(helper.make_node("DequantizeLinear", [x_q, "act_scale", "act_zero"], [f"x{k}_dq"], name=f"x{k}_dq"))
        nodes.append(helper.make_node("DequantizeLinear", [f"w{k}", f"w{k}_scale", f"w{k}_zero"], [f"w{k}_dq"],
                                      name=f"w{k}_dq", axis=0))
        nodes.append(helper.make_node("DequantizeLinear", [f"b{k}", f"b{k}_scale", f"b{k}_zero"], [f"b{k}_dq"],
                                      name=f"b{k}_dq", axis=0))
        nodes.append(helper.make_node("Conv", [f"x{k}_dq", f"w{k}_dq", f"b{k}_dq"], [f"conv{k}"], name=f"conv{k}",
                                      kernel_shape=[ks, ks], pads=[ks // 2] * 4, strides=[stride, stride],
                                      group=group))
        nodes.append(helper.make_node("QuantizeLinear", [f"conv{k}", "act_scale", "act_zero"], [f"conv{k}_q"],
                                      name=f"conv{k}_q"))
        k += 1
        return f"conv{k - 1}_q"

    def output(x_q, channels, res):
        y = f"y{len(outputs)}"
        nodes.append(helper.make_node("DequantizeLinear", [x_q, "act_scale", "act_zero"], [y], name=y))
        outputs.append(helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, channels, res, res]))

    i = 0
    while i < len(plan):
        cin, cout, ks, group, stride, res = plan[i]
        if block == "hd" and i % 4 == 2:  # a head: 1x1 C -> N, depthwise N, its own output
            head = conv(trunk, cin, cout, ks, group, stride)
            n_cin, n_cout, n_ks, n_group, n_stride, _ = plan[i + 1]
            output(conv(head, n_cin, n_cout, n_ks, n_group, n_stride), n_cout, res)
            i += 2
            continue
        trunk = conv(trunk, cin, cout, ks, group, stride)
        i += 1
    output(trunk, c, h)
    g = helper.make_graph(nodes, "int8_chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                          outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def write(out):
    import numpy as np
    import onnx
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(8)
    for block, c, h, l in CONFIGS:
        onnx.save(build(block, c, h, l, rng), os.path.join(out, model_name(block, c, h, l)))
    return len(CONFIGS)


def selftest():
    # The layer plans, hand-counted.
    assert layer_plan("dw", 16, 80, 2) == [(16, 16, 1, 1, 1, 80), (16, 16, 3, 16, 1, 80)] * 2
    assert layer_plan("c3", 8, 40, 3) == [(8, 8, 3, 1, 1, 40)] * 3
    assert layer_plan("st", 16, 160, 1) == [(3, 16, 3, 1, 2, 160), (16, 16, 1, 1, 1, 160), (16, 16, 3, 16, 1, 160)]
    hd = layer_plan("hd", 64, 20, 4)
    assert len(hd) == 16 and [x[1] for x in hd[2::4]] == [1, 4, 10, 1] and [x[3] for x in hd[3::4]] == [1, 4, 10, 1]
    assert len({model_name(*cfg) for cfg in CONFIGS}) == len(CONFIGS)
    try:
        import numpy as np
        import onnx
    except ImportError:
        print("int8_chains.py: selftest: plans ok; python3-onnx or numpy missing, models not checked")
        sys.exit(77)
    # A tiny chain: 2 dw blocks with heads of 1 and 4 outputs on 8 channels at 6 x 6 -> 8 convolutions,
    # each DQ(act), DQ(w), DQ(b) -> Conv -> Q, one Q of the input, one DQ per graph output (3: two heads, the trunk).
    from onnx import TensorProto, numpy_helper
    m = build("hd", 8, 6, 2, np.random.default_rng(0))
    onnx.checker.check_model(m, full_check=True)
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("Conv") == 8, ops
    assert ops.count("QuantizeLinear") == 1 + 8 and ops.count("DequantizeLinear") == 3 * 8 + 3, ops
    assert len(ops) == 8 + 9 + 27 and len(m.graph.output) == 3
    assert [o.type.tensor_type.shape.dim[1].dim_value for o in m.graph.output] == [1, 4, 8]
    producer = {o: n for n in m.graph.node for o in n.output}
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for n in m.graph.node:
        if n.op_type != "Conv":
            continue
        x, w, b = (producer[i] for i in n.input)
        assert x.op_type == w.op_type == b.op_type == "DequantizeLinear", n.name
        assert producer[x.input[0]].op_type == "QuantizeLinear", n.name  # activations: quantized before
        wq, bq = inits[w.input[0]], inits[b.input[0]]
        assert wq.dtype == np.int8 and bq.dtype == np.int32 and inits[x.input[2]].dtype == np.uint8, n.name
        cout = wq.shape[0]
        assert inits[w.input[1]].shape == (cout,) and not inits[w.input[2]].any(), n.name  # per channel, zero 0
        assert np.allclose(inits[b.input[1]], 0.02 * inits[w.input[1]]), n.name  # bias scale x_scale x w_scale
        consumers = [c for c in m.graph.node if n.output[0] in c.input]
        assert [c.op_type for c in consumers] == ["QuantizeLinear"], n.name
    groups = [next(a.i for a in n.attribute if a.name == "group") for n in m.graph.node if n.op_type == "Conv"]
    assert groups == [1, 8, 1, 1, 1, 8, 1, 4], groups
    assert m.graph.input[0].type.tensor_type.elem_type == TensorProto.FLOAT
    # The first-convolution chain: 3 channels at 2H, stride 2.
    st = build("st", 8, 6, 1, np.random.default_rng(0))
    onnx.checker.check_model(st, full_check=True)
    assert [d.dim_value for d in st.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 12, 12]
    first = next(n for n in st.graph.node if n.op_type == "Conv")
    assert next(a.ints for a in first.attribute if a.name == "strides") == [2, 2]
    assert [d.dim_value for d in st.graph.output[0].type.tensor_type.shape.dim] == [1, 8, 6, 6]
    # Deterministic bytes.
    a = build("dw", 8, 6, 2, np.random.default_rng(8)).SerializeToString()
    assert a == build("dw", 8, 6, 2, np.random.default_rng(8)).SerializeToString()
    print("int8_chains.py: selftest ok")


def main():
    if sys.argv[1:] == ["--selftest"]:
        selftest()
        return
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: /usr/bin/python3 tools/ort/int8_chains.py OUTDIR | --selftest")
    print(write(sys.argv[1]))


if __name__ == "__main__":
    main()
