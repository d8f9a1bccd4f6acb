#!/usr/bin/env bash
# tools/ort/run.js's out_rows column (issue 12): a NonMaxSuppression sweep model's measured
# output rows, which `odonata fit` gives the layer (LayerDim "kept"). Sweep models of 30 boxes
# (odonata sweep --op NonMaxSuppression, IoU 0.5, no score threshold, at most 30 per class) in
# `groups` groups that never overlap (run.js's feed): one box is kept, and with 30 groups of
# one box nothing is suppressed, so out_rows is 1 and 30 by hand; with 1 group of 30 random
# boxes some overlap (at least 1 kept, fewer than 30). A Relu model in the same run gets an empty out_rows. Only the
# column is checked, never a time. Exits 77 (ctest: skipped) without node or onnxruntime-node
# (tools/ort/node_modules).
#
# usage: run_nms_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_run_nms "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_run_nms: FAIL: $*"
  exit 1
}

# 1 box (1 group) and 30 boxes in 30 groups of one; 30 boxes in one group.
# NonMaxSuppressionIoU (IoU threshold kernel_h / 100) gets the same feed: 30 disjoint boxes all kept.
for spec in "one NonMaxSuppression 1 1" "disjoint NonMaxSuppression 30 30" "overlapping NonMaxSuppression 30 1" \
  "iou NonMaxSuppressionIoU 30 30,kernel=30"; do
  set -- $spec
  "$odonata" sweep --op "$2" --design 1d --dims in_h --min "$3" --max "$3" --around groups="$4" \
    --out "$work/$1" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
done
"$odonata" sweep --op Relu --design 1d --dims in_c --min 8 --max 8 --around in_c=8,hw=4 \
  --out "$work/relu" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
node "$src/tools/ort/run.js" --sweep "$work/one" "$work/disjoint" "$work/overlapping" "$work/iou" "$work/relu" --threads 1 --passes 2 --warmup 1 --repeats 3 \
  --min-time 1 --max-repeats 3 --min-ms 0 --latency run --out "$work/out.csv" 2>"$work/err" >/dev/null ||
  die "run.js: $(tail -3 "$work/err")"

/usr/bin/python3 - "$work/out.csv" <<'PY' || exit 1
import csv, sys
rows = list(csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#")))
h = rows[0]
assert h[-4:] == ["out_rows", "nms_compares", "pass_medians_ms", "pass_ref_ratios"], h
got = {(r[h.index("op")], r[h.index("in_h")], r[h.index("groups")]): r[h.index("out_rows")] for r in rows[1:]}
cmp = {(r[h.index("op")], r[h.index("in_h")], r[h.index("groups")]): r[h.index("nms_compares")] for r in rows[1:]}
assert set(got) == {("NonMaxSuppression", "1", "1"), ("NonMaxSuppression", "30", "30"),
                    ("NonMaxSuppression", "30", "1"), ("NonMaxSuppressionIoU", "30", "30"), ("Relu", "4", "1")}, got
assert got[("NonMaxSuppression", "1", "1")] == "1", got  # one box: kept
assert got[("NonMaxSuppression", "30", "30")] == "30", got  # 30 disjoint boxes: all kept
assert got[("NonMaxSuppressionIoU", "30", "30")] == "30", got  # the same at IoU 0.3
one = int(got[("NonMaxSuppression", "30", "1")])
assert 1 <= one < 30, got  # 30 random boxes of one group: some suppressed
assert got[("Relu", "4", "1")] == "", got
# nms_compares, ONNX Runtime's IoU comparisons: one box none; 30 disjoint boxes, each kept and compared
# with every box kept before it, 0 + 1 + ... + 29 = 435 (at IoU 0.3 too); 30 overlapping boxes of which
# k are kept: the kept ones k (k - 1) / 2, each suppressed one at least 1, at most all boxes kept before it.
assert cmp[("NonMaxSuppression", "1", "1")] == "0", cmp
assert cmp[("NonMaxSuppression", "30", "30")] == "435", cmp
assert cmp[("NonMaxSuppressionIoU", "30", "30")] == "435", cmp
assert one * (one - 1) // 2 + (30 - one) <= int(cmp[("NonMaxSuppression", "30", "1")]) < 435, (cmp, one)
assert cmp[("Relu", "4", "1")] == "", cmp
PY
# odonata reads the column back: the file fits (4 NMS rows, the least a class needs), and the
# same file with one count above its layer's bound (out_rows, the fourth column from the end) is an error naming the line and column.
"$odonata" fit "$work/out.csv" --base host-ort-cpu --out "$work/fit.json" >/dev/null 2>"$work/err" ||
  die "odonata does not fit run.js's CSV: $(head -3 "$work/err")"
[ -s "$work/fit.json" ] || die "no fitted profile"  # which estimator wins depends on the times: not checked
awk -F, -v OFS=, '/^NonMaxSuppression/ && $4 == 30 && $11 == 30 {$(NF - 3) = 31} {print}' "$work/out.csv" >"$work/bad.csv"
"$odonata" fit "$work/bad.csv" --base host-ort-cpu --out "$work/fit.json" >/dev/null 2>"$work/err" && die "fit of bad.csv succeeded"
grep -q "bad.csv:[0-9]*: out_rows: 31 rows exceed the output's bound of 30" "$work/err" ||
  die "no out_rows error: $(head -3 "$work/err")"
echo "ort_run_nms: ok"
