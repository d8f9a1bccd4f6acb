#!/usr/bin/env bash
# tools/ort/run.js's reorder columns (issue 12): the NCHWc ReorderInput/ReorderOutput that ONNX
# Runtime runs around a single-layer sweep model's Conv, read from the profile in node latency
# mode. A 3x3 Conv of 32 -> 32 channels on 8x8 is reordered in and out: 32x8x8 = 2048 elements
# each way; one of 3 -> 32 channels reads its NCHW input directly (fewer input channels than
# the block): no ReorderInput, its in columns empty. A Relu model has neither. Only the columns'
# presence and element counts are checked, never a time. Exits 77 (ctest: skipped) without node
# or onnxruntime-node (tools/ort/node_modules).
#
# usage: run_reorders_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_run_reorders "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_run_reorders: FAIL: $*"
  exit 1
}

"$odonata" sweep --op Conv --design 1d --dims in_c --min 3 --max 3 --around in_c=3,out_c=32,hw=8,kernel=3 \
  --out "$work/c3" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
"$odonata" sweep --op Conv --design 1d --dims in_c --min 32 --max 32 --around in_c=32,out_c=32,hw=8,kernel=3 \
  --out "$work/c32" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
"$odonata" sweep --op Relu --design 1d --dims in_c --min 8 --max 8 --around in_c=8,hw=4 \
  --out "$work/relu" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
node "$src/tools/ort/run.js" --sweep "$work/c3" "$work/c32" "$work/relu" --threads 1 --passes 1 --warmup 1 \
  --repeats 3 --min-time 1 --max-repeats 3 --min-ms 0 --latency node --out "$work/out.csv" 2>"$work/err" >/dev/null ||
  die "run.js: $(tail -3 "$work/err")"

/usr/bin/python3 - "$work/out.csv" <<'PY' || exit 1
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
got = {(r["op"], r["in_c"]): r for r in rows}
assert set(got) == {("Conv", "3"), ("Conv", "32"), ("Relu", "8")}, got
c32, c3, relu = got[("Conv", "32")], got[("Conv", "3")], got[("Relu", "8")]
assert c32["reorder_in_elems"] == "2048" and c32["reorder_out_elems"] == "2048", c32
assert float(c32["reorder_in_ms"]) > 0 and float(c32["reorder_out_ms"]) > 0, c32
assert c3["reorder_in_ms"] == "" and c3["reorder_in_elems"] == "", c3
assert c3["reorder_out_elems"] == "2048", c3
assert all(relu[k] == "" for k in ("reorder_in_ms", "reorder_in_elems", "reorder_out_ms", "reorder_out_elems")), relu
PY
echo "ort_run_reorders: ok"
