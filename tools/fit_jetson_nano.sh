#!/usr/bin/env bash
# Fit platforms/jetson-nano.json (issue 16) from declared calibration data only
# (split rules: data/jetson-nano/README.md):
#   1. FP32 latency and board power per class: `odonata fit` on the whole networks of
#      data/jetson-nano/icas_calibration.csv (iCAS-Lab, TensorRT FP32, board input power).
#   2. The GPU and CPU rails: the same fit on those rails' power, reported only
#      (data/jetson-nano/fit_report_{gpu,cpu}_rail.txt): the profile's power is the board's.
#   3. FP16 = FP32 x one ratio, and the torch2trt overhead: least squares on the calibration
#      rows of the torch2trt table (data/validation/jetson-nano.csv); the iwatake2222 C++
#      overhead from that source's calibration row; the CPU-only modes' time scale from theirs.
#   4. The iCAS real rows' measured energy inside the 60 s power loop (correction (W), tools/nano_power_window.py).
# Usage: tools/fit_jetson_nano.sh [path/to/odonata] [shared data dir, to rewrite the icas CSVs first]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
odonata=${1:-$root/build/odonata}
shared=${2:-}
cd "$root"
work=$(mktemp -d)
mkdir -p "$work"/{fp32,gpu,cpu,b,fp16,modes}  # profiles must be named after their file: */jetson-nano.json
trap 'rm -rf "$work"' EXIT

if [ -n "$shared" ]; then
  /usr/bin/python3 tools/icas_nano.py "$shared/icas_nano" data/jetson-nano
fi

# Per-class terms (network_fit.h ParseTerms), each with its own non-negative coefficient per
# kernel size (--split-by CLASS=kernel; kernel = kh*kw), so that 3x3 (Winograd in TensorRT) and
# 1x1 get their own costs. conv: a constant, MACs, weights, MACs with the output channels
# rounded up to 64 (in_c*kernel*out_h*out_w*(floor((out_c-1)/64) + 1), two terms), output elements.
# dwconv: a constant, MACs, output elements. gemm: every iCAS network ends in one Linear to 10
# outputs (M = 1, N = 10, K up to 10 M), a matrix-vector product that TensorRT runs far below the
# memory bandwidth; only one cost of that shape is identifiable (a constant would be the overhead's
# twin), fitted per input element (in_c*spatial = M x K) so that it does not grow with N. The
# weight-streaming cost of wide layers (N = 4096 in VGG and AlexNet) is added below, from the datasheet.
# in_c*out_c*kernel*out_h (MACs / output width, per kernel size like the others): the cost per MAC falls with
# the map width; chosen on 2026-12-05 by an extrapolation test inside the calibration rows (fitted on W <= 60,
# scored on W >= 80; data/jetson-nano/README.md, docs/boards.md).
conv="1;macs;in_c*out_c*kernel;in_c*kernel*out_h*out_w*out_c:64;in_c*kernel*out_h*out_w;elems;in_c*out_c*kernel*out_h"
dw="1;macs;elems"
gemm="in_c*spatial"

fit() {  # fit CSV OUT REPORT
  "$odonata" fit "$1" --base data/seed-profiles/jetson-nano.json --name jetson-nano \
    --overhead-group icas-python-loop --terms "conv=$conv" --terms "dwconv=$dw" --terms "gemm=$gemm" \
    --split-by conv=kernel --split-by dwconv=kernel \
    --out "$2" --report > "$3"
}
fit data/jetson-nano/icas_calibration.csv "$work/fp32/jetson-nano.json" data/jetson-nano/fit_report.txt
for rail in gpu cpu; do
  /usr/bin/python3 - "$rail" data/jetson-nano/icas_calibration.csv "$work/$rail.csv" <<'PY'
import csv, sys
rail, src, dst = sys.argv[1:]
rows = list(csv.DictReader(l for l in open(src) if not l.startswith("#")))
with open(dst, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["model", "precision", "latency_ms", "overhead", "power_w"])
    for r in rows:
        w.writerow([r["model"], r["precision"], r["latency_ms"], r["overhead"], r[rail + "_power_w"]])
PY
  fit "$work/$rail.csv" "$work/$rail/jetson-nano.json" "data/jetson-nano/fit_report_${rail}_rail.txt"
done

/usr/bin/python3 - "$odonata" "$work" <<'PY'
import csv, json, subprocess, sys
odonata, work = sys.argv[1:]
p = json.load(open(work + "/fp32/jetson-nano.json"))
suite = "data/validation/jetson-nano.csv"
rows = list(csv.DictReader(l for l in open(suite) if not l.startswith("#")))

def est(model, profile, precision):
    out = subprocess.run([odonata, "estimate", model, "--platform", profile, "--precision", precision, "--format",
                          "json"], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    out = out.stdout
    return json.loads(out)

def model_path(r):
    return "data/validation/" + r["model"] if not r["model"].startswith("icas:") else r["model"]

json.dump(p, open(work + "/b/jetson-nano.json", "w"), indent=2)

# FP16, wide Linear layers and unpadded 1x1 convolutions, from the torch2trt calibration rows (least squares of
# relative error; tools/nano_unpadded.py):
#   measured = s x (FP32 layer time) + q x (FP32 time of the unpadded 1x1 layers) + g x (MACs of Gemm layers)
#              + torch2trt overhead
# s: the FP16/FP32 time ratio; g: the FP16 weight-streaming cost per MAC of Linear layers (M = 1,
# 2 bytes per MAC), which the iCAS data (10-output Linear layers only) cannot give; r = 1 + q / s: the time of an
# unpadded 1x1 convolution over the conv model's, whose 1x1 cost the iCAS data fits on padded 1x1 layers only
# (candidate (U2), chosen on calibration rows on 2026-12-07: data/jetson-nano/README.md).
sys.path.insert(0, "tools")
import nano_unpadded
cal = [r for r in rows if r["platform"] == "jetson-nano:torch2trt" and r["split"] == "calibration"]
xs = []
for r in cal:
    e = est(model_path(r), work + "/b/jetson-nano.json", "fp32")
    unpadded = nano_unpadded.unpadded_1x1(model_path(r))
    u_ms = sum(l["ms"] * l.get("repeat", 1) for l in e["layers"] if l["op"].startswith("Conv") and l["covers"][0] in unpadded)
    gemm_macs = sum(l["macs"] * l.get("repeat", 1) for l in e["layers"] if l["op"].split("+")[0] in ("Gemm", "MatMul"))
    xs.append((e["layers_ms"], u_ms, gemm_macs, float(r["measured_ms"])))
s, q, g, o_t2t, r1x1 = nano_unpadded.fit_torch2trt(xs)
assert s > 0 and g > 0 and o_t2t > 0 and r1x1 > 0, (s, q, g, o_t2t, r1x1)
print("fp16: ratio %.5f, Linear weight streaming %.6g ms/MAC (%.3g GB/s at 2 bytes), torch2trt overhead %.4f ms, "
      "unpadded 1x1 x %.5f on %d calibration rows" % (s, g, 2.0 / g / 1e6, o_t2t, r1x1, len(cal)))
t2t_src = ("fitted by tools/fit_jetson_nano.sh on the %d torch2trt calibration rows of %s: measured = ratio x FP32 layer "
           "time + q x FP32 time of unpadded 1x1 layers + weight streaming x Gemm MACs + torch2trt overhead, least "
           "squares of relative error" % (len(cal), suite))
# Unpadded 1x1 layers at r x the conv model, then the dwconv class refitted on the same iCAS calibration rows with
# conv and gemm kept, so that the separable networks' time their unpadded 1x1 layers lose moves to their depthwise
# layers (the iCAS data fixes only the sum of the two).
conv32 = [f for f in p["classes"]["conv"]["fitted"] if f["precision"] == "fp32"][0]
nano_unpadded.scale_unpadded_1x1(conv32, r1x1)
conv32["source"] += ("; unpadded 1x1 layers (valid_permille 1000, kernel 1) x %.5f = 1 + q / ratio (%s; "
                     "tools/nano_unpadded.py)" % (r1x1, t2t_src))
import os
os.makedirs(work + "/u", exist_ok=True); os.makedirs(work + "/u2", exist_ok=True)
json.dump(p, open(work + "/u/jetson-nano.json", "w"), indent=2)
report = subprocess.run([odonata, "fit", "data/jetson-nano/icas_calibration.csv", "--base", work + "/u/jetson-nano.json",
                         "--name", "jetson-nano", "--overhead-group", "icas-python-loop", "--classes", "dwconv",
                         "--terms", "dwconv=1;macs;elems", "--split-by", "dwconv=kernel",
                         "--out", work + "/u2/jetson-nano.json", "--report"], capture_output=True, text=True)
if report.returncode:
    sys.exit(report.stderr)
open("data/jetson-nano/fit_report_dwconv_refit.txt", "w").write(report.stdout)
p = json.load(open(work + "/u2/jetson-nano.json"))
for name, cls in p["classes"].items():
    f32 = [f for f in cls.get("fitted", []) if f["precision"] == "fp32"]
    if not f32:
        continue
    f16 = json.loads(json.dumps(f32[0]))
    f16["precision"] = "fp16"
    for t in f16["terms"]:
        t["coef"] *= s
    f16["source"] = "the fp32 model x %.5f (FP16/FP32 time ratio %s)" % (s, t2t_src)
    f16["rows"] = len(cal); f16["mape"] = 0; f16["cv_mape"] = 0; f16["folds"] = 0; f16["r2"] = 0
    if name == "gemm":
        f16["terms"].append({"coef": g, "factors": [{"dim": "macs"}]})
        f16["source"] += "; plus weight streaming %.6g ms per MAC (%s)" % (g, t2t_src)
        # fp32: twice the fp16 streaming cost (4 bytes per weight instead of 2); the iCAS per-input cost
        # (in_c*spatial, fitted with N = 10 outputs) loses the 10 x 2g the streaming term now carries,
        # so that the iCAS networks keep their fitted times.
        per_input = [t for t in f32[0]["terms"] if [f["dim"] for f in t["factors"]] == ["in_c", "spatial"]]
        assert len(per_input) == 1 and per_input[0]["coef"] > 20 * g, per_input
        per_input[0]["coef"] -= 20 * g
        f32[0]["terms"].append({"coef": 2 * g, "factors": [{"dim": "macs"}]})
        f32[0]["source"] += ("; plus weight streaming %.6g ms per MAC: twice the fp16 figure (4 bytes per weight "
                             "instead of 2), with 10 x that taken off the in_c*spatial term (the iCAS layers have 10 "
                             "outputs) %s" % (2 * g, t2t_src))
    cls["fitted"] = [f for f in cls["fitted"] if f["precision"] != "fp16"] + [f16]
    cls["fitted"].sort(key=lambda f: ["fp32", "fp16", "int8"].index(f["precision"]))
base_o = p["overhead_ms"]["value"]
modes = p.setdefault("modes", {})
def overhead_mode(desc, o, src):
    return {"description": desc,
            "compute_scale": {"value": 1, "source": "the profile's own numbers"},
            "bandwidth_scale": {"value": 1, "source": "the profile's own numbers"},
            "power_scale": {"value": 1, "source": "the profile's own numbers"},
            "overhead_scale": {"value": o / base_o, "source": "overhead %.4f ms / the profile's %.4f ms (%s)" % (o, base_o, src)},
            "source": src}
modes["torch2trt"] = overhead_mode("TensorRT called through torch2trt's PyTorch module (torch2trt's benchmark)", o_t2t, t2t_src)
json.dump(p, open(work + "/fp16/jetson-nano.json", "w"), indent=2)

# iwatake2222 C++ loop (cudaMalloc/cudaFree per call): overhead = its FP16 calibration row - layer time.
iw = [r for r in rows if r["platform"] == "jetson-nano:iwatake-cpp" and r["split"] == "calibration"]
assert len(iw) == 1
e = est(model_path(iw[0]), work + "/fp16/jetson-nano.json", iw[0]["precision"])
o_iw = float(iw[0]["measured_ms"]) - e["layers_ms"]
iw_src = ("%s calibration row (%s, %s ms) minus its %s layer time %.4f ms (tools/fit_jetson_nano.sh)"
          % (suite, iw[0]["network"], iw[0]["measured_ms"], iw[0]["precision"], e["layers_ms"]))
print("iwatake-cpp overhead %.4f ms" % o_iw)
modes["iwatake-cpp"] = overhead_mode("TensorRT from C++ with cudaMalloc, stream creation, copies and cudaFree on every "
                                     "call (iwatake2222/JetsonNanoTest)", o_iw, iw_src)

# CPU-only modes (issue 6 seed): k = fitted fp32 layer time / (measured - overhead x overhead_scale), and the power
# scale that reproduces the row's 0.878 W; cpu-1430 = cpu-921 x 1430/921 (CPU clock ratio).
json.dump(p, open(work + "/modes/jetson-nano.json", "w"), indent=2)
cpu = [r for r in rows if r["platform"] == "jetson-nano:cpu-921" and r["split"] == "calibration"]
assert len(cpu) == 1 and cpu[0]["precision"] == "fp32"
e = est(model_path(cpu[0]), work + "/modes/jetson-nano.json", "fp32")
m921 = modes["cpu-921"]
k = e["layers_ms"] / (float(cpu[0]["measured_ms"]) - e["overhead_ms"] * m921["overhead_scale"]["value"])
layer_power = (e["energy_mj"] - e["overhead_energy_mj"]) / e["layers_ms"]
ps = float(cpu[0]["measured_power_w"]) / layer_power
src = ("fitted by tools/fit_jetson_nano.sh on this mode's calibration row (%s, issue 6 seed 'CPU only 921 MHz: %s ms, "
       "%s W', MobileNetV2 at fp32 assumed)" % (suite, cpu[0]["measured_ms"], cpu[0]["measured_power_w"]))
for mode, f in (("cpu-921", 1.0), ("cpu-1430", 1430.0 / 921.0)):
    m = modes[mode]
    extra = "" if f == 1 else " x CPU clock ratio 1430 / 921"
    m["compute_scale"] = {"value": round(k * f, 6), "source": "k = fp32 layer time %.4f ms / (%s ms - overhead %.4f ms x %g) = %.6f%s; %s; k is the CPU-runtime-versus-TensorRT time ratio of that one network" % (e["layers_ms"], cpu[0]["measured_ms"], e["overhead_ms"], m921["overhead_scale"]["value"], k, extra, src)}
    m["bandwidth_scale"] = {"value": round(k * f, 6), "source": "the same as compute_scale: a time scale, not a bandwidth"}
    m["power_scale"] = {"value": round(ps * f, 6), "source": "%s W / the layers' mean power at MAXN fp32 %.4f W%s (assumption for cpu-1430: power proportional to the CPU clock); %s" % (cpu[0]["measured_power_w"], layer_power, extra, src)}
print("cpu-921 k %.6f, power_scale %.6f" % (k, ps))

p["default_precision"] = "fp16"
conv_w = p["classes"]["conv"]["active_w"]["value"]
p["power"]["active_w"] = {"value": conv_w, "source": "assumption: classes without a fitted power (pooling, element-wise, ...) draw the conv class's fitted board power (classes.conv.active_w, tools/fit_jetson_nano.sh)"}
n_val = sum(1 for l in open("data/validation/jetson-nano-icas.csv") if not l.startswith("#")) - 1
notes = [n for n in p["notes"] if n.startswith(("int8 is omitted", "Fusion rules cover", "Concat is free"))]
notes += [
    "Latency (issue 16): conv, dwconv and gemm are step_linear models fitted from whole networks: 10,287 iCAS-Lab synthetic CNNs measured on a Jetson Nano (TensorRT FP32, MAXN; data/jetson-nano/README.md), by `odonata fit` (network_fit.h) with a cost per kernel size; the other classes keep the seed's roofline at datasheet peaks (no measurement isolates them). Results and errors: docs/boards.md, 'Jetson Nano'.",
    "overhead_ms is the iCAS Python loop (copy to pinned memory, H2D, execute_async, D2H, synchronize), fitted with the layers. Other callers are modes: torch2trt (PyTorch module), iwatake-cpp (C++ with per-call allocations).",
    "FP16 is the FP32 model times one ratio fitted on the torch2trt calibration rows: no FP16 layer or synthetic measurement exists for the Nano.",
    "Unpadded 1x1 convolutions (the real networks' 1x1 layers) cost r x the conv model, whose 1x1 cost the iCAS plain networks fit on padded 1x1 layers only; r is fitted with the FP16 ratio on the torch2trt calibration rows, and the dwconv class is refitted after it (candidate (U2) of data/jetson-nano/README.md, chosen on calibration rows on 2026-12-07; tools/nano_unpadded.py).",
    "Power is board input power (INA3221 5V_IN, idle included), fitted per class on the energy of the iCAS rows; idle_w is the board's power during the overhead. The GPU-rail and CPU-rail fits are in data/jetson-nano/fit_report_{gpu,cpu}_rail.txt and not used. FP16 uses the FP32 powers (no FP16 power measurement).",
    "The data has only stride-1 convolutions (1x1 to 7x7, depthwise 2x2 to 5x5) and Linear layers to 10 outputs: strided, larger (AlexNet 11x11) and asymmetric kernels are extrapolated (flagged), and wide Linear layers get a weight-streaming term at the datasheet bandwidth.",
    "Modes (--platform jetson-nano:MODE): maxn (as written), gpu-614 (clock ratios), cpu-921 and cpu-1430 (CPU only: one time scale fitted on one MobileNet-class run), torch2trt and iwatake-cpp (caller overheads). A mode divides fitted coefficients by compute_scale.",
]
p["notes"] = notes
p["description"] = "NVIDIA Jetson Nano (Maxwell GPU, 128 CUDA cores at 921.6 MHz, MAXN 10 W mode), TensorRT; fitted on 10,287 measured networks"
out = json.dumps(p, indent=2) + "\n"
open("platforms/jetson-nano.json", "w").write(out)
PY
"$odonata" platforms --platform platforms/jetson-nano.json > /dev/null 2>&1 || "$odonata" estimate models/resnet50.onnx --platform platforms/jetson-nano.json > /dev/null
echo "wrote platforms/jetson-nano.json"
# Correction (W) (data/jetson-nano/README.md): the iCAS real rows whose tegrastats record is longer than the 60 s
# inference loop get measured_energy_mj = in-loop power x latency, with the fitted idle_w outside the loop.
/usr/bin/python3 tools/nano_power_window.py data/validation/jetson-nano.csv platforms/jetson-nano.json
