#!/usr/bin/env bash
# Regenerate the calibrated profiles in platforms/ from the analytic seed
# profiles in data/seed-profiles/ (datasheet and ANNETTE numbers, each sourced),
# using only declared calibration data:
#   ncs2:        per-layer models fitted on the layers of the networks whose
#                rows are `calibration` in data/validation/ncs2.csv
#   zcu102:      time scale + overhead on the calibration rows measuring Vitis AI end to end
#   jetson-nano, jetson-tx2: time scale + overhead on their calibration rows
# Usage: tools/calibrate_platforms.sh [path/to/odonata]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
odonata=${1:-$root/build/odonata}
seed=$root/data/seed-profiles
val=$root/data/validation
out=$root/platforms
cd "$root"

# NCS2: the calibration networks of data/validation/ncs2.csv (split rule in data/validation/README.md).
"$odonata" fit data/ncs2/layers/cf_inceptionv4.csv data/ncs2/layers/tf_inceptionv1.csv data/ncs2/layers/tf_resnet50.csv \
  --base "$seed/ncs2.json" --same-board --out "$out/ncs2.json" --report > data/ncs2/fit_report.txt

"$odonata" calibrate "$val/zcu102.csv" --platform "$seed/zcu102.json" --out "$out/zcu102.json" \
  --measures "e2e incl. pre/post on A53, 1 thread"
"$odonata" calibrate "$val/jetson-nano.csv" --platform "$seed/jetson-nano.json" --out "$out/jetson-nano.json"
"$odonata" calibrate "$val/jetson-tx2.csv" --platform "$seed/jetson-tx2.json" --out "$out/jetson-tx2.json"

# Jetson Nano CPU-only modes: k of mode cpu-921 (compute and bandwidth scale, so every layer time / k) is fitted on
# that mode's calibration row against the calibrated profile written above:
#   k = calibrated layer sum / (measured_ms - overhead_ms x overhead_scale).
# The seed holds k (and cpu-1430's k x 1430/921); this step fails when the seed is out of date.
"$odonata" estimate models/mobilenet_v2.onnx --platform "$out/jetson-nano.json" --precision fp32 --format json |
  python3 -c '
import csv, json, sys
est = json.load(sys.stdin)
seed = json.load(open(sys.argv[1]))
rows = [r for r in csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#"))
        if r["platform"] == "jetson-nano:cpu-921" and r["split"] == "calibration"]
assert len(rows) == 1 and rows[0]["model"].endswith("mobilenet_v2.onnx") and rows[0]["precision"] == "fp32"
mode = seed["modes"]["cpu-921"]
k = est["layers_ms"] / (float(rows[0]["measured_ms"]) - est["overhead_ms"] * mode["overhead_scale"]["value"])
have = mode["compute_scale"]["value"]
print("jetson-nano:cpu-921: k = %.6f (layers %.4f ms, overhead %.4f ms); seed has %g" % (k, est["layers_ms"], est["overhead_ms"], have))
if abs(have / k - 1) > 0.001:
    sys.exit("seed out of date: set modes.cpu-921 compute_scale and bandwidth_scale to %.4g and cpu-1430 to %.4g "
             "in data/seed-profiles/jetson-nano.json, then rerun" % (k, k * 1430 / 921))
' "$seed/jetson-nano.json" "$val/jetson-nano.csv"
