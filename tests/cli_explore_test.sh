#!/usr/bin/env bash
# End-to-end tests of `odonata compare` and `odonata explore`: exit codes,
# error lines, JSON keys, constraint filtering, atomic output, and no progress
# bar when stderr is not a terminal. Stops at the first failure.
#
#   bash tests/cli_explore_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

. "$(dirname "$0")/cli_lib.sh" "$@"

for m in squeezenet1_1.onnx resnet18.onnx mobilenet_v2.onnx; do
  [ -f "$MODELS/$m" ] || { current="models"; fail "missing test model $MODELS/$m"; }
done
SQ=$MODELS/squeezenet1_1.onnx
R18=$MODELS/resnet18.onnx
MB2=$MODELS/mobilenet_v2.onnx

check "compare on all platforms: JSON keys, one candidate per platform, latencies equal estimate's"
run 0 compare "$SQ" --platform all --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("combinations", "candidates", "skipped", "filtered", "pareto_count"):
    assert k in j, "missing key " + k
c = j["candidates"]
assert len(c) == j["combinations"] >= 6, (len(c), j["combinations"])
for k in ("model", "platform", "precision", "resolution", "latency_ms", "energy_mj", "avg_power_w",
          "throughput_ips", "price_usd", "accuracy", "pareto"):
    assert k in c[0], "candidate lacks " + k
assert j["pareto_count"] == sum(1 for x in c if x["pareto"]) >= 1
for x in c:
    assert abs(x["throughput_ips"] - 1000 / x["latency_ms"]) < 1e-9 * x["throughput_ips"]
' "$WORK/stdout"
cp "$WORK/stdout" "$WORK/all.json"
run 0 estimate "$SQ" --platform jetson-nano --format json
py '
import json, sys
e = json.load(open(sys.argv[1]))
c = [x for x in json.load(open(sys.argv[1].replace("stdout", "all.json")))["candidates"] if x["platform"] == "jetson-nano"]
assert len(c) == 1 and c[0]["latency_ms"] == e["total_ms"], (c, e["total_ms"])
assert c[0]["interval_low_ms"] == e["interval"]["low_ms"] and c[0]["validated_mape"] == e["validation"]["mape"], c
assert c[0]["energy_mj"] == e["energy_mj"]
' "$WORK/stdout"
ok

check "--max-latency keeps only candidates at or below the limit and counts the rest"
run 0 compare "$SQ" --platform all --max-latency 5ms --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
allc = json.load(open(sys.argv[1].replace("stdout", "all.json")))["candidates"]
want = [x for x in allc if x["latency_ms"] <= 5]
assert len(j["candidates"]) == len(want), (len(j["candidates"]), len(want))
assert j["filtered"] == len(allc) - len(want), j["filtered"]
assert 0 < len(want) < len(allc), "the 5 ms limit should split the platforms"
assert j["constraints"]["max_latency_ms"] == 5
' "$WORK/stdout"
ok

check "the same limit in seconds and microseconds"
run 0 compare "$SQ" --platform all --max-latency 0.005s --format csv
cp "$WORK/stdout" "$WORK/s.csv"
run 0 compare "$SQ" --platform all --max-latency 5000us --format csv
cmp -s "$WORK/stdout" "$WORK/s.csv" || fail "0.005s and 5000us give different results"
ok

check "everything filtered out: the empty table, a warning, exit 0"
run 0 compare "$SQ" --platform ncs2,jetson-nano --max-latency 1us
stderr_has "odonata: warning: no candidate: 2 estimated outside the constraints"
stdout_has "^\(no candidate\)"
stdout_has "2 combinations: 2 estimated, 2 outside the constraints, 0 skipped; 0 Pareto-optimal"
ok

check "a bad unit is a usage error naming the option"
run 2 compare "$SQ" --platform all --max-latency 100fortnights
one_error_line
stderr_has "odonata: error: --max-latency: '100fortnights' has an unknown unit 'fortnights'"
stdout_empty
run 2 compare "$SQ" --platform all --max-price 'EUR 5'
stderr_has "--max-price: 'EUR 5' is not a number with a unit"
ok

check "an unknown platform is an error with a suggestion; compare needs --platform"
run 1 compare "$SQ" --platform ncs2,jetson-nan
one_error_line
stderr_has "did you mean 'jetson-nano'?"
stdout_empty
run 2 compare "$SQ"
stderr_has "compare: --platform is required"
ok

check "a precision no platform has is an error; one some lack is skipped and listed"
run 1 compare "$SQ" --platform ncs2 --precision int8
one_error_line
stderr_has "precision int8 is supported by none of the platforms (ncs2: fp16)"
run 0 compare "$SQ" --platform ncs2,zcu102 --precision int8,fp16 --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["combinations"] == 4 and len(j["candidates"]) == 2, j
assert sorted(s["platform"] for s in j["skipped"]) == ["ncs2", "zcu102"], j["skipped"]
' "$WORK/stdout"
ok

check "explore: models x modes x precisions x resolutions, piped: no progress bar"
run 0 explore "$SQ" "$R18" --platforms 'jetson-tx2:*,jetson-nano' --precisions fp16,fp32 \
  --resolutions 320x320,640x640 --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["combinations"] == 2 * 2 * 5 * 2, j["combinations"]
assert len(j["candidates"]) == 40, len(j["candidates"])
assert {c["resolution"] for c in j["candidates"]} == {"320x320", "640x640"}
assert {c["platform"] for c in j["candidates"]} == {"jetson-tx2:maxn", "jetson-tx2:maxp", "jetson-tx2:maxq", "jetson-tx2:trt3", "jetson-nano"}
' "$WORK/stdout"
[ ! -s "$WORK/stderr" ] || fail "stderr not empty when piped (progress bar?): $(head -c 200 "$WORK/stderr")"
ok

check "explore with an accuracy CSV: --min-accuracy filters, missing models warn"
printf 'model,accuracy\nresnet18,69.76\nmobilenet_v2,71.88\n' >"$WORK/acc.csv"
run 0 explore "$SQ" "$R18" "$MB2" --platforms jetson-nano --accuracy "$WORK/acc.csv" --min-accuracy 70 --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
assert [c["model"] for c in j["candidates"]] == ["squeezenet1_1", "mobilenet_v2"], j["candidates"]
assert j["filtered"] == 1
assert "accuracy" in j["objectives"]
assert j["candidates"][1]["accuracy"] == 71.88
' "$WORK/stdout"
stderr_has "odonata: warning: squeezenet1_1: no accuracy in the accuracy table; not held to --min-accuracy"
ok

check "a bad accuracy CSV names file and line"
printf 'model,accuracy\nresnet18,good\n' >"$WORK/bad.csv"
run 1 explore "$R18" --platforms ncs2 --accuracy "$WORK/bad.csv"
one_error_line
stderr_has "odonata: error: $WORK/bad.csv:2: accuracy: 'good' is not a number"
run 2 explore "$R18" --platforms ncs2 --min-accuracy 70
stderr_has "--min-accuracy needs --accuracy FILE"
run 2 explore "$R18" --platforms ncs2 --resolutions 640
stderr_has "--resolutions: resolution '640' is not WIDTHxHEIGHT"
ok

check "--output writes atomically; csv and html formats"
rm -f "$WORK/out.csv"
run 0 compare "$SQ" --platform all --format csv --output "$WORK/out.csv"
stdout_empty
head -n 1 "$WORK/out.csv" | grep -q '^model,model_path,platform,precision,resolution,batch,latency_ms' ||
  fail "CSV header"
run 1 compare "$SQ" --platform all --format csv --output "$WORK/no/such/dir/out.csv"
[ ! -e "$WORK/no/such/dir/out.csv" ] || fail "output left behind"
run 0 explore "$SQ" "$R18" --platforms all --format html --output "$WORK/out.html"
grep -q '<svg' "$WORK/out.html" || fail "no chart in the HTML"
grep -q '^<!DOCTYPE html>' "$WORK/out.html" || fail "not an HTML page"
ok

check "on a terminal the progress bar is drawn on stderr and erased"
if command -v script >/dev/null 2>&1; then
  script -qec "'$ODONATA' explore '$SQ' --platforms ncs2 --format json >'$WORK/tty.json' 2>/dev/tty" /dev/null \
    >"$WORK/tty.txt" 2>&1
  grep -q 'explore 1/1 \[#' "$WORK/tty.txt" || fail "no progress bar on a terminal: $(head -c 200 "$WORK/tty.txt")"
  py 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/tty.json"
  ok
else
  echo "ok - (script(1) not installed: terminal case not checked)"
fi

echo "$passed passed"
