#!/usr/bin/env node
// Per-layer comparison of an odonata estimate with an ONNX Runtime per-node
// profile taken at level `all` (run.js --network M --profile DIR).
//
//   node tools/ort/layers.js [--json] [--input-shape NAME=DIMS]... ODONATA MODEL.onnx PLATFORM PROFILE.json
//
// --input-shape is passed to odonata (a model with symbolic input dims: Silero VAD).
//
// --json prints one JSON object instead of the tables: the estimate's totals, and per
// layer its name, op, estimator, estimated ms and the matched ORT nodes' median ms (null
// when no node matched), plus the ORT-only nodes (tools/ort/per_layer.py aggregates them).
//
// At level `all` ORT names a fused or NCHWc node after the tensor it writes
// ("/layer1/layer1.0/relu/Relu_output_0_nchwc"); `odonata import` matches node
// names and so finds few of them. Here a profile node is matched to the odonata
// layer that covers the ONNX node producing that tensor (torch's "<node>_output_<k>"
// naming, or any tensor name through the model's node outputs, `odonata inspect`), or named like it. Nodes ORT adds (ReorderInput/ReorderOutput) have no
// layer and are listed apart. Fused nodes named "fused <node>" match <node>, int8 kernels named
// "<node>_token_<n>" (QDQ fused into QLinearConv) <node>, nodes of ORT's graph fusions "<node>/<Name>Fusion/"
// (QuickGelu from Sigmoid + Mul) <node>; an unnamed node's "_token_<n>" matches nothing. Times are medians over the profiled runs.
// Prints a Markdown table per layer, then per op class: layers, measured and
// estimated sums, MAPE.
'use strict';

const fs = require('node:fs');
const {execFileSync} = require('node:child_process');

const usage = 'usage: node tools/ort/layers.js [--json] [--input-shape NAME=DIMS]... ' +
              'ODONATA MODEL.onnx PLATFORM PROFILE.json\n';
const args = [];
const shapes = [];  // odonata's --input-shape arguments
let asJson = false;
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (a === '--json') {
    asJson = true;
  } else if (a === '--input-shape') {
    if (i + 1 === process.argv.length) {
      process.stderr.write(usage);
      process.exit(2);
    }
    shapes.push('--input-shape', process.argv[++i]);
  } else {
    args.push(a);
  }
}
const [odonata, model, platform, profile] = args;
if (!profile || args.length !== 4) {
  process.stderr.write(usage);
  process.exit(2);
}

const run = (cmd) => JSON.parse(execFileSync(odonata, [cmd[0], model, ...cmd.slice(1), ...shapes, '--format', 'json'],
                                             {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
                                              maxBuffer: 1 << 28}));
const report = run(['estimate', '--platform', platform]);
const layerOf = new Map();  // ONNX node name -> layer index
report.layers.forEach((l, i) => l.covers.forEach((n) => layerOf.set(n, i)));
// ONNX tensor name -> the node that writes it: ORT names NCHWc and fused nodes after their
// output tensor, which other exporters than torch name freely ("211" in YuNet).
const producer = new Map();
for (const n of run(['inspect']).nodes) for (const o of n.outputs || []) producer.set(o.name, n.name);

const events = JSON.parse(fs.readFileSync(profile, 'utf8'));
const perNode = new Map();  // profile node -> {op, durations}
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const name = e.name.slice(0, -'_kernel_time'.length);
  if (!perNode.has(name)) perNode.set(name, {op: (e.args && e.args.op_name) || '', durations: []});
  perNode.get(name).durations.push(e.dur / 1000);
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2;
};

function layerFor(full) {
  const name = full.replace(/^fused /, '');  // FusedGemm, FusedConv: "fused <first node>"
  if (layerOf.has(name)) return layerOf.get(name);
  const tensor = name.replace(/_nchwc$/, '');
  const k = tensor.lastIndexOf('_output_');
  if (k > 0 && layerOf.has(tensor.slice(0, k))) return layerOf.get(tensor.slice(0, k));
  if (producer.has(tensor) && layerOf.has(producer.get(tensor))) return layerOf.get(producer.get(tensor));
  // A QDQ node ONNX Runtime fused into an int8 kernel (QLinearConv) is named "<node>_token_<n>"
  // (YuNet int8's "Conv_6_token_23"; helper int8, 2026-12-07): the node it was made from.
  const fusedFrom = name.replace(/_token_\d+$/, '');
  if (fusedFrom !== name && layerOf.has(fusedFrom)) return layerOf.get(fusedFrom);
  // A node made by one of ONNX Runtime's graph fusions is named "<node>/<Name>Fusion/" (EfficientNet's
  // SiLU, Sigmoid + Mul, runs as "/features/.../Mul/QuickGeluFusion/"; helper mobile, 2026-12-07): the
  // node it was made from.
  const fusion = name.replace(/\/[A-Za-z]+Fusion\/$/, '');
  if (fusion !== name && layerOf.has(fusion)) return layerOf.get(fusion);
  return undefined;
}

const measured = report.layers.map(() => 0);
const matched = report.layers.map(() => false);
const nodes = report.layers.map(() => 0);  // ORT nodes matched to each layer
const extra = [];
for (const [name, n] of perNode) {
  const i = layerFor(name);
  if (i === undefined) {
    extra.push({name, op: n.op, ms: median(n.durations)});
  } else {
    measured[i] += median(n.durations);
    matched[i] = true;
    nodes[i] += 1;
  }
}

const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur / 1000);
if (asJson) {
  // fs.writeSync: process.stdout.write to a pipe is asynchronous and process.exit would cut it at 64 KB
  fs.writeSync(1, JSON.stringify({
    model, platform, total_ms: report.total_ms, layers_ms: report.layers_ms, overhead_ms: report.overhead_ms,
    dispatch_ms: report.dispatch_ms, model_run_median_ms: runs.length ? median(runs) : null, profiled_runs: runs.length,
    layers: report.layers.map((l, i) => ({name: l.name, op: l.op, ops: l.ops, estimator: l.estimator, ms: l.ms,
                                          measured_ms: matched[i] ? measured[i] : null, ort_nodes: nodes[i]})),
    ort_only: extra,
  }) + '\n');
  process.exit(0);
}

const fmt = (x) => x.toFixed(3);
let out = `| # | layer | op | estimated (ms) | ORT node (ms) | error |\n|---|---|---|---|---|---|\n`;
const classes = new Map();
report.layers.forEach((l, i) => {
  const key = l.estimator === 'free' ? 'free' : l.op;
  if (!classes.has(key)) classes.set(key, {n: 0, est: 0, meas: 0, ape: 0, unmatched: 0, estUnmatched: 0});
  const c = classes.get(key);
  if (!matched[i]) {
    c.unmatched += 1;
    c.estUnmatched += l.ms;
    out += `| ${i + 1} | ${l.name} | ${l.ops.join('+')} | ${fmt(l.ms)} | (none) | |\n`;
    return;
  }
  const err = (100 * (l.ms - measured[i])) / measured[i];
  c.n += 1;
  c.est += l.ms;
  c.meas += measured[i];
  c.ape += Math.abs(err);
  out += `| ${i + 1} | ${l.name} | ${l.ops.join('+')} | ${fmt(l.ms)} | ${fmt(measured[i])} | ` +
         `${err >= 0 ? '+' : ''}${err.toFixed(1)}% |\n`;
});
for (const x of extra) out += `| | ${x.name} | ${x.op} (ORT only) | | ${fmt(x.ms)} | |\n`;

out += `\n| op | layers matched | estimated (ms) | ORT nodes (ms) | per-layer MAPE | not in profile (est. ms) |\n`;
out += `|---|---|---|---|---|---|\n`;
for (const [op, c] of classes) {
  out += `| ${op} | ${c.n} | ${fmt(c.est)} | ${fmt(c.meas)} | ${c.n ? (c.ape / c.n).toFixed(1) + '%' : ''} | ` +
         `${c.unmatched ? `${c.unmatched} (${fmt(c.estUnmatched)})` : ''} |\n`;
}
const extraSum = extra.reduce((s, x) => s + x.ms, 0);
const nodeSum = measured.reduce((s, x) => s + x, 0) + extraSum;
out += `\nestimate: layers ${fmt(report.layers_ms)} + overhead ${fmt(report.overhead_ms)} = ` +
       `${fmt(report.total_ms)} ms; ` +
       `profile: nodes ${fmt(nodeSum)} ms (of which ORT-only nodes ${fmt(extraSum)} ms), ` +
       `model_run median ${fmt(median(runs))} ms over ${runs.length} runs\n`;
process.stdout.write(out);
