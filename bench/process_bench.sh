#!/usr/bin/env bash
# Whole-process cost of the commands issue 13 sets targets for: `odonata
# estimate models/resnet50.onnx --platform P` for every shipped profile and
# `odonata inspect` of the models whose folding took many rounds. Prints perf
# stat's task-clock (user + sys CPU), page faults and wall clock, mean of N
# runs with perf's spread; on a shared machine read the CPU time, not the wall
# clock. With CALLGRIND=1 also the exact instruction count of one run
# (valgrind), which does not depend on the machine's load.
# Usage: bench/process_bench.sh [path/to/odonata] [runs]   (a benchmark, not a test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
odonata=${1:-$root/build/odonata}
runs=${2:-20}
cases=()
for p in "$root"/platforms/*.json; do
  cases+=("estimate $root/models/resnet50.onnx --platform $(basename "$p" .json)")
done
for m in swin_t shufflenet_v2_x1_0 densenet201; do cases+=("inspect $root/models/$m.onnx"); done
printf '%-70s %12s %8s %14s %s\n' command cpu_ms faults wall_ms instructions
for c in "${cases[@]}"; do
  # shellcheck disable=SC2086
  out=$(perf stat -x, -r "$runs" -e task-clock,page-faults "$odonata" $c 2>&1 >/dev/null)
  cpu=$(echo "$out" | awk -F, '$3=="task-clock"{printf "%.1f+-%s", $1, $4}')
  faults=$(echo "$out" | awk -F, '$3=="page-faults"{print $1}')
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$odonata" $c >/dev/null 2>&1; done
  wall=$(( ($(date +%s%N) - start) / runs / 1000 ))
  ir=-
  if [ "${CALLGRIND:-0}" = 1 ]; then
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$odonata" $c 2>&1 >/dev/null |
      awk '/Collected/{print $NF}')
  fi
  printf '%-70s %12s %8s %14s %s\n' "${c/$root\//}" "$cpu" "$faults" "$(echo "scale=1; $wall / 1000" | bc)" "$ir"
done
