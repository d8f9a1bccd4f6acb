#!/usr/bin/env node
// Validation of a fitted host platform on whole networks (issue 4): turn the
// runner's network CSV into rows of the validation suite (include/odonata/check.h)
// and compare each with `odonata estimate`.
//
//   node tools/ort/validate.js ODONATA NETWORKS.csv PLATFORM THREADS SUITE.csv [LIST [FEEDS]]
//
// NETWORKS.csv: written by run.js --network, models named <anything>/<stem>.onnx
// for the model of that stem in LIST (data/validation/host-networks.txt: model
// path, family, ...), else models/<stem>.onnx. The suite's rows of PLATFORM are
// replaced, other rows kept. Prints a Markdown table: measured, estimated,
// error; MAPE; share within +/-10%; with LIST, the MAPE per family. Whole
// networks are never used for fitting: every row is `validation`. FEEDS (tools/ort/feeds.js, the
// file run.js timed them with): the listed networks' input shapes go to odonata (--input-shape)
// and to the suite's input_shape column.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {parseCsvObjects, csvField: field} = require('./csv.js');
const {readFeeds, inputShapeArgs} = require('./feeds.js');

const [odonata, networksCsv, platform, threads, suite, list, feedsFile] = process.argv.slice(2);
if (!suite) {
  process.stderr.write('usage: node tools/ort/validate.js ODONATA NETWORKS.csv PLATFORM THREADS SUITE.csv [LIST [FEEDS]]\n');
  process.exit(2);
}
// stem -> {model, family} from the network list.
const listed = new Map();
if (list) {
  for (const line of fs.readFileSync(list, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!f[0] || f[0].startsWith('#')) continue;
    listed.set(path.basename(f[0]).replace(/\.onnx$/, ''), {model: f[0], family: f[1] || ''});
  }
}

const columns = ['model', 'platform', 'precision', 'input_shape', 'measured_ms', 'measures', 'split', 'source',
                 'network', 'note'];
const machineFile = networksCsv.replace(/\.csv$/, '') + '.machine.json';
const machine = JSON.parse(fs.readFileSync(machineFile, 'utf8'));
const date = machine.started.slice(0, 10);
const spread = machine.rounds_per_pass ? `${machine.passes * machine.rounds_per_pass} rounds between the sweeps`
                                       : `${machine.passes} passes`;
const suiteDir = path.dirname(suite);
// The suite's platform column: a profile name, or a profile file relative to the suite
// (as odonata check reads it).
const platformColumn = platform.endsWith('.json') ? path.relative(suiteDir, platform) : platform;

// Whole-network notes decided before looking at any estimate.
const notes = {
  ssdlite320_mobilenet_v3_large: 'post-processing cost depends on the detections of random weights and a random image',
  fcn_resnet50: '1x3x520x520 as exported',
  lraspp_mobilenet_v3_large: '1x3x520x520 as exported',
};

const feeds = readFeeds(feedsFile);
for (const [stem, spec] of feeds) {
  // The suite (odonata check) re-estimates from input_shape; it has no column for input values.
  if (spec.some((s) => s.value !== null)) throw new Error(`${feedsFile}: ${stem}: input values (=V) are not supported here yet`);
}
const rows = [];
const table = [];
const failed = [];
for (const r of parseCsvObjects(fs.readFileSync(networksCsv, 'utf8'), networksCsv)) {
  const stem = path.basename(r.model).replace(/\.onnx$/, '');
  const model = listed.has(stem) ? listed.get(stem).model : path.join('models', `${stem}.onnx`);
  if (!fs.existsSync(model)) throw new Error(`${networksCsv}: no ${model} for ${r.model}`);
  const measured = Number(r.median_ms);
  const shapes = feeds.has(stem) ? inputShapeArgs(feeds.get(stem)).sort() : [];
  let report;
  try {
    report = JSON.parse(execFileSync(odonata, ['estimate', model, '--platform', platform, '--format', 'json',
                                               ...shapes.flatMap((a) => ['--input-shape', a])],
                                     {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}));
  } catch (e) {
    // A suite network odonata cannot estimate yet (e.g. shapes it cannot resolve):
    // reported, not written to the suite (odonata check would fail on it).
    const why = String(e.stderr || e.message).split('\n')[0].slice(0, 160);
    failed.push({stem, measured, why});
    continue;
  }
  const estimated = report.total_ms;
  const error = (100 * (estimated - measured)) / measured;
  table.push({stem, measured, estimated, error, family: listed.has(stem) ? listed.get(stem).family : ''});
  rows.push({
    model: path.relative(suiteDir, model), platform: platformColumn, precision: 'fp32', input_shape: shapes.join(';'), measured_ms: r.median_ms,
    measures: `model_run median, ${threads} thread${threads === '1' ? '' : 's'}`, split: 'validation',
    source: `${path.relative('.', networksCsv)} (tools/ort/run.js, onnxruntime-node ${machine.onnxruntime_node} CPU, ` +
            `${date}; weights from odonata materialize --seed 1)`,
    network: stem,
    note: `${r.repeats} runs in ${spread}, p10 ${r.p10_ms} ms, p90 ${r.p90_ms} ms` +
          (notes[stem] ? `; ${notes[stem]}` : ''),
  });
}

// Merge: keep other platforms' rows.
let kept = [];
if (fs.existsSync(suite)) kept = parseCsvObjects(fs.readFileSync(suite, 'utf8'), suite).filter((r) => r.platform !== platformColumn);
const all = [...kept, ...rows];
const text = [columns.join(','), ...all.map((r) => columns.map((c) => field(r[c] ?? '')).join(','))].join('\n') + '\n';
fs.mkdirSync(suiteDir, {recursive: true});
fs.writeFileSync(`${suite}.tmp`, text);
fs.renameSync(`${suite}.tmp`, suite);

const fmt = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
let out = `| network | measured (ms) | ${platform} (ms) | error |\n|---|---|---|---|\n`;
for (const t of table) {
  const sign = t.error >= 0 ? '+' : '';
  out += `| ${t.stem} | ${fmt(t.measured)} | ${fmt(t.estimated)} | ${sign}${t.error.toFixed(1)}% |\n`;
}
for (const f of failed) out += `| ${f.stem} | ${fmt(f.measured)} | not estimated: ${f.why.replace(/\|/g, '/')} | |\n`;
const mape = table.reduce((s, t) => s + Math.abs(t.error), 0) / table.length;
const within = table.filter((t) => Math.abs(t.error) <= 10).length;
out += `\nMAPE ${mape.toFixed(1)}%, within +/-10%: ${within} of ${table.length} ` +
       `(${((100 * within) / table.length).toFixed(0)}%)` +
       `${failed.length ? `; ${failed.length} network(s) odonata could not estimate (not in the suite file)` : ''}\n`;
if (listed.size) {
  const families = [...new Set(table.map((t) => t.family))].sort();
  out += `\n| family | networks | MAPE | within +/-10% |\n|---|---|---|---|\n`;
  for (const f of families) {
    const rows = table.filter((t) => t.family === f);
    const m = rows.reduce((s, t) => s + Math.abs(t.error), 0) / rows.length;
    out += `| ${f} | ${rows.length} | ${m.toFixed(1)}% | ${rows.filter((t) => Math.abs(t.error) <= 10).length} |\n`;
  }
}
process.stdout.write(out);
