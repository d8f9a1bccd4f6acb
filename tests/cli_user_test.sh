#!/usr/bin/env bash
# What a new user meets in the first hour (issue 14), end to end: errors that
# name the problem, platform names found where the user put them, fitting a
# board, and the command-line conventions. Stops at the first failure.
#
#   bash tests/cli_user_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

. "$(dirname "$0")/cli_lib.sh" "$@"
ODONATA=$(cd "$(dirname "$ODONATA")" && pwd)/$(basename "$ODONATA")  # the tests cd
SRC=$(cd "$SRC" && pwd)
MODELS=$SRC/models
need_model resnet18.onnx
need_model squeezenet1_1.onnx
unset XDG_DATA_HOME
export HOME=$WORK/home  # no user profiles of whoever runs the tests
rm -rf "$HOME"

# --- Errors -------------------------------------------------------------------

check "a directory as MODEL is named as one (not 'larger than protobuf's 2 GB limit')"
mkdir -p "$WORK/adir"
run 1 inspect "$WORK/adir"
one_error_line
stderr_has "adir: is a directory, not a model file"
ok

check "-o into a missing folder names the folder, not a temporary file"
run 1 estimate "$MODELS/resnet18.onnx" --platform jetson-nano -o "$WORK/no/such/folder/r.json"
one_error_line
stderr_has "cannot write '$WORK/no/such/folder/r.json': folder '$WORK/no/such/folder' does not exist"
grep -q "\.tmp\." "$WORK/stderr" && fail "the error names a temporary file"
ok

check "import of a report that matches no row exits 1, names both files, writes nothing"
rm -f "$WORK/none.csv"
run 1 import "$SRC/tests/data/import/trt_profile.json" --runtime tensorrt --network "$MODELS/resnet18.onnx" \
  --precision fp16 -o "$WORK/none.csv"
one_error_line
stderr_has "trt_profile.json: none of its 3 rows matches a layer of $MODELS/resnet18.onnx"
[ ! -e "$WORK/none.csv" ] || fail "an import of nothing wrote $WORK/none.csv"
ok

check "a broken TensorRT profile: file, line and column, without nlohmann's exception text"
printf '[{"count": 10},\n {"name": "conv1", "averageMs": 1.0,]\n' >"$WORK/trt_bad.json"
run 1 import "$WORK/trt_bad.json" --runtime tensorrt --network "$MODELS/resnet18.onnx" --precision fp16
one_error_line
stderr_has "trt_bad.json: invalid JSON at line 2, column 37: "
grep -q 'json.exception' "$WORK/stderr" && fail "nlohmann's raw exception text"
: >"$WORK/trt_empty.json"
run 1 import "$WORK/trt_empty.json" --runtime tensorrt --network "$MODELS/resnet18.onnx" --precision fp16
stderr_has "trt_empty.json: empty file, expected JSON"
ok

check "calibrate prints its MAPE with two decimals (an exact fit is 0.00%, not 2e-14%)"
mkdir -p "$WORK/cal"
cat >"$WORK/cal/suite.csv" <<CSV
model,network,platform,precision,measured_ms,measures,split,source
$MODELS/squeezenet1_1.onnx,torchvision squeezenet1_1,jetson-nano,fp16,4.34,e2e,calibration,torch2trt
CSV
run 0 calibrate "$WORK/cal/suite.csv" --platform jetson-nano --out "$WORK/cal/nano.json" --no-overhead
stderr_has "odonata: jetson-nano: 1 calibration rows, layer times x"
grep -qE "MAPE [0-9]+\.[0-9]{2}% -> 0\.00%$" "$WORK/stderr" || fail "MAPE not as N.NN%: $(cat "$WORK/stderr")"
ok

check "the usage errors already fixed keep their tests: --platfrom, estimat, no arguments"
run 2 estimate "$MODELS/resnet18.onnx" --platfrom jetson-nano
stderr_has "unknown option '--platfrom' (did you mean '--platform'?)"
run 2 estimat "$MODELS/resnet18.onnx"
stderr_has "unknown command 'estimat' (did you mean 'estimate'?)"
run 2
stderr_has "Usage: odonata [OPTIONS] SUBCOMMAND"
ok

# --- Platform names -------------------------------------------------------------

# A board profile: jetson-nano renamed (what `fit --out platforms/NAME.json` writes).
board() {  # board DIR NAME
  mkdir -p "$1"
  sed "s/\"name\": \"jetson-nano\"/\"name\": \"$2\"/" "$SRC/platforms/jetson-nano.json" >"$1/$2.json"
}

check "./platforms first: a profile written there is found by name from the same folder"
mkdir -p "$WORK/proj" && board "$WORK/proj/platforms" myboard
(cd "$WORK/proj" && run 0 estimate "$MODELS/resnet18.onnx" --platform myboard) || exit 1
stdout_has "^platform +myboard +\($WORK/proj/platforms/myboard.json\)"
ok

check "./platforms shadows \$ODONATA_PLATFORMS, which shadows the user folder, which shadows the shipped profiles"
board "$WORK/env" shadow && board "$WORK/env" envboard
board "$HOME/.local/share/odonata/platforms" shadow && board "$HOME/.local/share/odonata/platforms" userboard
board "$HOME/.local/share/odonata/platforms" jetson-nano
board "$WORK/proj/platforms" shadow
cd "$WORK/proj" || fail "cd"
ODONATA_PLATFORMS=$WORK/env run 0 platforms --format csv
py '
import csv, sys
rows = {r["name"]: r for r in csv.DictReader(open(sys.argv[1]))}
want = {"myboard": "current folder", "shadow": "current folder", "envboard": "$ODONATA_PLATFORMS",
        "userboard": "user", "jetson-nano": "user", "ncs2": "source tree"}
got = {n: rows[n]["from"] for n in want}
assert got == want, got
' "$WORK/stdout"
ODONATA_PLATFORMS=$WORK/env run 0 platforms
stdout_has "^search order \(the first profile of a name wins\):"
stdout_has "^  1\. $WORK/proj/platforms +current folder$"
stdout_has "^  2\. $WORK/env +\\\$ODONATA_PLATFORMS$"
stdout_has "^  3\. $HOME/.local/share/odonata/platforms +user$"
stdout_has "^  5\. $SRC/platforms +source tree$"
XDG_DATA_HOME=$WORK/xdg ODONATA_PLATFORMS=$WORK/env run 0 platforms --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
order = [(e["origin"], e["exists"]) for e in d["search_order"]]
assert order[:3] == [("current folder", True), ("$ODONATA_PLATFORMS", True), ("user", False)], order
assert d["search_order"][2]["path"].endswith("/xdg/odonata/platforms"), d["search_order"][2]
' "$WORK/stdout"
cd - >/dev/null || fail "cd"
ok

check "a binary run elsewhere does not read another checkout's profiles through ./platforms"
(cd "$WORK" && run 1 estimate "$MODELS/resnet18.onnx" --platform myboard) || exit 1
stderr_has "unknown platform 'myboard'"
ok

# --- Fitting your own board -------------------------------------------------------

# The research rows as fp32 (the base, jetson-nano, defaults to fp16).
sed 's/,fp16,/,fp32,/' "$SRC/tests/data/fit/research_conv.csv" >"$WORK/conv32.csv"

check "fit: the profile defaults to the fitted precision, takes a name and description, not the base's modes"
mkdir -p "$WORK/fit/platforms"
cd "$WORK/fit" || fail "cd"
run 0 fit "$WORK/conv32.csv" --base jetson-nano --out platforms/myboard.json --description "My board" --price 45
py '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["name"] == "myboard", p["name"]
assert p["description"] == "My board", p["description"]
assert p["default_precision"] == "fp32", p["default_precision"]
assert "modes" not in p or not p["modes"], p.get("modes")
assert p["price_usd"] == {"value": 45, "source": "given to odonata fit --price"}, p["price_usd"]
' "$WORK/fit/platforms/myboard.json"
run 0 estimate "$MODELS/resnet18.onnx" --platform myboard --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["precision"] == "fp32", d["precision"]
assert "step_linear" in {l["estimator"] for l in d["layers"]}, "the fit is not used"
' "$WORK/stdout"
cd - >/dev/null || fail "cd"
ok

check "fit without --price or --description says what it copied from the base"
run 0 fit "$WORK/conv32.csv" --base jetson-nano --out "$WORK/fit/plain.json"
stderr_has "odonata: warning: the profile keeps jetson-nano's price (\$99), overhead and idle power: give --price"
py '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["description"].startswith("Fitted by odonata fit from "), p["description"]
assert "NVIDIA" not in p["description"], p["description"]
assert p["price_usd"]["source"].startswith("copied from jetson-nano by odonata fit"), p["price_usd"]
' "$WORK/fit/plain.json"
ok

check "fit on too few rows: 3 rows are an error (no profile written), 6 rows a warning"
head -n 6 "$WORK/conv32.csv" >"$WORK/three.csv"  # 2 comments, the header, 3 rows
rm -f "$WORK/fit/three.json"
run 1 fit "$WORK/three.csv" --base jetson-nano --out "$WORK/fit/three.json"
one_error_line
stderr_has "three.csv: no op class has enough rows to fit (at least 4 per class and precision)"
[ ! -e "$WORK/fit/three.json" ] || fail "a failed fit wrote a profile"
head -n 9 "$WORK/conv32.csv" >"$WORK/six.csv"
run 0 fit "$WORK/six.csv" --base jetson-nano --out "$WORK/fit/six.json"
stderr_has "odonata: warning: conv fp32: fitted on only 6 rows (fewer than 20): its errors rest on too few rows"
ok

check "estimate warns, one line each, when the fit lacks the precision and when most time is extrapolated"
run 0 estimate "$MODELS/resnet18.onnx" --platform "$WORK/fit/plain.json" --precision fp16
stderr_has "odonata: warning: the profile's fits do not cover fp16, the fallback estimated these layers: conv x"
run 0 estimate "$MODELS/resnet18.onnx" --platform "$WORK/fit/plain.json"
grep -qE '^odonata: warning: [0-9]+% of the layer time comes from [0-9]+ of [0-9]+ layers outside the sizes the fit was measured on' \
  "$WORK/stderr" || fail "no extrapolation warning: $(cat "$WORK/stderr")"
run 0 estimate "$MODELS/resnet18.onnx" --platform jetson-nano
[ ! -s "$WORK/stderr" ] || fail "a shipped profile warns: $(cat "$WORK/stderr")"
ok

# --- Conventions ----------------------------------------------------------------------

check "'-' is stdin for a model and stdout for -o"
run 0 estimate "$MODELS/resnet18.onnx" --platform jetson-nano --format json
cp "$WORK/stdout" "$WORK/file.json"
"$ODONATA" estimate - --platform jetson-nano --format json -o - <"$MODELS/resnet18.onnx" >"$WORK/stdout" 2>"$WORK/stderr" ||
  fail "estimate - failed: $(cat "$WORK/stderr")"
py '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[1].replace("stdout", "file.json")))
assert a["total_ms"] == b["total_ms"], (a["total_ms"], b["total_ms"])
assert a["model"] == "stdin", a["model"]
' "$WORK/stdout"
"$ODONATA" import - --runtime openvino --network "$SRC/tests/data/import/tf_resnet50.json" --precision fp16 \
  <"$SRC/tests/data/import/ncs2_tf_resnet50_avg_cnt_rep.csv" >"$WORK/stdout" 2>"$WORK/stderr" || fail "import - failed"
stderr_has "imported 89 of 132 report rows"
ok

check "several models, or a folder: one report each and a summary; JSON {reports, summary}"
mkdir -p "$WORK/zoo"
cp "$MODELS/resnet18.onnx" "$MODELS/squeezenet1_1.onnx" "$WORK/zoo/"
run 0 estimate "$WORK/zoo" --platform jetson-nano --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["model"] for r in d["reports"]] == ["resnet18", "squeezenet1_1"], [r["model"] for r in d["reports"]]
assert [s["model"] for s in d["summary"]] == ["resnet18", "squeezenet1_1"]
for r, s in zip(d["reports"], d["summary"]):
    assert s["total_ms"] == r["total_ms"] and s["energy_mj"] == r["energy_mj"], (r["model"], s)
    assert s["layers"] == len(r["layers"]) and s["platform"] == "jetson-nano", s
' "$WORK/stdout"
run 0 estimate "$WORK/zoo/resnet18.onnx" --platform jetson-nano --format json
cp "$WORK/stdout" "$WORK/one.json"
run 0 estimate "$WORK/zoo" --platform jetson-nano --format json --output-dir "$WORK/zoo-out"
cmp -s "$WORK/one.json" "$WORK/zoo-out/resnet18.json" || fail "--output-dir's report differs from estimate's"
[ -s "$WORK/zoo-out/squeezenet1_1.json" ] || fail "no squeezenet1_1.json"
run 0 estimate "$MODELS/resnet18.onnx" "$MODELS/squeezenet1_1.onnx" --platform jetson-nano --format csv
stdout_has '^model,model_path,platform,precision,layers,total_ms,energy_mj$'
[ "$(wc -l <"$WORK/stdout")" -eq 3 ] || fail "expected a header and 2 rows"
run 0 estimate "$MODELS/resnet18.onnx" "$MODELS/squeezenet1_1.onnx" --platform jetson-nano
stdout_has '^summary of 2 models$'
run 2 estimate "$WORK/zoo" --platform jetson-nano --format html
stderr_has "--format html takes one model"
mkdir -p "$WORK/emptydir"
run 1 estimate "$WORK/emptydir" --platform jetson-nano
stderr_has "emptydir: no .onnx files in this folder"
ok

# A Conv model whose input is N x 3 x H x W, all symbolic but the channels.
/usr/bin/python3 - "$WORK/symbolic.onnx" <<'PY' || fail "could not write symbolic.onnx (python3-onnx)"
import sys
import numpy as np
from onnx import TensorProto, helper, numpy_helper
w = numpy_helper.from_array(np.zeros((8, 3, 3, 3), dtype=np.float32), "w")
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8, "H", "W"])
conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3])
graph = helper.make_graph([conv], "g", [x], [y], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
open(sys.argv[1], "wb").write(model.SerializeToString())
PY

check "--input-shape on compare and explore; explore --resolutions fills symbolic H/W"
run 1 compare "$WORK/symbolic.onnx" --platform jetson-nano
run 0 compare "$WORK/symbolic.onnx" --platform jetson-nano --input-shape x=1x3x64x64 --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["candidates"]) == 1 and d["candidates"][0]["resolution"] == "64x64", d["candidates"]
' "$WORK/stdout"
run 0 explore "$WORK/symbolic.onnx" --platforms jetson-nano --resolutions 32x32,64x48 --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
res = sorted(c["resolution"] for c in d["candidates"])
assert res == ["32x32", "64x48"], res
ms = {c["resolution"]: c["latency_ms"] for c in d["candidates"]}
assert ms["64x48"] > ms["32x32"], ms
' "$WORK/stdout"
ok

check "--max-price takes a bare number (a '\$100' unquoted would reach odonata as '00')"
run 0 compare "$MODELS/resnet18.onnx" --platform all --max-price 100 --format json
py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["candidates"] and all(c["price_usd"] <= 100 for c in d["candidates"]), d["candidates"]
' "$WORK/stdout"
ok

check "sweep --models: progress on stderr only with --progress (or a terminal)"
run 0 sweep --op Conv --dims in_c --min 1 --max 3 --out "$WORK/sw1" --models
grep -q 'sweep 1/' "$WORK/stderr" && fail "progress in a pipe without --progress"
run 0 sweep --op Conv --dims in_c --min 1 --max 3 --out "$WORK/sw2" --models --progress
grep -q 'sweep 3/3 \[#' "$WORK/stderr" || fail "no progress with --progress: $(cat -v "$WORK/stderr")"
ok

echo "$passed passed"
