#!/usr/bin/python3
"""Export the odonata reference model zoo (weight-stripped ONNX files) into models/.

Run with Debian's system python, which has torch 1.13 / torchvision 0.14 / onnx 1.12:

    /usr/bin/python3 tools/export_models.py [names...]

With no names every model is exported; names are the keys of MODELS below
(e.g. ``resnet50 ssdlite320_mobilenet_v3_large``).  ``--list`` prints them.

What it does, per model:
  * builds the torchvision network with random init (``weights=None``;
    ``torch.manual_seed(0)``; nothing is downloaded), puts it in eval() mode;
  * exports it with opset 13, ``do_constant_folding=True`` and
    ``training=TrainingMode.PRESERVE`` so that torch's eval peephole (which
    folds BatchNorm into Conv) does not run: BatchNormalization nodes are kept;
  * gives every node a non-empty unique name (torch's names are kept), strips
    doc strings, sets producer/metadata_props;
  * moves every initializer of >= ~1 KiB (convert_model_to_external_data,
    size_threshold=1024) to ``<model>.weights``, checks the model with
    onnx.checker, then deletes the .weights file.  The .onnx is a valid model
    whose external data file is absent (dims stay in every TensorProto, small
    int64 shape constants stay inline);
  * counts params (sum of p.numel()) and Conv2d/Linear multiply-accumulates
    with forward hooks on the torch modules (batch 1), and again every aten
    convolution and matrix product (count_macs_dispatch); where the two differ
    (attention: products outside Conv2d/Linear modules) the second is kept and
    its counter named; writes models/reference_counts.csv (rows of models not
    exported in this run are kept);
  * runs onnx.shape_inference.infer_shapes(data_prop=True) on the graph with
    torch's value_info removed and prints the tensors whose shape is still
    not static (unknown / symbolic dims other than the batch dim ``N``).

Output is deterministic and the script is idempotent.
"""

import csv
import os
import sys
import warnings
from collections import Counter, OrderedDict

import onnx
import onnx.checker
import onnx.external_data_helper
import onnx.shape_inference
import torch
import torch.nn as nn
import torchvision
from torchvision import models as tvm

OPSET = 13
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, "models")
SCRIPT_REL = "tools/export_models.py"
CSV_PATH = os.path.join(MODELS_DIR, "reference_counts.csv")
CSV_COLUMNS = ["model_file", "input_shape", "params", "conv_linear_macs", "counter"]
COUNTER_NAME = "torch_forward_hooks_conv2d_linear_v1"
COUNTER_ATEN = "torch_dispatch_aten_conv_mm_v1"  # where the hooks miss products (attention)
BATCH_DIM = "N"
DATA_DEPENDENT_OPS = ("NonZero", "NonMaxSuppression", "If", "Loop", "Unique")


class Spec:
    def __init__(self, builder, input_shape, kind="cls", kwargs=None, modify=None, subdir=""):
        self.builder = builder          # torchvision builder name
        self.input_shape = input_shape  # shape of the torch input (batch 1)
        self.kind = kind                # cls | seg | det
        self.kwargs = kwargs or {}  # classification: batch exported as symbolic dim N
        self.modify = modify            # optional f(model) turning it into a variant architecture
        self.subdir = subdir            # "" for models/, "reference" for count-reference variants


def resnet50_v1_layout(model):
    """ResNet-50 v1 as in MXNet/Caffe (ONNX Model Zoo resnet50-v1): the stride of a
    downsampling bottleneck sits on its first 1x1 conv, not on the 3x3 conv (v1.5)."""
    for layer in (model.layer2, model.layer3, model.layer4):
        block = layer[0]
        block.conv1.stride = (2, 2)
        block.conv2.stride = (1, 1)


def googlenet_bvlc_layout(model):
    """BVLC GoogLeNet (ONNX Model Zoo googlenet): the third inception branch uses a
    5x5 conv where torchvision's GoogLeNet uses 3x3."""
    import torch.nn as nn
    for m in model.modules():
        if type(m).__name__ == "Inception":
            old = m.branch3[1].conv
            m.branch3[1].conv = nn.Conv2d(old.in_channels, old.out_channels, kernel_size=5, padding=2,
                                          bias=False)


MODELS = OrderedDict(
    [
        ("alexnet", Spec("alexnet", (1, 3, 224, 224))),
        ("vgg16", Spec("vgg16", (1, 3, 224, 224))),
        ("resnet18", Spec("resnet18", (1, 3, 224, 224))),
        ("resnet50", Spec("resnet50", (1, 3, 224, 224))),
        ("mobilenet_v2", Spec("mobilenet_v2", (1, 3, 224, 224))),
        ("mobilenet_v3_large", Spec("mobilenet_v3_large", (1, 3, 224, 224))),
        ("squeezenet1_1", Spec("squeezenet1_1", (1, 3, 224, 224))),
        ("googlenet", Spec("googlenet", (1, 3, 224, 224),
                           kwargs=dict(aux_logits=False, init_weights=False))),
        ("inception_v3", Spec("inception_v3", (1, 3, 299, 299),
                              kwargs=dict(aux_logits=False, init_weights=False))),
        ("fcn_resnet50", Spec("fcn_resnet50", (1, 3, 520, 520), kind="seg",
                              kwargs=dict(aux_loss=True, weights_backbone=None))),
        ("lraspp_mobilenet_v3_large", Spec("lraspp_mobilenet_v3_large", (1, 3, 520, 520),
                                           kind="seg", kwargs=dict(weights_backbone=None))),
        ("ssdlite320_mobilenet_v3_large", Spec("ssdlite320_mobilenet_v3_large", (1, 3, 320, 320),
                                               kind="det", kwargs=dict(weights_backbone=None))),
        # Validation networks of the host platform (issue 12): nothing is fitted on them.
        # Classic CNNs, DenseNet.
        ("resnet34", Spec("resnet34", (1, 3, 224, 224))),
        ("resnet101", Spec("resnet101", (1, 3, 224, 224))),
        ("wide_resnet50_2", Spec("wide_resnet50_2", (1, 3, 224, 224))),
        ("vgg11_bn", Spec("vgg11_bn", (1, 3, 224, 224))),
        ("squeezenet1_0", Spec("squeezenet1_0", (1, 3, 224, 224))),
        ("densenet121", Spec("densenet121", (1, 3, 224, 224))),
        # Mobile: depthwise, squeeze-excite, h-swish, SiLU, channel shuffle.
        ("mobilenet_v3_small", Spec("mobilenet_v3_small", (1, 3, 224, 224))),
        ("mnasnet0_5", Spec("mnasnet0_5", (1, 3, 224, 224))),
        ("mnasnet1_0", Spec("mnasnet1_0", (1, 3, 224, 224))),
        ("efficientnet_b0", Spec("efficientnet_b0", (1, 3, 224, 224))),
        ("efficientnet_v2_s", Spec("efficientnet_v2_s", (1, 3, 224, 224))),
        ("shufflenet_v2_x0_5", Spec("shufflenet_v2_x0_5", (1, 3, 224, 224))),
        ("shufflenet_v2_x1_0", Spec("shufflenet_v2_x1_0", (1, 3, 224, 224))),
        # Grouped (non-depthwise) convolutions.
        ("regnet_x_400mf", Spec("regnet_x_400mf", (1, 3, 224, 224))),
        ("regnet_y_400mf", Spec("regnet_y_400mf", (1, 3, 224, 224))),
        ("regnet_y_1_6gf", Spec("regnet_y_1_6gf", (1, 3, 224, 224))),
        ("resnext50_32x4d", Spec("resnext50_32x4d", (1, 3, 224, 224))),
        # Transformers and ConvNeXt (MatMul with M > 1, batched MatMul, Softmax, LayerNorm, Gelu).
        ("vit_b_16", Spec("vit_b_16", (1, 3, 224, 224))),
        ("vit_b_32", Spec("vit_b_32", (1, 3, 224, 224))),
        ("swin_t", Spec("swin_t", (1, 3, 224, 224))),
        ("convnext_tiny", Spec("convnext_tiny", (1, 3, 224, 224))),
        # Detection and segmentation.
        ("ssd300_vgg16", Spec("ssd300_vgg16", (1, 3, 300, 300), kind="det",
                              kwargs=dict(weights_backbone=None))),
        ("fasterrcnn_mobilenet_v3_large_320_fpn",
         Spec("fasterrcnn_mobilenet_v3_large_320_fpn", (1, 3, 320, 320), kind="det",
              kwargs=dict(weights_backbone=None))),
        ("deeplabv3_mobilenet_v3_large", Spec("deeplabv3_mobilenet_v3_large", (1, 3, 520, 520),
                                              kind="seg", kwargs=dict(weights_backbone=None))),
        ("deeplabv3_resnet50", Spec("deeplabv3_resnet50", (1, 3, 520, 520), kind="seg",
                                    kwargs=dict(weights_backbone=None))),
        # Jetson Nano validation networks (issue 16): the torch2trt Jetson Nano table's torchvision models.
        ("resnet152", Spec("resnet152", (1, 3, 224, 224))),
        ("densenet161", Spec("densenet161", (1, 3, 224, 224))),
        ("densenet169", Spec("densenet169", (1, 3, 224, 224))),
        ("densenet201", Spec("densenet201", (1, 3, 224, 224))),
        ("vgg11", Spec("vgg11", (1, 3, 224, 224))),
        ("vgg13", Spec("vgg13", (1, 3, 224, 224))),
        ("vgg13_bn", Spec("vgg13_bn", (1, 3, 224, 224))),
        ("vgg16_bn", Spec("vgg16_bn", (1, 3, 224, 224))),
        # Jetson Nano validation networks (issue 16): the iCAS-Lab real networks (NAS-Performance-Modeling
        # data/real_data/real_models.csv, exported there at 224x224 whatever the network's native size).
        ("vgg19", Spec("vgg19", (1, 3, 224, 224))),
        ("efficientnet_b4", Spec("efficientnet_b4", (1, 3, 224, 224))),
        ("efficientnet_v2_m", Spec("efficientnet_v2_m", (1, 3, 224, 224))),
        # Count-reference variants (models/reference/): the architectures of ONNX Model Zoo
        # models whose MACs onnx-tool publishes; used only by the count tests.
        ("resnet50_v1", Spec("resnet50", (1, 3, 224, 224), modify=resnet50_v1_layout,
                             subdir="reference")),
        ("googlenet_bvlc", Spec("googlenet", (1, 3, 224, 224),
                                kwargs=dict(aux_logits=False, init_weights=False),
                                modify=googlenet_bvlc_layout, subdir="reference")),
    ]
)

# Fallback detection network, used only if the SSDlite export fails.
DET_FALLBACK = ("fasterrcnn_mobilenet_v3_large_320_fpn",
                Spec("fasterrcnn_mobilenet_v3_large_320_fpn", (1, 3, 320, 320), kind="det",
                     kwargs=dict(weights_backbone=None)))


# --------------------------------------------------------------------------- build

def build(spec):
    torch.manual_seed(0)
    fn = getattr(tvm, spec.builder, None)
    if fn is None:
        fn = getattr(tvm.segmentation, spec.builder, None) or getattr(tvm.detection, spec.builder)
    model = fn(weights=None, **spec.kwargs)
    if spec.modify:
        spec.modify(model)
    decorrelate_params(model)
    model.eval()
    return model


def decorrelate_params(model):
    """Make every float parameter/buffer distinct (deterministically).

    Default init gives all BatchNorm layers identical weight/bias/running stats
    (1, 0, 0, 1) and some heads constant biases; torch's exporter deduplicates
    identical initializers and inserts Identity nodes, which a model with real
    weights would not have.  Re-randomising them keeps the graph realistic
    (BN params feed BatchNormalization directly).  Values are stripped anyway.
    """
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                if m.weight is not None:
                    m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
                if m.running_mean is not None:
                    m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                    m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point() and t.numel() > 0 and bool((t == t.flatten()[0]).all()):
                t.add_(0.01 * torch.randn(t.shape, generator=g))


def example_input(spec):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(spec.input_shape, generator=g)
    if spec.kind == "det":
        return [x[0]]  # list of CHW tensors, as in torchvision's test_onnx.py
    return x


# --------------------------------------------------------------------------- counts

def count_params(model):
    return sum(p.numel() for p in model.parameters())


def count_macs(model, x):
    """Conv2d/Linear multiply-accumulates only (no bias, BN, activations), batch 1."""
    total = [0]

    def conv_hook(m, inp, out):
        kh, kw = m.kernel_size
        total[0] += out.numel() * (m.in_channels // m.groups) * kh * kw

    def linear_hook(m, inp, out):
        rows = out.numel() // m.out_features  # 1 per sample for batch-1 classifiers
        total[0] += rows * m.in_features * m.out_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, (nn.Conv1d, nn.Conv3d, nn.ConvTranspose2d, nn.Bilinear)):
            raise RuntimeError("uncounted MAC module type %s" % type(m).__name__)
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return total[0]


def count_macs_dispatch(model, x):
    """Multiply-accumulates of every aten convolution and matrix product, batch 1.

    A second, independent counter for networks whose products do not all run
    through Conv2d/Linear modules (attention: nn.MultiheadAttention's projections
    use F.linear on bare parameters, Q x K^T and A x V are torch.matmul).
    Counted below autograd with a TorchDispatchMode: convolution
    ``out.numel() * (Cin/groups) * prod(kernel)``, mm/addmm ``M*K*N``,
    bmm/baddbmm ``B*M*K*N``. Run with gradients enabled so that
    nn.MultiheadAttention takes its composite path, not the fused
    ``_native_multi_head_attention`` kernel (which would hide its products).
    """
    from torch.utils._python_dispatch import TorchDispatchMode
    aten = torch.ops.aten
    total = [0]

    class Count(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            p = func.overloadpacket
            if p is aten.convolution:
                w, groups = args[1], args[8]
                cin = w.shape[1]  # = in_channels / groups
                k = 1
                for d in w.shape[2:]:
                    k *= d
                total[0] += out.numel() * cin * k
                del groups
            elif p in (aten.mm, aten.addmm):
                a = args[0] if p is aten.mm else args[1]
                total[0] += out.numel() * a.shape[-1]
            elif p in (aten.bmm, aten.baddbmm):
                a = args[0] if p is aten.bmm else args[1]
                total[0] += out.numel() * a.shape[-1]
            elif p in (aten._native_multi_head_attention, aten.mkldnn_convolution,
                       aten.convolution_overrideable, aten._convolution):
                raise RuntimeError("uncounted product kernel %s" % p)
            return out

    with torch.enable_grad(), Count():
        model(x)
    return total[0]


# --------------------------------------------------------------------------- export

def export_onnx(name, spec, model, x, path):
    kw = dict(
        opset_version=OPSET,
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.PRESERVE,  # model is in eval(): BN kept, not folded
        export_params=True,
        verbose=False,
    )
    if spec.kind == "cls":
        kw.update(input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: BATCH_DIM}, "output": {0: BATCH_DIM}})
        args = (x,)
    elif spec.kind == "seg":
        outs = ["out", "aux"] if spec.kwargs.get("aux_loss") else ["out"]
        kw.update(input_names=["input"], output_names=outs)
        args = (x,)
    else:
        kw.update(input_names=["images"], output_names=["boxes", "scores", "labels"],
                  dynamic_axes={"boxes": {0: "num_detections"}, "scores": {0: "num_detections"},
                                "labels": {0: "num_detections"}})
        args = (x,)  # the model's single positional argument is the list of images
    # nn.MultiheadAttention in eval() under no_grad takes its fused fast path
    # (aten::_native_multi_head_attention), which has no ONNX export: export
    # networks that have one with gradients enabled (its composite path).
    has_mha = any(isinstance(m, nn.MultiheadAttention) for m in model.modules())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.set_grad_enabled(has_mha):
            torch.onnx.export(model, args, path, **kw)


def iter_nodes(graph):
    """All nodes of graph, including those of subgraphs (If/Loop bodies)."""
    for n in graph.node:
        yield n
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from iter_nodes(a.g)
            elif a.type == onnx.AttributeProto.GRAPHS:
                for sg in a.graphs:
                    yield from iter_nodes(sg)


def fix_names_and_docs(model_proto, builder):
    g = model_proto.graph
    nodes = list(iter_nodes(g))
    used = set()
    counts = Counter()
    # keep torch's names, make empty/duplicate ones unique (across subgraphs too)
    for n in nodes:
        if n.name and n.name not in used:
            used.add(n.name)
    seen = set()
    for n in nodes:
        n.doc_string = ""
        if n.name and n.name not in seen:
            seen.add(n.name)
            continue
        base = n.name or ("/" + n.op_type)
        while True:
            counts[base] += 1
            cand = "%s_%d" % (base, counts[base])
            if cand not in used:
                break
        n.name = cand
        used.add(cand)
        seen.add(cand)
    g.doc_string = ""
    model_proto.doc_string = ""
    model_proto.producer_name = "pytorch"
    model_proto.producer_version = torch.__version__
    del model_proto.metadata_props[:]
    for k, v in (("source", "torchvision %s %s" % (torchvision.__version__, builder)),
                 ("exporter", SCRIPT_REL),
                 ("opset", str(OPSET))):
        p = model_proto.metadata_props.add()
        p.key, p.value = k, v


def inline_tensors(model_proto):
    """All tensors still carrying data inside the file (initializers + Constant attrs)."""
    from onnx.external_data_helper import _get_all_tensors
    return [t for t in _get_all_tensors(model_proto)
            if t.data_location != onnx.TensorProto.EXTERNAL]


def strip_weights(path, model_proto):
    fname = os.path.basename(path)
    wname = os.path.splitext(fname)[0] + ".weights"
    wpath = os.path.join(os.path.dirname(path), wname)
    if os.path.exists(wpath):
        os.remove(wpath)
    onnx.external_data_helper.convert_model_to_external_data(
        model_proto, all_tensors_to_one_file=True, location=wname, size_threshold=1024)
    for t in inline_tensors(model_proto):
        nel = 1
        for d in t.dims:
            nel *= d
        if nel > 1024 or len(t.raw_data) > 1024:
            raise RuntimeError("%s: tensor %s (%d elems) left inline" % (fname, t.name, nel))
    onnx.save_model(model_proto, path)
    onnx.checker.check_model(path, full_check=False)  # external data still present here
    os.remove(wpath)
    return onnx.load(path, load_external_data=False)


# --------------------------------------------------------------------------- shape report

def non_static_tensors(model_proto):
    """Tensors whose shape ONNX inference (data_prop=True) cannot make static.

    Any value_info is dropped first (torch 1.13 writes none anyway) so the result
    reflects what a loader deriving shapes from the graph alone gets.  Graph
    outputs keep their declared shapes.  The batch dim ``N`` counts as static.
    """
    m = onnx.ModelProto()
    m.CopyFrom(model_proto)
    del m.graph.value_info[:]
    inf = onnx.shape_inference.infer_shapes(m, data_prop=True)
    shapes = {}
    for vi in list(inf.graph.value_info) + list(inf.graph.output) + list(inf.graph.input):
        shapes[vi.name] = vi.type.tensor_type.shape if vi.type.tensor_type.HasField("shape") else None
    inits = {t.name for t in inf.graph.initializer}

    def describe(name):
        """(static?, dims string) for a tensor name."""
        if name in inits:
            return True, ""
        s = shapes.get(name)
        if s is None:
            return False, "?"
        dims, ok = [], True
        for d in s.dim:
            if d.HasField("dim_value"):
                dims.append(str(d.dim_value))
            elif d.HasField("dim_param") and d.dim_param == BATCH_DIM:
                dims.append(BATCH_DIM)
            else:
                ok = False
                dims.append(d.dim_param or "?")
        return ok, "x".join(dims) or "scalar"

    # tensors whose shape depends on tensor *values* (downstream of NonZero,
    # NonMaxSuppression, or an If whose branches do NMS) cannot be folded by a loader
    data_dep = set()
    for n in inf.graph.node:
        if n.op_type in DATA_DEPENDENT_OPS or any(i in data_dep for i in n.input):
            data_dep.update(o for o in n.output if o)

    bad, roots = [], []
    for n in inf.graph.node:
        outs = [o for o in n.output if o]
        nonstatic = [(o, describe(o)[1]) for o in outs if not describe(o)[0]]
        if not nonstatic:
            continue
        bad.extend((o, n.op_type, d, o in data_dep) for o, d in nonstatic)
        # a "root": the node loses static shape although all its inputs are static
        if all(describe(i)[0] for i in n.input if i):
            roots.extend((o, n.op_type, d, o in data_dep) for o, d in nonstatic)
    return bad, roots


# --------------------------------------------------------------------------- main

def load_csv():
    rows = OrderedDict()
    if os.path.exists(CSV_PATH):
        with open(CSV_PATH, newline="") as f:
            for r in csv.DictReader(f):
                rows[r["model_file"]] = r
    return rows


def write_csv(rows):
    order = [(os.path.join(MODELS[n].subdir, n) if n in MODELS else n) + ".onnx"
             for n in list(MODELS) + [DET_FALLBACK[0]]]
    keys = sorted(rows, key=lambda k: order.index(k) if k in order else len(order))
    with open(CSV_PATH, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        for k in keys:
            w.writerow({c: rows[k][c] for c in CSV_COLUMNS})


def exporter_main(models, export, argv, width=16):
    """The command line of the exporters of models/ that add to reference_counts.csv
    (export_slim_models.py, export_darknet_models.py, export_icas_real_models.py): --list, or the
    models named (all by default); each row is written as soon as its model is exported."""
    if "--list" in argv:
        print("\n".join(models))
        return 0
    names = argv or list(models)
    for n in names:
        if n not in models:
            print("unknown model %r; use --list" % n, file=sys.stderr)
            return 2
    rows = load_csv()
    for n in names:
        rel, row = export(n)
        rows[rel] = row
        write_csv(rows)
        print("%-*s params=%-10d macs=%d" % (width, n, row["params"], row["conv_linear_macs"]))
        sys.stdout.flush()
    return 0


def export_one(name, spec):
    os.makedirs(os.path.join(MODELS_DIR, spec.subdir), exist_ok=True)
    path = os.path.join(MODELS_DIR, spec.subdir, name + ".onnx")
    model = build(spec)
    x = example_input(spec)
    params = count_params(model)
    macs, counter = count_macs(model, x), COUNTER_NAME
    macs_aten = count_macs_dispatch(model, x)
    if macs_aten != macs:  # products outside Conv2d/Linear modules (attention)
        macs, counter = macs_aten, COUNTER_ATEN
    export_onnx(name, spec, model, x, path)
    mp = onnx.load(path)
    fix_names_and_docs(mp, spec.builder)
    mp = strip_weights(path, mp)
    bad, roots = non_static_tensors(mp)
    all_nodes = list(iter_nodes(mp.graph))
    names = [n.name for n in all_nodes]
    assert all(names) and len(set(names)) == len(names), "node names not unique"
    ops = Counter(n.op_type for n in all_nodes)
    # shape of the (single) ONNX graph input with the batch dim at 1; for the
    # detection model this is one CHW image (list-of-tensors input, batch 1)
    in_dims = [d.dim_value if d.HasField("dim_value") else 1
               for d in mp.graph.input[0].type.tensor_type.shape.dim]
    return dict(path=path, input_shape="x".join(map(str, in_dims)), nodes=len(all_nodes), top_nodes=len(mp.graph.node), size=os.path.getsize(path), params=params,
                macs=macs, counter=counter, ops=ops, bad=bad, roots=roots)


def main(argv):
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if "--list" in argv:
        print("\n".join(list(MODELS) + [DET_FALLBACK[0] + " (fallback)"
                                          for _ in [0] if DET_FALLBACK[0] not in MODELS]))
        return 0
    names = argv or list(MODELS)
    known = dict(MODELS)
    known[DET_FALLBACK[0]] = DET_FALLBACK[1]
    for n in names:
        if n not in known:
            print("unknown model %r; use --list" % n, file=sys.stderr)
            return 2
    os.makedirs(MODELS_DIR, exist_ok=True)
    rows = load_csv()
    verbose = os.environ.get("ODONATA_EXPORT_VERBOSE") == "1"
    for n in names:
        spec = known[n]
        try:
            r = export_one(n, spec)
        except Exception as e:  # detection export may fail: fall back to Faster R-CNN
            if n == "ssdlite320_mobilenet_v3_large":
                print("%s: export failed (%s: %s); falling back to %s"
                      % (n, type(e).__name__, e, DET_FALLBACK[0]), file=sys.stderr)
                for ext in (".onnx", ".weights"):
                    p = os.path.join(MODELS_DIR, n + ext)
                    if os.path.exists(p):
                        os.remove(p)
                n, spec = DET_FALLBACK
                r = export_one(n, spec)
            else:
                raise
        rel = os.path.join(spec.subdir, n + ".onnx") if spec.subdir else n + ".onnx"
        rows[rel] = dict(model_file=rel, input_shape=r["input_shape"],
                                 params=r["params"], conv_linear_macs=r["macs"], counter=r["counter"])
        write_csv(rows)
        print("%-32s nodes=%-5d size=%-8d params=%-10d macs=%-12d bn=%-3d nonstatic=%d (data-dep %d)"
              % (n, r["nodes"], r["size"], r["params"], r["macs"],
                 r["ops"].get("BatchNormalization", 0), len(r["bad"]), sum(b[3] for b in r["bad"])))
        if verbose:
            print("    ops:", dict(sorted(r["ops"].items())))
            for dd in (False, True):
                sel = [b for b in r["bad"] if b[3] == dd]
                print("    non-static, %s: %d by producer %s"
                      % ("data-dependent" if dd else "foldable", len(sel),
                         dict(Counter(b[1] for b in sel))))
            print("    roots (static inputs, non-static output) by op:",
                  dict(Counter(b[1] for b in r["roots"])))
            for t, op, s, dd in r["roots"][:12]:
                print("      %-60s %-20s %s%s" % (t, op, s, " (data-dep)" if dd else ""))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
