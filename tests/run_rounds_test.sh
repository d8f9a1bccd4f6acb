#!/usr/bin/env bash
# tools/ort/run.js's per-round statistic of networks (helper tiny, docs/host-platform.md "Tiny networks
# across sessions"): roundStats on made-up per-round medians (hand-computed mean, p10, p90); a run of two
# 1-element Relu "networks" in 2 rounds x 2 passes writes rounds = 4 and round_mean_ms = the mean of the
# 4 per-round medians the machine description lists (round_medians_ms), p10 <= p90; then dispatch.js
# --from-networks --statistic round-mean takes round_mean_ms (not median_ms) as run_ms, and chains whose
# round means are exactly a + b x nodes give back a and b in `odonata fit --dispatch`. Bad values, or
# round-mean on a CSV without the columns, stop with a short error and no output file. Since run 22 also the
# median of the rounds' medians (round_median_ms, --statistic round-median): hand-computed on made-up medians,
# equal to the median of round_medians_ms in the run, and taken by dispatch.js; and the quiet rounds and passes
# (quiet_median_ms, --statistic quiet-median, --quiet-passes): keptPasses, quietRoundStats and poolPasses on
# made-up ratios and runs, quiet_rounds = rounds without a reference, a run with --reference and --quiet-passes
# records rows_passes_dropped; the per-layer profiles' reference times and per_layer.py's quiet profiles.
# Never checks a time.
# Exits 77 (ctest: skipped) without node or onnxruntime-node.
#
# usage: run_rounds_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_run_rounds "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_run_rounds: FAIL: $*"
  exit 1
}

# The statistic, on made-up medians (ms): mean 0.038; p10 at rank 0.4 -> 0.02; p90 at rank 3.6 -> 0.056;
# median 0.04; with a slow round among fast ones (1, 1.2, 14.7, 1.1) the mean is 4.5 and the median 1.15.
node -e '
const {roundStats} = require(process.argv[1]);
const r = roundStats([0.05, 0.02, 0.06, 0.02, 0.04]);
const s = roundStats([1, 1.2, 14.7, 1.1]);
const near = (a, b) => Math.abs(a - b) < 1e-12;
if (r.rounds !== 5 || !near(r.mean, 0.038) || !near(r.p10, 0.02) || !near(r.p90, 0.056) || !near(r.median, 0.04) ||
    !near(s.mean, 4.5) || !near(s.median, 1.15)) {
  console.log(JSON.stringify(r));
  process.exit(1);
}' "$src/tools/ort/run.js" || die "roundStats"

# Quiet timings, tolerance 0.15 (ratios <= 1.15): of [1.2, 1.05, 1.3] only the second; none of [1.2, 1.3]
# is quiet, so the one of lowest ratio (at least 1) or the 2 lowest (at least 2); a null ratio (no
# reference) or no tolerance keeps all. Rounds [5, 1, 9, 2, 3] with ratios [1.3, 1.0, 1.5, 1.1, 1.6]: two
# quiet (1 and 2 ms), fewer than 3, so the 3 of lowest ratio (1, 2, 5 ms): median 2. Pooling keeps the
# chosen passes' runs, warm times and reorders only.
node -e '
const r = require(process.argv[1]);
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const q = r.quietRoundStats([5, 1, 9, 2, 3], [1.3, 1.0, 1.5, 1.1, 1.6], 0.15);
const p = r.poolPasses([{run: [1, 2], node: [0.5], warm: [], reorders: null},
                        {run: [3], node: [0.7], warm: [0.2], reorders: {in: {ms: [0.1], elems: 8, nodes: 1}, out: {ms: [], elems: 0, nodes: 0}}}]);
const ok = eq(r.keptPasses([1.2, 1.05, 1.3], 0.15), [1]) && eq(r.keptPasses([1.2, 1.3], 0.15), [0]) &&
           eq(r.keptPasses([1.3, 1.2, 1.4], 0.15, 2), [0, 1]) && eq(r.keptPasses([1.2, null], 0.15), [0, 1]) &&
           eq(r.keptPasses([1.2, 1.3], null), [0, 1]) && q.rounds === 3 && q.median === 2 &&
           eq(p.run, [1, 2, 3]) && eq(p.node, [0.5, 0.7]) && eq(p.warm, [0.2]) && eq(p.reorder.in, {ms: [0.1], elems: 8, nodes: 1});
if (!ok) { console.log(JSON.stringify({q, p})); process.exit(1); }' "$src/tools/ort/run.js" || die "keptPasses / quietRoundStats / poolPasses"

"$odonata" sweep --op Relu --design 1d --dims in_c --min 1 --max 2 --step 1 --around in_c=1,hw=1 \
  --out "$work/relu" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
nets=("$work/relu/models/00000.onnx" "$work/relu/models/00001.onnx")
node "$src/tools/ort/run.js" --sweep "$work/relu" --threads 1 --passes 2 --warmup 1 --min-time 0 --min-ms 0 --latency run \
  --reject 0 --tries 1 --repeats 3 --max-repeats 3 --network "${nets[@]}" --network-out "$work/n.csv" \
  --rounds 2 --network-repeats 5 --network-warmup 1 --out "$work/s.csv" >/dev/null 2>"$work/err" \
  || die "run.js: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work" <<'PY' || exit 1
import csv, json, sys
w = sys.argv[1]
rows = list(csv.DictReader(open(f"{w}/n.csv")))
m = json.load(open(f"{w}/n.machine.json"))
assert len(rows) == 2, rows
for r in rows:
    meds = m["round_medians_ms"][r["model"]]
    assert len(meds) == 4 and int(r["rounds"]) == 4, (r, meds)
    mean = sum(meds) / 4
    assert abs(float(r["round_mean_ms"]) - mean) <= 1e-5 * mean, (r["round_mean_ms"], meds)
    s = sorted(meds)
    median = (s[1] + s[2]) / 2
    assert abs(float(r["round_median_ms"]) - median) <= 1e-5 * median, (r["round_median_ms"], meds)
    # no reference: every round is quiet
    assert r["quiet_rounds"] == "4" and r["quiet_median_ms"] == r["round_median_ms"], r
    assert 0 < float(r["round_p10_ms"]) <= float(r["round_p90_ms"]), r
    assert int(r["repeats"]) == 20 and r["median_ms"], r   # the old columns stay
# each round's minor page faults (diagnosis/frcnn): of its first timed run and of all 5, counts
tl = m["timeline"]
assert len(tl) == 8, tl
for t in tl:
    f1, f = t["first_run_faults"], t["faults"]
    assert isinstance(f1, int) and isinstance(f, int) and 0 <= f1 <= f, t
# a sweep row without a reference: its 2 passes' medians, no ratios
for r in csv.DictReader(l for l in open(f"{w}/s.csv") if not l.startswith("#")):
    p = [float(x) for x in r["pass_medians_ms"].split(";")]
    assert len(p) == 2 and min(p) > 0 and r["pass_ref_ratios"] == "", r
PY

# With a reference and --quiet-passes: 12 rows in 2 passes of exactly 3 runs, 2 networks in 4 rounds (the
# first after 6 rows: the reference has its baseline, 10 checks, before any network is timed).
# A row keeps 1 or 2 passes (3 or 6 runs), and the rows that kept 1 are rows_passes_dropped; a network's
# quiet rounds are those its timeline entries give a ratio within 0.15, at least 3 (else the 3 lowest).
"$odonata" sweep --op Relu --design 1d --dims in_c --min 1 --max 12 --step 1 --around in_c=1,hw=1 \
  --out "$work/relu3" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
node "$src/tools/ort/run.js" --sweep "$work/relu3" --threads 1 --passes 2 --warmup 1 --min-time 0 --min-ms 0 --latency run \
  --reject 0 --tries 1 --repeats 3 --max-repeats 3 --network "${nets[@]}" --network-out "$work/q.csv" \
  --rounds 2 --network-repeats 5 --network-warmup 1 --reference "$work/relu/models/00000.onnx" --ref-runs 2 \
  --quiet-passes --out "$work/qs.csv" >/dev/null 2>"$work/err" || die "run.js --quiet-passes: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work" <<'PY' || exit 1
import csv, json, statistics, sys
w = sys.argv[1]
sm = json.load(open(f"{w}/qs.machine.json"))
rows = list(csv.DictReader(l for l in open(f"{w}/qs.csv") if not l.startswith("#")))
assert sm["quiet_passes"] is True and len(rows) == 12, (sm.get("quiet_passes"), len(rows))
assert all(r["repeats"] in ("3", "6") for r in rows), [r["repeats"] for r in rows]
assert sm["rows_passes_dropped"] == sum(r["repeats"] == "3" for r in rows), (sm["rows_passes_dropped"], rows)
# each pass's median and reference ratio (since run 24): a row kept both passes iff both ratios are within 1.15
for r in rows:
    p = [float(x) for x in r["pass_medians_ms"].split(";")]
    q = [float(x) if x else None for x in r["pass_ref_ratios"].split(";")]
    assert len(p) == 2 == len(q) and min(p) > 0, r
    assert abs(max(p) / min(p) - float(r["pass_spread"])) < 2e-3 * float(r["pass_spread"]), r
    # a pass timed before the reference's baseline has no ratio: the row keeps every pass
    assert (r["repeats"] == "6") == (None in q or all(x <= 1.15 for x in q)), (r["repeats"], q)
nm = json.load(open(f"{w}/q.machine.json"))
for r in csv.DictReader(open(f"{w}/q.csv")):
    name = r["model"].split("/")[-1]
    tl = [t for t in nm["timeline"] if t["model"] == name]
    meds = nm["round_medians_ms"][r["model"]]
    assert len(tl) == 4 == len(meds), (tl, meds)
    ratios = [t["ref_ratio"] for t in tl]
    assert all(x is not None for x in ratios), ratios
    kept = [k for k in range(4) if ratios[k] <= 1.15]
    if len(kept) < 3:
        kept = sorted(sorted(range(4), key=lambda k: (ratios[k], k))[:3])
    want = statistics.median(meds[k] for k in kept)
    assert int(r["quiet_rounds"]) == len(kept), (r, ratios)
    assert abs(float(r["quiet_median_ms"]) - want) <= 1e-5 * want, (r["quiet_median_ms"], want, meds, ratios)
PY

# Per-layer profiles with a reference (tools/ort/per_layer.py since run 22): run.js --profile --reference records
# the reference's time around each network's profile; per_layer.quiet keeps the profiles within 15% of the 20th
# percentile of all of them (hand-computed: pool [1, 1, 1.02, 1.05, 1.1, 1.2, 1.3, 1.5, 2.0] -> baseline 1.012,
# limit 1.1638: of [1.3, 1.0, 1.5] the second; of [1.3, 1.4, 1.5] none, so the fastest; a missing time keeps all).
node "$src/tools/ort/run.js" --network "${nets[@]}" --threads 1 --passes 1 --warmup 1 --repeats 2 --profile "$work/prof" \
  --profile-runs 2 --reference "$work/relu/models/00000.onnx" --ref-runs 2 --max-wait 0 --out "$work/p.csv" >/dev/null 2>"$work/err" \
  || die "run.js --profile --reference: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work" "$src/tools/ort" "${nets[@]}" <<'PY' || exit 1
import json, os, sys
w, here, nets = sys.argv[1], sys.argv[2], sys.argv[3:]
m = json.load(open(f"{w}/p.machine.json"))
got = m["profile_reference_ms"]
assert sorted(got) == sorted(nets) and all(v > 0 for v in got.values()), got
assert all(os.path.exists(f"{w}/prof/{os.path.basename(n)[:-5]}.json") for n in nets)
sys.path.insert(0, here)
import per_layer
pool = [1, 1.05, 1.1, 1.2, 2.0, 1.0, 1.02, 1.5, 1.3]
assert abs(per_layer.percentile(sorted(pool), 0.2) - 1.012) < 1e-12
assert per_layer.quiet([1.3, 1.0, 1.5], pool) == [1]
assert per_layer.quiet([1.3, 1.4, 1.5], pool) == [0]
assert per_layer.quiet([None, 1.0], pool) == [0, 1]
assert per_layer.quiet([1.0, 1.1, 1.16], pool) == [0, 1, 2]
PY

# dispatch.js --statistic round-mean: round means a + b x nodes (a = 12 us, b = 0.25 us), pooled medians
# twice that; run_ms must be the round mean and the fit must give back a and b.
{
  echo "model,threads,median_ms,p10_ms,p90_ms,repeats,mad_ms,rejected,pass_spread,ref_ratio,rounds,round_mean_ms,round_p10_ms,round_p90_ms,round_median_ms,quiet_rounds,quiet_median_ms"
  for op in relu add softmax; do
    for n in 1 50 200 400; do
      awk -v op=$op -v n=$n 'BEGIN { t = 0.012 + 0.00025 * n;
        printf "tools/ort/chains/models/%s_%d.onnx,1,%.7f,0,0,1000,0,0,1.0,1.0,10,%.7f,%.7f,%.7f,%.7f,6,%.7f\n", op, n, 2 * t, t, 0.9 * t, 1.1 * t, 3 * t, 4 * t }'
    done
  done
} >"$work/networks.csv"
cd "$src" || die "no $src"
from_networks() {  # STATISTIC OUT: dispatch.js's chain rows from $work/networks.csv by STATISTIC
  node tools/ort/dispatch.js --chains tools/ort/chains --from-networks "$work/networks.csv" --statistic "$1" \
    --out "$2" 2>"$work/err" || die "dispatch.js --statistic $1: $(tail -3 "$work/err")"
}
from_networks round-mean "$work/dispatch.csv"
/usr/bin/python3 - "$work/dispatch.csv" <<'PY' || exit 1
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
assert "mean of per-round medians (round_mean_ms)" in lines[0], lines[0]
rows = {(r["op"], r["nodes"]): r for r in csv.DictReader(l for l in lines if not l.startswith("#"))}
assert abs(float(rows[("Add", "200")]["run_ms"]) - 0.062) < 1e-9, rows[("Add", "200")]
assert abs(float(rows[("Relu", "1")]["run_p90_ms"]) - 1.1 * 0.01225) < 1e-9, rows[("Relu", "1")]
PY
"$odonata" fit "$src/tests/data/fit/research_conv.csv" --base jetson-nano --out "$work/p.json" --dispatch "$work/dispatch.csv" \
  >/dev/null 2>"$work/err" || die "odonata fit --dispatch: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work/p.json" <<'PY' || exit 1
import json, sys
p = json.load(open(sys.argv[1]))
assert abs(p["overhead_ms"]["value"] - 0.012) < 1e-9, p["overhead_ms"]
assert abs(p["dispatch_ms"]["value"] - 0.00025) < 1e-9, p["dispatch_ms"]
PY

bad() {  # WORD ARGS... : dispatch.js must fail with a short error naming WORD and write nothing
  local word=$1
  shift
  rm -f "$work/out.csv"
  if node tools/ort/dispatch.js --chains tools/ort/chains "$@" --out "$work/out.csv" >/dev/null 2>"$work/err"; then
    die "accepted: $*"
  fi
  [ "$(wc -l <"$work/err")" -le 3 ] || die "error longer than 3 lines for: $*"
  grep -q -- "$word" "$work/err" || die "error does not name $word for $*: $(cat "$work/err")"
  [ -e "$work/out.csv" ] && die "wrote an output file for: $*"
  return 0
}
# --statistic round-median takes round_median_ms (3 x the round mean here).
from_networks round-median "$work/dispatch_median.csv"
/usr/bin/python3 - "$work/dispatch_median.csv" <<'PY' || exit 1
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
assert "median of per-round medians (round_median_ms)" in lines[0], lines[0]
rows = {(r["op"], r["nodes"]): r for r in csv.DictReader(l for l in lines if not l.startswith("#"))}
assert abs(float(rows[("Add", "200")]["run_ms"]) - 3 * 0.062) < 1e-9, rows[("Add", "200")]
PY
# --statistic quiet-median takes quiet_median_ms (4 x the round mean here).
from_networks quiet-median "$work/dispatch_quiet.csv"
/usr/bin/python3 - "$work/dispatch_quiet.csv" <<'PY' || exit 1
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
assert "quiet rounds" in lines[0], lines[0]
rows = {(r["op"], r["nodes"]): r for r in csv.DictReader(l for l in lines if not l.startswith("#"))}
assert abs(float(rows[("Relu", "400")]["run_ms"]) - 4 * 0.112) < 1e-9, rows[("Relu", "400")]
PY
bad --statistic --from-networks "$work/networks.csv" --statistic mean
cut -d, -f1-10 "$work/networks.csv" >"$work/old.csv"
bad round_mean_ms --from-networks "$work/old.csv" --statistic round-mean
cut -d, -f1-14 "$work/networks.csv" >"$work/run21.csv"
bad round_median_ms --from-networks "$work/run21.csv" --statistic round-median
bad quiet_median_ms --from-networks "$work/run21.csv" --statistic quiet-median
if node tools/ort/validate.js --statistic mean a b c d e >/dev/null 2>"$work/err"; then die "validate.js accepted --statistic mean"; fi
grep -q -- "--statistic" "$work/err" || die "validate.js: $(cat "$work/err")"
echo "ort_run_rounds: ok"
