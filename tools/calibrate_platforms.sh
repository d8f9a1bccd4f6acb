#!/usr/bin/env bash
# Regenerate the calibrated profiles in platforms/ from the analytic seed
# profiles in data/seed-profiles/ (datasheet and ANNETTE numbers, each sourced),
# using only declared calibration data:
#   ncs2:        per-layer models fitted on the layers of the networks whose
#                rows are `calibration` in data/validation/ncs2.csv
#   zcu102:      time scale + overhead on the calibration rows measuring Vitis AI end to end
#   jetson-nano: tools/fit_jetson_nano.sh (whole-network fit, data/jetson-nano/README.md)
#   jetson-tx2: time scale + overhead on its calibration rows
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
  --base "$seed/ncs2.json" --out "$out/ncs2.json" --report > data/ncs2/fit_report.txt

"$odonata" calibrate "$val/zcu102.csv" --platform "$seed/zcu102.json" --out "$out/zcu102.json" \
  --measures "e2e incl. pre/post on A53, 1 thread"
"$odonata" calibrate "$val/jetson-tx2.csv" --platform "$seed/jetson-tx2.json" --out "$out/jetson-tx2.json"

# Jetson Nano (issue 16): fitted from 10,287 measured networks and the torch2trt calibration rows,
# CPU-only modes included: tools/fit_jetson_nano.sh (data/jetson-nano/README.md).
"$root/tools/fit_jetson_nano.sh" "$odonata"
