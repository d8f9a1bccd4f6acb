#!/usr/bin/env bash
# Whole-process time of `odonata estimate MODEL --platform jetson-nano` per
# shipped model: median and max of N runs (default 20), wall clock.
# Usage: tools/bench_cli.sh [path/to/odonata] [runs]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
odonata=${1:-$root/build/odonata}
runs=${2:-20}
printf '%-34s %10s %10s\n' model median_ms max_ms
for model in "$root"/models/*.onnx; do
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$odonata" estimate "$model" --platform jetson-nano >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  median=${sorted[$(( runs / 2 ))]}
  max=${sorted[$(( runs - 1 ))]}
  printf '%-34s %10.1f %10.1f\n' "$(basename "$model" .onnx)" "$(echo "$median / 1000" | bc -l)" \
    "$(echo "$max / 1000" | bc -l)"
done
