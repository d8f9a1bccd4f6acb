#!/usr/bin/env bash
# Bounded, reproducible fuzzing run: each target for RUNS inputs from a fixed
# seed (the same inputs every time, so CI cannot fail by chance), seeded from the shipped models,
# the third-party corpus (models/third-party/), libonnx-testdata's ~1000 node models (if
# installed), the measurement CSVs, the platform profiles and the real runtime reports. Fails on
# the first crash; the crashing input is left in WORK/<target>/crash-* (make it a regression test).
#
#   fuzz/run.sh BUILD_DIR [RUNS] [WORK] [TARGET...]
#
# TARGETs (default: all four) run in the order given, one at a time. FUZZ_TIMEOUT (default 25)
# is libFuzzer's per-input timeout in seconds; it counts wall-clock time, so a run that is
# paused (kill -STOP) for longer needs a larger one (inputs slower than 25 s are still listed,
# -report_slow_units). FUZZ_MAX_TIME (seconds, default 0: none) stops a target after that long
# even before RUNS inputs (libFuzzer's -max_total_time); the log says how many ran.
set -euo pipefail
build=$(cd "${1:?usage: fuzz/run.sh BUILD_DIR [RUNS] [WORK]}" && pwd)
runs=${2:-10000}
work=${3:-$build/fuzz-work}
shift $(($# < 3 ? $# : 3))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx_loader_fuzz measurements_fuzz platform_fuzz import_fuzz)
mkdir -p "$work" && work=$(cd "$work" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)

seed() {  # seed DIR FILE...: copy files into DIR under unique names
  local dir=$1 i=0
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || continue
    i=$((i + 1))
    cp "$f" "$dir/seed_${i}_$(basename "$f")"
  done
}
rm -rf "$work/seeds"
seed "$work/seeds/onnx_loader_fuzz" "$src"/models/*.onnx "$src"/models/third-party/*.onnx "$src"/tests/data/import/*.onnx \
  $(find /usr/share/libonnx-testdata/data/node -name model.onnx 2>/dev/null | sort)
seed "$work/seeds/measurements_fuzz" "$src"/tests/data/fit/*.csv $(find "$src/data" -name '*.csv' -size -200k | sort)
seed "$work/seeds/platform_fuzz" "$src"/platforms/*.json "$src"/data/links.json $(find "$src/data" -name '*.json' -path '*profile*' | sort)
seed "$work/seeds/import_fuzz" "$src"/tests/data/import/*.csv "$src"/tests/data/import/*.json

for target in "${targets[@]}"; do
  rm -rf "$work/$target/corpus"
  mkdir -p "$work/$target/corpus"
  echo "fuzz: $target, $runs inputs"
  (cd "$work/$target" && "$build/fuzz/$target" -seed=1 -runs="$runs" -timeout="${FUZZ_TIMEOUT:-25}" -report_slow_units=25 -max_total_time="${FUZZ_MAX_TIME:-0}" -rss_limit_mb=2048 \
    -print_final_stats=1 corpus "$work/seeds/$target" >"$work/$target/log" 2>&1) || {
    tail -n 40 "$work/$target/log" >&2
    echo "fuzz: $target failed; input in $work/$target/crash-* (or leak-*, timeout-*, oom-*)" >&2
    exit 1
  }
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$target/log" | tr '\n' ' '
  echo
done
