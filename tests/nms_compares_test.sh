#!/usr/bin/env bash
# The IoU comparisons of a network's NonMaxSuppression loops on run.js's feed (helper nmsfit,
# 2026-12-07): tools/ort/nms_inputs.py makes the NMS inputs reachable (an NMS inside an If branch
# reads values of the main graph, as torchvision's detectors do), value_sizes.js --compares replays
# ONNX Runtime's loop on them, and odonata takes the counts with --nms-compares.
#
# nmsc.onnx: five boxes of one class, corners (y1, x1, y2, x2), scores descending, computed from the
# input x (+ 0 x sum(x)) so that nothing is a constant; the If's condition is Size(x) > 0 (a shape:
# odonata takes the then_branch, names kept, as SSDlite's):
#   b0 [0,0,1,1] .9   b1 [0,0,1,1] .8   b2 [2,2,3,3] .7   b3 [2,2,3.1,3] .6   b4 [5,5,6,6] .5
# IoU threshold 0.5. By hand: b0 selected (0 comparisons); b1 = b0, suppressed at its 1st comparison
# (1); b2 apart from b0, selected (1); b3 overlaps b2 by 1/1.1 > 0.5: compared with b0, then b2 (2);
# b4 apart from both, selected (2). So:
#   sel_if  (in the If's then_branch, max 10): kept 3, 1 + 1 + 2 + 2 = 6 comparisons
#   sel_thr (main graph, score_threshold 0.55: b4 is no candidate): kept 2, 1 + 1 + 2 = 4
#   sel_max (main graph, max_output_boxes_per_class 2: the loop ends after b2): kept 2, 1 + 1 = 2
# The bound for 3 kept of 5 (every suppressed candidate compared with all kept): 3 + 2 x 3 = 9.
#
# usage: nms_compares_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3
tool=$src/tools/ort/value_sizes.js

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_nms_compares "$src"
skip_without_python_onnx ort_nms_compares
start_checks ort_nms_compares "$work"

/usr/bin/python3 - "$work" <<'PY' || { echo "ort_nms_compares: FAIL: cannot write the model"; exit 1; }
import sys
import onnx
from onnx import TensorProto, helper as h

work = sys.argv[1]
f32 = lambda name, dims, values: h.make_tensor(name, TensorProto.FLOAT, dims, values)
i64 = lambda name, values: h.make_tensor(name, TensorProto.INT64, [len(values)], values)
boxes = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3.1, 3, 5, 5, 6, 6]
scores = [.9, .8, .7, .6, .5]
then_branch = h.make_graph(
    [h.make_node("NonMaxSuppression", ["b", "s", "max10", "iou"], ["sel_if"], name="nms_if"),
     h.make_node("Transpose", ["sel_if"], ["out_if"], name="t_if")],
    "then", [], [h.make_tensor_value_info("out_if", TensorProto.INT64, [3, "k"])],
    [i64("max10", [10]), f32("iou", [1], [0.5])])
else_branch = h.make_graph(
    [h.make_node("Identity", ["none"], ["sel_none"], name="none")],
    "else", [], [h.make_tensor_value_info("sel_none", TensorProto.INT64, [3, 0])],
    [h.make_tensor("none", TensorProto.INT64, [3, 0], [])])
graph = h.make_graph(
    [h.make_node("ReduceSum", ["x"], ["sum"], name="sum", keepdims=0),
     h.make_node("Mul", ["sum", "zero"], ["z"], name="z"),
     h.make_node("Add", ["boxes_c", "z"], ["b"], name="b"),
     h.make_node("Add", ["scores_c", "z"], ["s"], name="s"),
     h.make_node("Size", ["x"], ["size"], name="size"),
     h.make_node("Greater", ["size", "zero_i"], ["cond"], name="cond"),
     h.make_node("If", ["cond"], ["sel_if_out"], name="if", then_branch=then_branch, else_branch=else_branch),
     h.make_node("NonMaxSuppression", ["b", "s", "max10", "iou", "thr"], ["sel_thr"], name="nms_thr"),
     h.make_node("NonMaxSuppression", ["b", "s", "max2", "iou"], ["sel_max"], name="nms_max")],
    "nmsc", [h.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [h.make_tensor_value_info("sel_if_out", TensorProto.INT64, [3, "k"]),
     h.make_tensor_value_info("sel_thr", TensorProto.INT64, ["k2", 3]),
     h.make_tensor_value_info("sel_max", TensorProto.INT64, ["k3", 3])],
    [f32("boxes_c", [1, 5, 4], boxes), f32("scores_c", [1, 1, 5], scores), f32("zero", [], [0]),
     h.make_tensor("zero_i", TensorProto.INT64, [], [0]), i64("max10", [10]), i64("max2", [2]), f32("iou", [1], [0.5]), f32("thr", [1], [0.55])])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, f"{work}/nmsc.onnx")
PY

node "$tool" --compares "$work/nmsc.onnx" >"$work/out.txt" 2>"$work/err.txt" || fail "value_sizes.js exited $?: $(cat "$work/err.txt")"
printf 'nmsc\tsel_if=3x3;sel_max=2x3;sel_thr=2x3\nnmsc\tnms_compares\tsel_if=6;sel_max=2;sel_thr=4\n' >"$work/expected.txt"
cmp -s "$work/out.txt" "$work/expected.txt" || fail "stdout: got '$(cat "$work/out.txt")', expected '$(cat "$work/expected.txt")'"
[ ! -s "$work/err.txt" ] || fail "stderr: $(cat "$work/err.txt")"

# odonata takes the sizes and the counts.
args=()
IFS=';' read -ra items <<<"$(head -1 "$work/out.txt" | cut -f2)"
for item in "${items[@]}"; do args+=(--input-shape "$item"); done
IFS=';' read -ra items <<<"$(sed -n 2p "$work/out.txt" | cut -f3)"
for item in "${items[@]}"; do args+=(--nms-compares "$item"); done
"$odonata" estimate "$work/nmsc.onnx" --platform host-ort-cpu "${args[@]}" >/dev/null 2>"$work/estimate.err" ||
  fail "odonata estimate with the counts exited $?: $(cat "$work/estimate.err")"

# Errors: at most three lines, non-zero exit. A count above the bound for the stated kept boxes.
expect_error() {
  local rc=$1 text=$2
  shift 2
  "$odonata" "$@" >/dev/null 2>"$work/e.err"
  local got=$?
  [ "$got" -eq "$rc" ] || fail "'$*': exit $got, expected $rc"
  grep -qF -- "$text" "$work/e.err" || fail "'$*': stderr lacks '$text': $(cat "$work/e.err")"
  [ "$(wc -l <"$work/e.err")" -le 3 ] || fail "'$*': more than 3 lines: $(cat "$work/e.err")"
}
expect_error 1 "--nms-compares sel_if: 10 exceeds the bound of 9 for the kept boxes" \
  estimate "$work/nmsc.onnx" --platform host-ort-cpu --input-shape sel_if=3x3 --nms-compares sel_if=10
expect_error 1 "--nms-compares: no NonMaxSuppression writes 'sel' (its outputs: " \
  estimate "$work/nmsc.onnx" --platform host-ort-cpu --nms-compares sel=3
expect_error 2 "'sel_if' is not NAME=COUNT" estimate "$work/nmsc.onnx" --platform host-ort-cpu --nms-compares sel_if
expect_error 2 "'sel_if=many': 'many' is not an integer >= 0" \
  estimate "$work/nmsc.onnx" --platform host-ort-cpu --nms-compares sel_if=many
expect_error 2 "'sel_if=-1': '-1' is not an integer >= 0" estimate "$work/nmsc.onnx" --platform host-ort-cpu --nms-compares sel_if=-1
expect_error 2 "--nms-compares: output 'sel_if' given more than once" \
  estimate "$work/nmsc.onnx" --platform host-ort-cpu --nms-compares sel_if=1 --nms-compares sel_if=2

if [ "$failures" -ne 0 ]; then
  echo "ort_nms_compares: $failures failure(s)"
  exit 1
fi
echo "ort_nms_compares: all checks passed"
