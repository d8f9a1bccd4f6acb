import onnx, sys
from onnx import helper, TensorProto
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inits = set(i.name for i in g.initializer)
outer = []
def walk(graph, depth):
    for n in graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                sg = a.g
                ops = [x.op_type for x in sg.node]
                if "NonMaxSuppression" in ops:
                    prod = set(o for x in sg.node for o in x.output) | set(i.name for i in sg.initializer)
                    for x in sg.node:
                        for i in x.input:
                            if i and i not in prod and i not in outer: outer.append(i)
                    print(n.name, a.name, [(x.op_type, list(x.input)) for x in sg.node if x.op_type in ("NonMaxSuppression",)])
                walk(sg, depth + 1)
walk(g, 0)
# types from shape inference
inf = onnx.shape_inference.infer_shapes(m)
types = {v.name: v.type.tensor_type.elem_type for v in list(inf.graph.value_info) + list(inf.graph.output) + list(inf.graph.input)}
for name in outer:
    print("tap", name, types.get(name))
    g.output.append(helper.make_tensor_value_info(name, types.get(name, TensorProto.FLOAT), None))
onnx.save(m, dst)
