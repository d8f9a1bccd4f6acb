#!/usr/bin/env bash
# tools/ort/dispatch.js --from-networks (issue 12; calibrate.sh step 2a since run 19): the dispatch
# chains timed by run.js as networks, in the measure step's rounds, become dispatch.js's chain rows
# (run_ms = the network row's median, executed_nodes = the chain's nodes), which `odonata fit
# --dispatch` reads: chains whose times are exactly a + b x nodes give back a and b. A suite network
# in the same file is left out; a chain missing or timed twice is a short error with no output file.
# No timing. Exits 77 (ctest: skipped) without node or onnxruntime-node.
#
# usage: dispatch_rounds_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_dispatch_rounds "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_dispatch_rounds: FAIL: $*"
  exit 1
}
cd "$src" || die "no $src"

# Per-call 12 us, per node 0.25 us (Relu), 0.5 us (Add), 0.25 us (Softmax); the overhead is the
# median of the three intercepts and the dispatch the median of the three slopes (docs/fitting.md).
{
  echo "# ONNX Runtime 1.30.0 CPU, test rows"
  echo "model,threads,median_ms,p10_ms,p90_ms,repeats,mad_ms,rejected,pass_spread,ref_ratio"
  echo "/tmp/calX/net/resnet18.onnx,1,18.35,18.0,19.0,20,0.1,0,1.01,1.0"
  for op in relu add softmax; do
    case $op in add) b=0.0005 ;; *) b=0.00025 ;; esac
    for n in 1 50 200 400; do
      awk -v op=$op -v n=$n -v b=$b 'BEGIN { printf "tools/ort/chains/models/%s_%d.onnx,1,%.7f,0,0,1000,0,0,1.0,1.0\n", op, n, 0.012 + b * n }'
    done
  done
} >"$work/networks.csv"

node tools/ort/dispatch.js --chains tools/ort/chains --from-networks "$work/networks.csv" --out "$work/dispatch.csv" \
  2>"$work/err" || die "dispatch.js: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work/dispatch.csv" <<'PY' || exit 1
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0].startswith("# chains timed as networks by run.js"), lines[0]
rows = list(csv.DictReader(l for l in lines if not l.startswith("#")))
assert len(rows) == 12, len(rows)
assert all(r["kind"] == "chain" for r in rows), rows
got = {(r["op"], r["executed_nodes"]): float(r["run_ms"]) for r in rows}
assert abs(got[("Add", "200")] - 0.112) < 1e-9, got
assert abs(got[("Relu", "1")] - 0.01225) < 1e-9, got
assert not any("resnet18" in r["model"] for r in rows)
PY

"$odonata" fit "$src/tests/data/fit/research_conv.csv" --base jetson-nano --out "$work/p.json" --dispatch "$work/dispatch.csv" \
  >/dev/null 2>"$work/err" || die "odonata fit --dispatch: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work/p.json" <<'PY' || exit 1
import json, sys
p = json.load(open(sys.argv[1]))
assert abs(p["overhead_ms"]["value"] - 0.012) < 1e-9, p["overhead_ms"]
assert abs(p["dispatch_ms"]["value"] - 0.00025) < 1e-9, p["dispatch_ms"]
PY

bad() {  # EXPECTED-WORD : the conversion of $work/bad.csv must fail with a short error and write nothing
  rm -f "$work/out.csv"
  if node tools/ort/dispatch.js --chains tools/ort/chains --from-networks "$work/bad.csv" --out "$work/out.csv" \
      >/dev/null 2>"$work/err"; then
    die "accepted a networks file with chains $1"
  fi
  [ "$(wc -l <"$work/err")" -le 3 ] || die "error longer than 3 lines: $(cat "$work/err")"
  grep -q "$1" "$work/err" || die "error does not say '$1': $(cat "$work/err")"
  [ -e "$work/out.csv" ] && die "wrote an output file for chains $1"
  return 0
}
grep -v "softmax_400" "$work/networks.csv" >"$work/bad.csv"
bad "not timed"
{ cat "$work/networks.csv"; grep "relu_1.onnx" "$work/networks.csv"; } >"$work/bad.csv"
bad "timed twice"
echo "ort_dispatch_rounds: ok"
