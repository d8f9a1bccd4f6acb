#!/usr/bin/env bash
# Regenerate the calibrated profiles in platforms/ from the analytic seed
# profiles in data/seed-profiles/ (datasheet and ANNETTE numbers, each sourced),
# using only declared calibration data:
#   ncs2:        per-layer models fitted on the layers of the networks whose
#                rows are `calibration` in data/validation/ncs2.csv
#   zcu102:      conv/dwconv efficiency and overhead of the DPU model on data/validation/zcu102-dpu.csv
#   jetson-tx2:  per-class roofline fitted on data/validation/jetson-tx2-trt.csv (tools/fit_tx2.py)
#   jetson-nano: tools/fit_jetson_nano.sh (whole-network fit, data/jetson-nano/README.md)
# Usage: tools/calibrate_platforms.sh [path/to/odonata]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
odonata=${1:-$root/build/odonata}
cd "$root"
# Relative to the repository root: the paths end up in the profiles' provenance.
seed=data/seed-profiles
val=data/validation
out=platforms

# NCS2: the calibration networks of data/validation/ncs2.csv (split rule in data/validation/README.md).
"$odonata" fit data/ncs2/layers/cf_inceptionv4.csv data/ncs2/layers/tf_inceptionv1.csv data/ncs2/layers/tf_resnet50.csv \
  --base "$seed/ncs2.json" --same-board --out "$out/ncs2.json" --report > data/ncs2/fit_report.txt

# ZCU102: the DPU model of the seed (PG338 parallelism, clock, DDR) with its conv and dwconv efficiencies and the
# overhead set from the three calibration rows of data/validation/zcu102-dpu.csv (tools/calibrate_zcu102.py).
/usr/bin/python3 tools/calibrate_zcu102.py "$odonata" "$seed/zcu102.json" "$val/zcu102-dpu.csv" "$out/zcu102.json"
# Jetson TX2: the model form tile128x64+disp+f16fix+pnorm+dwg+wino+mnf32 (tools/tx2_variants.py; the estimator
# carries every term: docs/platform-profile.md, gemm_tiles, winograd, overlap_p, group_waves, precision_fallback)
# fitted to the calibration rows of NVIDIA's TensorRT 3.0.4 table
# (data/validation/jetson-tx2-trt.csv; also writes the leave-one-network-out result, with the model form the inner
# criterion of tools/tx2_variants.py adopted on 2026-12-07: ODONATA_TX2_FORM), then scaled as before to
# the QuTiBench MAXN calibration rows of data/validation/jetson-tx2.csv (a later TensorRT, faster); mode `trt3`
# undoes that scale and overhead, so that `jetson-tx2:trt3` is the fitted TensorRT 3.0.4 profile.
tx2=$(mktemp -d)
trap 'rm -rf "$tx2"' EXIT
ODONATA_TX2_FORM=tile128x64+disp+f16fix+pnorm+dwg+wino+mnf32 /usr/bin/python3 tools/fit_tx2.py "$odonata" "$seed/jetson-tx2.json" "$val/jetson-tx2-trt.csv" "$tx2/jetson-tx2.json" \
  data/jetson-tx2/lono.csv > data/jetson-tx2/fit_report.txt
"$odonata" calibrate "$val/jetson-tx2.csv" --platform "$tx2/jetson-tx2.json" --out "$out/jetson-tx2.json"
/usr/bin/python3 - "$tx2/jetson-tx2.json" "$out/jetson-tx2.json" <<'PY'
import json, re, sys
fitted, out = json.load(open(sys.argv[1])), sys.argv[2]
cal = json.load(open(out))
k = float(re.search(r"scaled by 1/([0-9.]+)", cal["classes"]["conv"]["compute_efficiency"]["source"]).group(1))
o = fitted["overhead_ms"]["value"] / cal["overhead_ms"]["value"]
src = ("undoes the calibration to QuTiBench (layer times x %.6f, data/validation/jetson-tx2.csv), back to the profile fitted to "
       "NVIDIA's TensorRT 3.0.4 / JetPack 3.2 table (tools/fit_tx2.py, data/validation/jetson-tx2-trt.csv)" % k)
cal["modes"]["trt3"] = {
    "description": "TensorRT 3.0.4 (JetPack 3.2), the software of NVIDIA's tf_to_trt table; power mode not stated there",
    "compute_scale": {"value": round(k, 6), "source": src},
    "bandwidth_scale": {"value": round(k, 6), "source": src},
    "power_scale": {"value": 1, "source": "assumption: MAXN as the rest of the profile (the table does not state it)"},
    "overhead_scale": {"value": round(o, 6), "source": src + "; overhead %s ms" % fitted["overhead_ms"]["value"]},
    "dispatch_scale": {"value": round(1 / k, 6), "source": src + " (odonata calibrate scales dispatch_ms with the layer times)"},
    "source": "NVIDIA-AI-IOT/tf_to_trt_image_classification@10822955 README.md (shared/data/peers2/nvidia_tf_to_trt_tx2.csv)"}
json.dump(cal, open(out, "w"), indent=2)
open(out, "a").write("\n")
PY

# Jetson Nano (issue 16): fitted from 10,287 measured networks and the torch2trt calibration rows,
# CPU-only modes included: tools/fit_jetson_nano.sh (data/jetson-nano/README.md).
"$root/tools/fit_jetson_nano.sh" "$odonata"
