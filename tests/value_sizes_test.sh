#!/usr/bin/env bash
# tools/ort/value_sizes.js (issue 12): the sizes of value-dependent outputs as ONNX Runtime produces
# them on run.js's feed, mapped to the tensor names odonata's --input-shape takes. Two small models,
# written here with python3-onnx, whose sizes follow by hand from the feed (x: floats in (0, 1),
# integers 0):
#
#   ifnz.onnx    m = Concat(Ceil(x), Floor(x)) of x [2,3]: 6 ones and 6 zeros in a [4,3] tensor
#                nz_a = NonZero(m)                       2x6 (bound 2x12)
#                nz_b = NonZero(m), the same computation: 2x6 (ONNX Runtime may run it once)
#                nz_k = NonZero(k) of the int64 input k [3] of zeros: 1x0, empty (stated as such
#                       since 2026-12-07: --input-shape takes a 0 dimension for such an output)
#                If (Size(nz_a) > 0): then_branch nz_then = NonZero(Reshape(m, [12])): 1x6 (bound
#                       1x12); else_branch nz_else: never runs (left out)
#   loopnz.onnx  a Loop of 2 iterations whose body has nz_loop = NonZero(Ceil(x)): ran twice (left out)
#
# Then odonata takes the printed sizes: --input-shape nz_then=1x6 (a tensor inside an If branch,
# named as in the model file) is estimated with the stated 1x6, none goes unused. Exits 77 (ctest:
# skipped) without node, onnxruntime-node (tools/ort/node_modules: `cd tools/ort &&
# ONNXRUNTIME_NODE_INSTALL=skip npm ci`) or python3-onnx.
#
# usage: value_sizes_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3
tool=$src/tools/ort/value_sizes.js

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_value_sizes "$src"
skip_without_python_onnx ort_value_sizes
start_checks ort_value_sizes "$work"

/usr/bin/python3 - "$work" <<'PY' || { echo "ort_value_sizes: FAIL: cannot write the models"; exit 1; }
import sys
import onnx
from onnx import TensorProto, helper as h

work = sys.argv[1]
i64 = lambda name, values: h.make_tensor(name, TensorProto.INT64, [len(values)], values)

then_branch = h.make_graph(
    [h.make_node("NonZero", ["r"], ["nz_then"], name="nz_then"),
     h.make_node("Transpose", ["nz_then"], ["out_then"], name="t_then")],
    "then", [], [h.make_tensor_value_info("out_then", TensorProto.INT64, ["n", "r"])])
else_branch = h.make_graph(
    [h.make_node("Neg", ["r"], ["neg"], name="neg"),
     h.make_node("NonZero", ["neg"], ["nz_else"], name="nz_else"),
     h.make_node("Transpose", ["nz_else"], ["out_else"], name="t_else")],
    "else", [], [h.make_tensor_value_info("out_else", TensorProto.INT64, ["n", "r"])])
graph = h.make_graph(
    [h.make_node("Ceil", ["x"], ["c"], name="ceil"),
     h.make_node("Floor", ["x"], ["f"], name="floor"),
     h.make_node("Concat", ["c", "f"], ["m"], name="concat", axis=0),
     h.make_node("NonZero", ["m"], ["nz_a"], name="nz_a"),
     h.make_node("NonZero", ["m"], ["nz_b"], name="nz_b"),
     h.make_node("NonZero", ["k"], ["nz_k"], name="nz_k"),
     h.make_node("Size", ["nz_a"], ["size_a"], name="size_a"),
     h.make_node("Size", ["nz_b"], ["size_b"], name="size_b"),
     h.make_node("Size", ["nz_k"], ["size_k"], name="size_k"),
     h.make_node("Add", ["size_a", "size_b"], ["sum_ab"], name="sum_ab"),
     h.make_node("Add", ["sum_ab", "size_k"], ["sizes"], name="sizes"),
     h.make_node("Greater", ["size_a", "zero"], ["cond"], name="cond"),
     h.make_node("Reshape", ["m", "flat"], ["r"], name="flatten"),
     h.make_node("If", ["cond"], ["y"], name="if", then_branch=then_branch, else_branch=else_branch)],
    "ifnz",
    [h.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
     h.make_tensor_value_info("k", TensorProto.INT64, [3])],
    [h.make_tensor_value_info("y", TensorProto.INT64, ["n", "r"]),
     h.make_tensor_value_info("sizes", TensorProto.INT64, [])],
    [h.make_tensor("zero", TensorProto.INT64, [], [0]), i64("flat", [12])])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, f"{work}/ifnz.onnx")

body = h.make_graph(
    [h.make_node("Ceil", ["x"], ["cl"], name="ceil_loop"),
     h.make_node("NonZero", ["cl"], ["nz_loop"], name="nz_loop"),
     h.make_node("Size", ["nz_loop"], ["n_loop"], name="size_loop"),
     h.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going")],
    "body",
    [h.make_tensor_value_info("i", TensorProto.INT64, []), h.make_tensor_value_info("cond_in", TensorProto.BOOL, [])],
    [h.make_tensor_value_info("cond_out", TensorProto.BOOL, []), h.make_tensor_value_info("n_loop", TensorProto.INT64, [])])
graph = h.make_graph(
    [h.make_node("Loop", ["trips", "go"], ["counts"], name="loop", body=body)],
    "loopnz", [h.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [h.make_tensor_value_info("counts", TensorProto.INT64, [2])],
    [h.make_tensor("trips", TensorProto.INT64, [], [2]), h.make_tensor("go", TensorProto.BOOL, [], [True])])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, f"{work}/loopnz.onnx")
PY

# The sizes, one line per model with any (the Loop model has none it can state).
node "$tool" "$work/ifnz.onnx" "$work/loopnz.onnx" >"$work/out.txt" 2>"$work/err.txt" || fail "value_sizes.js exited $?: $(cat "$work/err.txt")"
printf 'ifnz\tnz_a=2x6;nz_b=2x6;nz_k=1x0;nz_then=1x6\n' >"$work/expected.txt"
cmp -s "$work/out.txt" "$work/expected.txt" || fail "stdout: got '$(cat "$work/out.txt")', expected '$(cat "$work/expected.txt")'"
has_err() {
  grep -qF -- "$1" "$work/err.txt" || fail "stderr lacks '$1': $(cat "$work/err.txt")"
}
has_err "value_sizes.js: ifnz: NonZero 'nz_else' not stated: not in the profile (in If 'if' else_branch: a branch not taken"
has_err "value_sizes.js: loopnz: NonZero 'nz_loop' not stated: ran 2 times in one run (in Loop 'loop' body), each time 2x6"
[ "$(wc -l <"$work/err.txt")" -eq 2 ] || fail "stderr: expected 2 lines: $(cat "$work/err.txt")"

# odonata takes every printed size, the one inside the If branch included, and uses each.
args=()
IFS=';' read -ra items <<<"$(cut -f2 "$work/out.txt")"
for item in "${items[@]}"; do args+=(--input-shape "$item"); done
"$odonata" estimate "$work/ifnz.onnx" --platform host-ort-cpu "${args[@]}" --format json >"$work/estimate.json" \
  2>"$work/estimate.err" || fail "odonata estimate with the sizes exited $?: $(cat "$work/estimate.err")"
grep -qF "4 outputs of NonZero nodes depend on input values; estimated with the stated sizes (first: 'nz_a' (from node 'nz_a' (NonZero)), 2x6, upper bound 2x12)" \
  "$work/estimate.err" || fail "odonata did not say it used the four sizes: $(cat "$work/estimate.err")"
shapes=$(/usr/bin/python3 -c 'import json, sys
print(" ".join(sorted("x".join(map(str, l["output_shape"])) for l in json.load(open(sys.argv[1]))["layers"] if l["op"] == "NonZero")))' \
  "$work/estimate.json") || fail "estimate.json unreadable"
# nz_k at its stated 1x0 (its bound 1x3 until 2026-12-07), nz_then inside the branch 1x6, nz_a and nz_b 2x6.
[ "$shapes" = "1x0 1x6 2x6 2x6" ] || fail "NonZero outputs in the estimate: '$shapes', expected '1x0 1x6 2x6 2x6'"
if grep -q "not used" "$work/estimate.err"; then fail "a stated size went unused: $(cat "$work/estimate.err")"; fi

# Not a model: one line naming the file, exit 1.
echo "hello" >"$work/not.onnx"
node "$tool" "$work/not.onnx" >/dev/null 2>"$work/bad.err"
rc=$?
[ "$rc" -eq 1 ] || fail "a text file: exit $rc, expected 1"
grep -qx "value_sizes.js: error: $work/not.onnx: not an ONNX model (protobuf wire type 4)" "$work/bad.err" ||
  fail "a text file: $(cat "$work/bad.err")"

if [ "$failures" -ne 0 ]; then
  echo "ort_value_sizes: $failures failure(s)"
  exit 1
fi
echo "ort_value_sizes: all checks passed"
