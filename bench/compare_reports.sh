#!/bin/bash
# Compares `odonata estimate` of every model in models/, models/darknet/ and
# models/third-party/ on every profile in platforms/ between two binaries:
# stdout, stderr and exit code must be byte-identical. Run from the
# repository root; both binaries must sit in build directories of the same
# checkout (profiles are found relative to the binary).
#   bench/compare_reports.sh BEFORE/odonata AFTER/odonata
set -u
before=$1 after=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=0 differ=0
for model in models/*.onnx models/darknet/*.onnx models/third-party/*.onnx; do
  for profile in platforms/*.json; do
    p=$(basename "$profile" .json)
    for side in before after; do
      bin=$before; [ "$side" = after ] && bin=$after
      "$bin" estimate "$model" --platform "$p" >"$work/$side.out" 2>"$work/$side.err"
      echo $? >"$work/$side.rc"
    done
    runs=$((runs + 1))
    for f in out err rc; do
      if ! cmp -s "$work/before.$f" "$work/after.$f"; then
        differ=$((differ + 1))
        echo "differs ($f): $model --platform $p"
        break
      fi
    done
  done
done
echo "$runs runs, $differ differ"
[ "$differ" -eq 0 ]
