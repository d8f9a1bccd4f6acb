#!/usr/bin/env bash
# NCS2 leave-one-network-out: for each of the five networks with a real
# OpenVINO per-layer report, fit NCS2 per-layer models on the other four
# networks' layers and estimate the fifth from its ANNETTE graph; compare the
# estimated layer sum with the report's Total (the measured layer sum).
# Writes data/ncs2/lono.csv (or OUT). Usage: tools/ncs2_lono.sh [path/to/odonata [OUT]]
# (tests/ncs2_accuracy_test.sh recomputes it into a temporary OUT and compares.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
odonata=${1:-$root/build/odonata}
layers=$root/data/ncs2/layers
graphs=$root/data/annette/graphs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Network and its report's Total row (ms), from data/ncs2/README.md.
nets="tf_resnet50:45.5 cf_inceptionv3:75.583 cf_inceptionv4:144.435 tf_inceptionv1:15.912 cf_inceptionv1:16.56"
out=${2:-$root/data/ncs2/lono.csv}
echo "network,measured_layers_ms,estimated_layers_ms,error_pct,fitted_on" >"$out.tmp"
for entry in $nets; do
  net=${entry%%:*}
  measured=${entry##*:}
  train=()
  names=()
  for other in $nets; do
    o=${other%%:*}
    [ "$o" = "$net" ] && continue
    train+=("$layers/$o.csv")
    names+=("$o")
  done
  "$odonata" fit "${train[@]}" --base "$root/data/seed-profiles/ncs2.json" --out "$work/lono-$net.json" --name "lono-$net" 2>/dev/null
  estimated=$("$odonata" estimate "$graphs/$net.json" --platform "$work/lono-$net.json" --format json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["layers_ms"])')
  /usr/bin/python3 -c "m=$measured; e=$estimated; print('$net,%s,%.4f,%.2f,%s' % (m, e, 100 * (e - m) / m, ' '.join('${names[*]}'.split())))" >>"$out.tmp"
done
mv "$out.tmp" "$out"
/usr/bin/python3 - "$out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    print("%-16s measured %8.3f  estimated %8.3f  error %+6.1f%%" % (r["network"], float(r["measured_layers_ms"]), float(r["estimated_layers_ms"]), float(r["error_pct"])))
print("mean |error| %.1f%%" % (sum(abs(float(r["error_pct"])) for r in rows) / len(rows)))
PY
