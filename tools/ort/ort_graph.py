#!/usr/bin/python3
"""Summarise the STRUCTURE of the graph ONNX Runtime runs (issue 12, item 2).

    /usr/bin/python3 tools/ort/ort_graph.py ORIGINAL.onnx LABEL=OPTIMIZED.onnx... > SUMMARY.json

ORIGINAL is the model as given to ONNX Runtime (weights may be stripped: only dims,
attributes and names are read); each OPTIMIZED is the file ONNX Runtime saved with the
session option optimizedModelFilePath (tools/ort/optimized.js), LABEL e.g. ``all/1t``.
Only structure is read, never a timing.  For each optimized graph:

* ``nodes``, ``ops``: executed nodes, and their count per ``domain:op_type``
  (the default domain is written ``ai.onnx``; ``nchwc`` is ``com.microsoft.nchwc``);
* ``fusions``: per pattern ``optimized op [activation] <- original ops``, how many
  optimized nodes cover more than one original node (e.g.
  ``nchwc:Conv[Relu] <- Conv+BatchNormalization+Relu``);
* ``removed``: original nodes that no optimized node covers, per op type (Identity,
  Dropout, shape computations folded into constants, ...);
* ``reorders``: the NCHWc ``ReorderInput``/``ReorderOutput`` nodes, per position
  ``producer -> consumers`` (optimized op types) with their count and the elements they
  convert;
* ``convs``: every original Conv by kernel family (``depthwise``, ``grouped``, ``1x1``,
  ``kxk``; ``/strided``, ``/dilated``), and which optimized op runs it (``nchwc:Conv``,
  ``com.microsoft:FusedConv``, ``ai.onnx:Conv``, ...).

Which original nodes an optimized node covers: ONNX Runtime keeps the names of the
tensors it does not create; an NCHWc node is named ``<original output>_nchwc`` and its
tensors ``reorder_token_K`` are mapped back through the nodes that write them
(``ReorderInput`` writes the NCHWc copy of its input).  From the original tensors an
optimized node writes, the original producers are followed backwards, stopping at any
tensor that exists in the optimized graph (written by an optimized node, a graph input
or an initializer).  Shape computations folded into a constant (nodes writing int64
tensors, Constant, Shape) count as ``folded`` of the node that reads the constant.
"""

import json
import sys
from collections import Counter, defaultdict

import onnx
import onnx.shape_inference

NCHWC = "com.microsoft.nchwc"
SHORT = {"": "ai.onnx", NCHWC: "nchwc"}
SHAPE_OPS = {"Shape", "Constant", "ConstantOfShape", "Size"}


def dom(d):
    return SHORT.get(d, d)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def load(path):
    return onnx.load(path, load_external_data=False)


def elements(shape):
    if shape is None or any(d is None or d < 0 for d in shape):
        return None
    n = 1
    for d in shape:
        n *= d
    return n


def original_info(model, onodes):
    """Producer of every tensor, shapes and element types (from shape inference)."""
    g = model.graph
    inferred = model
    try:
        m = onnx.ModelProto()
        m.CopyFrom(model)
        inferred = onnx.shape_inference.infer_shapes(m, data_prop=True)
    except Exception:  # keep going without shapes
        pass
    shapes, types = {}, {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        tt = vi.type.tensor_type
        types[vi.name] = tt.elem_type
        if tt.HasField("shape"):
            shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else (1 if d.dim_param else None)
                               for d in tt.shape.dim]
    inits = {t.name: t for t in g.initializer}
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
        types[t.name] = t.data_type
    producer = {}
    for n in onodes:
        for o in n.output:
            if o:
                producer[o] = n
    return producer, shapes, types, inits


def conv_family(node, inits, shapes):
    a = attrs(node)
    w = node.input[1]
    wshape = shapes.get(w)
    group = a.get("group", 1)
    k = a.get("kernel_shape") or (wshape[2:] if wshape else [])
    strides = a.get("strides", [1] * len(k))
    dil = a.get("dilations", [1] * len(k))
    cin_g = wshape[1] if wshape else None
    if group > 1 and cin_g == 1:
        fam = "depthwise"
    elif group > 1:
        fam = "grouped"
    elif k and all(x == 1 for x in k):
        fam = "1x1"
    else:
        fam = "kxk"
    if any(s > 1 for s in strides):
        fam += "/strided"
    if any(d > 1 for d in dil):
        fam += "/dilated"
    return fam


def label(node):
    """``domain:op`` plus the fused activation, if any."""
    a = attrs(node)
    s = "%s:%s" % (dom(node.domain), node.op_type)
    act = a.get("activation")
    if isinstance(act, bytes):
        act = act.decode()
    if act:
        s += "[%s]" % act
    return s


ACTIVATIONS = {"Relu": [["Relu"]], "Clip": [["Clip"]], "Sigmoid": [["Sigmoid"]], "Tanh": [["Tanh"]],
               "LeakyRelu": [["LeakyRelu"]], "HardSigmoid": [["HardSigmoid"]],
               "HardSwish": [["HardSwish"], ["HardSigmoid", "Mul"]]}
ACTIVATION_OPS = {"Relu", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Mul"}


def nchwc_output(n, hint, orig_name, producer, consumers):
    """The original tensor an NCHWc node writes.

    ONNX Runtime names an NCHWc node after the output of the node it converted
    (after the level-2 fusions); it may then absorb the Add that follows (its 4th
    input, ``Sum``) and the activation after that.  Walk forward from the name
    over those.
    """
    t = hint
    if n.op_type == "Conv" and len(n.input) > 3 and n.input[3]:
        other = orig_name.get(n.input[3], n.input[3])
        for c in consumers.get(t, []):
            if c.op_type in ("Add", "Sum") and other in c.input:
                t = c.output[0]
                break
    act = attrs(n).get("activation")
    if isinstance(act, bytes):
        act = act.decode()
    p = producer.get(t)
    if act and (p is None or p.op_type not in ACTIVATION_OPS):
        for chain in ACTIVATIONS.get(act, []):
            cs = consumers.get(t, [])
            if sorted(c.op_type for c in cs) == sorted(chain):
                t = [c for c in cs if c.op_type == chain[-1]][0].output[0]
                break
    return t


def fusion_base(name):
    """"/blk/Mul/QuickGeluFusion/" -> "/blk/Mul": ONNX Runtime's name for a fusion."""
    k = name.find("Fusion")
    if k < 0:
        return None
    return name[: name.rfind("/", 0, k)]


def summarise(original, optimized, want_map=False):
    """The summary of one optimized graph; with want_map also, per optimized node
    name, (label, [names of the original nodes it covers]) and, per original Conv
    name, its kernel family (for tools/ort/diagnose.py)."""
    # One list of wrappers: protobuf may give new Python objects on every
    # iteration, and nodes are keyed by id() below.
    onodes = list(original.graph.node)
    producer, shapes, types, inits = original_info(original, onodes)
    og = original.graph
    g = optimized.graph
    nodes = list(g.node)
    opt_inits = {t.name for t in g.initializer}
    graph_inputs = {i.name for i in g.input} | {i.name for i in og.input}

    # Map the optimized graph's tensors to original tensor names.
    # ONNX Runtime keeps the tensor names it does not create; the layout
    # (transpose) optimizer rewrites the nodes it moves and names their output
    # after the node ("/blk/ReduceMean" for "/blk/ReduceMean_output_0").
    orig_node = {p.name: p for p in onodes if p.name}
    orig_name = {}
    for n in nodes:
        for k, o in enumerate(n.output):
            if o in producer or o not in orig_node:
                orig_name.setdefault(o, o)
            else:
                outs = orig_node[o].output
                orig_name.setdefault(o, outs[k] if k < len(outs) else outs[0])
    consumers = defaultdict(list)
    for p in onodes:
        for i in p.input:
            consumers[i].append(p)
    for n in nodes:  # topological order: inputs are mapped before they are read
        if n.domain == NCHWC and n.op_type == "ReorderInput":
            orig_name[n.output[0]] = orig_name.get(n.input[0], n.input[0])
        elif n.domain == NCHWC and n.name.endswith("_nchwc") and n.output:
            hint = n.name[: -len("_nchwc")]
            if hint not in producer and hint.endswith("_bn") and hint[:-3] in producer:
                hint = hint[:-3]  # a lone BatchNormalization run as an NCHWc 1x1 depthwise Conv
            orig_name[n.output[0]] = nchwc_output(n, hint, orig_name, producer, consumers)
        elif n.name in orig_node or fusion_base(n.name) in orig_node:
            # a node that kept its name but writes a new tensor (e.g. Concat on NCHWc
            # tensors), or a fusion named after its last node ("<Mul>/QuickGeluFusion/")
            outs = orig_node[n.name if n.name in orig_node else fusion_base(n.name)].output
            for k, o in enumerate(n.output):
                if o and o not in producer and k < len(outs):
                    orig_name[o] = outs[k]

    available = set(opt_inits) | graph_inputs | set(inits)
    for n in nodes:
        for o in n.output:
            if o:
                available.add(orig_name.get(o, o))

    claimed = set()
    fusions = Counter()
    folded = Counter()
    covers_of = {}
    unmapped = 0
    for n in nodes:
        if n.domain == NCHWC and n.op_type in ("ReorderInput", "ReorderOutput"):
            covers_of[id(n)] = []
            continue
        stack = [orig_name.get(o, o) for o in n.output if o]
        ins = {orig_name.get(i, i) for i in n.input if i}
        own = set(stack)
        seen, covered = set(), []
        while stack:
            t = stack.pop()
            if t not in own and (t in available or t in ins):
                continue
            p = producer.get(t)
            if p is None or id(p) in seen:
                continue
            seen.add(id(p))
            covered.append(p)
            for i in p.input:
                if i and i not in ins and i not in inits:
                    stack.append(i)
        # drop shape computations folded into constants
        data, shape_nodes = [], []
        for p in covered:
            outs_int = all(types.get(o) in (onnx.TensorProto.INT64, onnx.TensorProto.INT32) for o in p.output if o)
            if p.op_type in SHAPE_OPS or (outs_int and p.op_type not in ("NonZero", "TopK", "ArgMax", "ArgMin",
                                                                        "NonMaxSuppression")):
                shape_nodes.append(p)
            else:
                data.append(p)
        if not data and not covered:
            unmapped += 1
        order = {id(x): k for k, x in enumerate(onodes)}
        data.sort(key=lambda x: order.get(id(x), 0))
        for p in covered:
            claimed.add(id(p))
        for p in shape_nodes:
            folded[p.op_type] += 1
        covers_of[id(n)] = data
        if len(data) > 1:
            fusions["%s <- %s" % (label(n), "+".join(p.op_type for p in data))] += 1

    removed = Counter(p.op_type for p in onodes if id(p) not in claimed)

    # NCHWc reorders: position and size.
    writer = {}
    readers = defaultdict(list)
    for n in nodes:
        for o in n.output:
            writer[o] = n
        for i in n.input:
            readers[i].append(n)
    graph_outputs = {o.name for o in g.output}
    reorders = defaultdict(lambda: {"count": 0, "elements": []})
    for n in nodes:
        if n.domain != NCHWC or n.op_type not in ("ReorderInput", "ReorderOutput"):
            continue
        src = writer.get(n.input[0])
        src_l = label(src) if src is not None else "graph input"
        dst = sorted({label(r) for r in readers.get(n.output[0], [])})
        if n.output[0] in graph_outputs:
            dst.append("graph output")
        key = "%s: %s -> %s" % (n.op_type, src_l, ",".join(dst) or "(none)")
        t = orig_name.get(n.input[0], n.input[0]) if n.op_type == "ReorderInput" else n.output[0]
        r = reorders[key]
        r["count"] += 1
        e = elements(shapes.get(t))
        if e is not None:
            r["elements"].append(e)

    # Convs by kernel family and where they went.
    runs_on = {}
    for n in nodes:
        for p in covers_of.get(id(n), []):
            runs_on[id(p)] = label(n).split("[")[0]
    convs = defaultdict(Counter)
    for p in onodes:
        if p.op_type == "Conv":
            convs[conv_family(p, inits, shapes)][runs_on.get(id(p), "(removed)")] += 1

    # Sanity check of the mapping: every tensor an optimized node reads maps to a
    # tensor of the original graph (or is an initializer ONNX Runtime made).
    known = set(producer) | set(inits) | graph_inputs | opt_inits
    unmapped_inputs = sum(1 for n in nodes for i in n.input if i and orig_name.get(i, i) not in known)

    ops = Counter("%s:%s" % (dom(n.domain), n.op_type) for n in nodes)
    summary = {
        "nodes": len(nodes),
        "ops": dict(sorted(ops.items())),
        "fusions": dict(sorted(fusions.items(), key=lambda kv: (-kv[1], kv[0]))),
        "folded_shape_nodes": dict(sorted(folded.items())),
        "removed": dict(sorted(removed.items())),
        "reorders": {k: {"count": v["count"], "elements": sorted(v["elements"])}
                     for k, v in sorted(reorders.items())},
        "convs": {f: dict(sorted(c.items())) for f, c in sorted(convs.items())},
        "unmapped_nodes": unmapped,
        "unmapped_inputs": unmapped_inputs,
    }
    if not want_map:
        return summary
    node_map = {n.name: (label(n), [p.name for p in covers_of.get(id(n), [])]) for n in nodes}
    families = {p.name: conv_family(p, inits, shapes) for p in onodes if p.op_type == "Conv"}
    return summary, node_map, families


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    original = load(argv[0])
    out = {
        "original": {
            "nodes": len(original.graph.node),
            "ops": dict(sorted(Counter(n.op_type for n in original.graph.node).items())),
        },
        "optimized": {},
    }
    first = {}
    for arg in argv[1:]:
        lab, _, path = arg.partition("=")
        s = summarise(original, load(path))
        text = json.dumps(s, sort_keys=True)
        if text in first:
            out["optimized"][lab] = {"same_as": first[text]}
        else:
            first[text] = lab
            out["optimized"][lab] = s
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
