#!/usr/bin/python3
"""The inputs of a network's NonMaxSuppression nodes, made reachable for one ONNX Runtime run (issue 12).

    /usr/bin/python3 tools/ort/nms_inputs.py MODEL.onnx OUTDIR

ONNX Runtime returns only graph outputs, and detectors run their NMS inside an If branch (torchvision's
batched NMS: SSDlite, SSD300), whose values no graph output can name. For each NonMaxSuppression node
(main graph, or a subgraph of a main-graph node: an If/Loop/Scan body one level down) this writes:

- OUTDIR/tap.onnx: MODEL with, as extra graph outputs, the main-graph values the NMS inputs are computed
  from: the NMS node's own inputs (main graph), or the outer-scope values its branch reads to compute
  them (helper nmsdist's tap.py did this for SSDlite and SSD300);
- OUTDIR/nms<i>.onnx for a node in a branch: the branch's nodes that compute the NMS inputs, as a model
  whose inputs are those outer-scope values and whose outputs are the NMS inputs;
- OUTDIR/nms.json: [{node, tensor (its first output), where ("main" or "OP 'NAME' ATTR"), inputs (the
  NMS input names, "" for absent ones), taps (the extra outputs of tap.onnx it needs), branch (the
  nms<i>.onnx file or null), center_point_box}], or the reason a node is skipped (nested deeper, inputs
  from another subgraph level).

tools/ort/value_sizes.js (nmsCompares) runs tap.onnx on run.js's feed, each branch model on the tapped
values, and replays ONNX Runtime's loop on the NMS inputs (run.js nmsComparisons). Structure only: no
time is read. Needs the onnx package (Debian 12: python3-onnx or pip; 1.12 here).
"""
import json
import os
import sys

import onnx
from onnx import TensorProto, helper


def fail(message):
    sys.stderr.write(f"nms_inputs.py: error: {message}\n")
    sys.exit(1)


def slice_nodes(graph, wanted):
    """The nodes of `graph` that compute `wanted` (backward slice, in graph order), and the names they
    read that the graph neither produces nor holds as initializers (outer-scope values)."""
    producer = {}
    for i, n in enumerate(graph.node):
        for o in n.output:
            if o:
                producer[o] = i
    inits = {t.name for t in graph.initializer}
    need, todo, outer = set(), list(wanted), []
    while todo:
        name = todo.pop()
        if not name or name in inits:
            continue
        i = producer.get(name)
        if i is None:
            if name not in outer:
                outer.append(name)
            continue
        if i in need:
            continue
        need.add(i)
        n = graph.node[i]
        todo.extend(n.input)
        for a in n.attribute:  # a nested subgraph's outer-scope reads
            for g in ([a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)):
                inner = {o for x in g.node for o in x.output} | {t.name for t in g.initializer} | {x.name for x in g.input}
                todo.extend(x for m in g.node for x in m.input if x and x not in inner)
    return [graph.node[i] for i in sorted(need)], outer


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: /usr/bin/python3 tools/ort/nms_inputs.py MODEL.onnx OUTDIR\n")
        sys.exit(2)
    src, out = argv
    try:
        model = onnx.load(src)
    except Exception as e:  # a missing or broken file: one line
        fail(f"{src}: cannot load: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    os.makedirs(out, exist_ok=True)
    g = model.graph
    types = {}
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
        for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
            types[v.name] = v.type.tensor_type.elem_type
    except Exception:
        pass
    for t in g.initializer:
        types[t.name] = t.data_type
    outputs = {o.name for o in g.output}
    taps, entries = [], []

    def tap(name):
        if name not in outputs and name not in taps:
            taps.append(name)

    def attr(n, key, default):
        for a in n.attribute:
            if a.name == key:
                return helper.get_attribute_value(a)
        return default

    def add(n, where, inputs, branch, needed):
        entries.append({"node": n.name, "tensor": n.output[0], "where": where, "inputs": inputs, "taps": needed,
                        "branch": branch, "center_point_box": int(attr(n, "center_point_box", 0))})

    def nested_nms(graph):
        return any(x.op_type == "NonMaxSuppression" or
                   any(nested_nms(a.g) for a in x.attribute if a.type == onnx.AttributeProto.GRAPH) for x in graph.node)

    for n in g.node:
        if n.op_type == "NonMaxSuppression" and n.domain in ("", "ai.onnx"):
            inputs = list(n.input) + [""] * (5 - len(n.input))
            for i in inputs:
                if i:
                    tap(i)
            add(n, "main", inputs, None, [i for i in inputs if i])
        for a in n.attribute:
            if a.type != onnx.AttributeProto.GRAPH:
                continue
            sg = a.g
            where = f"{n.op_type} '{n.name}' {a.name}"
            for m in sg.node:
                if any(x.type == onnx.AttributeProto.GRAPH and nested_nms(x.g) for x in m.attribute):
                    entries.append({"node": m.name, "where": where, "skipped": "a NonMaxSuppression nested more than one subgraph deep"})
                if m.op_type != "NonMaxSuppression" or m.domain not in ("", "ai.onnx") or not m.output:
                    continue
                inputs = list(m.input) + [""] * (5 - len(m.input))
                nodes, outer = slice_nodes(sg, [i for i in inputs if i])
                if any(x.name for x in sg.input if x.name in outer):
                    entries.append({"node": m.name, "where": where, "skipped": "its inputs read the body's own inputs (a Loop/Scan body)"})
                    continue
                missing = [x for x in outer if x not in types]
                if missing:
                    entries.append({"node": m.name, "where": where, "skipped": f"no type known for {missing[0]}"})
                    continue
                for x in outer:
                    tap(x)
                # The branch model: outer values in, NMS inputs out (through Identity: an output may
                # not be an input or an initializer as is).
                inits = {t.name: t for t in sg.initializer}
                used = {x for node in nodes for x in node.input}
                body = list(nodes)
                outs = []
                for k, name in enumerate(inputs):
                    if not name:
                        continue
                    o = f"nms_input_{k}"
                    body.append(helper.make_node("Identity", [name], [o]))
                    used.add(name)
                    elem = types.get(name) or (inits[name].data_type if name in inits else
                                               (TensorProto.INT64 if k == 2 else TensorProto.FLOAT))
                    outs.append(helper.make_tensor_value_info(o, elem, None))
                graph = helper.make_graph(body, f"nms{len(entries)}",
                                          [helper.make_tensor_value_info(x, types[x], None) for x in outer], outs,
                                          [inits[x] for x in inits if x in used])
                sub = helper.make_model(graph, opset_imports=list(model.opset_import))
                sub.ir_version = model.ir_version
                name = f"nms{len(entries)}.onnx"
                onnx.save(sub, os.path.join(out, name))
                add(m, where, [f"nms_input_{k}" if x else "" for k, x in enumerate(inputs)], name, outer)
    for name in taps:
        g.output.append(helper.make_tensor_value_info(name, types.get(name, TensorProto.FLOAT), None))
    onnx.save(model, os.path.join(out, "tap.onnx"))
    with open(os.path.join(out, "nms.json"), "w") as f:
        json.dump(entries, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
