#!/usr/bin/env bash
# tools/ort/cache_state.js's reference guard (--reference, --ref-baseline-ms, --max-median-ratio), issue 12
# (lead, 2026-12-07; run 27's cache step ran 1.2-2.3x slow, unseen): two 1-element Relu models timed warm and
# cold (1 MiB flush) with a third as the reference. A given baseline of 1 ns makes every reference check
# thousands of times its baseline: the file is written with that verdict in its first line and the exit
# status is 3; a baseline of 1 s makes the median ratio far below 1: exit 0. Without --max-median-ratio the
# verdict is written but the status is 0. Bad options stop with a short error and no output file. Never
# checks a time. Exits 77 (ctest: skipped) without node or onnxruntime-node.
#
# usage: cache_guard_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_cache_guard "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_cache_guard: FAIL: $*"
  exit 1
}
"$odonata" sweep --op Relu --design 1d --dims in_c --min 1 --max 3 --step 1 --around in_c=1,hw=1 \
  --out "$work/relu" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
m=("$work/relu/models/00000.onnx" "$work/relu/models/00001.onnx")
ref="$work/relu/models/00002.onnx"
cs() {  # OUT ARGS...: cache_state.js with tiny budgets; prints its exit status
  local out=$1
  shift
  node "$src/tools/ort/cache_state.js" --out "$out" --passes 2 --warmup 1 --repeats 3 --min-ms 0 --flush-mb 1 \
    --tries 1 "$@" "${m[@]}" 2>"$work/err" >/dev/null
  echo $?
}

rc=$(cs "$work/slow.csv" --reference "$ref" --ref-baseline-ms 0.000001 --max-median-ratio 1.15)
[ "$rc" = 3 ] || die "baseline 1 ns: exit $rc, expected 3: $(cat "$work/err")"
grep -q 'above --max-median-ratio 1.15' "$work/err" || die "no verdict on stderr: $(cat "$work/err")"
rc=$(cs "$work/fast.csv" --reference "$ref" --ref-baseline-ms 1000 --max-median-ratio 1.15)
[ "$rc" = 0 ] || die "baseline 1 s: exit $rc: $(cat "$work/err")"
rc=$(cs "$work/own.csv" --reference "$ref")
[ "$rc" = 0 ] || die "own baseline: exit $rc: $(cat "$work/err")"
rc=$(cs "$work/none.csv")
[ "$rc" = 0 ] || die "no reference: exit $rc: $(cat "$work/err")"
/usr/bin/python3 - "$work" <<'PY' || exit 1
import csv, re, sys
w = sys.argv[1]
def first(name):
    return open(f"{w}/{name}.csv").readline()
def rows(name):
    return list(csv.DictReader(l for l in open(f"{w}/{name}.csv") if not l.startswith("#")))
# 2 models x 2 modes x 2 passes = 8 timings, each with a reference check before and after.
m = re.search(r"baseline 0\.000001 ms \(given\): median ratio (\d+\.\d+), 8 of 8 timings above 1\.15 \(100\.0%\)", first("slow"))
assert m and float(m.group(1)) > 1000, first("slow")
m = re.search(r"baseline 1000 ms \(given\): median ratio (\d+\.\d+), 0 of 8 timings above 1\.15 \(0\.0%\)", first("fast"))
assert m and float(m.group(1)) < 0.01, first("fast")
# Its own baseline needs 10 checks: the last 3 of the 8 timings (checks 9-16) have a ratio.
assert re.search(r"baseline of its own checks: median ratio \d+\.\d+, \d of 3 timings above", first("own")), first("own")
assert "reference" not in first("none"), first("none")
for name in ("slow", "fast", "own", "none"):
    r = rows(name)
    assert [x["model"] for x in r] == ["00000.onnx", "00001.onnx"], (name, r)
    assert all(float(x["warm_ms"]) > 0 and float(x["cold_ms"]) > 0 for x in r), (name, r)
PY

bad() {  # WORD ARGS... : must fail with a short error naming WORD and write nothing
  local word=$1
  shift
  rm -f "$work/bad.csv"
  if node "$src/tools/ort/cache_state.js" --out "$work/bad.csv" "$@" >/dev/null 2>"$work/err"; then
    die "accepted: $*"
  fi
  [ "$(wc -l <"$work/err")" -le 3 ] || die "error longer than 3 lines for: $*"
  grep -q -- "$word" "$work/err" || die "error does not name $word for $*: $(cat "$work/err")"
  [ -e "$work/bad.csv" ] && die "wrote an output file for: $*"
  return 0
}
bad --max-median-ratio --max-median-ratio 1.15 "${m[@]}"
bad --ref-baseline-ms --reference "$ref" --ref-baseline-ms 0 "${m[@]}"
bad --reference --reference "$work/missing.onnx" "${m[@]}"
bad --ref-tolerance --reference "$ref" --ref-tolerance x "${m[@]}"
echo "ort_cache_guard: ok"
