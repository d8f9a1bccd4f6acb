#!/usr/bin/env bash
# NonMaxSuppressionAnchors rows (helper detnms, issue 12): tools/ort/run.js's SSD anchor grids and
# detector-like NMS feed (ssdAnchors, nmsAnchorFeed), then a sweep of the op through run.js and
# `odonata fit`. Checked by hand: the anchors of a tiny grid (2x2 and 1x1 maps, aspect ratio 2: 4 boxes
# per centre, 20 in all) and of torchvision's two SSD grids (3234, 8732 anchors); the feed's layout
# (classes of perClass candidates, scores descending per class, the class-agnostic decoded box of the
# picked anchor shifted by label x (largest + 1)); the same arrays for the same seed, others for another.
# Through run.js: 1 class of 1 candidate keeps 1 box with 0 comparisons, 2 classes of 1 keep 2 with 1
# (the offsets make the classes disjoint); the fit takes the rows. Never a time.
# Exits 77 (ctest: skipped) without node or onnxruntime-node.
#
# usage: nms_anchors_test.sh ODONATA_BINARY SOURCE_DIR WORK_DIR
set -u

odonata=$1
src=$2
work=$3

. "$(dirname "$0")/ort_lib.sh"
skip_without_onnxruntime_node ort_nms_anchors "$src"

rm -rf "$work"
mkdir -p "$work"
die() {
  echo "ort_nms_anchors: FAIL: $*"
  exit 1
}

node - "$src/tools/ort/run.js" <<'JS' 2>"$work/err" || die "generator: $(tail -3 "$work/err")"
const assert = require('assert');
const run = require(process.argv[2]);
const near = (a, b, what) => assert(Math.abs(a - b) < 1e-6, `${what}: ${a} != ${b}`);
// A tiny grid: maps 2x2 and 1x1, one aspect ratio (2), scales 0.2, 0.95 (then 1.0).
const tiny = {image: 100, maps: [2, 1], ratios: [[2], [2]], minRatio: 0.2, maxRatio: 0.95};
const a = run.ssdAnchors(tiny);
assert.strictEqual(a.length / 4, 2 * 2 * 4 + 1 * 4);
// Map 0, centre (0.25, 0.25): (s, s), (s', s') with s' = sqrt(0.2 x 0.95), (s sqrt 2, s / sqrt 2), its transpose.
const want0 = [[0.25, 0.25, 0.2, 0.2], [0.25, 0.25, 0.4358899, 0.4358899], [0.25, 0.25, 0.2828427, 0.1414214],
               [0.25, 0.25, 0.1414214, 0.2828427], [0.75, 0.25, 0.2, 0.2]];
want0.forEach((w, i) => w.forEach((v, q) => near(a[4 * i + q], v, `anchor ${i}[${q}]`)));
// The second row of centres (y 0.75) starts at anchor 8; map 1 (centre 0.5): s 0.95, s' sqrt(0.95 x 1.0),
// 0.95 sqrt 2 = 1.3435 clipped to 1, 0.95 / sqrt 2 = 0.6718.
near(a[4 * 8 + 1], 0.75, 'anchor 8 cy');
const want1 = [[0.5, 0.5, 0.95, 0.95], [0.5, 0.5, 0.9746794, 0.9746794], [0.5, 0.5, 1, 0.6717514], [0.5, 0.5, 0.6717514, 1]];
want1.forEach((w, i) => w.forEach((v, q) => near(a[4 * (16 + i) + q], v, `anchor ${16 + i}[${q}]`)));
// torchvision's grids: SSDlite320 (20, 10, 5, 3, 2, 1 maps x 6) and SSD300 (4, 6, 6, 6, 4, 4 per centre;
// centres by steps: the first at 0.5 / (300 / 8)).
assert.strictEqual(run.ssdAnchors(run.kAnchorGrids[3234]).length / 4, 3234);
const ssd300 = run.ssdAnchors(run.kAnchorGrids[8732]);
assert.strictEqual(ssd300.length / 4, 8732);
near(ssd300[0], 0.5 / 37.5, 'SSD300 first centre');
near(ssd300[2], 0.07, 'SSD300 first scale');
// The feed: 2 classes of 3 candidates from the tiny grid.
const rng = (seed) => { let s = seed >>> 0; return () => { s = (s + 0x6D2B79F5) >>> 0; let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; };
const f = run.nmsAnchorFeed(rng(7), tiny, 2, 3);
assert.strictEqual(f.boxes.length, 24);
assert.strictEqual(f.scores.length, 6);
let largest = 0;
for (let j = 0; j < 6; ++j) for (let q = 0; q < 4; ++q) largest = Math.max(largest, f.decoded[4 * f.picked[j] + q]);
assert(largest <= 100 && largest > 0, `largest ${largest}`);
for (let c = 0; c < 2; ++c) {
  const ids = new Set();
  for (let k = 0; k < 3; ++k) {
    const j = 3 * c + k;
    ids.add(f.picked[j]);
    assert(f.scores[j] >= 0 && f.scores[j] < 1);
    if (k > 0) assert(f.scores[j] <= f.scores[j - 1], `class ${c}: scores not descending`);
    const off = Math.fround((c + 1) * Math.fround(largest + 1));
    for (let q = 0; q < 4; ++q) near(f.boxes[4 * j + q], Math.fround(f.decoded[4 * f.picked[j] + q] + off), `box ${j}[${q}]`);
    const [x1, y1, x2, y2] = f.decoded.subarray(4 * f.picked[j], 4 * f.picked[j] + 4);
    assert(0 <= x1 && x1 <= x2 && x2 <= 100 && 0 <= y1 && y1 <= y2 && y2 <= 100, `box ${j} outside the image`);
  }
  assert.strictEqual(ids.size, 3, 'a class picks an anchor twice');
}
// Decoded boxes stay near their anchors (centre shifts of 0.1 x size have no 10-sigma outliers here).
for (let i = 0; i < 20; ++i) {
  const cx = (f.decoded[4 * i] + f.decoded[4 * i + 2]) / 200;
  assert(Math.abs(cx - a[4 * i]) < a[4 * i + 2] + 1e-6, `decoded box ${i} far from its anchor`);
}
// Deterministic from the seed.
const g = run.nmsAnchorFeed(rng(7), tiny, 2, 3), h = run.nmsAnchorFeed(rng(8), tiny, 2, 3);
assert.deepStrictEqual(g.boxes, f.boxes);
assert.deepStrictEqual(g.scores, f.scores);
assert.notDeepStrictEqual(h.scores, f.scores);
assert.throws(() => run.nmsAnchorFeed(rng(7), tiny, 2, 21), /21 candidates per class from 20 anchors/);
JS

# Through the runner: 1 class of 1 candidate, 2 classes of 1; 2 classes of 300 at IoU 0.3 and 0.7.
"$odonata" sweep --op NonMaxSuppressionAnchors --design 1d --dims groups --min 1 --max 2 --around in_h=1,groups=1 \
  --out "$work/one" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
"$odonata" sweep --op NonMaxSuppressionAnchors --design 1d --dims kernel --min 30 --max 70 --step 40 \
  --around in_h=600,groups=2 --out "$work/iou" --models >/dev/null 2>"$work/err" || die "sweep: $(cat "$work/err")"
node "$src/tools/ort/run.js" --sweep "$work/one" "$work/iou" --threads 1 --passes 1 --warmup 1 --repeats 3 \
  --min-time 1 --max-repeats 3 --min-ms 0 --latency run --out "$work/out.csv" 2>"$work/err" >/dev/null ||
  die "run.js: $(tail -3 "$work/err")"
/usr/bin/python3 - "$work/out.csv" <<'PY' || exit 1
import csv, sys
rows = list(csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#")))
h = rows[0]
got = {(r[h.index("in_h")], r[h.index("kernel_h")]): (int(r[h.index("out_rows")]), int(r[h.index("nms_compares")]))
       for r in rows[1:]}
assert all(r[h.index("op")] == "NonMaxSuppressionAnchors" and r[h.index("in_w")] == "3234" for r in rows[1:]), rows
assert got[("1", "55")] == (1, 0), got   # one box: kept, nothing to compare
assert got[("2", "55")] == (2, 1), got   # two classes of one: disjoint, both kept, one comparison
k30, c30 = got[("600", "30")]
k70, c70 = got[("600", "70")]
assert 2 <= k30 < k70 < 600, got          # a lower threshold suppresses more
assert k30 * (k30 - 1) // 2 <= c30 and k70 * (k70 - 1) // 2 <= c70 < 600 * 599 // 2, got
PY
"$odonata" fit "$work/out.csv" --base host-ort-cpu --out "$work/fit.json" >/dev/null 2>"$work/err" ||
  die "odonata does not fit the rows: $(head -3 "$work/err")"
grep -q '"detection"' "$work/fit.json" || die "no detection model in the fit"
echo "ort_nms_anchors: ok"
