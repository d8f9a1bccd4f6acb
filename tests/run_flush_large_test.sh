#!/usr/bin/env bash
# tools/ort/run.js --flush-large-mb / --flush-large-above-mb (issue 12, "Large weights"): a flushed
# sweep row whose weights (its model file) exceed the bound gets the large flush, the others
# --flush-mb, an op outside --flush-op none; column flush_mb says which, the machine description
# counts the large rows. Two Gemm models of 64 x 512 (133 kB) and 512 x 512 (1.05 MB) weights
# against a bound of 0.5 MiB, and a Relu. Bad option combinations stop with a short error and no
# output file. Never checks a time. Exits 77 (ctest: skipped) without node or onnxruntime-node.
#
# usage: run_flush_large_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_run_flush_large "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_run_flush_large: FAIL: $*"
  exit 1
}

"$odonata" sweep --op Gemm --design 1d --dims in_c --min 64 --max 512 --step 448 --around in_c=64,out_c=512 \
  --out "$work/g" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
"$odonata" sweep --op Relu --design 1d --dims in_c --min 8 --max 8 --around in_c=8,hw=4 \
  --out "$work/relu" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
common=(--threads 1 --passes 1 --warmup 1 --repeats 3 --min-time 1 --max-repeats 3 --min-ms 0 --latency node)
node "$src/tools/ort/run.js" --sweep "$work/g" "$work/relu" "${common[@]}" --flush-mb 1 --flush-op Gemm \
  --flush-large-mb 3 --flush-large-above-mb 0.5 --out "$work/out.csv" 2>"$work/err" >/dev/null ||
  die "run.js: $(tail -3 "$work/err")"

/usr/bin/python3 - "$work/out.csv" "$work/out.machine.json" <<'PY' || exit 1
import csv, json, sys
lines = open(sys.argv[1]).read().splitlines()
assert "1 MiB written before every run of Gemm (3 MiB for weights above 0.5 MiB, column flush_mb)" in lines[0], lines[0]
rows = list(csv.DictReader(l for l in lines if not l.startswith("#")))
got = {(r["op"], r["in_c"]): r["flush_mb"] for r in rows}
assert got == {("Gemm", "64"): "1", ("Gemm", "512"): "3", ("Relu", "8"): "0"}, got
m = json.load(open(sys.argv[2]))
assert (m["flush_mb"], m["flush_large_mb"], m["flush_large_above_mb"], m["rows_flushed_large"]) == (1, 3, 0.5, 1), m
PY

# Without the large flush: no flush_mb column, as before.
node "$src/tools/ort/run.js" --sweep "$work/g" "${common[@]}" --flush-mb 1 --out "$work/plain.csv" 2>"$work/err" >/dev/null ||
  die "run.js without --flush-large-mb: $(tail -3 "$work/err")"
grep -q flush_mb "$work/plain.csv" && die "flush_mb column without --flush-large-mb"

bad() {  # ARGS... : must fail with a short error and write nothing
  rm -f "$work/bad.csv"
  if node "$src/tools/ort/run.js" --sweep "$work/g" "${common[@]}" "$@" --out "$work/bad.csv" >/dev/null 2>"$work/err"; then
    die "accepted: $*"
  fi
  [ "$(wc -l <"$work/err")" -le 3 ] || die "error longer than 3 lines for: $*"
  grep -q "flush-large" "$work/err" || die "error does not name the option for $*: $(cat "$work/err")"
  [ -e "$work/bad.csv" ] && die "wrote an output file for: $*"
  return 0
}
bad --flush-mb 1 --flush-large-mb 3
bad --flush-mb 1 --flush-large-above-mb 0.5
bad --flush-large-mb 3 --flush-large-above-mb 0.5
bad --flush-mb 1 --flush-large-mb 0 --flush-large-above-mb 0.5
bad --flush-mb 1 --flush-large-mb 3 --flush-large-above-mb -1
echo "ort_run_flush_large: ok"
