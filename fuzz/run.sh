#!/usr/bin/env bash
# Bounded, reproducible fuzzing run: each target for RUNS inputs from a fixed
# seed (the same inputs every time, so CI cannot fail by chance), seeded from the shipped models,
# the third-party corpus (models/third-party/*.onnx and its full/ originals), libonnx-testdata's ~1000 node models (if
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

# -max_len per target (libFuzzer's default is the largest seed, up to 1 MB). Time per input grows
# with its length, and under ASan + UBSan the large seeds cost seconds each (measured 2026-12-04 on
# the 2-core AMD EPYC VM: a 1.3 MB profile 2.5 s, the 1.3 MB swin_t model 15 s, a 6 KB profile 5 ms),
# so libFuzzer spent most of its time re-parsing a few huge files. The limits keep every input format
# and feature in the seeds: CSVs and reports are line- or record-structured (a 16 KB prefix holds the
# header and many rows); profiles get fuzz/seeds/platform-trees.json (the host profile's tree
# models, cut to 2 trees each) in place of the 0.9 and 1.3 MB host profiles; ONNX models over 64 KB
# (60 whole networks of models/, the node models all fit) are left out, not cut: a truncated
# protobuf is only a parse error. Seeds over the limit are skipped, not truncated, and counted.
# Other options stay at libFuzzer's defaults (-len_control, leak detection, entropic schedule);
# no -fork/-jobs: the runs get one core. docs/hostile-inputs.md has the measurements and coverage.
max_len() {
  case $1 in
    onnx_loader_fuzz) echo 65536 ;;
    platform_fuzz) echo 32768 ;;
    *) echo 16384 ;;
  esac
}

seed() {  # seed TARGET FILE...: copy the files up to TARGET's max_len into its seed dir, uniquely named
  local target=$1 dir=$work/seeds/$1 i=0 skipped=0 limit
  limit=$(max_len "$1")
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || continue
    if [ "$(stat -c %s "$f")" -gt "$limit" ]; then
      skipped=$((skipped + 1))
      continue
    fi
    i=$((i + 1))
    cp "$f" "$dir/seed_${i}_$(basename "$f")"
  done
  echo "fuzz: $target: $i seeds, $skipped over -max_len=$limit skipped"
}
rm -rf "$work/seeds"
seed onnx_loader_fuzz "$src"/models/*.onnx "$src"/models/third-party/*.onnx "$src"/models/third-party/full/*.onnx \
  "$src"/tests/data/import/*.onnx \
  $(find /usr/share/libonnx-testdata/data/node -name model.onnx 2>/dev/null | sort)
seed measurements_fuzz "$src"/tests/data/fit/*.csv $(find "$src/data" -name '*.csv' -size -200k | sort)
seed platform_fuzz "$src"/platforms/*.json "$src"/data/links.json $(find "$src/data" -name '*.json' -path '*profile*' | sort) \
  "$src"/fuzz/seeds/platform-trees.json
seed import_fuzz "$src"/tests/data/import/*.csv "$src"/tests/data/import/*.json

for target in "${targets[@]}"; do
  rm -rf "$work/$target/corpus"
  mkdir -p "$work/$target/corpus"
  echo "fuzz: $target, $runs inputs"
  (cd "$work/$target" && "$build/fuzz/$target" -seed=1 -runs="$runs" -max_len="$(max_len "$target")" -timeout="${FUZZ_TIMEOUT:-25}" -report_slow_units=25 -max_total_time="${FUZZ_MAX_TIME:-0}" -rss_limit_mb=2048 \
    -print_final_stats=1 corpus "$work/seeds/$target" >"$work/$target/log" 2>&1) || {
    tail -n 40 "$work/$target/log" >&2
    echo "fuzz: $target failed; input in $work/$target/crash-* (or leak-*, timeout-*, oom-*)" >&2
    exit 1
  }
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$work/$target/log" | tr '\n' ' '
  grep -E '^#[0-9]+.*cov:' "$work/$target/log" | tail -n 1 | tr -s ' \t' ' '
  echo
done
