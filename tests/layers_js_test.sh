#!/usr/bin/env bash
# tools/ort/layers.js (issue 12's per-layer comparison): ONNX Runtime names an NCHWc or fused
# node after the tensor it writes, which exporters other than torch name freely (YuNet's
# Conv_0 writes "458"): a profile node "458_nchwc" belongs to the layer covering Conv_0,
# through the model's node outputs. A node named like an ONNX node matches it; a reorder
# matches no layer; YuNet int8's QLinearConv "Conv_6_token_23" matches Conv_6; EfficientNet-B0's
# QuickGelu "<Mul>/QuickGeluFusion/" matches its Sigmoid+Mul layer. --input-shape reaches
# odonata (Silero VAD has symbolic input dims).
# The profile is written here by hand (no ONNX Runtime needed); times are the test's own.
# Exits 77 (ctest: skipped) without node.
#
# usage: layers_js_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3
command -v node >/dev/null || { echo "layers_js: node not found: skipped"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
die() {
  echo "layers_js: FAIL: $*"
  exit 1
}

cat >"$work/yunet.json" <<'JSON'
[{"cat": "Session", "name": "model_run", "ts": 0, "dur": 1000},
 {"cat": "Node", "name": "458_nchwc_kernel_time", "ts": 10, "dur": 100, "args": {"op_name": "Conv"}},
 {"cat": "Node", "name": "Conv_82_kernel_time", "ts": 200, "dur": 50, "args": {"op_name": "Conv"}},
 {"cat": "Node", "name": "reorder_token_1_kernel_time", "ts": 300, "dur": 7, "args": {"op_name": "ReorderOutput"}}]
JSON
node "$src/tools/ort/layers.js" --json "$odonata" "$src/models/third-party/yunet_n_320.onnx" host-ort-cpu \
  "$work/yunet.json" >"$work/yunet.out" 2>"$work/err" || die "layers.js on YuNet: $(cat "$work/err")"
/usr/bin/python3 - "$work/yunet.out" <<'PY' || die "YuNet's matches (above)"
import json, sys
r = json.load(open(sys.argv[1]))
stem = next(l for l in r["layers"] if l["name"] == "Conv_0")
conv82 = next(l for l in r["layers"] if l["name"] == "Conv_82")
ok = abs(stem["measured_ms"] - 0.1) < 1e-9 and stem["ort_nodes"] == 1
ok = ok and abs(conv82["measured_ms"] - 0.05) < 1e-9 and conv82["ort_nodes"] == 1
ok = ok and [x["op"] for x in r["ort_only"]] == ["ReorderOutput"]
ok = ok and sum(1 for l in r["layers"] if l["measured_ms"] is not None) == 2
if not ok:
    print(json.dumps({"Conv_0": stem, "Conv_82": conv82, "ort_only": r["ort_only"]}))
sys.exit(0 if ok else 1)
PY

# YuNet int8 (QDQ): ONNX Runtime names the QLinearConv it fuses DequantizeLinear -> Conv_6 ->
# QuantizeLinear into "Conv_6_token_23"; it belongs to the layer covering Conv_6. An unnamed
# node's "_token_9" and a Transpose ONNX Runtime adds ("Transpose_token_5") match no layer.
cat >"$work/yunet_int8.json" <<'JSON'
[{"cat": "Session", "name": "model_run", "ts": 0, "dur": 1000},
 {"cat": "Node", "name": "Conv_6_token_23_kernel_time", "ts": 10, "dur": 24, "args": {"op_name": "QLinearConv"}},
 {"cat": "Node", "name": "Conv_6_token_23_kernel_time", "ts": 40, "dur": 26, "args": {"op_name": "QLinearConv"}},
 {"cat": "Node", "name": "_token_9_kernel_time", "ts": 70, "dur": 5, "args": {"op_name": "QLinearConv"}},
 {"cat": "Node", "name": "Transpose_token_5_kernel_time", "ts": 80, "dur": 3, "args": {"op_name": "Transpose"}}]
JSON
node "$src/tools/ort/layers.js" --json "$odonata" "$src/models/third-party/yunet_n_320_int8_qdq.onnx" host-ort-cpu \
  "$work/yunet_int8.json" >"$work/yunet_int8.out" 2>"$work/err" || die "layers.js on YuNet int8: $(cat "$work/err")"
/usr/bin/python3 - "$work/yunet_int8.out" <<'PY' || die "YuNet int8's matches (above)"
import json, sys
r = json.load(open(sys.argv[1]))
conv6 = next(l for l in r["layers"] if l["name"] == "Conv_6")
ok = abs(conv6["measured_ms"] - 0.025) < 1e-9 and conv6["ort_nodes"] == 1  # median of 24 and 26 us
ok = ok and sorted(x["op"] for x in r["ort_only"]) == ["QLinearConv", "Transpose"]
ok = ok and sum(1 for l in r["layers"] if l["measured_ms"] is not None) == 1
if not ok:
    print(json.dumps({"Conv_6": conv6, "ort_only": r["ort_only"]}))
sys.exit(0 if ok else 1)
PY

# EfficientNet-B0's SiLU (Sigmoid + Mul): ONNX Runtime fuses it into a QuickGelu node named
# "<Mul node>/QuickGeluFusion/"; it belongs to the layer covering that Mul (odonata's Sigmoid+Mul layer).
cat >"$work/effnet.json" <<'JSON'
[{"cat": "Session", "name": "model_run", "ts": 0, "dur": 1000},
 {"cat": "Node", "name": "/features/features.0/features.0.2/Mul/QuickGeluFusion/_kernel_time", "ts": 10, "dur": 13,
  "args": {"op_name": "QuickGelu"}},
 {"cat": "Node", "name": "/features/features.0/features.0.2/Mul/OtherFusion/x_kernel_time", "ts": 30, "dur": 2,
  "args": {"op_name": "QuickGelu"}}]
JSON
node "$src/tools/ort/layers.js" --json "$odonata" "$src/models/efficientnet_b0.onnx" host-ort-cpu \
  "$work/effnet.json" >"$work/effnet.out" 2>"$work/err" || die "layers.js on EfficientNet-B0: $(cat "$work/err")"
/usr/bin/python3 - "$work/effnet.out" <<'PY' || die "EfficientNet-B0's QuickGelu match (above)"
import json, sys
r = json.load(open(sys.argv[1]))
silu = next(l for l in r["layers"] if l["name"] == "/features/features.0/features.0.2/Sigmoid")
ok = silu["measured_ms"] is not None and abs(silu["measured_ms"] - 0.013) < 1e-9 and silu["ort_nodes"] == 1
ok = ok and [x["name"] for x in r["ort_only"]] == ["/features/features.0/features.0.2/Mul/OtherFusion/x"]
ok = ok and sum(1 for l in r["layers"] if l["measured_ms"] is not None) == 1
if not ok:
    print(json.dumps({"silu": silu, "ort_only": r["ort_only"]}))
sys.exit(0 if ok else 1)
PY

echo '[{"cat": "Session", "name": "model_run", "ts": 0, "dur": 100}]' >"$work/silero.json"
node "$src/tools/ort/layers.js" --json "$odonata" "$src/models/third-party/silero_vad_v3.onnx" host-ort-cpu \
  "$work/silero.json" >/dev/null 2>&1 && die "Silero VAD without --input-shape should fail (symbolic dims)"
node "$src/tools/ort/layers.js" --json --input-shape input=1x1536 --input-shape h0=2x1x64 --input-shape c0=2x1x64 \
  "$odonata" "$src/models/third-party/silero_vad_v3.onnx" host-ort-cpu "$work/silero.json" >"$work/silero.out" \
  2>"$work/err" || die "layers.js on Silero VAD with its shapes: $(cat "$work/err")"
grep -q '"LSTM"' "$work/silero.out" || die "Silero VAD's layers lack its LSTM"
echo "layers_js: ok"
