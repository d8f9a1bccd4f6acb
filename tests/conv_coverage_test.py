#!/usr/bin/python3
"""tools/ort/conv_coverage.py on a hand-made case (issue 12): three conv sweep rows and a model with one
layer equal to a row and one (1 -> 8 channels, 5x5, pad 2, 28x28: MNIST's first layer's structure) outside
them. Every expected value is computed by hand in the comments. Skipped (77) without python3-onnx.

    conv_coverage_test.py ODONATA PROJECT_SOURCE_DIR WORKDIR
"""
import csv
import io
import os
import subprocess
import sys

try:
    import onnx
    from onnx import TensorProto, helper
except ImportError:
    sys.exit(77)

odonata, src, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
sys.path.insert(0, os.path.join(src, "tools", "ort"))
import conv_coverage as cc  # noqa: E402

failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


# The features of the 1 -> 8, 5x5, pad 2, 28x28 layer. Taps per axis: output 0 reads 3 of 5 (2 in the
# padding), 1 reads 4, 2..25 read 5, 26 reads 4, 27 reads 3: 134 of 140; both axes 17956 of 19600.
f = cc.features(1, 1, [28, 28], 8, [28, 28], [5, 5], [1, 1], [1, 1], [2, 2], 1)
check("macs", f["macs"], 8 * 1 * 25 * 28 * 28)                     # 156800
check("valid_macs", f["valid_macs"], 8 * 17956)                     # macs / 19600 x 17956 = 143648
check("valid_permille", f["valid_permille"], 916)                   # 1000 x 17956 / 19600 = 916.1
check("weights", f["weights"], 8 * 25 + 8)                          # weights and bias: 208
check("spatial", f["spatial"], 784 * 25)
check("align", f["align"], 1)
check("align 48", cc.features(1, 48, [7, 7], 8, [7, 7], [1, 1], [1, 1], [1, 1], [0, 0], 1)["align"], 16)
# A 1-D convolution: no width (LayerDim gives 0 for the dims a 3-D tensor lacks).
f1 = cc.features(1, 1, [1536], 16, [25], [256], [64], [1], [0], 1)
check("1-D out_w", (f1["out_h"], f1["out_w"], f1["in_w"]), (25, 0, 0))

# Three rows (pad -1: same): R1 3 -> 16 at 32x32, R2 16 -> 16 at 28x28, R3 64 -> 64 at 14x14, all 3x3;
# a depthwise row, an int8 row and a Conv + Relu row (it prices the activation), which are not the class
# conv's rows, and a comment line.
sweeps = os.path.join(work, "sweeps.csv")
with open(sweeps, "w") as out:
    out.write("# a comment line, as run.js writes\n")
    out.write("op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w,"
              "precision,model,latency_ms\n")
    out.write("Conv,1,3,32,32,16,3,3,1,1,1,1,-1,-1,fp32,r1.onnx,0.1\n")
    out.write("Conv,1,16,28,28,16,3,3,1,1,1,1,-1,-1,fp32,r2.onnx,0.1\n")
    out.write("Conv,1,64,14,14,64,3,3,1,1,1,1,-1,-1,fp32,r3.onnx,0.1\n")
    out.write("Conv,1,1,8,8,1,9,9,1,1,1,1,-1,-1,int8,q.onnx,0.1\n")
    out.write("Conv,1,32,8,8,32,3,3,1,1,32,1,-1,-1,fp32,dw.onnx,0.1\n")
    out.write("DepthwiseConv,1,1,8,8,1,7,7,1,1,1,1,-1,-1,fp32,dw2.onnx,0.1\n")
    out.write("ConvRelu,1,1,8,8,1,7,7,1,1,1,1,-1,-1,fp32,relu.onnx,0.1\n")
rows = cc.sweep_rows(sweeps)
check("rows of the class conv", [r["model"] for r in rows], ["r1.onnx", "r2.onnx", "r3.onnx"])

# The model: layer "inside" is R2; layer "first" is the 1 -> 8 5x5 layer.
def weight(name, dims):
    n = 1
    for d in dims:
        n *= d
    return helper.make_tensor(name, TensorProto.FLOAT, dims, [0.01] * n)

graph = helper.make_graph(
    [helper.make_node("Conv", ["a", "wa", "ba"], ["ya"], name="inside", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
     helper.make_node("Conv", ["b", "wb", "bb"], ["yb"], name="first", kernel_shape=[5, 5], pads=[2, 2, 2, 2])],
    "g",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 16, 28, 28]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 1, 28, 28])],
    [helper.make_tensor_value_info("ya", TensorProto.FLOAT, [1, 16, 28, 28]),
     helper.make_tensor_value_info("yb", TensorProto.FLOAT, [1, 8, 28, 28])],
    [weight("wa", [16, 16, 3, 3]), weight("ba", [16]), weight("wb", [8, 1, 5, 5]), weight("bb", [8])])
model_path = os.path.join(work, "two.onnx")
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), model_path)

r = subprocess.run([sys.executable, os.path.join(src, "tools", "ort", "conv_coverage.py"), "--sweeps", sweeps,
                    "--odonata", odonata, model_path], capture_output=True, text=True)
check("exit status", r.returncode, 0)
listed = list(csv.DictReader(io.StringIO(r.stdout)))
check("listed layers", [x["layer"] for x in listed], ["first"])
if listed:
    x = listed[0]
    # Row ranges: in_c [3, 64], out_c [16, 64], kernel 9, spatial [196 x 9, 1024 x 9] = [1764, 9216],
    # macs min R1's 16 x 3 x 9 x 1024 = 442368, elems max(16384, 12544, 12544) min 12544, weights min
    # R1's 16 x 27 + 16 = 448, inputs min R1's 3 x 1024 = 3072, valid_macs min R1's: 94 of 96 taps per
    # axis, 442368 / 9216 x 8836 = 424128; valid_permille [907, 959] holds 916: not listed.
    check("outside", x["outside"],
          "in_c=1<3 out_c=8<16 kernel=25>9 spatial=19600>9216 macs=156800<442368 elems=6272<12544 "
          "weights=208<448 inputs=784<3072 valid_macs=143648<424128")
    # Nearest row R1: max(log2 3/1 = 1.585, log2 16/8 = 1, log2 32/28 = 0.19, log2 25/9 = 1.47) = 1.58 > 1.
    check("nearest_distance", x["nearest_distance"], "1.58")
    check("far", x["far"], "1")
    check("nearest_row", x["nearest_row"], "r1.onnx")
    check("note (macs as odonata counts)", x["note"], "")

# With --all the layer equal to R2 is listed too, at distance 0 and inside the range.
r = subprocess.run([sys.executable, os.path.join(src, "tools", "ort", "conv_coverage.py"), "--all", "--sweeps",
                    sweeps, "--odonata", odonata, model_path], capture_output=True, text=True)
inside = [x for x in csv.DictReader(io.StringIO(r.stdout)) if x["layer"] == "inside"]
check("inside", [(x["outside"], x["nearest_distance"], x["far"], x["nearest_row"]) for x in inside],
      [("", "0.00", "0", "r2.onnx")])

# Bad input: a sweep CSV without conv rows is an error of one line, exit 1, nothing on stdout.
empty = os.path.join(work, "empty.csv")
with open(empty, "w") as out:
    out.write("op,batch,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,groups,dilation,pad_h,pad_w\n")
r = subprocess.run([sys.executable, os.path.join(src, "tools", "ort", "conv_coverage.py"), "--sweeps", empty,
                    "--odonata", odonata, model_path], capture_output=True, text=True)
check("no rows: exit", r.returncode, 1)
check("no rows: stdout", r.stdout, "")
check("no rows: one line", len(r.stderr.strip().splitlines()), 1)

for msg in failures:
    print("FAIL", msg)
sys.exit(1 if failures else 0)
