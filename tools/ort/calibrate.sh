#!/usr/bin/env bash
# The whole host calibration of issue 4, as one command (tools/ort/README.md):
# sweep plans and models, materialized networks -> time them with ONNX Runtime
# -> fit the platform from the sweeps -> validation CSV of the networks.
#
#   tools/ort/calibrate.sh ODONATA WORK [THREADS] [STEPS]
#
# ODONATA  the odonata binary (e.g. build/odonata)
# WORK     scratch directory for sweep models and materialized networks (about 3 GB)
# THREADS  1 (platform host-ort-cpu, data/host-ort-cpu/phase2/) or 2 (host-ort-cpu-2t,
#          data/host-ort-cpu/phase2/2t/); default 1
# STEPS    comma-separated subset of sweeps,measure,cache,dispatch,detection,fit,validate; default all
#
# The networks timed (never fitted) are those of the host validation suite,
# data/host-ort-cpu/phase2/suite.txt: data/validation/host-networks.txt and
# host-third-party.txt (another list: HOST_NETWORKS=FILE).
# Elsewhere than the defaults (a trial that must not replace the shipped profile):
# HOST_DATA=DIR (measurements, DIR/base.json), HOST_PROFILE=FILE (the fitted profile),
# HOST_VALIDATION=FILE (the validation CSV), HOST_FIT_FLAGS="..." (odonata fit options),
# HOST_SWEEPS=FILE (the sweep list), HOST_RUN_FLAGS="..." (tools/ort/run.js options),
# HOST_FEEDS=FILE (input shapes of the networks that need them, tools/ort/feeds.js),
# HOST_WARM_MB=M (the footprint bound of the warm timings, MiB; default 8),
# HOST_LARGE_FLUSH_MB=L (MiB written before every run of a row whose weights exceed 8 MiB; default
# 256; 0: 64 as for the other rows, as until run 17), HOST_KEEP_SESSIONS_MB=M|off (networks whose file
# exceeds M MiB keep their session over the measure step's rounds; default 200, since run 28).
# HOST_NETWORK_STATISTIC=median|round-mean|round-median|quiet-median (what dispatch.js and validate.js
# take from networks.csv: the pooled median, the mean of the per-round medians (run 21), their
# median, or the median of the quiet rounds' medians (default since run 22)).
# Run from the repository root after `cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci`.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 4 ]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
ODONATA=$1
WORK=$2
THREADS=${3:-1}
STEPS=${4:-sweeps,measure,cache,dispatch,detection,fit,validate}
RUNNER="node tools/ort/run.js"
SUITE=${HOST_NETWORKS:-data/host-ort-cpu/phase2/suite.txt}
# Input shapes of the suite networks that need them (recurrent models; tools/ort/feeds.js).
FEEDS=${HOST_FEEDS:-data/host-ort-cpu/phase2/feeds.txt}
# The validate step must estimate with the profile the fit step just wrote, not one
# installed next to ODONATA or in its source tree: this checkout's platforms/ first.
export ODONATA_PLATFORMS="$PWD/platforms${ODONATA_PLATFORMS:+:$ODONATA_PLATFORMS}"
step() { [[ ",$STEPS," == *",$1,"* ]]; }

case $THREADS in
  1) DATA=data/host-ort-cpu/phase2; PLATFORM=host-ort-cpu ;;
  2) DATA=data/host-ort-cpu/phase2/2t; PLATFORM=host-ort-cpu-2t ;;
  *) echo "calibrate.sh: THREADS must be 1 or 2" >&2; exit 2 ;;
esac
DATA=${HOST_DATA:-$DATA}
PROFILE=${HOST_PROFILE:-platforms/$PLATFORM.json}
VALIDATION=${HOST_VALIDATION:-data/validation/host-ort-cpu.csv}
# Fit options: issue 12's model, gradient-boosted trees among each class's candidates
# (chosen by cross-validation on the sweeps) and every class's cross-validated residual
# quantiles (the 90% intervals). Trees need odonata built with libxgboost-dev; without it
# the fit runs without them and says so. HOST_FIT_FLAGS="" gives the first calibration's fit.
if [ -n "${HOST_FIT_FLAGS+x}" ]; then
  FIT_FLAGS=$HOST_FIT_FLAGS
elif "$ODONATA" fit --trees /dev/null --base /dev/null --out /dev/null 2>&1 | grep -q 'built without libxgboost'; then
  echo "calibrate.sh: $ODONATA was built without libxgboost-dev: fitting without trees" >&2
  FIT_FLAGS="--residuals"
else
  FIT_FLAGS="--trees --residuals"
fi
# The cache state (issue 12; docs/host-cost-model.md "Cache state"): the flushed rows whose
# footprint (weights + input + output) is at most WARM_MB MiB are also timed warm (run.js
# --warm-max-mb; column warm_ms), for the classes' warm models. 8 MiB: the diagnosis
# (data/host-ort-cpu/diagnosis/cache-state/) found networks above about 13 MB of weights running
# the same warm or cold, so a layer of more than 8 MiB is never part of a network that stays warm
# with room for its other layers; 366 of run 10's 434 weighted rows are under it (about 20 s more).
WARM_MB=${HOST_WARM_MB:-8}
# Large weights (issue 12; tools/ort/README.md "Large weights", 2026-12-06): 64 MiB written leave
# part of a large layer's weights in the caches of this guest (lone Gemms of 16-105 MB 11-32%
# faster, in median, than the same layer inside a chain; times stop changing from 256 MiB written,
# where the lone layer takes its time in the chain within about 5%), so the rows whose weights (the
# model file) exceed 8 MiB, the warm bound: never part of a network that stays warm, are timed with
# 256 MiB written before every run (run.js --flush-large-mb, --flush-large-above-mb; 38 of run 17's
# 501 weighted rows, about 7 ms more per run: about 15 s). Chosen on exploratory timings of synthetic
# chains (14:26-14:33 UTC), declared here at 14:36 UTC before the scoring runs on synthetic chains
# (14:36-14:43 UTC); no validation network involved.
LARGE_FLUSH_MB=${HOST_LARGE_FLUSH_MB:-256}
LARGE_FLUSH=()
if [ "$LARGE_FLUSH_MB" != 0 ]; then
  LARGE_FLUSH=(--flush-large-mb "$LARGE_FLUSH_MB" --flush-large-above-mb 8)
fi
# The sweeps (census-sampled, tools/ort/sweeps-phase2.txt; the first calibration's 1-D lines
# around models/ are tools/ort/sweeps.txt) and the runner's flags: the profiler's whole per-node
# cost removed (run.js --node-bias 0: each row is the kernel alone, since 2026-12-05; the
# runtime's per-node dispatch is the profile's dispatch_ms, step 2a; until run 10 rows kept
# 0.26 us of it, --node-bias 0.26), at most 1 minute of waiting for quiet, and networks timed
# for at least 20 ms per round (tiny models get more than 2 runs). Rows from 2 us up enter the
# fit (--min-ms 0.002, twice the profiler's 1 us resolution; run.js's default keeps 10 us and
# up): 11% of the convolutions ONNX Runtime runs in the per-layer profiles of run 8 took less
# than 10 us, and with no sweep row there the fit extrapolated them (median -43%; since run 9).
SWEEPS=${HOST_SWEEPS:-tools/ort/sweeps-phase2.txt}
# --max-wait 30 (180 until run 10, which waited all 180 s; 150 until run 13, which waited all 150 s
# with every other process stopped: the waits were the reference's own slow states, MAD 12%, which
# waiting does not cure, and took the run to 20.9 minutes; 60 until run 17, which waited all 60 s
# and took 20.4 minutes with 850 sweep models): with the warm timings and the cache state's
# networks (about 50 s) the one command must stay within its 20 minutes.
# --max-time 1000 (issue 12, helper detcap, 2026-12-06; none until run 19): a sweep row's pass stops
# after 1 s with at least 3 runs, so the 15 rows above 50 ms a run (flush included; large-weight and
# dilated convolutions, 65x65 Resizes) get 5-20 runs per pass instead of 20: about 38 s less on run
# 19's rows (25 s with 1.5 s). Chosen on the sweeps.csv rows of runs 17-19 alone: these rows' runs
# spread less than the others' (median MAD 1.5-1.9% of the median against 3.5-4.5%, median pass
# spread 1.02-1.08 against 1.06-1.11), so fewer runs of theirs still give a steadier median.
# The measured time of a network and of a dispatch chain (both from networks.csv; helper tiny,
# docs/host-platform.md "Tiny networks across sessions"): `median` (every run of every round
# pooled, runs 1-20), `round-mean` (the mean of the per-round medians, a new session each round,
# run 21), `round-median` (their median) or `quiet-median` (since run 22: the median of the medians
# of the rounds whose reference ratio is within run.js's --ref-tolerance, at least 3 of them). Run
# 21's rounds showed a mean over 10 sessions following a minority of slow ones, and the reference
# slow in 37% of the network timings, which --max-wait 30 cannot retry; on run 21's rounds, split 5/5
# in every way, two halves disagree by 6.9% in mean for quiet-median, 12.0% for round-median, 12.5%
# for round-mean (docs/host-platform.md "Run 22: what changes"). dispatch.js --from-networks and
# validate.js take the same one, so fit and validation agree.
NETWORK_STATISTIC=${HOST_NETWORK_STATISTIC:-quiet-median}
# --min-time 50 (100, run.js's default, until run 21): a sweep row's pass stops after 20 runs and 50 ms.
# On run 21's rows the runs of one pass spread by a MAD of 4.7% of the median (median over rows) and
# the row's median over ~76 runs has a standard error of ~0.8%, ~1.0% with half the runs, against a
# median pass spread (slowest / fastest pass) of 1.12: the passes, not the runs, set a row's precision.
# Frees about 80 s of the measure step for rows where they do (run 21 took exactly 20.0 minutes).
# --quiet-passes (run 22 only): a sweep row pooled only its passes within the reference's tolerance
# when one was. Not since run 23: in run 22, 697 of 886 rows kept one pass and the class CVs got worse
# (conv 16.4 -> 18.2%, dwconv 23.7 -> 31.1%, gemm 10.9 -> 15.7%, data 23.0 -> 38.7%): a row's precision
# is its passes' (docs/host-platform.md "Run 23: what changes").
RUN_FLAGS=${HOST_RUN_FLAGS:---node-bias 0 --min-ms 0.002 --max-wait 30 --network-min-time 20 --max-time 1000 --min-time 50}
# validate.js estimates with PLATFORM: the name, or the file when it is not the default.
[ -n "${HOST_PROFILE:-}" ] && PLATFORM=$PROFILE
[ -f tools/ort/sweeps.txt ] || { echo "calibrate.sh: run from the repository root" >&2; exit 2; }
[ -f "$SUITE" ] || { echo "calibrate.sh: no network list $SUITE" >&2; exit 2; }
mkdir -p "$WORK/sweeps" "$WORK/net" "$DATA/networks"
# The suite's models (first column; '#' lines are comments) and their materialized copies.
suite_models() { awk '!/^#/ && NF {print $1}' "$SUITE"; }
suite_nets() { suite_models | while read -r m; do echo "$WORK/net/$(basename "$m")"; done; }
REFERENCE="$WORK/sweeps/reference/models/00000.onnx"

# 1. Sweep plans and their single-layer models (tools/ort/sweeps.txt); the
#    empty call, a Relu of one element whose run time is the per-call overhead;
#    the reference of the noise floor, a 3x3 Conv of 64 channels at 28x28 (about
#    0.4 ms) timed before and after every timing; every network of the suite, materialized.
if step sweeps; then
  grep -v '^#' "$SWEEPS" | grep . | while read -r group name args; do
    [ -f "$WORK/sweeps/$name/plan.csv" ] && continue
    # shellcheck disable=SC2086
    "$ODONATA" sweep $args --out "$WORK/sweeps/$name" --models
  done
  grep -v '^#' tools/ort/fixed_models.txt | grep . | while read -r name args; do
    [ -f "$WORK/sweeps/$name/plan.csv" ] && continue
    # shellcheck disable=SC2086
    "$ODONATA" sweep $args --out "$WORK/sweeps/$name" --models
  done
  suite_models | while read -r m; do
    out="$WORK/net/$(basename "$m")"
    [ -f "$out" ] || "$ODONATA" materialize "$m" -o "$out" --seed 1
  done
fi

# 2. One runner invocation times every sweep model (latency_ms: the layer's own
#    kernel time, ORT profiling; 2 passes) and, in 10 rounds between them, every
#    network (session.run time, 2 runs per round after 1 warm-up: 20 runs), so
#    that sweeps and networks see the same states of this shared machine; the
#    models in a shuffled order, a different one per pass, the reference timed
#    throughout (noise floor, retries of timings in the host's slow state). Layers
#    with weights (Conv, DepthwiseConv, Gemm) find them outside the caches, as in a
#    network, where every other layer runs between two runs of one layer: 64 MiB
#    (twice the 32 MiB L3 of a Zen 5 CCD) are written before every run of them
#    (until run 6 only Gemm, with 256 MiB: Conv sweeps ran with warm caches, and
#    their layers came out 11-14% low in median inside networks, 20-40% in
#    MobileNetV2; tools/ort/README.md "Cold weights").
# Since run 28 the networks whose model file exceeds 200 MiB (VGG16, VGG11-BN, the ViT-Bs, Wide ResNet-50,
# AlexNet) keep their session over the rounds (run.js --keep-network-sessions-above-mb): creating them took
# 238 s of run 27's rounds; their weights are read from memory on every run either way (docs/host-platform.md
# "Run 28: what changes": kept and fresh sessions timed alike before it was adopted). HOST_KEEP_SESSIONS_MB=M
# changes the bound, =off creates every session in every round as until run 27.
KEEP_SESSIONS=()
[ "${HOST_KEEP_SESSIONS_MB:-200}" = off ] || KEEP_SESSIONS=(--keep-network-sessions-above-mb "${HOST_KEEP_SESSIONS_MB:-200}")
if step measure; then
  # The convolution + activation rows (fused_activation_ns) and the 1-D convolutions (Conv1d,
  # DepthwiseConv1d, class conv1d, since run 20) are convolutions: flushed as theirs.
  FLUSH_ACT=()
  for act in Relu Clip Sigmoid HardSigmoid HardSwish; do
    FLUSH_ACT+=(--flush-op "Conv$act" --flush-op "DepthwiseConv$act")
  done
  dirs=$(grep -v '^#' "$SWEEPS" | awk -v w="$WORK/sweeps" 'NF && $1 != "detection" {print w "/" $2}')
  # Networks: 2 warm-up runs, then 1 timed run (20 ms at least) per round (since run 28; until run 27: 1 and 2).
  # ORT allocates the memory pattern it traced in a session's first run during its second, which then pays
  # fresh pages (Faster R-CNN ~13,000 faults; data/host-ort-cpu/diagnosis/frcnn/README.md).
  # shellcheck disable=SC2086,SC2046
  $RUNNER --sweep $dirs --threads "$THREADS" --passes 2 --overhead-model "$WORK/sweeps/empty/models/00000.onnx" \
    $RUN_FLAGS --flush-mb 64 --flush-op Conv --flush-op DepthwiseConv --flush-op Gemm --flush-op Conv1d --flush-op DepthwiseConv1d "${FLUSH_ACT[@]}" "${LARGE_FLUSH[@]}" --warm-max-mb "$WARM_MB" \
    --reference "$REFERENCE" --out "$DATA/sweeps.csv" "${KEEP_SESSIONS[@]}" \
    --feeds "$FEEDS" --network $(suite_nets) tools/ort/chains/models/*.onnx --rounds 5 --network-repeats 1 --network-warmup 2 \
    --network-out "$DATA/networks/networks.csv"
fi

# 2c. The partial cache state (issue 12; docs/host-cost-model.md section 7): the 24 synthetic
#     inverted-residual networks of tools/ort/ir_chains.py and (since run 19) the 10 squeeze-excite
#     chains of tools/ort/se_chains.py, both in WORK/irchains (calibration-side: no suite network)
#     timed whole, warm (back to back) and cold (64 MiB written before every run), 2 passes of at
#     least 10 runs and 30 ms per network and state, a timing disturbed by other processes taken
#     again (at most 3 attempts, 30 s of waiting); `odonata fit --cache-chains` fits the share of
#     the warm saving a network keeps by its weights, its activations or both, the size variable
#     with the lowest leave-one-out warm MAPE (the profile's `cache.share`). Until run 11 this
#     step timed a Gemm probe of 11 single layers (`odonata fit --cache-probe`, about 20 s), which a
#     network's cache state did not follow (MobileNetV2 estimated warm, ran cold); the chains replace
#     it. About 40 s (a development timing on a busy machine: 26 s of timing, 15 s writing the
#     networks; tools/ort/README.md); the 10 SE chains add about 10-15 s of timing and 7 s of writing
#     (run 19 on; 62 s for all 34 under load 4.5, 2026-12-06 18:09 UTC; run 19 itself: 21 s for the step).
# Since run 28 the cache step has the measure step's guard (issue 12: run 27's cache step ran 1.2-2.3x
# slow throughout, unseen by the other-processes rule, and cost 6 points of validation MAPE): the
# reference of the noise floor timed before and after every timing against the measure step's baseline
# (sweeps.machine.json noise_floor.baseline_ms), a disturbed timing retried (--tries 3, 30 s of waiting
# in all); when the reference's median ratio over a file's timings is above 1.15 (the measure step's
# tolerance; run 27's measure step: 1.08), that file is timed once more after 20 s and the second timing
# kept, both verdicts in the log and the second in the file's first line.
cache_time() {
  local out=$1; shift
  local guard=()
  local base=""
  [ -f "$DATA/sweeps.machine.json" ] && base=$(node -e \
    'const m = require(require("node:path").resolve(process.argv[1])); const b = m.noise_floor && m.noise_floor.baseline_ms; if (b > 0) console.log(b)' \
    "$DATA/sweeps.machine.json" 2>/dev/null || true)
  [ -f "$REFERENCE" ] && guard=(--reference "$REFERENCE" --max-median-ratio 1.15 ${base:+--ref-baseline-ms "$base"})
  local rc=0
  node tools/ort/cache_state.js --out "$out" --threads "$THREADS" --passes 2 --warmup 3 \
    --repeats 10 --min-ms 30 --tries 3 --max-wait 30 "${guard[@]}" "$@" || rc=$?
  if [ "$rc" = 3 ]; then
    echo "calibrate.sh: $(basename "$out") timed while the machine ran slow: once more in 20 s" >&2
    sleep 20
    node tools/ort/cache_state.js --out "$out" --threads "$THREADS" --passes 2 --warmup 3 \
      --repeats 10 --min-ms 30 --tries 3 --max-wait 30 "${guard[@]}" "$@" || rc=$?
    [ "$rc" = 3 ] && rc=0  # the second timing is kept, its verdict in its first line
  fi
  return "$rc"
}
if step cache; then
  # The 24 networks (tools/ort/ir_chains.py, the same bytes on every run; numpy and onnx, Debian's
  # python3-numpy and python3-onnx), written here so that the step can run alone on an old WORK.
  [ -f "$WORK/irchains/ir_c112_h14_l12_t6.onnx" ] || /usr/bin/python3 tools/ort/ir_chains.py "$WORK/irchains" >/dev/null
  [ -f "$WORK/irchains/se_c160_h7_l3_t6_k5_f1024.onnx" ] || /usr/bin/python3 tools/ort/se_chains.py "$WORK/irchains" >/dev/null
  # Run 26 on: the 8 high-resolution, few-channel chains (helper share; docs/host-platform.md "Run 26").
  [ -f "$WORK/irchains/hr_dw_c16_h160_l2.onnx" ] || /usr/bin/python3 tools/ort/hires_chains.py "$WORK/irchains" >/dev/null
  # Run 28 on: the 10 small networks of many tiny layers (helper smallnet; docs/host-platform.md "Run 28").
  [ -f "$WORK/irchains/sm_su_w32_d1.onnx" ] || /usr/bin/python3 tools/ort/small_chains.py "$WORK/irchains" >/dev/null
  cache_time "$DATA/cache_chains.csv" "$WORK"/irchains/*.onnx
  # Run 27 on: the 12 int8 QDQ chains (tools/ort/int8_chains.py, helper int8net), timed warm and cold with the same
  # flags into their own file. They do not enter the share (one model for every precision; on helper int8net's
  # loaded timings they moved its declared choice for every network: docs/host-platform.md "Run 27: what changes");
  # since run 28 the fit step fits the int8 convolutions' in-network form on them alone, after the share
  # (`odonata fit --int8-chains`, helper int8warm: "Run 28: what changes").
  [ -f "$WORK/int8chains/q8_st_c16_h160_l1.onnx" ] || /usr/bin/python3 tools/ort/int8_chains.py "$WORK/int8chains" >/dev/null
  cache_time "$DATA/int8_chains.csv" "$WORK"/int8chains/*.onnx
  # The fused HardSwish priced as networks pay it (issue 12, helper small, 2026-12-07; docs/host-platform.md
  # "Run 26: what changes"): tools/ort/act_chains.py's 21 chains of 6 convolutions (7 shapes of the fa_* pairs and
  # the SE blocks; plain, HardSigmoid+Mul, native HardSwish), timed whole as the chains above; `join` makes the
  # rows of `odonata fit --activation-chains`, whose median replaces the sweep pairs' fused_activation_ns.HardSwish.
  # About 60 s (timed with these flags 2026-12-07 16:28:37-16:29:56 UTC on the busy guest, load 13, retries included).
  [ -f "$WORK/actchains/pw7_96_576_k6_hsn.onnx" ] || /usr/bin/python3 tools/ort/act_chains.py write "$WORK/actchains" >/dev/null
  cache_time "$DATA/act_chains_times.csv" "$WORK"/actchains/*.onnx
  /usr/bin/python3 tools/ort/act_chains.py join "$DATA/act_chains_times.csv" "$DATA/act_chains.csv" >/dev/null
fi

# 2a. The runtime's per-call and per-node cost: chains of 1, 50, 200 and 400 cheap
#     nodes (Relu, Add, Softmax on 64 elements; tools/ort/chains/, written once by
#     tools/ort/chains.py: machine-independent), each session.run timed whole and
#     unprofiled; `odonata fit --dispatch` draws a robust line per op (Siegel's repeated median) (docs/host-cost-model.md
#     section 3). About 20 s.
#     Since run 19 the chains are timed as networks in step 2's rounds, in the same states of the
#     machine as the networks (run 18's own 33-s step timed every 1-node chain at 17.5 us against
#     11.5 in runs 15-17, while the tiny networks of its measure step ran as fast as before), and
#     this step only turns their rows into the dispatch CSV (validate.js skips them);
#     HOST_DISPATCH=step times them apart, as until run 18.
if step dispatch; then
  if [ "${HOST_DISPATCH:-rounds}" = step ]; then
    node tools/ort/dispatch.js --chains tools/ort/chains --threads "$THREADS" --passes 2 --reference "$REFERENCE" \
      --out "$DATA/dispatch.csv"
  else
    rm -f "$DATA/dispatch.machine.json"  # the chains ran in step 2: sweeps.machine.json describes them
    node tools/ort/dispatch.js --chains tools/ort/chains --from-networks "$DATA/networks/networks.csv" \
      --statistic "$NETWORK_STATISTIC" --out "$DATA/dispatch.csv"
  fi
fi

# 2b. The detection sweeps (NonMaxSuppression, group `detection` of sweeps.txt), added
#     after the first calibration: their own invocation, no networks; 2 passes (3 until run 10,
#     93 s: one pass less pays for the cache state's timings, step 2c and --warm-max-mb). At most
#     30 s of waiting for quiet (300 until run 17, whose detection step took 108 s against run 14's
#     33 s; 60 until run 18, whose step took 181 s, 60 of them waiting). Per-row budget (issue 12,
#     helper detcap, 2026-12-06; docs/host-platform.md "The detection step's budget"): at least 20 runs
#     per pass (10 in run 19, whose detection CV rose to 23.1% from run 18's 8.3%), but a pass stops
#     after 1.5 s with at least 3 runs (run.js --max-time): only the two NMS rows of 27,000 boxes
#     (146-327 ms a run) get fewer than 20, the 45-group bound (74 ms) about 20; 21.7 s of timing per
#     pass on run 19's rows against 28.2 s for 20 uncapped runs and 17.7 s for 10. The rows whose two
#     passes differ by 15% or more (run.js --extra-pass-spread 1.15, the reference's tolerance) get a
#     third pass: 17 of run 19's 38 rows, about 6 s. Chosen on the detection.csv rows of runs 17-19
#     alone (21:45 UTC). Trial on a busy machine (21:49-21:59 UTC, others on 1-1.3 cores, 3 alternated
#     pairs): step 102-113 s against 68-88 s for run 19's settings; the class CV did not separate them,
#     the rows reproduced better (max/min over 3 trials 1.34x against 1.59x, median).
#     Until run 19: --repeats 10 and no budget (20 until run 18: the slowest row took 11 s).
#     Since run 24 run.js also writes each NMS row's nms_compares (the IoU comparisons of ORT's loop,
#     a replay on the row's feed, once per row, untimed: helper nmsdist, 2026-12-07): about 3 s of CPU
#     for the 27 NMS rows (1.1 s for the 27,000-box IoU-0.55 row, measured at 09:53 UTC on the busy guest).
if step detection; then
  dirs=$(grep -v '^#' "$SWEEPS" | awk -v w="$WORK/sweeps" '$1 == "detection" {print w "/" $2}')
  # shellcheck disable=SC2086
  $RUNNER --sweep $dirs --threads "$THREADS" --passes 2 --repeats 20 --max-time 1500 --extra-pass-spread 1.15 \
    --max-wait 30 --reference "$REFERENCE" --out "$DATA/detection.csv"
fi

# 3. Fit the platform from the sweeps alone.
if step fit; then
  mkdir -p "$DATA/fit"
  # The CPU the sweeps ran on goes into the profile (`machine`): estimating
  # with it on another CPU warns.
  machines=()
  for m in "$DATA"/*.machine.json; do [ -e "$m" ] && machines+=(--machine "$m"); done
  dispatch=()
  [ -f "$DATA/dispatch.csv" ] && dispatch=(--dispatch "$DATA/dispatch.csv")
  if [ -f "$DATA/cache_chains.csv" ]; then
    [ -f "$WORK/irchains/ir_c112_h14_l12_t6.onnx" ] || /usr/bin/python3 tools/ort/ir_chains.py "$WORK/irchains" >/dev/null
    [ -f "$WORK/irchains/se_c160_h7_l3_t6_k5_f1024.onnx" ] || /usr/bin/python3 tools/ort/se_chains.py "$WORK/irchains" >/dev/null
    [ -f "$WORK/irchains/hr_dw_c16_h160_l2.onnx" ] || /usr/bin/python3 tools/ort/hires_chains.py "$WORK/irchains" >/dev/null
    [ -f "$WORK/irchains/sm_su_w32_d1.onnx" ] || /usr/bin/python3 tools/ort/small_chains.py "$WORK/irchains" >/dev/null
    dispatch+=(--cache-chains "$DATA/cache_chains.csv" --cache-chains-dir "$WORK/irchains")
  fi
  [ -f "$DATA/act_chains.csv" ] && dispatch+=(--activation-chains "$DATA/act_chains.csv")
  # Run 28 candidate (helper int8warm): the int8 convolutions' in-network form, fitted after the share on the 12 int8
  # chains alone (the share is the same with and without them); written only by its declared 10% rule.
  if [ -f "$DATA/int8_chains.csv" ] && [ -f "$DATA/cache_chains.csv" ]; then
    [ -f "$WORK/int8chains/q8_st_c16_h160_l1.onnx" ] || /usr/bin/python3 tools/ort/int8_chains.py "$WORK/int8chains" >/dev/null
    dispatch+=(--int8-chains "$DATA/int8_chains.csv" --int8-chains-dir "$WORK/int8chains")
  fi
  # shellcheck disable=SC2086
  "$ODONATA" fit "$DATA/sweeps.csv" "$DATA/detection.csv" --base "$DATA/base.json" --same-board --out "$PROFILE" --report $FIT_FLAGS "${dispatch[@]}" \
    --predictions "$DATA/fit/predictions.csv" "${machines[@]}" | tee "$DATA/fit_report.txt"
fi

# 4. Validation rows (data/validation/host-ort-cpu.csv) and the comparison. The networks with
#    value-dependent outputs (NonZero, NonMaxSuppression, ...: the detectors) run once more, untimed,
#    on the feed the measure step timed them with (run.js's --seed and --opt-level, from RUN_FLAGS;
#    tools/ort/value_sizes.js), and their rows state the sizes ONNX Runtime gave those outputs
#    (input_shape; data/validation/README.md "Value-dependent outputs").
run_flag() { printf ' %s ' "$RUN_FLAGS" | sed -n "s/.* $1 \([^ ]*\) .*/\1/p"; }
if step validate; then
  SEED=$(run_flag --seed)
  OPT_LEVEL=$(run_flag --opt-level)
  node tools/ort/validate.js --seed "${SEED:-1}" --opt-level "${OPT_LEVEL:-all}" --statistic "$NETWORK_STATISTIC" "$ODONATA" \
    "$DATA/networks/networks.csv" "$PLATFORM" "$THREADS" "$VALIDATION" "$SUITE" "$FEEDS"
  # The profile's `validation` (and `interval`, from calibration rows if any),
  # derived from the suite, never typed: docs/platform-profile.md "Trust".
  "$ODONATA" check "$VALIDATION" --write-validation >/dev/null
  # The networks whose rounds fall into two modes far apart (tools/ort/round_modes.py, helper incep,
  # 2026-12-07: Inception v3 in runs 21-23 at 57-61 ms in some rounds and 72-78 ms in the others, with
  # the reference unmoved): a report beside the declared statistic, read nowhere; no timing, < 1 s.
  if [ -f "$DATA/networks/networks.machine.json" ]; then
    /usr/bin/python3 tools/ort/round_modes.py "$DATA/networks/networks.machine.json" > "$DATA/networks/modes.md" ||
      echo "calibrate.sh: tools/ort/round_modes.py failed (a report only; the calibration is unaffected)" >&2
  fi
fi
