#!/usr/bin/env bash
# End-to-end tests of `odonata partition`: a real model over the shipped links,
# the JSON keys and invariants, the best cut, exit codes and option errors.
# Stops at the first failure.
#
#   bash tests/cli_partition_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

. "$(dirname "$0")/cli_lib.sh" "$@"
MODEL=$SRC/models/resnet18.onnx
[ -f "$MODEL" ] || { current="model"; fail "missing $MODEL (tools/export_models.py)"; }

# The invariants of every cut, and the best cut is the feasible argmin of the objective.
INVARIANTS='
import json, sys
j = json.load(open(sys.argv[1]))
for key in ("model", "platform", "remote", "link", "encoding", "objective", "constraints", "results", "cuts", "best", "assumptions"):
    assert key in j, "missing top-level key " + key
cuts = j["cuts"]
assert [c["index"] for c in cuts] == list(range(len(cuts))), "indices"
near = lambda a, b: abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
for c in cuts:
    for key in ("index", "after_layer", "tensors", "bytes", "node_ms", "node_mj", "link_ms", "link_mj", "remote_ms",
                "idle_mj", "total_ms", "node_energy_mj", "feasible", "best", "packets"):
        assert key in c, "cut %d lacks %s" % (c["index"], key)
    assert near(c["total_ms"], c["node_ms"] + c["link_ms"] + c["remote_ms"]), "total_ms of cut %d" % c["index"]
    assert near(c["node_energy_mj"], c["node_mj"] + c["link_mj"] + c["idle_mj"]), "node energy of cut %d" % c["index"]
    assert c["bytes"] == sum(t["bytes"] for t in c["tensors"]), "bytes of cut %d" % c["index"]
assert cuts[0]["node_ms"] == 0 and cuts[0]["after_layer"] is None, "cut 0 runs nothing on the node"
metric, other = ("total_ms", "node_energy_mj") if j["objective"] == "latency" else ("node_energy_mj", "total_ms")
feasible = [c for c in cuts if c["feasible"]]
if feasible:
    want = min(feasible, key=lambda c: (c[metric], c[other], c["index"]))["index"]
    assert j["best"] == want, "best %s, expected %s" % (j["best"], want)
    assert [c["index"] for c in cuts if c["best"]] == [want], "exactly the best cut is marked"
else:
    assert j["best"] is None and not any(c["best"] for c in cuts), "no feasible cut, no best"
'

for link in wifi ble lora lte ethernet; do
  check "resnet18 on jetson-nano over $link: JSON keys and invariants"
  run 0 partition "$MODEL" --platform jetson-nano --link "$link" --format json
  py "$INVARIANTS" "$WORK/stdout"
  ok
done

check "cut 0 sends the raw input: 1x3x224x224 float32 = 602,112 B; at 8 bits 150,528 + 8 B"
run 0 partition "$MODEL" --platform jetson-nano --link ethernet --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
c = j["cuts"][0]
assert [t["name"] for t in c["tensors"]] == ["input"], c["tensors"]
assert c["bytes"] == 602112, c["bytes"]
# 602,112 B in 413 packets of 1460 B, 78 B headers each, at 12.5 MB/s.
assert c["packets"] == 413, c["packets"]
assert abs(c["link_ms"] - (602112 + 413 * 78) / 12.5e6 * 1e3) < 1e-9, c["link_ms"]
assert j["remote"] is None and all(c["remote_ms"] == 0 for c in j["cuts"])
' "$WORK/stdout"
run 0 partition "$MODEL" --platform jetson-nano --link ethernet --bits 8 --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["encoding"]["bits"] == 8 and j["encoding"]["metadata_bytes"] == 8
assert j["cuts"][0]["bytes"] == 150536, j["cuts"][0]["bytes"]
assert any(t["compressed"] for c in j["cuts"] for t in c["tensors"]), "some Relu output is compressed"
' "$WORK/stdout"
py "$INVARIANTS" "$WORK/stdout"
ok

check "--remote: remote time for every cut but the last"
run 0 partition "$MODEL" --platform jetson-nano --link wifi --remote jetson-tx2 --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["remote"] == "jetson-tx2"
cuts = j["cuts"]
assert all(c["remote_ms"] > 0 for c in cuts[:-1]) and cuts[-1]["remote_ms"] == 0
assert cuts[0]["remote_ms"] > cuts[-2]["remote_ms"], "fewer layers remotely, less remote time"
' "$WORK/stdout"
py "$INVARIANTS" "$WORK/stdout"
ok

check "--objective node-energy and --results-on-node"
run 0 partition "$MODEL" --platform jetson-nano --link lora --objective node-energy --results-on-node --format json
py '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["objective"] == "node-energy" and j["results"] == "node"
last = j["cuts"][-1]
assert last["tensors"] == [] and last["returned"] == [] and last["link_ms"] == 0, "all on the node: nothing crosses"
assert j["cuts"][0]["returned"][0]["name"] == "output"
' "$WORK/stdout"
py "$INVARIANTS" "$WORK/stdout"
ok

check "constraints no cut meets: exit 0, best null, the table says so"
run 0 partition "$MODEL" --platform jetson-nano --link wifi --max-latency 1ms --format json
py "$INVARIANTS" "$WORK/stdout"
py 'import json, sys; j = json.load(open(sys.argv[1])); assert j["best"] is None and j["constraints"]["max_latency_ms"] == 1' "$WORK/stdout"
run 0 partition "$MODEL" --platform jetson-nano --link wifi --max-latency 1ms --max-node-energy 5J
stdout_has '^best       none: no cut meets the constraints'
stdout_has 'max latency 1 ms, max node energy 5000 mJ'
ok

check "table, CSV and HTML"
run 0 partition "$MODEL" --platform jetson-nano --link ble
stdout_has '^link       ble: '
stdout_has '^best       cut [0-9]+'
stdout_has '^assumptions'
run 0 partition "$MODEL" --platform jetson-nano --link ble --format csv
head -n 1 "$WORK/stdout" | grep -q '^index,after_layer,tensors,bytes,' || fail "CSV header"
[ "$(wc -l <"$WORK/stdout")" -eq 26 ] || fail "CSV: 25 cuts of 24 layers + header"
rm -f "$WORK/p.html"
run 0 partition "$MODEL" --platform jetson-nano --link ble --format html -o "$WORK/p.html"
stdout_empty
head -c 15 "$WORK/p.html" | grep -q '<!DOCTYPE html>' || fail "HTML page"
[ "$(grep -c '<svg' "$WORK/p.html")" -eq 2 ] || fail "two charts"
ok

check "bad --bits, --objective, missing --link: usage errors (2)"
for bits in 0 9 x; do
  run 2 partition "$MODEL" --platform jetson-nano --link wifi --bits "$bits"
  stdout_empty
  stderr_has "--bits"
done
run 2 partition "$MODEL" --platform jetson-nano --link wifi --objective fast
stderr_has "--objective"
run 2 partition "$MODEL" --platform jetson-nano
stderr_has "--link is required"
run 2 partition "$MODEL" --platform jetson-nano --link wifi --max-latency soon
stderr_has "--max-latency"
ok

check "unknown link, bad link file: input errors (1), one line, no output file"
rm -f "$WORK/out.json"
run 1 partition "$MODEL" --platform jetson-nano --link wfi -o "$WORK/out.json"
one_error_line
stderr_has "unknown link 'wfi' (did you mean 'wifi'?)"
[ ! -e "$WORK/out.json" ] || fail "a failed run left $WORK/out.json"
python3 - "$SRC/data/links.json" "$WORK/bad_links.json" <<'PY' || fail "could not write bad_links.json"
import json, sys
j = json.load(open(sys.argv[1]))
j["links"]["wifi"]["mtu"] = {"value": 1500, "source": "x"}
json.dump(j, open(sys.argv[2], "w"))
PY
run 1 partition "$MODEL" --platform jetson-nano --link wifi --links "$WORK/bad_links.json"
one_error_line
stderr_has "bad_links.json: links.wifi.mtu: unknown key"
run 1 partition "$MODEL" --platform jetson-nano --link wifi --links "$WORK/no_such.json"
one_error_line
stderr_has "no_such.json"
ok

echo "$passed passed"
