#!/usr/bin/env bash
# tools/ort/run.js's per-row budget (--max-time), extra pass (--extra-pass-spread) and kept network
# sessions (--keep-network-sessions), issue 12 (helper
# detcap): passDone on made-up run counts and elapsed times (a fake timer: N runs, or stops at T with at
# least 3 runs); then two 1-element Relu rows whose budget of 0.0001 ms ends every pass at the 3-run
# minimum (6 pooled runs of 2 passes instead of 2 x 50), and the extra pass given to every row (S = 1)
# or to none (S = 100); --keep-network-sessions: one session per network over the rounds, not one per
# round. Bad values stop with a short error and no output file. Never checks a time.
# Exits 77 (ctest: skipped) without node or onnxruntime-node.
#
# usage: run_budget_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_run_budget "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_run_budget: FAIL: $*"
  exit 1
}

# The rule itself, on a fake timer.
node -e '
const {passDone} = require(process.argv[1]);
const t = {repeats: 20, minTime: 100, maxRepeats: 1000, maxTime: 1500};
const cases = [
  [t, 20, 100, true],      // N runs and the minimum time
  [t, 20, 99, false],      // N runs, short of --min-time
  [t, 19, 1499, false],    // neither N runs nor T
  [t, 3, 1500, true],      // T reached with the 3-run minimum: stops short of N
  [t, 2, 5000, false],     // T long past, but fewer than 3 runs
  [{...t, maxTime: null}, 19, 5000, false],  // no budget: N runs, however long
  [{...t, maxTime: undefined}, 19, 5000, false],
  [{...t, maxRepeats: 10}, 10, 1, true],     // --max-repeats still caps
];
for (const [tt, runs, ms, want] of cases) {
  if (passDone(runs, ms, tt) !== want) {
    console.log(`passDone(${runs}, ${ms}, maxTime ${tt.maxTime}) is ${!want}, want ${want}`);
    process.exit(1);
  }
}' "$src/tools/ort/run.js" || die "passDone"

"$odonata" sweep --op Relu --design 1d --dims in_c --min 1 --max 2 --step 1 --around in_c=1,hw=1 \
  --out "$work/relu" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
common=(--sweep "$work/relu" --threads 1 --passes 2 --warmup 1 --min-time 0 --min-ms 0 --latency run --reject 0 --tries 1)
run() {  # OUT ARGS...
  local out=$1
  shift
  node "$src/tools/ort/run.js" "${common[@]}" "$@" --out "$out" 2>"$work/err" >/dev/null || die "run.js $*: $(tail -3 "$work/err")"
}
run "$work/budget.csv" --repeats 50 --max-time 0.0001
run "$work/plain.csv" --repeats 50
run "$work/extra.csv" --repeats 5 --max-repeats 5 --extra-pass-spread 1
run "$work/noextra.csv" --repeats 5 --max-repeats 5 --extra-pass-spread 100

/usr/bin/python3 - "$work" <<'PY' || exit 1
import csv, json, sys
w = sys.argv[1]
def repeats(name):
    lines = open(f"{w}/{name}.csv").read().splitlines()
    return lines[0], [int(r["repeats"]) for r in csv.DictReader(l for l in lines if not l.startswith("#"))]
head, got = repeats("budget")
assert got == [6, 6], ("budget: 2 passes x the 3-run minimum", got)
assert "or 0.0001 ms and >= 3 runs" in head, head
m = json.load(open(f"{w}/budget.machine.json"))
assert m["max_time_ms"] == 0.0001 and m["extra_pass_spread"] is None and m["rows_extra_pass"] is None, m
assert repeats("plain")[1] == [100, 100], ("no budget: 2 x 50 runs", repeats("plain")[1])
head, got = repeats("extra")
assert got == [15, 15], ("S = 1: every row a third pass of 5 runs", got)
assert "one more pass for the 2 rows whose passes differ by >= 1x" in head, head
assert json.load(open(f"{w}/extra.machine.json"))["rows_extra_pass"] == 2
assert repeats("noextra")[1] == [10, 10], ("S = 100: no row a third pass", repeats("noextra")[1])
assert json.load(open(f"{w}/noextra.machine.json"))["rows_extra_pass"] == 0
PY

# --keep-network-sessions: the two Relu models as networks in 2 rounds x 2 passes: a session per network
# and round (8) without it, one per network (2) with it; the rows are written either way.
nets=("$work/relu/models/00000.onnx" "$work/relu/models/00001.onnx")
for keep in no yes; do
  flag=()
  [ $keep = yes ] && flag=(--keep-network-sessions)
  run "$work/s_$keep.csv" --repeats 3 --max-repeats 3 --network "${nets[@]}" --network-out "$work/n_$keep.csv" \
    --rounds 2 --network-repeats 2 --network-warmup 1 "${flag[@]}"
done
/usr/bin/python3 - "$work" <<'PY' || exit 1
import csv, json, sys
w = sys.argv[1]
for keep, want in (("no", 8), ("yes", 2)):
    m = json.load(open(f"{w}/n_{keep}.machine.json"))
    assert m["sessions_created"] == want, (keep, m["sessions_created"], want)
    assert m["keep_network_sessions"] == (keep == "yes"), m["keep_network_sessions"]
    rows = list(csv.DictReader(open(f"{w}/n_{keep}.csv")))
    assert [int(r["repeats"]) for r in rows] == [8, 8], (keep, [r["repeats"] for r in rows])
PY

# --keep-network-sessions-above-mb M: only the networks whose file exceeds M MiB keep their session; the
# machine description names them. M = 0: both (2 sessions); M = 1 (the Relu models are a few hundred bytes):
# neither (8).
for mb in 0 1; do
  run "$work/s_mb$mb.csv" --repeats 3 --max-repeats 3 --network "${nets[@]}" --network-out "$work/n_mb$mb.csv" \
    --rounds 2 --network-repeats 2 --network-warmup 1 --keep-network-sessions-above-mb $mb
done
/usr/bin/python3 - "$work" <<'PY' || exit 1
import json, sys
w = sys.argv[1]
for mb, want, kept in ((0, 2, ["00000.onnx", "00001.onnx"]), (1, 8, [])):
    m = json.load(open(f"{w}/n_mb{mb}.machine.json"))
    assert m["sessions_created"] == want, (mb, m["sessions_created"], want)
    assert m["keep_network_sessions_above_mb"] == mb, m
    assert m["networks_keeping_sessions"] == kept, (mb, m["networks_keeping_sessions"])
PY

bad() {  # WORD ARGS... : must fail with a short error naming WORD and write nothing
  local word=$1
  shift
  rm -f "$work/bad.csv"
  if node "$src/tools/ort/run.js" "$@" --out "$work/bad.csv" >/dev/null 2>"$work/err"; then
    die "accepted: $*"
  fi
  [ "$(wc -l <"$work/err")" -le 3 ] || die "error longer than 3 lines for: $*"
  grep -q -- "$word" "$work/err" || die "error does not name $word for $*: $(cat "$work/err")"
  [ -e "$work/bad.csv" ] && die "wrote an output file for: $*"
  return 0
}
bad --max-time --sweep "$work/relu" --max-time 0
bad --max-time --sweep "$work/relu" --max-time -5
bad --max-time --sweep "$work/relu" --max-time 50 --min-time 100
bad --max-time --network "$work/relu/models/00000.onnx" --max-time 50
bad --extra-pass-spread --sweep "$work/relu" --extra-pass-spread 0.9
bad --extra-pass-spread --network "$work/relu/models/00000.onnx" --extra-pass-spread 1.2
bad --keep-network-sessions --sweep "$work/relu" --keep-network-sessions
bad --keep-network-sessions --network "$work/relu/models/00000.onnx" --keep-network-sessions
bad --keep-network-sessions-above-mb --sweep "$work/relu" --keep-network-sessions-above-mb 100
bad --keep-network-sessions-above-mb --sweep "$work/relu" --network "$work/relu/models/00000.onnx" --network-out "$work/bad_n.csv" --keep-network-sessions-above-mb -1
bad --keep-network-sessions --sweep "$work/relu" --network "$work/relu/models/00000.onnx" --network-out "$work/bad_n.csv" --keep-network-sessions --keep-network-sessions-above-mb 100
echo "ort_run_budget: ok"
