#!/bin/bash
# Compares two odonata binaries on every model in models/, models/darknet/
# and models/third-party/: `estimate` on every profile in platforms/, and
# `inspect --format json` (every node's shapes and counts) with the default
# batch and with --batch 4. Stdout, stderr and exit code must be
# byte-identical. Run from the repository root; both binaries must sit in
# build directories of the same checkout (profiles are found relative to the
# binary).
#   bench/compare_reports.sh BEFORE/odonata AFTER/odonata
set -u
before=$1 after=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=0 differ=0
for model in models/*.onnx models/darknet/*.onnx models/third-party/*.onnx; do
  commands=()
  for profile in platforms/*.json; do
    commands+=("estimate $model --platform $(basename "$profile" .json)")
  done
  commands+=("inspect $model --format json" "inspect $model --format json --batch 4")
  for command in "${commands[@]}"; do
    for side in before after; do
      bin=$before; [ "$side" = after ] && bin=$after
      # shellcheck disable=SC2086  # the command's words
      "$bin" $command >"$work/$side.out" 2>"$work/$side.err"
      echo $? >"$work/$side.rc"
    done
    runs=$((runs + 1))
    for f in out err rc; do
      if ! cmp -s "$work/before.$f" "$work/after.$f"; then
        differ=$((differ + 1))
        echo "differs ($f): odonata $command"
        break
      fi
    done
  done
done
echo "$runs runs, $differ differ"
[ "$differ" -eq 0 ]
