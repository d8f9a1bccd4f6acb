#!/usr/bin/env bash
# End-to-end tests of the odonata command: exit codes, error messages, the
# report invariants. Stops at the first failure.
#
#   bash tests/cli_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
#
# Needs the weight-stripped models in SOURCE_DIR/models (tools/export_models.py)
# and python3 (standard library only). A missing model is a failure, not a skip.
set -u

. "$(dirname "$0")/cli_lib.sh" "$@"

# --- Command line ---------------------------------------------------------

check "--version prints 'odonata <version>'"
run 0 --version
stdout_has '^odonata [0-9]+\.[0-9]+\.[0-9]+'
ok

check "--help exits 0 and documents the exit codes"
run 0 --help
stdout_has 'estimate'
stdout_has 'Exit status'
ok

check "estimate --help exits 0"
run 0 estimate --help
stdout_has '--platform'
ok

check "no subcommand is a usage error"
run 2
stderr_has "odonata: error:"
ok

check "unknown subcommand is a usage error"
run 2 estimat "$MODELS/resnet50.onnx"
stderr_has "unknown command 'estimat'"
ok

check "no command prints the usage, which lists the commands"
run 2
stderr_has "Usage: odonata [OPTIONS] SUBCOMMAND"
stderr_has "  estimate "
stderr_has "odonata: error: no command given"
stdout_empty
ok

check "a mistyped command gets 'did you mean', a strange one the list"
run 2 estimat "$MODELS/resnet50.onnx"
one_error_line
stderr_has "unknown command 'estimat' (did you mean 'estimate'?)"
run 2 xyzzy
stderr_has "unknown command 'xyzzy' (commands: estimate, inspect, platforms,"
ok

check "an unknown option is named, with the closest real one"
run 2 estimate "$MODELS/resnet50.onnx" --platfrom jetson-nano
stderr_has "odonata: error: unknown option '--platfrom' (did you mean '--platform'?)"
stderr_has "Run 'odonata estimate --help'"
stdout_empty
run 2 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --bogus
stderr_has "odonata: error: unknown option '--bogus'"
run 2 partition "$MODELS/resnet50.onnx" --platform jetson-nano --link=wifi --max-latncy=5ms
stderr_has "unknown option '--max-latncy' (did you mean '--max-latency'?)"
ok

check "missing --platform is a usage error"
run 2 estimate "$MODELS/resnet50.onnx"
stderr_has "--platform"
stdout_empty
ok

check "bad --input-shape is a usage error naming the value"
run 2 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --input-shape x=1xZx3
stderr_has "1xZx3"
stdout_empty
ok

check "--batch 0 is a usage error"
run 2 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --batch 0
ok

check "unknown --format is a usage error"
run 2 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --format xml
ok

# --- Bad input files (exit 1, one-line error naming the problem) -------------

check "missing model file"
run 1 estimate "$WORK/no-such-model.onnx" --platform jetson-nano
one_error_line
stderr_has "no-such-model.onnx"
stdout_empty
ok

check "a text file is not an ONNX model"
printf 'this is not an onnx model\n%s\n' "$RANDOM$RANDOM$RANDOM" >"$WORK/not-a-model.onnx"
run 1 estimate "$WORK/not-a-model.onnx" --platform jetson-nano
one_error_line
stderr_has "not-a-model.onnx"
stdout_empty
ok

check "a truncated model"
need_model resnet18.onnx
head -c 1000 "$MODELS/resnet18.onnx" >"$WORK/truncated.onnx"
run 1 estimate "$WORK/truncated.onnx" --platform jetson-nano
one_error_line
stderr_has "truncated.onnx"
stdout_empty
ok

check "unknown platform suggests the nearest name"
need_model resnet50.onnx
run 1 estimate "$MODELS/resnet50.onnx" --platform jetsn-nano
one_error_line
stderr_has "did you mean 'jetson-nano'"
stdout_empty
ok

# --- Reports --------------------------------------------------------------

check "estimate prints a table with a total line"
need_model resnet50.onnx
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano
stdout_has '^total +[0-9.]+ ms  \(90% interval [0-9.]+ to [0-9.]+ ms\)$'
stdout_has '^trust +MAPE [0-9.]+% on [0-9]+ validation networks \('
stdout_has '^layers +[0-9]+\.[0-9]{3} ms'
stdout_has 'Conv'
ok

check "estimate --format json: total = sum of layers + overhead"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
layers = d["layers"]
assert len(layers) > 0, "no layers"
s = sum(l["ms"] for l in layers)
assert abs(d["total_ms"] - s - d["overhead_ms"]) < 1e-6, ("invariant", d["total_ms"], s, d["overhead_ms"])
assert d["total_ms"] > 0, "total_ms is not positive"
assert d["platform"] == "jetson-nano", d["platform"]
assert d["model"] == "resnet50", d["model"]
covered = sum(len(l["covers"]) for l in layers)
assert covered == d["nodes"], ("nodes covered", covered, d["nodes"])
' "$WORK/stdout"
ok

check "estimate --format csv: header, kind column, TOTAL = sum of rows + OVERHEAD, trust on the total record"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --format csv
py '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert list(rows[0].keys()) == "index,name,op,covers,output_shape,macs,flops,params,bytes,bound,estimator,utilisation,ms,percent,repeat,flags,energy_mj,kind,total_rounded,interval_low_ms,interval_high_ms,validated_mape,validated_networks,precision,quantized,param_bytes,quantized_macs_percent".split(","), list(rows[0].keys())
layers = [r for r in rows if r["kind"] == "layer"]
assert all(r["index"] for r in layers) and len(layers) == len(rows) - 2
overhead = [r for r in rows if r["kind"] == "overhead" and r["name"] == "OVERHEAD" and not r["index"]]
total = [r for r in rows if r["kind"] == "total" and r["name"] == "TOTAL" and not r["index"]]
assert layers and len(overhead) == 1 and len(total) == 1, "missing rows"
s = sum(float(r["ms"]) for r in layers) + float(overhead[0]["ms"])
assert abs(float(total[0]["ms"]) - s) < 1e-6, ("invariant", total[0]["ms"], s)
t = total[0]
assert float(t["interval_low_ms"]) < float(t["ms"]) * 1.5 and float(t["interval_high_ms"]) > float(t["interval_low_ms"]), t
assert float(t["validated_mape"]) > 0 and int(t["validated_networks"]) >= 1, t
assert all(not r["total_rounded"] for r in layers)
# A float model on jetson-nano: every layer at fp16, none quantized.
assert {r["precision"] for r in layers} == {"fp16"} and t["precision"] == "fp16", t
assert t["quantized"] == "0" and all(r["quantized"] == "0" for r in layers), t
assert int(t["param_bytes"]) == 4 * int(t["params"]), t
' "$WORK/stdout"
ok

check "--cache: warm on a profile without warm models is one error line; a bad value is a usage error"
run 1 estimate "$MODELS/squeezenet1_1.onnx" --platform jetson-nano --cache warm
stdout_empty
one_error_line
stderr_has "--cache warm: platform 'jetson-nano' has no warm class models"
run 2 estimate "$MODELS/squeezenet1_1.onnx" --platform jetson-nano --cache hot
run 0 estimate "$MODELS/squeezenet1_1.onnx" --platform jetson-nano --cache cold
grep -q "^cache " "$WORK/stdout" && fail "a profile without warm models printed a cache line"
ok

check "--cache on host-ort-cpu (warm models, a fitted cache share): auto keeps a share that falls with the profile's size variable, an override is said"
share() { sed -n 's/^cache  *partial \([0-9.]*\) .*/\1/p' "$WORK/stdout"; }
# The size the share is computed from (weights, activations or both, as the profile's fit chose), in bytes.
share_bytes() {
  sed -n 's/^cache  *partial .* from [a-z+ ]* \([0-9.]*\) \([KMG]*i*B\);.*/\1 \2/p' "$WORK/stdout" |
    awk '{ m = 1; if ($2 == "KiB") m = 1024; if ($2 == "MiB") m = 1048576; if ($2 == "GiB") m = 1073741824; printf "%.0f\n", $1 * m }'
}
run 0 estimate "$MODELS/squeezenet1_1.onnx" --platform host-ort-cpu
h_sq=$(share); b_sq=$(share_bytes)
[ -n "$h_sq" ] && [ -n "$b_sq" ] || fail "SqueezeNet 1.1 has no partial cache line with its size: $(grep '^cache' "$WORK/stdout")"
run 0 estimate "$MODELS/resnet18.onnx" --platform host-ort-cpu
h_rn=$(share); b_rn=$(share_bytes)
[ -n "$h_rn" ] && [ -n "$b_rn" ] || fail "ResNet-18 has no partial cache line with its size: $(grep '^cache' "$WORK/stdout")"
[ "$b_sq" != "$b_rn" ] || fail "SqueezeNet 1.1 and ResNet-18 have the same share size $b_sq"
# The network with more bytes (of the profile's size variable) keeps the smaller share, the other one in (0, 1);
# the larger may print as 0.00 (run 28's share falls steeply: ResNet-18's mean layer of 3 MiB keeps 0.002).
awk -v ha="$h_sq" -v ba="$b_sq" -v hb="$h_rn" -v bb="$b_rn" \
  'BEGIN { if (ba > bb) { t = ha; ha = hb; hb = t } exit !(hb >= 0 && hb < ha && ha > 0 && ha < 1) }' ||
  fail "expected the share to fall with the size: SqueezeNet 1.1 $h_sq at $b_sq B, ResNet-18 $h_rn at $b_rn B"
run 0 estimate "$MODELS/squeezenet1_1.onnx" --platform host-ort-cpu --cache cold
grep -q "^cache  *cold" "$WORK/stdout" || fail "--cache cold did not make the estimate cold"
run 0 estimate "$MODELS/squeezenet1_1.onnx" --platform host-ort-cpu --cache warm
grep -q "^cache  *warm" "$WORK/stdout" || fail "--cache warm did not make the estimate warm"
ok

check "a quantized model: int8 in the header, one warning where the platform has no int8, CSV sums"
run 0 estimate "$MODELS/third-party/yunet_n_320_int8_qdq.onnx" --platform host-ort-cpu
stdout_has "^precision  fp32  \(int8: [0-9]+ of [0-9]+ layers, [0-9]+% of MACs; QDQ quantization\)$"
grep -q "int8 layers" "$WORK/stderr" && fail "a platform with int8 warned: $(cat "$WORK/stderr")"
run 0 estimate "$MODELS/third-party/yunet_n_320_int8_qdq.onnx" --platform jetson-nano
stdout_has "^precision  fp16  \([0-9]+ of [0-9]+ layers \([0-9]+% of MACs\) are int8, estimated at fp16: the platform has no int8; QDQ quantization\)$"
[ "$(grep -c "^odonata: warning: [0-9]* int8 layers ([0-9]*% of MACs) estimated at fp16: platform jetson-nano has no int8 precision$" "$WORK/stderr")" = 1 ] ||
  fail "expected one no-int8 warning line"
run 0 estimate "$MODELS/third-party/ultraface_slim_320_int8_qop.onnx" --platform host-ort-cpu --format csv
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
layers = [r for r in rows if r["kind"] == "layer"]
t = [r for r in rows if r["kind"] == "total"][0]
assert sum(int(r["quantized"]) for r in layers) == int(t["quantized"]) > 0, t
assert {r["precision"] for r in layers if r["quantized"] == "1"} == {"int8"}
assert {r["precision"] for r in layers if r["quantized"] == "0"} == {"fp32"}
assert sum(int(r["param_bytes"]) for r in layers) == int(t["param_bytes"]), t
assert 0 < float(t["quantized_macs_percent"]) <= 100, t
' "$WORK/stdout"
ok

check "every JSON output has schema_version"
for args in "estimate $MODELS/resnet18.onnx --platform jetson-nano" "inspect $MODELS/resnet18.onnx" "platforms" \
  "explore $MODELS/resnet18.onnx --platforms jetson-nano"; do
  # shellcheck disable=SC2086
  run 0 $args --format json
  py 'import json, sys; assert json.load(open(sys.argv[1]))["schema_version"] == 1' "$WORK/stdout"
done
run 0 check "$SRC/data/validation/jetson-nano.csv" --format json
py 'import json, sys; d = json.load(open(sys.argv[1])); assert d["schema_version"] == 1; assert any("interval_coverage" in s for s in d["summaries"]), d["summaries"]' "$WORK/stdout"
ok

check "a host profile on another CPU warns in one line; the same CPU does not (ODONATA_CPUINFO)"
printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse4_1 sse4_2 avx f16c fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx512_bf16 avx512vbmi avx_vnni hypervisor\n\n' >"$WORK/amd.cpuinfo"
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx512_bf16 avx512_fp16 avx512vbmi avx_vnni amx_tile amx_bf16 amx_int8\n\n' >"$WORK/intel.cpuinfo"
# host-ort-cpu and host-ort-cpu-2t were both measured on the AMD EPYC guest.
ODONATA_CPUINFO="$WORK/intel.cpuinfo" run 0 estimate "$MODELS/resnet18.onnx" --platform host-ort-cpu
stderr_has "warning: platform 'host-ort-cpu' was measured on another CPU (vendor, family, model, model name, flags differ"
[ "$(grep -c warning "$WORK/stderr")" -eq 1 ] || fail "expected one warning line"
ODONATA_CPUINFO="$WORK/amd.cpuinfo" run 0 estimate "$MODELS/resnet18.onnx" --platform host-ort-cpu
grep -q "another CPU" "$WORK/stderr" && fail "warned on the CPU the profile was measured on"
ODONATA_CPUINFO="$WORK/intel.cpuinfo" run 0 estimate "$MODELS/resnet18.onnx" --platform host-ort-cpu-2t
stderr_has "warning: platform 'host-ort-cpu-2t' was measured on another CPU"
ODONATA_CPUINFO="$WORK/amd.cpuinfo" run 0 estimate "$MODELS/resnet18.onnx" --platform host-ort-cpu-2t
grep -q "another CPU" "$WORK/stderr" && fail "warned on the CPU the profile was measured on"
ODONATA_CPUINFO="$WORK/amd.cpuinfo" run 0 estimate "$MODELS/resnet18.onnx" --platform jetson-nano
grep -q "another CPU" "$WORK/stderr" && fail "warned for a profile without machine"
ok

check "text tables fit \$COLUMNS; --wide prints them in full"
COLUMNS=120 run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano
py 'import sys; lines = open(sys.argv[1]).read().splitlines(); t = [l for l in lines if l[:3].strip().isdigit()]; assert t and max(map(len, t)) <= 120, max(map(len, t))' "$WORK/stdout"
COLUMNS=120 run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --wide
py 'import sys; lines = open(sys.argv[1]).read().splitlines(); assert not any("..." in l for l in lines if l[:3].strip().isdigit()), "cut with --wide"; assert max(map(len, lines)) > 120' "$WORK/stdout"
ok

check "estimate --format html: one self-contained page with the JSON total; inspect refuses html"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --format json
cp "$WORK/stdout" "$WORK/html_ref.json"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --format html --output "$WORK/report.html"
stdout_empty
head -c 15 "$WORK/report.html" | grep -qx '<!DOCTYPE html>' || fail "report.html does not start with <!DOCTYPE html>"
python3 - "$WORK/report.html" "$WORK/html_ref.json" <<'PY' || fail "report.html: see above"
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
ref = json.load(open(sys.argv[2]))
assert "<script" not in page, "scripts in the page"
urls = [u for u in re.findall(r'(?:src|href)="([^"]+)"', page) if not u.startswith("#")]
assert not urls, ("external resources", urls[:3])
assert page.count("<svg") == page.count("</svg>") >= 3, "charts missing or unbalanced"
assert ("<td>" + ref["total_ms_rounded"] + " ms  (") in page, ("total", ref["total_ms_rounded"])
assert page.count("<tr") >= len(ref["layers"]), "fewer table rows than layers"
PY
run 2 inspect "$MODELS/resnet50.onnx" --format html
stderr_has "html is only for estimate"
ok

check "--output writes the report to the file"
rm -f "$WORK/report.json"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-nano --format json --output "$WORK/report.json"
stdout_empty
[ -s "$WORK/report.json" ] || fail "$WORK/report.json not written"
py 'import json, sys; assert json.load(open(sys.argv[1]))["layers"]' "$WORK/report.json"
ok

check "a failing run with --output leaves no file"
rm -f "$WORK/failed.json" "$WORK"/failed.json.tmp.*
run 1 estimate "$MODELS/resnet50.onnx" --platform jetsn-nano --output "$WORK/failed.json"
[ ! -e "$WORK/failed.json" ] || fail "$WORK/failed.json exists after a failed run"
if compgen -G "$WORK/failed.json.tmp.*" >/dev/null; then fail "temporary file left behind"; fi
ok

check "a failing run with --output keeps the previous file"
run 1 estimate "$WORK/truncated.onnx" --platform jetson-nano --output "$WORK/report.json"
py 'import json, sys; assert json.load(open(sys.argv[1]))["layers"]' "$WORK/report.json"
ok

check "inspect resnet18: 1.814 GMAC (torchvision) within 1%"
need_model resnet18.onnx
run 0 inspect "$MODELS/resnet18.onnx" --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
macs = d["totals"]["macs"]
assert abs(macs - 1.814e9) / 1.814e9 < 0.01, ("macs", macs)
assert len(d["nodes"]) > 0, "no nodes"
' "$WORK/stdout"
ok

check "inspect prints a table"
run 0 inspect "$MODELS/resnet18.onnx"
stdout_has '^MACs '
ok

# --- Registries -----------------------------------------------------------

check "platforms lists the shipped profiles"
run 0 platforms
for name in ncs2 zcu102 jetson-nano jetson-tx2; do stdout_has "^$name( |$)"; done
ok

check "platforms --format json"
run 0 platforms --format json
py '
import json, sys
names = {p["name"] for p in json.load(open(sys.argv[1]))["platforms"]}
missing = {"ncs2", "zcu102", "jetson-nano", "jetson-tx2"} - names
assert not missing, ("missing", missing)
' "$WORK/stdout"
ok

check "estimators lists the registry"
run 0 estimators
stdout_has '^roofline( |$)'
stdout_has '^refined_roofline( |$)'
ok

# --- Sweep and fit ----------------------------------------------------------

check "sweep writes a 1-D plan: three dims x 1..256, base row once"
rm -rf "$WORK/sweep"
run 0 sweep --op Conv --out "$WORK/sweep"
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 766, len(rows)
assert rows[0]["op"] == "Conv" and rows[0]["kernel_h"] == "3", rows[0]
' "$WORK/sweep/plan.csv"
ok

check "sweep --models writes one loadable ONNX model per row"
rm -rf "$WORK/sweep2"
run 0 sweep --op MaxPool --design grid --dims in_c --min 8 --max 10 --out "$WORK/sweep2" --models
[ -f "$WORK/sweep2/models/00002.onnx" ] || fail "no model for row 3"
run 0 inspect "$WORK/sweep2/models/00002.onnx"
stdout_has 'MaxPool'
ok

check "sweep --around overrides the op defaults; a bad key is a usage error"
run 0 sweep --op Conv --dims out_c --min 4 --max 5 --around in_c=3,hw=224 --out "$WORK/sweep3"
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["in_c"], r["in_h"], r["out_c"]) for r in rows] == [("3", "224", "4"), ("3", "224", "5")], rows
' "$WORK/sweep3/plan.csv"
run 2 sweep --op Conv --around colour=3 --out "$WORK/sweep4"
stderr_has "unknown key 'colour'"
ok

check "sweep --op RoiAlign writes box-head models (rois as batch, class roi); unequal sampling ratios are refused"
rm -rf "$WORK/sweep_roi" "$WORK/sweep_roi2"
run 0 sweep --op RoiAlign --dims batch --min 50 --max 100 --step 50 --out "$WORK/sweep_roi" --models
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["batch"], r["in_c"], r["in_h"], r["kernel_h"], r["stride_h"]) for r in rows]
assert got == [("50", "256", "32", "7", "2"), ("100", "256", "32", "7", "2")], got
' "$WORK/sweep_roi/plan.csv"
run 0 inspect "$WORK/sweep_roi/models/00001.onnx"
stdout_has 'batch_indices +100 +int64'
stdout_has 'RoiAlign +RoiAlign +roi +100x256x7x7 +20.1M'
run 1 sweep --op RoiAlign --around stride_h=2,stride_w=3 --out "$WORK/sweep_roi2"
stderr_has 'RoiAlign: stride_h and stride_w (the sampling ratio) must be equal, not 2 and 3'
one_error_line
[ ! -e "$WORK/sweep_roi2" ] || fail "a refused sweep left $WORK/sweep_roi2"
ok

check "sweep --op TopK, NonZero, GatherND write SSD post-processing models (classes topk, nonzero, gathernd); k above the length is refused"
rm -rf "$WORK/sweep_topk" "$WORK/sweep_nz" "$WORK/sweep_gnd" "$WORK/sweep_topk2"
run 0 sweep --op TopK --dims in_c --min 2000 --max 9000 --step 3500 --around out_c=400 --out "$WORK/sweep_topk" --models
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["in_c"], r["out_c"], r["in_h"], r["batch"]) for r in rows]
assert got == [("2000", "400", "1", "1"), ("5500", "400", "1", "1"), ("9000", "400", "1", "1")], got
' "$WORK/sweep_topk/plan.csv"
run 0 inspect "$WORK/sweep_topk/models/00002.onnx"
stdout_has 'TopK +TopK +topk +400,400 +0 +9.0K'
run 0 sweep --op NonZero --dims in_c --min 500 --max 500 --out "$WORK/sweep_nz" --models
run 0 inspect "$WORK/sweep_nz/models/00000.onnx"
stdout_has 'NonZero +NonZero +nonzero +1x500 '
run 0 sweep --op GatherND --dims in_h --min 1000 --max 1000 --around in_c=4 --out "$WORK/sweep_gnd" --models
run 0 inspect "$WORK/sweep_gnd/models/00000.onnx"
stdout_has 'indices +1000x1 +int64'
stdout_has 'GatherND +GatherND +gathernd +1000x4 '
run 1 sweep --op TopK --around in_c=100,out_c=200 --out "$WORK/sweep_topk2"
stderr_has 'TopK: out_c (k) 200 must be at most in_c 100'
one_error_line
[ ! -e "$WORK/sweep_topk2" ] || fail "a refused sweep left $WORK/sweep_topk2"
ok

check "sweep --op Slice, SliceH, Gather, GatherColumn, GatherBlock write data-movement models (class data) in the networks' layouts; out_c above in_c is refused"
rm -rf "$WORK/sweep_sl" "$WORK/sweep_slh" "$WORK/sweep_gat" "$WORK/sweep_gcol" "$WORK/sweep_gblk" "$WORK/sweep_sl2"
run 0 sweep --op Slice --dims hw --min 7 --max 28 --step 21 --around batch=1,in_c=232,out_c=116 --out "$WORK/sweep_sl" --models
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["batch"], r["in_c"], r["in_h"], r["in_w"], r["out_c"]) for r in rows]
assert got == [("1", "232", "7", "7", "116"), ("1", "232", "28", "28", "116")], got
' "$WORK/sweep_sl/plan.csv"
run 0 inspect "$WORK/sweep_sl/models/00001.onnx"
stdout_has 'x +1x232x28x28 +float32'
stdout_has 'Slice +Slice +data +1x116x28x28 '
run 0 sweep --op SliceH --dims batch --min 50 --max 50 --out "$WORK/sweep_slh" --models
run 0 inspect "$WORK/sweep_slh/models/00000.onnx"
stdout_has 'x +50x1x2304 +float32'
stdout_has 'SliceH +Slice +data +50x1x768 '
run 0 sweep --op Gather --dims out_c --min 300 --max 300 --around in_h=3234,in_c=4 --out "$WORK/sweep_gat" --models
run 0 inspect "$WORK/sweep_gat/models/00000.onnx"
stdout_has 'x +3234x4 +float32'
stdout_has 'Gather +Gather +data +300x4 '
run 0 sweep --op GatherColumn --dims in_h --min 8732 --max 8732 --out "$WORK/sweep_gcol" --models
run 0 inspect "$WORK/sweep_gcol/models/00000.onnx"
stdout_has 'x +8732x91 +float32'
stdout_has 'GatherColumn +Gather +data +8732 '
run 0 sweep --op GatherBlock --dims batch --min 4 --max 4 --around in_c=12 --out "$WORK/sweep_gblk" --models
run 0 inspect "$WORK/sweep_gblk/models/00000.onnx"
stdout_has 'x +3x4x12x49x32 +float32'
stdout_has 'GatherBlock +Gather +data +4x12x49x32 '
run 1 sweep --op Slice --around in_c=100,out_c=200 --out "$WORK/sweep_sl2"
stderr_has 'Slice: out_c (channels kept) 200 must be at most in_c 100'
one_error_line
[ ! -e "$WORK/sweep_sl2" ] || fail "a refused sweep left $WORK/sweep_sl2"
ok

check "sweep --op SiLU writes x * Sigmoid(x) as a Sigmoid and a Mul (the pattern ONNX Runtime fuses into QuickGelu)"
rm -rf "$WORK/sweep_silu"
run 0 sweep --op SiLU --dims in_c --min 16 --max 32 --step 16 --around hw=28 --out "$WORK/sweep_silu" --models
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["op"], r["in_c"], r["out_c"], r["in_h"]) for r in rows]
assert got == [("SiLU", "16", "16", "28"), ("SiLU", "32", "32", "28")], got
' "$WORK/sweep_silu/plan.csv"
run 0 inspect "$WORK/sweep_silu/models/00001.onnx"
stdout_has ' Sigmoid +activation +1x32x28x28'
stdout_has ' Mul +eltwise +1x32x28x28'
ok

check "sweep --precision without --around keeps the op's defaults (64 channels, 32x32, 3x3)"
run 0 sweep --op Conv --dims out_c --min 4 --max 5 --precision fp16 --out "$WORK/sweep5"
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["in_c"], r["in_h"], r["in_w"], r["kernel_h"], r["out_c"], r["precision"]) for r in rows]
assert got == [("64", "32", "32", "3", "4", "fp16"), ("64", "32", "32", "3", "5", "fp16")], got
' "$WORK/sweep5/plan.csv"
ok

check "fit recovers the research formula and writes a profile estimate can use"
rm -f "$WORK/fitted.json"
run 0 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --out "$WORK/fitted.json" --report
stdout_has 'step_linear'
stdout_has 'floor\(\(in_c-1\)/8\).*floor\(\(out_c-1\)/32\)'
py '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["name"] == "fitted", p["name"]
f = p["classes"]["conv"]["fitted"][0]
steps = sorted(x.get("step") for t in f["terms"] for x in t["factors"])
assert steps == [8, 8, 32, 32], steps
c = [t["coef"] for t in f["terms"]]
for got, want in zip(c, [0.1418, 0.0106, 0.044, 0.0121]):
    assert abs(got - want) / want < 0.05, (got, want)
' "$WORK/fitted.json"
run 0 estimate "$MODELS/resnet18.onnx" --platform "$WORK/fitted.json" --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
est = {l["estimator"] for l in d["layers"]}
assert "step_linear" in est, est
assert any("extrapolated" in l["flags"] for l in d["layers"]), "224x224 convs lie outside a 32x32 fit"
' "$WORK/stdout"
ok

check "fit is deterministic: the same input gives the same file"
run 0 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --out "$WORK/fitted2.json" --name fitted
cmp -s "$WORK/fitted.json" "$WORK/fitted2.json" || fail "two fits of the same rows differ"
ok

check "fit --trees: a candidate in a build with xgboost, a one-line usage error without; --residuals either way"
case "${ODONATA_HAVE_XGBOOST:-}" in
  1)
    run 0 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --trees --residuals --out "$WORK/trees.json" \
      --report
    # 841 fp16 rows: the trees are tried (CV MAPE about 2.5%) and lose to step_linear (1.6%).
    stdout_has '^conv +fp16 +841 +step_linear .*step_linear 1\.6, trees [0-9.]+$'
    run 0 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --trees --residuals --out "$WORK/trees2.json" \
      --name trees
    cmp -s "$WORK/trees.json" "$WORK/trees2.json" || fail "two fits with --trees of the same rows differ"
    ;;
  0)
    rm -f "$WORK/trees.json"
    run 2 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --trees --out "$WORK/trees.json"
    one_error_line
    stderr_has "odonata: error: fit: built without libxgboost-dev: --trees unavailable"
    [ ! -e "$WORK/trees.json" ] || fail "a refused fit left $WORK/trees.json"
    run 0 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --residuals --out "$WORK/trees.json"
    ;;
  *) fail "ODONATA_HAVE_XGBOOST is '${ODONATA_HAVE_XGBOOST:-}', expected 1 or 0 (tests/CMakeLists.txt sets it)" ;;
esac
py '
import json, sys
c = json.load(open(sys.argv[1]))["classes"]["conv"]
assert c["estimator"] == "step_linear", c["estimator"]
r = c["cv_residuals"]
assert r["rows"] == 841, r
assert -0.06 < r["p05"] < -0.01 and abs(r["p50"]) < 0.01 and 0.01 < r["p95"] < 0.06, r
' "$WORK/trees.json"
ok

check "fit --dispatch: overhead and per-node dispatch measured from chains; estimate adds one dispatch per executed layer; a bad chains file names file and line"
printf 'kind,op,executed_nodes,run_ms\nchain,Relu,1,0.0103\nchain,Relu,101,0.0403\nchain,Relu,201,0.0703\nchain,Add,1,0.0113\nchain,Add,101,0.0413\n' >"$WORK/chains.csv"
run 0 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --out "$WORK/dispatch.json" --name dispatch --dispatch "$WORK/chains.csv" --report
stdout_has "dispatch   0.3 us per node, overhead 10.5 us per call: Add 0.3 us/node and 11 us/call \\(2 chains of 1-101 nodes\\)"
py '
import json, sys
p = json.load(open(sys.argv[1]))
assert abs(p["dispatch_ms"]["value"] - 0.0003) < 1e-9, p["dispatch_ms"]
assert abs(p["overhead_ms"]["value"] - 0.0105) < 1e-9, p["overhead_ms"]
assert p["dispatch_ms"]["source"].startswith("measured: "), p["dispatch_ms"]["source"]
' "$WORK/dispatch.json"
run 0 estimate "$SRC/models/resnet18.onnx" --platform "$WORK/dispatch.json" --format json
py '
import json, sys
r = json.load(open(sys.argv[1]))
executed = [l for l in r["layers"] if l["estimator"] != "free"]
assert abs(r["dispatch_ms"] - 0.0003 * len(executed)) < 1e-9, (r["dispatch_ms"], len(executed))
assert abs(r["total_ms"] - r["overhead_ms"] - sum(l["ms"] for l in r["layers"])) < 1e-9
' "$WORK/stdout"
printf 'kind,op,executed_nodes,run_ms\nchain,Relu,1,0.0103\nchain,Relu,x,0.0403\n' >"$WORK/badchains.csv"
rm -f "$WORK/never.json"
run 1 fit "$SRC/tests/data/fit/research_conv.csv" --base jetson-nano --out "$WORK/never.json" --dispatch "$WORK/badchains.csv"
one_error_line
stderr_has "badchains.csv:3: column executed_nodes: expected a number >= 0, got 'x'"
[ ! -e "$WORK/never.json" ] || fail "a failed fit left $WORK/never.json"
ok

check "fit: a bad measurement row names file and line, and writes nothing"
printf 'op,in_c,in_h,in_w,out_c,kernel_h,kernel_w,stride_h,stride_w,precision,latency_ms\nConv,3,8,8,4,3,3,1,1,fp16,0.5\nConv,3,8,8,4,3,3,1,1,fp16,abc\n' >"$WORK/bad.csv"
rm -f "$WORK/never.json"
run 1 fit "$WORK/bad.csv" --base jetson-nano --out "$WORK/never.json"
one_error_line
stderr_has "bad.csv:3: latency_ms: 'abc' is not a number"
[ ! -e "$WORK/never.json" ] || fail "a failed fit left $WORK/never.json"
ok

check "fit from whole networks: icas rows in, a profile that estimates them out; a bad row is named"
{
  echo "model,precision,latency_ms,overhead"
  for l in 2 3 5; do for f in 32 64; do for w in 20 40; do
    # a made-up board: 0.5 ms per layer, 2 ms overhead (rounded times, so MAPE is small, not 0)
    echo "icas:convnet_L${l}_F${f}_K3x3_W${w},fp32,$(( 2 + l ))$( [ "$f" = 64 ] && echo .4 || echo .1 ),py"
  done; done; done
} >"$WORK/nets.csv"
run 0 fit "$WORK/nets.csv" --base jetson-nano --terms "conv=1" --terms "gemm=in_c*spatial" --overhead-group py \
  --out "$WORK/netfit.json" --report
stdout_has '^fitted netfit from 12 network rows'
stdout_has "^overhead 'py': "
run 0 estimate icas:convnet_L3_F64_K3x3_W20 --platform "$WORK/netfit.json" --precision fp32
stdout_has '^total '
printf 'model,precision,latency_ms\nicas:convnet_L2_F8_K3x3_W10,fp32,1\nicas:resnet,fp32,2\n' >"$WORK/badnets.csv"
rm -f "$WORK/never.json"
run 1 fit "$WORK/badnets.csv" --base jetson-nano --out "$WORK/never.json"
one_error_line
stderr_has "badnets.csv:3: icas:resnet: not an iCAS network name"
[ ! -e "$WORK/never.json" ] || fail "a failed fit left $WORK/never.json"
run 2 fit "$WORK/nets.csv" --base jetson-nano --report --terms "conv=1;flops"
stderr_has "--terms: unknown size 'flops' in term 'flops'"
run 2 fit "$WORK/nets.csv" --base jetson-nano --report --residuals
stderr_has "fit: --trees, --residuals and --dispatch apply to single-layer measurement files, not network rows"
ok

check "fit from whole networks: --holdout scores rows it does not fit; --power-form is reported, never written"
{
  echo "model,precision,latency_ms,overhead,power_w,part"
  for l in 2 3 5; do for f in 32 64; do for w in 20 40; do
    echo "icas:convnet_L${l}_F${f}_K3x3_W${w},fp32,$(( 2 + l ))$( [ "$f" = 64 ] && echo .4 || echo .1 ),py,5.$l,$( [ "$w" = 40 ] && echo scored || echo fitted )"
  done; done; done
} >"$WORK/nets_p.csv"
run 0 fit "$WORK/nets_p.csv" --base jetson-nano --terms "conv=1" --terms "gemm=in_c*spatial" --overhead-group py \
  --holdout part=scored --power-form throughput --report
stdout_has '^fitted jetson-nano from 6 network rows$'
stdout_has '^held out \(predicted, not fitted\): 6 network rows, latency MAPE [0-9.e+-]+%, energy MAPE [0-9.e+-]+% \(6 rows\)$'
stdout_has '^power terms: conv static W [0-9.e+-]+; conv dynamic W '
rm -f "$WORK/never.json"
run 2 fit "$WORK/nets_p.csv" --base jetson-nano --power-form kernel --out "$WORK/never.json"
stderr_has "fit: --power-form kernel cannot be written to a profile (it holds one active_w per class): use --report or --predictions"
run 2 fit "$WORK/nets_p.csv" --base jetson-nano --holdout part=scored --out "$WORK/never.json"
stderr_has "fit: --holdout fits on part of the rows: use --report or --predictions, not --out"
[ ! -e "$WORK/never.json" ] || fail "a refused fit left $WORK/never.json"
run 2 fit "$WORK/nets_p.csv" --base jetson-nano --report --power-form watts
stderr_has "--power-form: expected class, kernel, throughput or bytes, got 'watts'"
run 2 fit "$WORK/nets_p.csv" --base jetson-nano --report --holdout part
stderr_has "--holdout: expected COLUMN=VALUE (e.g. part=extrapolate), got 'part'"
run 2 fit "$WORK/nets_p.csv" --base jetson-nano --report --holdout fold=1
stderr_has "fit: --holdout: no row has a column 'fold'"
ok

check "import turns the real NCS2 ResNet-50 report into measurements"
run 0 import "$SRC/tests/data/import/ncs2_tf_resnet50_avg_cnt_rep.csv" --runtime openvino \
  --network "$SRC/tests/data/import/tf_resnet50.json" --precision fp16 -o "$WORK/ncs2.csv"
stderr_has "imported 89 of 132 report rows"
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 89, len(rows)
assert rows[0]["name"] == "resnet_v1_50/conv1/Conv2D" and rows[0]["latency_ms"] == "1.777", rows[0]
' "$WORK/ncs2.csv"
run 2 import "$SRC/tests/data/import/ncs2_tf_resnet50_avg_cnt_rep.csv" --runtime openvinoo \
  --network "$SRC/tests/data/import/tf_resnet50.json" --precision fp16
ok

# --- check ------------------------------------------------------------------

need_model squeezenet1_1.onnx
need_model resnet18.onnx
mkdir -p "$WORK/check"
ABS_MODELS=$(cd "$MODELS" && pwd)
# Real torch2trt Jetson Nano latencies (data/validation/jetson-nano.csv); models by absolute path.
cat >"$WORK/check/suite.csv" <<EOF
# a comment
model,network,platform,precision,measured_ms,measures,split,source
$ABS_MODELS/alexnet.onnx,torchvision alexnet,jetson-nano,fp16,14.7,e2e,validation,torch2trt
$ABS_MODELS/resnet18.onnx,torchvision resnet18,jetson-nano,fp16,11.4,e2e,calibration,torch2trt
EOF

check "check: a suite within its tolerances exits 0"
run 0 check "$WORK/check/suite.csv"
stdout_has 'alexnet\.onnx'
stdout_has 'jetson-nano validation: 1 row, MAPE'
stdout_has '^ok: 1 rows checked'
run 0 check "$WORK/check/suite.csv" --split all --max-mape 100 --max-error 100
stdout_has 'resnet18\.onnx'
stdout_has '^ok: 2 rows checked'
ok

check "check: a broken tolerance exits 3 and names what failed"
run 3 check "$WORK/check/suite.csv" --max-mape 0.001
stdout_has 'jetson-nano \(validation, 1 row\): MAPE [0-9.]+% exceeds --max-mape 0.001%'
stdout_has '^FAILED: 1 failure'
run 3 check "$WORK/check/suite.csv" --max-error 0.001
stdout_has 'suite\.csv:3: .*alexnet\.onnx on jetson-nano \(fp16\): error [-+]?[0-9.]+% exceeds --max-error 0.001%'
run 0 check --help
stdout_has '3  a tolerance'
ok

check "check --junit writes JUnit XML with one case per row"
rm -f "$WORK/check/junit.xml"
run 3 check "$WORK/check/suite.csv" --split all --max-error 0.001 --junit "$WORK/check/junit.xml"
[ -s "$WORK/check/junit.xml" ] || fail "--junit wrote nothing"
py '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["jetson-nano"], suites
cases = suites[0].findall("testcase")
assert len(cases) == 2 and all(c.find("failure") is not None for c in cases), ET.tostring(root)
assert cases[0].get("name").endswith("alexnet.onnx fp16"), cases[0].get("name")
' "$WORK/check/junit.xml"
ok

check "check --format markdown prints a table; json is parseable"
run 0 check "$WORK/check/suite.csv" --format markdown
stdout_has '^\| model \| network \|'
stdout_has '^\|---\|'
run 0 check "$WORK/check/suite.csv" --format json -o "$WORK/check/report.json"
stdout_empty
py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and len(d["rows"]) == 1, d
r = d["rows"][0]
assert r["measured_ms"] == 14.7 and r["split"] == "validation" and r["estimated_ms"] > 0, r
' "$WORK/check/report.json"
ok

check "check --write-baseline, then --baseline: unchanged passes, a regression exits 3"
run 0 check "$WORK/check/suite.csv" --write-baseline "$WORK/check/baseline.json"
run 0 check "$WORK/check/suite.csv" --baseline "$WORK/check/baseline.json"
sed 's/,14.7,/,7.0,/' "$WORK/check/suite.csv" >"$WORK/check/worse.csv"
run 3 check "$WORK/check/worse.csv" --baseline "$WORK/check/baseline.json"
stdout_has 'regressed from'
ok

check "check: a bad suite is an input error naming file, line and column"
printf 'model,platform,precision,measured_ms,measures,split,source\nm.onnx,ncs2,fp16,fast,e2e,validation,x\n' >"$WORK/check/bad.csv"
run 1 check "$WORK/check/bad.csv"
one_error_line
stderr_has "bad.csv:2: measured_ms: 'fast' is not a number"
stdout_empty
printf 'model,platform,precision,measured_ms,measures,split,source,notes\n' >"$WORK/check/bad.csv"
run 1 check "$WORK/check/bad.csv"
stderr_has "bad.csv:1: unknown column 'notes' (did you mean 'note'?)"
run 2 check "$WORK/check/suite.csv" --split train
run 2 check "$WORK/check/suite.csv" --format csv
ok

check "check: a model that cannot be loaded is reported, the other rows still run, exit 1"
grep -v '^#' "$WORK/check/suite.csv" >"$WORK/check/missing.csv"
echo "absent.onnx,,jetson-nano,fp16,1.0,e2e,validation,x" >>"$WORK/check/missing.csv"
run 1 check "$WORK/check/missing.csv"
stdout_has 'missing\.csv:4: absent\.onnx on jetson-nano \(fp16\): '
stderr_has '1 row(s) could not be estimated, e.g. '
stdout_has 'alexnet\.onnx .* [-+]?[0-9]+\.[0-9]( +[0-9.]+-[0-9.]+ (in|OUT))?$'
ok

check "estimate reads ANNETTE graphs (.json) as well as ONNX"
run 0 estimate "$SRC/data/annette/graphs/tf_resnet50.json" --platform ncs2
stdout_has '^MACs .*\(3,482,255,360\)'
run 1 estimate "$SRC/data/annette/graphs/tf_resnet50.json" --platform ncs2 --batch 2
stderr_has 'ANNETTE graphs have fixed shapes'
ok

check "hostile models: over 2 GB (sparse), names that are not UTF-8 (JSON still valid)"
truncate -s 2147483649 "$WORK/huge.onnx"
run 1 inspect "$WORK/huge.onnx" --output "$WORK/huge.json"
one_error_line
stderr_has "huge.onnx: file is larger than protobuf's 2 GB limit"
[ ! -e "$WORK/huge.json" ] || fail "a failed run left $WORK/huge.json"
rm -f "$WORK/huge.onnx"
# A Relu model whose input and node names are not UTF-8 (protobuf written by hand).
python3 - "$WORK/latin1.onnx" <<'PY' || fail "could not write latin1.onnx"
import sys
def varint(v):
    out = b""
    while True:
        out += bytes([(v & 0x7f) | (0x80 if v > 0x7f else 0)]); v >>= 7
        if not v: return out
def i(f, v): return varint(f << 3) + varint(v)
def b(f, x): return varint((f << 3) | 2) + varint(len(x)) + x
def tensor(name): return b(1, name) + b(2, b(1, i(1, 1) + b(2, b(1, i(1, 1)) + b(1, i(1, 4)))))
node = b(1, b"x\xe9") + b(2, b"y") + b(3, b"relu\xff") + b(4, b"Relu")
graph = b(1, node) + b(2, b"g") + b(11, tensor(b"x\xe9")) + b(12, tensor(b"y"))
open(sys.argv[1], "wb").write(i(1, 8) + b(8, i(2, 13)) + b(7, graph))
PY
run 0 estimate "$WORK/latin1.onnx" --platform jetson-nano --format json
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/stdout" || fail "JSON with non-UTF-8 names is not valid"
ok

check "--input-value: an If on an input value resolves; without one, both branches with one warning"
VAD="$SRC/models/third-party/silero_vad_v5.onnx"
run 0 estimate "$VAD" --platform jetson-nano --input-shape input=1x576 --input-shape state=2x1x128 --input-value sr=16000
run 0 inspect "$VAD" --input-shape input=1x576 --input-shape state=2x1x128
stderr_has "If 'If_0' (If): condition depends on the value of input 'sr'; both branches are counted (upper bound); --input-value sr=V picks one"
run 2 estimate "$VAD" --platform jetson-nano --input-value sr=fast
stderr_has "'sr=fast': 'fast' is not a number"
run 1 estimate "$VAD" --platform jetson-nano --input-shape input=1x576 --input-shape state=2x1x128 --input-value rate=1
one_error_line
stderr_has "the model has no input named 'rate' (inputs: input, state, sr)"
ok

check "--input-shape states the size of a value-dependent output (NonZero, NonMaxSuppression) in place of its bound"
FRCNN="$SRC/models/fasterrcnn_mobilenet_v3_large_320_fpn.onnx"
run 0 estimate "$FRCNN" --platform host-ort-cpu --format json --input-shape /roi_heads/NonZero_1_output_0=1x300
stderr_has "shape of '/roi_heads/NonZero_1_output_0' (from node '/roi_heads/NonZero_1' (NonZero)) depends on input values; estimated with the stated 1x300 (upper bound 1x13500)"
cp "$WORK/stdout" "$WORK/frcnn_300.json"
run 0 estimate "$FRCNN" --platform host-ort-cpu --format json
python3 - "$WORK/frcnn_300.json" "$WORK/stdout" <<'PY' || fail "300 boxes into the box head's NMS did not cost less than the 13,500-box bound"
import json, sys
stated, bound = (json.load(open(f)) for f in sys.argv[1:])
nms = lambda d: [l for l in d["layers"] if l["op"] == "NonMaxSuppression"][-1]
assert nms(stated)["ms"] < nms(bound)["ms"] / 10, (nms(stated)["ms"], nms(bound)["ms"])
assert stated["total_ms"] < bound["total_ms"]
PY
run 1 estimate "$FRCNN" --platform host-ort-cpu --input-shape /roi_heads/NonZero_1_output_0=1x20000
one_error_line
stderr_has "--input-shape /roi_heads/NonZero_1_output_0=1x20000: output of node '/roi_heads/NonZero_1' (NonZero) is at most 1x13500"
ok

check "inputs that crashed fuzzing: one error line, exit 1 (tests/data/hostile/)"
for f in qlinearconv_weight_rank4_input_rank3.onnx annette_pool_without_parents.json; do
  run 1 estimate "$SRC/tests/data/hostile/$f" --platform jetson-nano
  one_error_line
  run 1 inspect "$SRC/tests/data/hostile/$f"
  one_error_line
done
ok

check "energy: JSON and CSV totals = sum of layer energies + overhead energy"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-tx2 --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
e = sum(l["energy_mj"] for l in d["layers"])
assert abs(d["energy_mj"] - e - d["overhead_energy_mj"]) < 1e-6, ("energy invariant", d["energy_mj"], e)
assert d["energy_mj"] > 0 and abs(d["avg_power_w"] - d["energy_mj"] / d["total_ms"]) < 1e-9, d["avg_power_w"]
' "$WORK/stdout"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-tx2 --format csv
py '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
layers = sum(float(r["energy_mj"]) for r in rows if r["kind"] == "layer")
over = [float(r["energy_mj"]) for r in rows if r["name"] == "OVERHEAD"][0]
total = [float(r["energy_mj"]) for r in rows if r["name"] == "TOTAL"][0]
assert abs(total - layers - over) < 1e-6 * total, (total, layers, over)
' "$WORK/stdout"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-tx2
stdout_has '^energy +[0-9.]+ mJ +\(avg [0-9.]+ W'
ok

check "operating modes: platforms lists them, name:mode selects one, an unknown mode is an error"
run 0 platforms
stdout_has 'maxn,maxp,maxq'
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-tx2 --format json
cp "$WORK/stdout" "$WORK/maxn.json"
run 0 estimate "$MODELS/resnet50.onnx" --platform jetson-tx2:maxq --format json
py '
import json, sys
q = json.load(open(sys.argv[1])); n = json.load(open(sys.argv[1].replace("stdout", "maxn.json")))
assert q["platform"] == "jetson-tx2:maxq", q["platform"]
assert q["total_ms"] > n["total_ms"] and q["avg_power_w"] < n["avg_power_w"], (q["total_ms"], n["total_ms"])
' "$WORK/stdout"
run 1 estimate "$MODELS/resnet50.onnx" --platform jetson-tx2:maxz
one_error_line
stderr_has "unknown mode 'maxz' of jetson-tx2 ("
stderr_has "modes: maxn, maxp, maxq, trt3)"
ok

check "power-trace: events and detected inferences integrate to the known energy; CSV errors name the line"
python3 - "$WORK/trace.csv" "$WORK/events.csv" <<'PY' || fail "could not write the trace"
import sys
# 2 W idle, 5 W pulses over [0.1, 0.2) s and [0.5, 0.55) s, sampled at 10 kHz.
with open(sys.argv[1], "w") as f:
    f.write("time_s,watts\n")
    for i in range(10001):
        busy = 1000 <= i < 2000 or 5000 <= i < 5500
        f.write("%.4f,%g\n" % (i / 10000, 5.0 if busy else 2.0))
open(sys.argv[2], "w").write("start_s,end_s,name\n0.1,0.2,a\n0.5,0.55,b\n")
PY
run 0 power-trace "$WORK/trace.csv" --events "$WORK/events.csv" --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
e = [w["energy_mj"] for w in d["windows"]]
assert abs(e[0] - 500) < 2.5 and abs(e[1] - 250) < 1.25, e
assert d["decimation"][0]["factor"] == 2, d["decimation"]
' "$WORK/stdout"
run 0 power-trace "$WORK/trace.csv"
stdout_has 'inference 2'
stdout_has '^total +7[0-9]{2}\.[0-9]+ mJ over 2 windows'
printf 'time_s,watts\n0,1\n0.2,1\n0.1,1\n' > "$WORK/bad_trace.csv"
run 1 power-trace "$WORK/bad_trace.csv"
one_error_line
stderr_has "bad_trace.csv:4: time_s: 0.1 is not after 0.2 (times must increase)"
ok

# --- materialize and the host-ort-cpu platform (issue 4) -------------------

check "materialize fills a weight-stripped model; the result loads with the same counts"
rm -f "$WORK/resnet18_full.onnx"
run 0 materialize "$MODELS/resnet18.onnx" -o "$WORK/resnet18_full.onnx"
stderr_has "filled 62 tensor(s) with random values"
stdout_empty
run 0 inspect "$MODELS/resnet18.onnx" --format csv
grep '^,TOTAL,' "$WORK/stdout" >"$WORK/total_stripped" || fail "no TOTAL row"
run 0 inspect "$WORK/resnet18_full.onnx" --format csv
grep '^,TOTAL,' "$WORK/stdout" | cmp -s - "$WORK/total_stripped" || fail "counts differ after materialize"
size=$(wc -c <"$WORK/resnet18_full.onnx")
[ "$size" -gt $((11689512 * 4)) ] && [ "$size" -lt $((11689512 * 4 + 1000000)) ] || fail "size $size is not ~ params x 4"
run 2 materialize "$MODELS/resnet18.onnx"
run 1 materialize "$WORK/nope.onnx" -o "$WORK/nope_full.onnx"
one_error_line
stderr_has "nope.onnx: cannot open file"
[ ! -e "$WORK/nope_full.onnx" ] || fail "a failed materialize left a file"
ok

check "the runner's committed host-ort-cpu measurements are odonata measurement CSVs"
py '
import csv, glob, json, os, sys
root = sys.argv[1]
files = sorted(glob.glob(os.path.join(root, "data/host-ort-cpu/*.csv")) + glob.glob(os.path.join(root, "data/host-ort-cpu/2t/*.csv"))
               + [f for f in glob.glob(os.path.join(root, "data/host-ort-cpu/phase2/*.csv")) if not f.endswith(("validation.csv", "dispatch.csv", "cache_chains.csv", "int8_chains.csv", "act_chains.csv", "act_chains_times.csv"))])
# (dispatch.csv, cache_chains.csv, int8_chains.csv and act_chains_times.csv are cache_state.js / dispatch.js tables, act_chains.csv
# their join by act_chains.py: whole-chain times, not run.js measurement rows)
assert files, "no measurement files"
for f in files:
    lines = open(f).read().splitlines()
    assert lines[0].startswith("# ONNX Runtime "), (f, "no machine comment line")
    skipped = [l for l in lines[1:] if l.startswith("#")]
    # "# below ..." (rows under --min-ms) and "# Rows below: ..." (rows of another timing appended,
    # e.g. the RoiAlign/ScatterElements rows of detection.csv), which names its machine description.
    assert all(l.startswith(("# below ", "# Rows below: ")) for l in skipped), (f, "unexpected comment line")
    for l in skipped:
        if l.startswith("# Rows below: "):
            named = [w.rstrip(".;,") for w in l.split() if w.rstrip(".;,").endswith(".machine.json")]
            assert named and all(os.path.exists(os.path.join(os.path.dirname(f), n)) for n in named), (f, l)
    rows = list(csv.DictReader(l for l in lines[1:] if not l.startswith("#")))
    assert rows, f
    head = list(rows[0].keys())
    # the runner adds the spread columns (mad_ms, rejected, pass_spread, ref_ratio) since issue 12
    spread = ["mad_ms", "rejected", "pass_spread", "ref_ratio"]
    # and warm_ms (the row timed without the cache flush, run.js --warm-max-mb) since run 11, and
    # out_rows (the kept boxes of a NonMaxSuppression, empty for other rows) since run 15, and the NCHWc
    # reorder nodes of the sweep model (empty where it had none) since run 16
    reorder = ["reorder_in_ms", "reorder_in_elems", "reorder_out_ms", "reorder_out_elems"]
    # and the median and reference ratio of each pass, separated by semicolons, since run 24:
    # pass_spread is max/min of the first, ref_ratio the median of the second
    if head[-2:] == ["pass_medians_ms", "pass_ref_ratios"]:
        for r in rows:
            p = [float(x) for x in r["pass_medians_ms"].split(";")]
            assert p and min(p) > 0, (f, r["model"], "pass_medians_ms")
            assert abs(max(p) / min(p) / float(r["pass_spread"]) - 1) < 2e-3, (f, r["model"], "pass_spread")
            if r["pass_ref_ratios"]:
                q = r["pass_ref_ratios"].split(";")
                assert len(q) == len(p), (f, r["model"], "pass_ref_ratios")
                q = sorted(float(x) for x in q if x)
                med = q[len(q) // 2] if len(q) % 2 else (q[len(q) // 2 - 1] + q[len(q) // 2]) / 2
                assert abs(med - float(r["ref_ratio"])) < 1e-3, (f, r["model"], "ref_ratio")
        head = head[:-2]
    # and the MiB written before each run (0: not flushed; run.js --flush-large-mb) since run 18
    if head[-1:] == ["flush_mb"]:
        assert all(r["flush_mb"] in ("0", "64", "256") for r in rows), (f, "flush_mb")
        assert any(r["flush_mb"] == "256" for r in rows) and any(r["flush_mb"] == "64" for r in rows), (f, "flush_mb")
        head = head[:-1]
    if head[-4:] == reorder:
        for r in rows:
            for k in reorder:
                assert r[k] == "" or float(r[k]) > 0, (f, r["model"], k)
        head = head[:-4]
    # and nms_compares (the IoU comparisons of the NMS loop, run.js nmsComparisons) after out_rows since run 24
    if head[-2:] == ["out_rows", "nms_compares"]:
        assert all((r["nms_compares"] == "") or (r["out_rows"] != "" and int(r["nms_compares"]) >= 0) for r in rows), (f, "nms_compares")
        head = head[:-1]
    if head[-1:] == ["out_rows"]:
        assert all(r["out_rows"] == "" or int(r["out_rows"]) >= 0 for r in rows), (f, "out_rows")
        assert any(r["out_rows"] for r in rows) == any(r["op"].startswith("NonMaxSuppression") for r in rows), f
        head = head[:-1]
    if head[-1:] == ["warm_ms"]:
        head = head[:-1]
    if head[-4:] == spread:
        head = head[:-4]
    assert head[-5:] == ["latency_ms", "latency_ms_p10", "latency_ms_p90", "repeats", "run_ms"], (f, head[-5:])
    m = json.load(open(f[:-4] + ".machine.json"))
    # Since run 20 a pass may stop after max_time_ms with at least 3 runs (run.js --max-time).
    budget = m.get("max_time_ms")
    for r in rows:
        p10, med, p90 = float(r["latency_ms_p10"]), float(r["latency_ms"]), float(r["latency_ms_p90"])
        assert 0 < p10 <= med <= p90, (f, r["model"])
        runs = int(r["repeats"]) + int(r.get("rejected") or 0)  # repeats: the runs kept by the outlier rule
        # 2 passes of at least 20 runs (the detection step of run 19: of at least 10)
        least = 20 if f.endswith("phase2/detection.csv") and not budget else 40
        if budget and float(r["run_ms"]) >= budget / 200:
            # a slow row under the budget (a run with its flush, profile and reference checks takes
            # several times run_ms): 2 passes of at least 3 runs
            least = 6
        if m.get("quiet_passes"):
            # since run 22 (run.js --quiet-passes) a row may keep one of its two passes
            least //= 2
        assert runs >= least and r["model"].endswith(".onnx"), (f, r["model"], runs, least)
    for k in ("cpu_model", "threads", "onnxruntime_node", "node", "started", "overhead_ms"):
        assert k in m, (f, k)
for net in ("data/host-ort-cpu/networks/networks.csv", "data/host-ort-cpu/phase2/networks/networks.csv"):
    rows = list(csv.DictReader(open(os.path.join(root, net))))
    head = ["model", "threads", "median_ms", "p10_ms", "p90_ms", "repeats"]
    spread = ["mad_ms", "rejected", "pass_spread", "ref_ratio"]
    # the per-round statistic since helper tiny (2026-12-07): rounds and the mean, p10 and p90 of the per-round medians
    rounds = ["rounds", "round_mean_ms", "round_p10_ms", "round_p90_ms"]
    # and (since run 22) the median of the per-round medians, the quiet rounds and their median
    assert list(rows[0].keys()) in (head, head + spread, head + spread + rounds, head + spread + rounds + ["round_median_ms", "quiet_rounds", "quiet_median_ms"]), rows[0].keys()
    # 10 rounds of at least 2 timed runs until run 27; since run 28 (2 warm-up runs, then 1 timed run and 20 ms a
    # round) at least 1 a round
    assert all(int(r["repeats"]) + int(r.get("rejected") or 0) >= 10 for r in rows), net
    assert all(int(r["rounds"]) >= 2 and 0 < float(r["round_p10_ms"]) <= float(r["round_p90_ms"])
               for r in rows if "rounds" in r), net
# The warm and cold timings of the 24 ir_chains networks, (since run 19) the 10 se_chains networks, (since
# run 26) the 8 hires_chains networks by the cache step (tools/ort/cache_state.js), the machine described by
# sweeps.machine.json of the same run, (since run 28) the 10 small_chains networks; since run 27 the 12 int8_chains
# networks are timed into their own file, int8_chains.csv (fitted after the share since run 28: cache.int8).
cc = os.path.join(root, "data/host-ort-cpu/phase2/cache_chains.csv")
lines = open(cc).read().splitlines()
assert lines[0].startswith("# onnxruntime-node,"), (cc, "no runtime comment line")
rows = list(csv.DictReader(lines[1:]))
assert list(rows[0].keys()) == ["model", "warm_ms", "warm_p10_ms", "warm_p90_ms", "cold_ms", "cold_p10_ms", "cold_p90_ms",
                                "cold_over_warm"], (cc, list(rows[0].keys()))
hires = sum(r["model"].startswith("hr_") for r in rows)
small = sum(r["model"].startswith("sm_") for r in rows)
assert hires in (0, 8) and small in (0, 10) and len(rows) == 34 + hires + small, (cc, len(rows), hires, small)
assert all(r["model"].startswith(("ir_c", "se_c", "hr_", "sm_")) and float(r["warm_ms"]) > 0 and float(r["cold_ms"]) > 0
           for r in rows), cc
assert sum(r["model"].startswith("se_c") for r in rows) == 10, cc
q8 = os.path.join(root, "data/host-ort-cpu/phase2/int8_chains.csv")
if os.path.exists(q8):
    lines = open(q8).read().splitlines()
    assert lines[0].startswith("# onnxruntime-node,"), (q8, "no runtime comment line")
    rows = list(csv.DictReader(lines[1:]))
    assert len(rows) == 12 and all(r["model"].startswith("q8_") and float(r["warm_ms"]) > 0
                                   and float(r["cold_ms"]) > 0 for r in rows), (q8, len(rows))
' "$SRC"
ok

check "the committed host-ort-cpu measurements fit to the committed profile's models"
# refit_matches PLATFORM DATA: DATA's sweeps and detection rows, fitted on DATA/base.json with trees
# (which only a build with libxgboost-dev can train: without it, the fit names what is missing),
# give platforms/PLATFORM.json's classes, estimators and row counts.
refit_matches() {
  local platform=$1 data=$2 out="$WORK/refit/$1.json"
  mkdir -p "$WORK/refit"
  (cd "$SRC" && "$ODONATA" fit "$data/sweeps.csv" "$data/detection.csv" \
    --base "$data/base.json" --same-board --trees --residuals \
    --out "$out" --report >"$WORK/stdout" 2>"$WORK/stderr") || {
    grep -q "built without libxgboost-dev: --trees unavailable" "$WORK/stderr" || fail "fit failed"
    [ ! -e "$out" ] || fail "a failed fit left a profile"
  }
  [ -e "$out" ] || return 0
  stdout_has '^conv +fp32'
  py '
import json, sys
out, src, name = sys.argv[1].split("|")
a = json.load(open(out))
b = json.load(open(src + "/platforms/" + name + ".json"))
assert a["name"] == b["name"] == name, (a["name"], b["name"])
assert a["description"] == b["description"] and a["price_usd"] == b["price_usd"]
assert sorted(a["classes"]) == sorted(b["classes"]), (sorted(a["classes"]), sorted(b["classes"]))
for c in b["classes"]:
    assert a["classes"][c]["estimator"] == b["classes"][c]["estimator"], c
    rows = lambda p, k: [f["rows"] for f in p["classes"][c].get(k, [])]
    assert rows(a, "fitted") == rows(b, "fitted") and rows(a, "trees") == rows(b, "trees"), c
' "$out|$SRC|$platform"
}
# The shipped profiles, both measured on this AMD EPYC guest by calibrate.sh: 1 and 2 threads.
refit_matches host-ort-cpu data/host-ort-cpu/phase2
refit_matches host-ort-cpu-2t data/host-ort-cpu/phase2/2t
ok

check "estimate on host-ort-cpu: fitted layers, fused as ONNX Runtime fuses them"
run 0 estimate "$MODELS/resnet18.onnx" --platform host-ort-cpu --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["platform"] == "host-ort-cpu", d["platform"]
rows = d["layers"]
# The profile prices the NCHWc reorders of ONNX Runtime: a term in the total, in no row.
assert d["reorders"]["count"] > 0 and d["reorders"]["ms"] > 0, d.get("reorders")
assert abs(d["total_ms"] - sum(l["ms"] for l in rows) - d["overhead_ms"] - d["reorders"]["ms"]) < 1e-6
convs = [l for l in rows if l["op"] == "Conv"]
assert len(convs) == 20 and all(l["ms"] > 0 for l in convs), len(convs)
assert any("Add" in l["ops"] for l in convs), "residual Add not fused into a Conv"
assert all("BatchNormalization" in l["ops"] for l in convs)
' "$WORK/stdout"
ok

echo "$passed passed, 0 failed"
