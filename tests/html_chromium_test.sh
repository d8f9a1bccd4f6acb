#!/usr/bin/env bash
# The estimate HTML report in a real browser: headless Chromium loads the
# ResNet-50 report, which must parse into the expected DOM, log nothing to the
# console and render to a non-trivial screenshot. A page with a deliberate
# script error must be caught by the same console check, so that the check
# itself is known to work. Exits 77 (ctest: skipped) without Chromium.
#
# usage: html_chromium_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "html_chromium: SKIPPED: chromium not installed (apt-get install chromium)"
  exit 77
fi

rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
  echo "html_chromium: FAIL: $*"
  failures=$((failures + 1))
}

# Run Chromium headless on file $1 with extra arguments; stdout to $2, its log to $3.
# A fresh profile per run; --no-sandbox because CI runs as root.
browse() {
  local page=$1 out=$2 log=$3
  shift 3
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
    --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" --enable-logging=stderr --v=0 \
    "$@" "file://$page" >"$out" 2>"$log"
}

# Console output of the page: Chromium logs it as "INFO:CONSOLE:<line>] "<message>", source: ...".
# The report has no scripts, so any console line is an error.
console_lines() { grep -E 'CONSOLE[:(]|Uncaught' "$1"; }

# 1. The check catches a page with console errors.
cat >"$work/broken.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>broken</title></head>
<body><p>deliberately broken</p>
<script>console.error("html_chromium deliberate error"); notDefinedAnywhere();</script>
</body></html>
EOF
browse "$work/broken.html" "$work/broken.dom" "$work/broken.log" --dump-dom
if ! console_lines "$work/broken.log" | grep -q 'deliberate error' ||
  ! console_lines "$work/broken.log" | grep -q 'Uncaught ReferenceError'; then
  fail "the console check does not see the errors of a deliberately broken page (log: $work/broken.log)"
fi

# 2. The ResNet-50 estimate as HTML.
page="$work/resnet50.html"
if ! "$odonata" estimate "$src/models/resnet50.onnx" --platform jetson-nano --format html -o "$page" \
  2>"$work/odonata.err"; then
  fail "odonata estimate --format html failed: $(cat "$work/odonata.err")"
  exit 1
fi
"$odonata" estimate "$src/models/resnet50.onnx" --platform jetson-nano --format json -o "$work/resnet50.json"

# 3. It parses into the DOM we wrote: 4 charts, 57 layer rows, the total.
browse "$page" "$work/resnet50.dom" "$work/dom.log" --dump-dom || fail "chromium --dump-dom failed (log: $work/dom.log)"
svgs=$(grep -o '<svg ' "$work/resnet50.dom" | wc -l)
[ "$svgs" -eq 4 ] || fail "expected 4 <svg> charts in the rendered DOM, found $svgs"
bars=$(grep -o 'class="bar"' "$work/resnet50.dom" | wc -l)
# 57 layers x (latency + energy) + 5 op types (Conv, Gemm, MaxPool, GlobalAveragePool, Flatten)
[ "$bars" -eq 119 ] || fail "expected 119 bars (57 + 57 + 5) in the rendered DOM, found $bars"
# The total as printed: rounded to the profile's validated error, next to its interval and that error.
total=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_ms_rounded"])' "$work/resnet50.json")
grep -q "<th>total</th><td>$total ms  (" "$work/resnet50.dom" ||
  fail "the rendered summary does not show the JSON total $total ms"
grep -q "<th>trust</th><td>MAPE " "$work/resnet50.dom" || fail "the rendered summary does not state the validated error"

# 3b. The other pages (compare/explore, partition) render without console errors; screenshots to look at.
"$odonata" explore "$src/models/squeezenet1_1.onnx" "$src/models/resnet18.onnx" "$src/models/mobilenet_v2.onnx" \
  --platforms all --format html -o "$work/explore.html" 2>"$work/explore.err" || fail "explore --format html failed"
grep -q 'class="legend shapes"' "$work/explore.html" || fail "explore chart has no marker legend naming the models"
browse "$work/explore.html" "$work/explore.out" "$work/explore.log" --window-size=1280,1600 \
  --screenshot="$work/explore.png" || fail "chromium --screenshot of explore failed"
if console_lines "$work/explore.log" >/dev/null; then fail "console messages on the explore page"; fi

# 4. No console output while loading and rendering; a screenshot of the top of the page.
png="$work/resnet50.png"
browse "$page" "$work/screenshot.out" "$work/screenshot.log" --window-size=1280,2000 --screenshot="$png" ||
  fail "chromium --screenshot failed (log: $work/screenshot.log)"
for log in "$work/dom.log" "$work/screenshot.log"; do
  if console_lines "$log" >/dev/null; then
    fail "console messages while loading the report:"
    console_lines "$log"
  fi
done
if [ ! -f "$png" ]; then
  fail "no screenshot written"
else
  size=$(wc -c <"$png")
  magic=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
  [ "$magic" = "89504e470d0a1a0a" ] || fail "$png is not a PNG"
  # A blank 1280x2000 page compresses to a few KB; the summary and the bar charts are far more.
  [ "$size" -gt 50000 ] || fail "screenshot is only $size bytes: the page did not render"
  echo "html_chromium: screenshot $png ($size bytes)"
fi

if [ "$failures" -gt 0 ]; then
  echo "html_chromium: $failures failure(s); files in $work"
  exit 1
fi
echo "html_chromium: OK ($chromium)"
