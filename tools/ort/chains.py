#!/usr/bin/python3
"""Synthetic chains of N cheap nodes, to measure ONNX Runtime's per-node dispatch cost.

    /usr/bin/python3 tools/ort/chains.py OUTDIR [--ops Relu,Add,...] [--nodes 1,2,5,...]

Writes OUTDIR/<op>_<N>.onnx (opset 13, float32) and OUTDIR/plan.csv
(``op,nodes,elements,model``): a chain ``x -> op -> op -> ... -> y`` of N nodes, each
reading the previous node's output, on a tensor so small (64 elements) that the kernel's
own work is tens of nanoseconds, so that ``session.run`` time minus the sum of kernel
times is the cost of running N nodes.  Constants are chosen so that ONNX Runtime's
optimizer cannot remove the nodes as no-ops (no Add of 0 or Mul of 1); it may still merge
or cancel some (consecutive Reshapes, pairs of inverse Transposes): the nodes that actually
ran are measured, not assumed (tools/ort/dispatch.js counts them in the profile).

Ops (each node's input is the previous output, shape [1, 64] unless said):
  Relu, Sigmoid, Tanh     unary element-wise
  Add, Mul                with a constant [64] (0.5 and 1.001)
  Softmax                 axis -1
  MatMul                  [1, 64] x [64, 64] constant
  Reshape                 [1, 64] <-> [8, 8] alternately
  Transpose               [8, 8] transposed each time (perm [1, 0])
  Concat                  with itself along axis 0, then Slice back ([1, 64] -> [2, 64] -> [1, 64]):
                          two nodes per step, N counts both
  Slice                   the last axis reversed (starts -1, ends INT64_MIN, steps -1): a copy that
                          keeps the shape (a no-op Slice would be removed by the optimizer)
  Gather                  axis -1 with a constant permutation of the indices (reversed): shape kept
  TransposeAdd            Transpose [a, b] -> [b, a] (perm [1, 0]) then Add of a constant, two nodes
                          per step, N counts both (Transposes alone cancel in pairs); less the Add
                          chain's slope, the Transpose's cost per node
  ReluReshape             Relu then Reshape ([1, 64] <-> [8, 8] alternately), two nodes per step, N
                          counts both (consecutive Reshapes would be merged); less the Relu chain's
                          slope, the cost of a Reshape that ONNX Runtime executes (odonata's `free`
                          ops; helper tinyfix, 2026-12-07)
  ReluUnsqueeze           Relu, Unsqueeze (axis 0: [1, 64] -> [1, 1, 64]), Relu, Squeeze (axis 0):
                          four nodes per step, N counts all; less the Relu chain's slope, the cost
                          of an executed Unsqueeze or Squeeze
  IfRelu                  an If on a bool graph input `cond` (the runners feed false) whose two branches
                          are each one Relu of the outer tensor, one If per step, N counts the Ifs; less
                          the Relu chain's slope, the cost of running a subgraph (Silero VAD's If,
                          which ONNX Runtime keeps: its condition reads a symbolic shape)

--selftest checks the ReluReshape, ReluUnsqueeze and IfRelu chains' structure (ctest chains_selftest).

--elements E1,E2,... (default 64) gives the tensor's elements (helper smallops, 2026-12-07: the
small generic nodes of Silero VAD and the tiny networks have 3-3,225); a model of E != 64 elements
is named <op>_<N>_e<E>.onnx. TransposeAdd runs on [a, b] with a the largest divisor of E at most
sqrt(E) (a 1 x E tensor for a prime E).
"""

import csv
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPS = ["Relu", "Sigmoid", "Tanh", "Add", "Mul", "Softmax", "MatMul", "Reshape", "Transpose", "Concat", "Slice",
       "Gather", "TransposeAdd", "ReluReshape", "ReluUnsqueeze", "IfRelu"]
NODES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
ELEMENTS = 64


def two_d(e):
    a = max(d for d in range(1, int(e ** 0.5) + 1) if e % d == 0)
    return [a, e // a]


def chain(op, n, elements=ELEMENTS):
    nodes, inits = [], []
    ELEMENTS = elements  # noqa: N806 (the module default, overridden per model)
    shape = [8, 8] if op == "Transpose" else two_d(ELEMENTS) if op == "TransposeAdd" else [1, ELEMENTS]
    cur = "x"
    rng = np.random.default_rng(n)

    def out(k):
        return "y" if k == n - 1 else "t%d" % k

    if op in ("Add", "Mul"):
        c = np.full([ELEMENTS], 0.5 if op == "Add" else 1.001, dtype=np.float32)
        inits.append(numpy_helper.from_array(c, "c"))
    if op == "TransposeAdd":
        inits.append(numpy_helper.from_array(np.full([shape[1], shape[0]], 0.5, dtype=np.float32), "cT"))
        inits.append(numpy_helper.from_array(np.full(shape, 0.5, dtype=np.float32), "c"))
    if op == "Slice":
        for name, v in (("starts", [-1]), ("ends", [np.iinfo(np.int64).min]), ("axes", [1]), ("steps", [-1])):
            inits.append(numpy_helper.from_array(np.array(v, dtype=np.int64), name))
    if op == "Gather":
        inits.append(numpy_helper.from_array(np.arange(ELEMENTS - 1, -1, -1, dtype=np.int64), "idx"))
    if op == "MatMul":
        w = (rng.standard_normal([ELEMENTS, ELEMENTS]) / 8).astype(np.float32)
        inits.append(numpy_helper.from_array(w, "w"))
    if op in ("Reshape", "ReluReshape"):
        inits.append(numpy_helper.from_array(np.array([8, 8], dtype=np.int64), "s88"))
        inits.append(numpy_helper.from_array(np.array([1, ELEMENTS], dtype=np.int64), "s164"))
    if op == "ReluUnsqueeze":
        inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "ax0"))
    if op == "Concat":
        for name, v in (("starts", [0]), ("ends", [1]), ("axes", [0])):
            inits.append(numpy_helper.from_array(np.array(v, dtype=np.int64), name))
    k = 0
    while k < n:
        name = "n%d" % k
        if op in ("Relu", "Sigmoid", "Tanh"):
            nodes.append(helper.make_node(op, [cur], [out(k)], name=name))
        elif op in ("Add", "Mul"):
            nodes.append(helper.make_node(op, [cur, "c"], [out(k)], name=name))
        elif op == "Softmax":
            nodes.append(helper.make_node(op, [cur], [out(k)], name=name, axis=-1))
        elif op == "MatMul":
            nodes.append(helper.make_node(op, [cur, "w"], [out(k)], name=name))
        elif op == "Reshape":
            target = "s88" if k % 2 == 0 else "s164"
            nodes.append(helper.make_node(op, [cur, target], [out(k)], name=name))
        elif op == "ReluReshape":
            # step j = k // 2: Relu, then Reshape to [8, 8] (even j) or back to [1, E] (odd j)
            target = "s88" if (k // 2) % 2 == 0 else "s164"
            if k + 1 < n:
                mid = "m%d" % k
                nodes.append(helper.make_node("Relu", [cur], [mid], name=name))
                nodes.append(helper.make_node("Reshape", [mid, target], [out(k + 1)], name="n%d" % (k + 1)))
                k += 1
            else:  # odd N: the last node alone is a Relu
                nodes.append(helper.make_node("Relu", [cur], [out(k)], name=name))
        elif op == "ReluUnsqueeze":
            # Relu, Unsqueeze, Relu, Squeeze: k % 4 says which
            kind = ("Relu", "Unsqueeze", "Relu", "Squeeze")[k % 4]
            extra = [] if kind == "Relu" else ["ax0"]
            nodes.append(helper.make_node(kind, [cur] + extra, [out(k)], name=name))
        elif op == "IfRelu":
            then_g = helper.make_graph([helper.make_node("Relu", [cur], ["r%d" % k], name="then%d" % k)],
                                       "then%d" % k, [],
                                       [helper.make_tensor_value_info("r%d" % k, TensorProto.FLOAT, shape)])
            else_g = helper.make_graph([helper.make_node("Relu", [cur], ["g%d" % k], name="else%d" % k)],
                                       "else%d" % k, [],
                                       [helper.make_tensor_value_info("g%d" % k, TensorProto.FLOAT, shape)])
            nodes.append(helper.make_node("If", ["cond"], [out(k)], name=name, then_branch=then_g,
                                          else_branch=else_g))
        elif op == "Transpose":
            nodes.append(helper.make_node(op, [cur], [out(k)], name=name, perm=[1, 0]))
        elif op == "Slice":
            nodes.append(helper.make_node(op, [cur, "starts", "ends", "axes", "steps"], [out(k)], name=name))
        elif op == "Gather":
            nodes.append(helper.make_node(op, [cur, "idx"], [out(k)], name=name, axis=1))
        elif op == "TransposeAdd":
            # after an odd number of Transposes the tensor is [b, a]
            transposed = (k // 2) % 2 == 0
            if k + 1 < n:
                mid = "m%d" % k
                nodes.append(helper.make_node("Transpose", [cur], [mid], name=name, perm=[1, 0]))
                nodes.append(helper.make_node("Add", [mid, "cT" if transposed else "c"], [out(k + 1)],
                                              name="n%d" % (k + 1)))
                k += 1
            else:  # odd N: the last node alone is a Transpose
                nodes.append(helper.make_node("Transpose", [cur], [out(k)], name=name, perm=[1, 0]))
        elif op == "Concat":
            if k + 1 < n:
                mid = "m%d" % k
                nodes.append(helper.make_node("Concat", [cur, cur], [mid], name=name, axis=0))
                nodes.append(helper.make_node("Slice", [mid, "starts", "ends", "axes"], [out(k + 1)],
                                              name="n%d" % (k + 1)))
                k += 1
            else:  # odd N: the last node alone is a Concat
                nodes.append(helper.make_node("Concat", [cur, cur], [out(k)], name=name, axis=0))
        cur = out(k)
        k += 1
    if op == "Reshape" and n % 2 == 1:
        out_shape = [8, 8]
    elif op == "ReluReshape" and (n // 2) % 2 == 1:
        out_shape = [8, 8]
    elif op == "ReluUnsqueeze" and n % 4 in (2, 3):
        out_shape = [1] + shape
    elif op == "Concat" and n % 2 == 1:
        out_shape = [2, ELEMENTS]
    elif op == "TransposeAdd" and (n + 1) // 2 % 2 == 1:
        out_shape = [shape[1], shape[0]]
    else:
        out_shape = shape
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)]
    if op == "IfRelu":
        inputs.append(helper.make_tensor_value_info("cond", TensorProto.BOOL, []))
    g = helper.make_graph(nodes, "%s_chain_%d" % (op, n), inputs,
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="tools/ort/chains.py")
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


def selftest():
    """The chain ops of helper tinyfix (`--selftest`, ctest chains_selftest): per N, the op
    sequence, and the declared output shape both the hand-derived one and ONNX's strict
    shape inference's."""
    from onnx import shape_inference
    for n in range(1, 10):
        for op, cycle in (("ReluReshape", ["Relu", "Reshape"]), ("ReluUnsqueeze", ["Relu", "Unsqueeze", "Relu", "Squeeze"]),
                          ("IfRelu", ["If"])):
            m = chain(op, n)
            ops = [node.op_type for node in m.graph.node]
            want = [cycle[k % len(cycle)] for k in range(n)]
            if op == "ReluReshape" and n % 2 == 1:
                want[-1] = "Relu"  # an odd N ends on a lone Relu
            assert ops == want, (op, n, ops, want)
            # strict inference raises when the declared output shape differs from the inferred one
            shape_inference.infer_shapes(m, strict_mode=True)
            declared = [d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim]
            want_shape = {"ReluReshape": [8, 8] if (n // 2) % 2 == 1 else [1, 64],
                          "ReluUnsqueeze": [1, 1, 64] if n % 4 in (2, 3) else [1, 64], "IfRelu": [1, 64]}[op]
            assert declared == want_shape, (op, n, declared, want_shape)
        # IfRelu: each If reads `cond` and the previous tensor from the outer scope
        m = chain("IfRelu", n)
        assert all(node.input == ["cond"] for node in m.graph.node)
        assert [i.name for i in m.graph.input] == ["x", "cond"]
    print("chains.py: selftest passed")
    return 0


def main(argv):
    if argv == ["--selftest"]:
        return selftest()
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[0]
    ops, counts, sizes = OPS, NODES, [ELEMENTS]
    i = 1
    while i < len(argv):
        if argv[i] == "--ops" and i + 1 < len(argv):
            ops = argv[i + 1].split(",")
            i += 2
        elif argv[i] == "--elements" and i + 1 < len(argv):
            sizes = [int(x) for x in argv[i + 1].split(",")]
            if any(e < 2 for e in sizes):
                sys.stderr.write("chains.py: --elements takes sizes of at least 2\n")
                return 2
            i += 2
        elif argv[i] == "--nodes" and i + 1 < len(argv):
            counts = [int(x) for x in argv[i + 1].split(",")]
            i += 2
        else:
            sys.stderr.write("chains.py: unknown argument %r\n" % argv[i])
            return 2
    for op in ops:
        if op not in OPS:
            sys.stderr.write("chains.py: unknown op %r (%s)\n" % (op, ", ".join(OPS)))
            return 2
    os.makedirs(os.path.join(outdir, "models"), exist_ok=True)
    rows = []
    for op in ops:
        for e in sizes:
            for n in counts:
                tail = "" if e == ELEMENTS else "_e%d" % e
                rel = "models/%s_%d%s.onnx" % (op.lower(), n, tail)
                onnx.save(chain(op, n, e), os.path.join(outdir, rel))
                rows.append({"op": op, "nodes": n, "elements": e, "model": rel})
    with open(os.path.join(outdir, "plan.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["op", "nodes", "elements", "model"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print("chains.py: wrote %d models to %s" % (len(rows), outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
