#!/usr/bin/env bash
# The int8 in-network form (CacheInt8, `odonata fit --int8-chains`; helper int8warm, run 28 candidate) is fitted
# after the cache share, on the int8 chains alone: the profile fitted from the committed run's data
# (data/host-ort-cpu/phase2) with and without --int8-chains must have the same cache.share (parameters, size,
# form, warm classes, CVs) and the same everything else but cache.int8.
#   tests/int8_share_invariance.sh ODONATA ROOT WORK
# Needs /usr/bin/python3 with numpy and onnx (the chains' generators); exits 77 (skip) without them.
set -euo pipefail
ODONATA=$1 ROOT=$2 WORK=$3
/usr/bin/python3 -c 'import numpy, onnx' 2>/dev/null || { echo "skip: python3 numpy/onnx missing"; exit 77; }
cd "$ROOT"
DATA=data/host-ort-cpu/phase2
mkdir -p "$WORK/irchains" "$WORK/int8chains"
[ -f "$WORK/irchains/ir_c112_h14_l12_t6.onnx" ] || /usr/bin/python3 tools/ort/ir_chains.py "$WORK/irchains" >/dev/null
[ -f "$WORK/irchains/se_c160_h7_l3_t6_k5_f1024.onnx" ] || /usr/bin/python3 tools/ort/se_chains.py "$WORK/irchains" >/dev/null
[ -f "$WORK/irchains/hr_dw_c16_h160_l2.onnx" ] || /usr/bin/python3 tools/ort/hires_chains.py "$WORK/irchains" >/dev/null
[ -f "$WORK/irchains/sm_su_w32_d1.onnx" ] || /usr/bin/python3 tools/ort/small_chains.py "$WORK/irchains" >/dev/null
[ -f "$WORK/int8chains/q8_st_c16_h160_l1.onnx" ] || /usr/bin/python3 tools/ort/int8_chains.py "$WORK/int8chains" >/dev/null
# calibrate.sh's fit flags: trees where the build has xgboost.
trees=(--trees)
"$ODONATA" fit --trees /dev/null --base /dev/null --out /dev/null 2>&1 | grep -q 'built without libxgboost' && trees=()
common=("$DATA/sweeps.csv" "$DATA/detection.csv" --base "$DATA/base.json" --same-board --residuals "${trees[@]}"
        --dispatch "$DATA/dispatch.csv" --cache-chains "$DATA/cache_chains.csv" --cache-chains-dir "$WORK/irchains"
        --activation-chains "$DATA/act_chains.csv" --name host-ort-cpu)
"$ODONATA" fit "${common[@]}" --out "$WORK/without.json" >/dev/null
"$ODONATA" fit "${common[@]}" --int8-chains "$DATA/int8_chains.csv" --int8-chains-dir "$WORK/int8chains" \
  --out "$WORK/with.json" --report > "$WORK/with_report.txt"
/usr/bin/python3 - "$WORK/without.json" "$WORK/with.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
assert a["cache"]["share"] == b["cache"]["share"], "cache.share differs with --int8-chains"
assert "int8" not in a["cache"], "cache.int8 without --int8-chains"
ca = dict(a["cache"]); cb = dict(b["cache"]); cb.pop("int8", None)
assert ca == cb, "cache differs beyond cache.int8"
for k in set(a) | set(b):
    if k in ("cache", "notes"):
        continue
    assert a.get(k) == b.get(k), "profile key %s differs with --int8-chains" % k
print("same share: %s, half %.6g, slope %.6g, warm classes %s; cache.int8 %s" % (
    b["cache"]["share"].get("size"), b["cache"]["share"]["half_bytes"], b["cache"]["share"]["slope"],
    b["cache"]["share"].get("warm_classes"), "written" if "int8" in b["cache"] else "not written"))
PY
grep -q "int8 convolutions in a network (after the share): [0-9]* int8 chains" "$WORK/with_report.txt" ||
  { echo "fit report: no int8 chains line"; exit 1; }
echo "int8_share_invariance: passed"
