#!/usr/bin/python3
"""Synthetic chains of large-weight convolutions and each of their layers alone (issue 12, helper
convflush): does a lone convolution with 64 MiB or with 256 MiB written before every run take its
time inside a chain of such layers? Time them with `node tools/ort/conv_flush.js OUTDIR`.

    /usr/bin/python3 tools/ort/conv_flush_chains.py OUTDIR

Every layer is a Conv (bias, pads keeping the size) followed by a Relu, as in VGG/SSD (ONNX Runtime
fuses the pair into one FusedConv kernel, the same in the chain and alone). Writes
OUTDIR/models/<chain>.onnx, OUTDIR/models/<chain>_L<i>.onnx (layer i alone, its own random weights
of the same shape) and OUTDIR/plan.csv (chain,layer,model,in_c,out_c,hw,kernel,dilation,weights_mb,gflop;
layer -1: the chain).
"""
import csv, os, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# chain name, [(in_c, out_c, kernel, dilation)], spatial size (kept through the chain)
CHAINS = [
    # SSD300's VGG-16 conv5_1..3 (19x19 after pool5 of stride 1), fc6 (dilation 6) and fc7
    ("ssd_conv5_fc", [(512, 512, 3, 1)] * 3 + [(512, 1024, 3, 6), (1024, 1024, 1, 1)], 19),
    # SSD300's conv4_2..3 (38x38) after conv4_1
    ("vgg_conv4_38", [(256, 512, 3, 1), (512, 512, 3, 1), (512, 512, 3, 1)], 38),
    # the sweep's large-weight census convolutions: 3x3 of 500-1400 channels at 7-17
    ("c3_768_14", [(768, 768, 3, 1)] * 3, 14),
    ("c3_1024_7", [(1024, 1024, 3, 1)] * 3, 7),
    # 1x1 of large weights at a small size: the least compute per weight byte
    ("c1_2048_7", [(2048, 2048, 1, 1)] * 3, 7),
]


def layer_nodes(i, cin, cout, k, d, prev, last, rng, inits):
    w = (rng.standard_normal((cout, cin, k, k)) * (2.0 / (cin * k * k)) ** 0.5).astype(np.float32)
    b = (rng.standard_normal((cout,)) * 0.01).astype(np.float32)
    inits += [numpy_helper.from_array(w, "w%d" % i), numpy_helper.from_array(b, "b%d" % i)]
    p = d * (k // 2)
    out = "y" if last else "r%d" % i
    return [helper.make_node("Conv", [prev, "w%d" % i, "b%d" % i], ["c%d" % i], name="conv%d" % i,
                             kernel_shape=[k, k], pads=[p] * 4, dilations=[d, d]),
            helper.make_node("Relu", ["c%d" % i], [out], name="relu%d" % i)], out


def model(name, layers, hw, seed):
    rng = np.random.default_rng(seed)
    nodes, inits, prev = [], [], "x"
    for i, (cin, cout, k, d) in enumerate(layers):
        ns, prev = layer_nodes(i, cin, cout, k, d, prev, i == len(layers) - 1, rng, inits)
        nodes += ns
    g = helper.make_graph(nodes, name,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, layers[0][0], hw, hw])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, layers[-1][1], hw, hw])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="tools/ort/conv_flush_chains.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main(argv):
    if len(argv) != 1 or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    out = argv[0]
    os.makedirs(os.path.join(out, "models"), exist_ok=True)
    rows = []
    for c, (name, layers, hw) in enumerate(CHAINS):
        rel = "models/%s.onnx" % name
        onnx.save(model(name, layers, hw, 100 * c), os.path.join(out, rel))
        wmb = sum(co * ci * k * k * 4 for ci, co, k, d in layers) / 1e6
        gf = sum(2 * co * ci * k * k * hw * hw for ci, co, k, d in layers) / 1e9
        rows.append(dict(chain=name, layer=-1, model=rel, in_c=layers[0][0], out_c=layers[-1][1], hw=hw, kernel="",
                         dilation="", weights_mb="%.2f" % wmb, gflop="%.3f" % gf))
        for i, (ci, co, k, d) in enumerate(layers):
            rel = "models/%s_L%d.onnx" % (name, i)
            onnx.save(model("%s_L%d" % (name, i), [(ci, co, k, d)], hw, 100 * c + 1 + i), os.path.join(out, rel))
            rows.append(dict(chain=name, layer=i, model=rel, in_c=ci, out_c=co, hw=hw, kernel=k, dilation=d,
                             weights_mb="%.2f" % (co * ci * k * k * 4 / 1e6), gflop="%.3f" % (2 * co * ci * k * k * hw * hw / 1e9)))
    with open(os.path.join(out, "plan.csv"), "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        wr.writeheader()
        wr.writerows(rows)
    print("conv_flush_chains.py: wrote %d models to %s" % (len(rows), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
