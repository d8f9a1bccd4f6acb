"""The search space of the NAS examples (nas_loop.py, nas_dask.py): small CNNs built with onnx.helper.

A candidate is (width, depth, kernel, resolution): a 3x3 stride-2 stem, three stages of `depth`
Conv-BatchNorm-Relu blocks (kernel x kernel, channels width, 2 x width, 4 x width; the first block
of each stage has stride 2), global average pooling and a 10-class Gemm. No torch needed.
"""
import itertools
import json
import random
import sys

from onnx import TensorProto, helper

WIDTHS = (8, 16, 24, 32, 48, 64)
DEPTHS = (1, 2, 3, 4)
KERNELS = (3, 5, 7)
RESOLUTIONS = (96, 128, 160, 192, 224)


def space():
    """Every candidate, in a fixed order (720)."""
    return list(itertools.product(WIDTHS, DEPTHS, KERNELS, RESOLUTIONS))


def sample(n, seed=0):
    """n distinct candidates drawn from the space with a fixed seed."""
    all_candidates = space()
    return sorted(random.Random(seed).sample(all_candidates, min(n, len(all_candidates))))


def build(candidate):
    """The candidate as a serialized ONNX model (bytes), ready for odonata.load()."""
    width, depth, kernel, resolution = candidate
    nodes, inits = [], []

    def weight(name, dims):
        # Shapes without values, as the weight-stripped models in models/: the data is "external" and
        # absent, which odonata accepts (it needs shapes, not weights). Candidates stay a few KB.
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims, data_location=TensorProto.EXTERNAL)
        t.external_data.add(key="location", value=f"{name}.bin")
        inits.append(t)
        return name

    def conv_bn_relu(x, cin, cout, k, stride, tag):
        w = weight(f"{tag}_w", [cout, cin, k, k])
        nodes.append(helper.make_node("Conv", [x, w], [f"{tag}_c"], name=f"{tag}_conv", kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4))
        bn = [weight(f"{tag}_{p}", [cout]) for p in ("scale", "bias", "mean", "var")]
        nodes.append(helper.make_node("BatchNormalization", [f"{tag}_c", *bn], [f"{tag}_b"], name=f"{tag}_bn"))
        nodes.append(helper.make_node("Relu", [f"{tag}_b"], [f"{tag}_r"], name=f"{tag}_relu"))
        return f"{tag}_r"

    x = conv_bn_relu("image", 3, width, 3, 2, "stem")
    cin = width
    for stage, cout in enumerate((width, 2 * width, 4 * width)):
        for block in range(depth):
            x = conv_bn_relu(x, cin, cout, kernel, 2 if block == 0 else 1, f"s{stage}b{block}")
            cin = cout
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"], name="pool"))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"))
    nodes.append(helper.make_node("Gemm", ["flat", weight("fc_w", [10, cin]), weight("fc_b", [10])], ["logits"],
                                  name="fc", transB=1))
    graph = helper.make_graph(
        nodes, "candidate",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, resolution, resolution])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model.SerializeToString()


def name(candidate):
    width, depth, kernel, resolution = candidate
    return f"w{width}-d{depth}-k{kernel}-r{resolution}"


def pareto(points):
    """Indices of the points no other point dominates. A point is (latency_ms, energy_mj, macs):
    latency and energy minimised, MACs (the capacity, a crude stand-in for accuracy) maximised."""
    keys = [(lat, en, -macs) for lat, en, macs in points]
    front = []
    for i, a in enumerate(keys):
        dominated = any(all(b[d] <= a[d] for d in range(3)) and b != a for b in keys)
        if not dominated:
            front.append(i)
    return front


def front_rows(candidates, macs, platforms, latency, energy):
    """The Pareto front over every (candidate, platform) pair, as rows sorted by latency."""
    pairs, points = [], []
    for i, c in enumerate(candidates):
        for j, p in enumerate(platforms):
            pairs.append((name(c), p))
            points.append((latency[i][j], energy[i][j], macs[i]))
    rows = [{"candidate": pairs[k][0], "platform": pairs[k][1], "latency_ms": points[k][0],
             "energy_mj": points[k][1], "macs": points[k][2]} for k in pareto(points)]
    return sorted(rows, key=lambda r: (r["latency_ms"], r["candidate"], r["platform"]))


def print_front(rows, out, show=20):
    out.write(f"{'candidate':<18} {'platform':<22} {'latency ms':>11} {'energy mJ':>10} {'MMAC':>8}\n")
    if len(rows) > show:
        out.write(f"(the {show} fastest of {len(rows)}; --json FILE writes them all)\n")
    for r in rows[:show]:
        out.write(f"{r['candidate']:<18} {r['platform']:<22} {r['latency_ms']:>11.4f} {r['energy_mj']:>10.3f} "
                  f"{r['macs'] / 1e6:>8.1f}\n")


def report(rows, summary, json_path=None, out=None):
    """The search's summary line, its front (print_front) and, when asked, every front row as JSON."""
    out = out or sys.stdout
    out.write(f"{summary}; Pareto front (latency, energy, MACs): {len(rows)}\n")
    print_front(rows, out)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=1)
