#!/usr/bin/env node
// Validation of a fitted host platform on whole networks (issue 4): turn the
// runner's network CSV into rows of the validation suite (include/odonata/check.h)
// and compare each with `odonata estimate`.
//
//   node tools/ort/validate.js [--seed S] [--opt-level L] [--models DIR] ODONATA NETWORKS.csv PLATFORM THREADS SUITE.csv [LIST [FEEDS]]
//
// NETWORKS.csv: written by run.js --network, models named <anything>/<stem>.onnx
// for the model of that stem in LIST (data/validation/host-networks.txt: model
// path, family, ...), else models/<stem>.onnx. The suite's rows of PLATFORM are
// replaced, other rows kept. Prints a Markdown table: measured, estimated,
// error; MAPE; share within +/-10%; with LIST, the MAPE per family. Whole
// networks are never used for fitting: every row is `validation`. FEEDS (tools/ort/feeds.js, the
// file run.js timed them with): the listed networks' input shapes go to odonata (--input-shape)
// and to the suite's input_shape column.
// Value-dependent outputs (issue 12; the rule in data/validation/README.md): a network with NonZero,
// NonMaxSuppression, Unique or Compress outputs is run once more, profiled and untimed, on the feed
// run.js timed it with (--seed S [1], FEEDS, THREADS, --opt-level L [all]: run.js's settings), and the
// sizes ONNX Runtime gave those outputs (tools/ort/value_sizes.js) go to odonata and to the row's
// input_shape column, and the note says so; the table also gives the estimate at their upper bounds.
// Each stated NonMaxSuppression's IoU comparisons on that feed (value_sizes.js nmsCompares) go to
// odonata (--nms-compares) and to the row's nms_compares column (helper nmsfit, 2026-12-07); the
// estimate at the bounds has neither.
// The networks run are the files NETWORKS.csv names (calibrate.sh's WORK/net/), or those of the same
// names in --models DIR (materialized elsewhere with `odonata materialize --seed 1`). Rows of the
// dispatch chains (tools/ort/chains/models/, timed in the same rounds since run 19; they are
// dispatch.js --from-networks's input, not networks) are skipped.
// --statistic median|round-mean|round-median [median]: the measured time is NETWORKS.csv's median_ms
// (every run pooled), round_mean_ms (the mean of the per-round medians, run.js since helper tiny;
// docs/host-platform.md "Tiny networks across sessions"), round_median_ms (their median) or
// quiet_median_ms (the median of the rounds within the reference's tolerance, at least 3; both
// since run 22); dispatch.js --from-networks takes the same option.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {parseCsvObjects, csvField: field} = require('./csv.js');
const {readFeeds, inputShapeArgs} = require('./feeds.js');
const {valueDependentNodes, valueSizes, sizeArgs, nmsCompares, compareArgs, formatCompares} = require('./value_sizes.js');

const {networkStatistic, kStatistics, kStatisticText} = require('./run.js');

const usage = 'usage: node tools/ort/validate.js [--seed S] [--opt-level L] [--models DIR] [--statistic median|round-mean|round-median|quiet-median] ' +
              'ODONATA NETWORKS.csv PLATFORM THREADS SUITE.csv [LIST [FEEDS]]\n';
const runOptions = {seed: 1, optLevel: 'all', models: '', statistic: 'median'};
const positional = [];
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (['--seed', '--opt-level', '--models', '--statistic'].includes(a) && i + 1 < process.argv.length) {
    const v = process.argv[++i];
    if (a === '--statistic') {
      if (!kStatistics.includes(v)) {
        process.stderr.write(`validate.js: --statistic: '${v}' (${kStatistics.join(', ')})\n${usage}`);
        process.exit(2);
      }
      runOptions.statistic = v;
    } else if (a === '--seed') {
      runOptions.seed = Number(v);
      if (v === '' || !Number.isInteger(runOptions.seed) || runOptions.seed < 0) {
        process.stderr.write(`validate.js: --seed: '${v}' is not an integer >= 0\n${usage}`);
        process.exit(2);
      }
    } else {
      runOptions[a === '--models' ? 'models' : 'optLevel'] = v;
    }
  } else if (a.startsWith('--')) {
    process.stderr.write(`validate.js: unexpected argument '${a}'\n${usage}`);
    process.exit(2);
  } else {
    positional.push(a);
  }
}
const [odonata, networksCsv, platform, threads, suite, list, feedsFile] = positional;
if (!suite || positional.length > 7) {
  process.stderr.write(usage);
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
                 'network', 'note', 'nms_compares'];
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

// odonata's estimate of a model (JSON report).
function estimate(model, shapes, compares = []) {
  return JSON.parse(execFileSync(odonata, ['estimate', model, '--platform', platform, '--format', 'json',
                                           ...shapes.flatMap((a) => ['--input-shape', a]),
                                           ...compares.flatMap((a) => ['--nms-compares', a])],
                                 {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28}));
}

// The note's words on the stated sizes of value-dependent outputs.
function valueNote(stated, skipped, compares = []) {
  const byOp = (list) => {
    const n = new Map();
    for (const x of list) n.set(x.op, (n.get(x.op) || 0) + 1);
    return [...n].map(([op, k]) => `${op} ${k}`).join(', ');
  };
  let note = `input_shape states the sizes of ${stated.length} value-dependent outputs (${byOp(stated)}) as ONNX ` +
             `Runtime produced them in one untimed run on the timed feed (tools/ort/value_sizes.js, seed ${runOptions.seed})`;
  const merged = stated.filter((x) => x.as).length;
  if (merged) note += `, ${merged} of them from the twin node ONNX Runtime ran in their place (same op, same inputs)`;
  if (compares.length) {
    note += `; nms_compares states the IoU comparisons of ${compares.length} NonMaxSuppression loop(s) on that feed ` +
            '(value_sizes.js nmsCompares: inputs tapped by nms_inputs.py, the loop replayed)';
  }
  if (skipped.length) {
    note += `; ${skipped.length} left at odonata's bound (` +
            skipped.map((x) => `${x.op} '${x.node}': ${x.why}`).join('; ') + ')';
  }
  return note;
}

async function main() {
  const rows = [];
  const table = [];
  const bounds = [];
  const failed = [];
  const chainDir = path.resolve(__dirname, 'chains', 'models');
  for (const r of parseCsvObjects(fs.readFileSync(networksCsv, 'utf8'), networksCsv)) {
    if (path.dirname(path.resolve(r.model)) === chainDir) continue;
    const stem = path.basename(r.model).replace(/\.onnx$/, '');
    const model = listed.has(stem) ? listed.get(stem).model : path.join('models', `${stem}.onnx`);
    if (!fs.existsSync(model)) throw new Error(`${networksCsv}: no ${model} for ${r.model}`);
    const m = networkStatistic(r, runOptions.statistic, networksCsv);
    const measured = Number(m.ms);
    const feedShapes = feeds.has(stem) ? inputShapeArgs(feeds.get(stem)) : [];
    // The sizes of its value-dependent outputs on the timed feed (the model file has the timed
    // network's structure; the timed file, its weights).
    let stated = [], skipped = [], compares = [];
    if (valueDependentNodes(model).length) {
      const timed = runOptions.models ? path.join(runOptions.models, path.basename(r.model)) : r.model;
      if (!fs.existsSync(timed)) {
        throw new Error(`${networksCsv}: ${stem}: no timed network ${timed} to read the sizes of its value-dependent ` +
                        'outputs from (--models DIR: where the networks materialized with --seed 1 are)');
      }
      const o = {threads: Number(threads), seed: runOptions.seed, feeds: feedsFile, optLevel: runOptions.optLevel};
      ({sizes: stated, skipped} = await valueSizes(timed, o));
      // The IoU comparisons of each stated NonMaxSuppression on the same feed (helper nmsfit).
      try {
        const c = await nmsCompares(timed, o, stated);
        compares = c.compares;
        skipped.push(...c.skipped);
      } catch (e) {
        // The counts stay at their bound; the row and its stated sizes are kept.
        skipped.push({op: 'NonMaxSuppression', node: '(all)',
                      why: `comparisons not counted: ${String(e && e.message ? e.message : e).split('\n')[0].slice(0, 160)}`});
      }
    }
    const shapes = [...feedShapes, ...sizeArgs(stated)].sort();
    let report, atBound = null;
    try {
      report = estimate(model, shapes, compareArgs(compares));
      if (stated.length) atBound = estimate(model, [...feedShapes].sort());
    } catch (e) {
      // A suite network odonata cannot estimate yet (e.g. shapes it cannot resolve):
      // reported, not written to the suite (odonata check would fail on it).
      const why = String(e.stderr || e.message).split('\n').find((l) => l.startsWith('odonata: error')) ||
                  String(e.stderr || e.message).split('\n')[0];
      failed.push({stem, measured, why: why.slice(0, 160)});
      continue;
    }
    const estimated = report.total_ms;
    const error = (100 * (estimated - measured)) / measured;
    const family = listed.has(stem) ? listed.get(stem).family : '';
    table.push({stem, measured, estimated, error, family});
    if (atBound) {
      bounds.push({stem, measured, stated: stated.length, skipped: skipped.length, estimated, error,
                   bound: atBound.total_ms, boundError: (100 * (atBound.total_ms - measured)) / measured});
    }
    const noteParts = [runOptions.statistic === 'median' ? `${r.repeats} runs in ${spread}, p10 ${r.p10_ms} ms, p90 ${r.p90_ms} ms`
                                                         : `${{'round-mean': 'mean', 'round-median': 'median', 'quiet-median': `median of the ${r.quiet_rounds} quiet`}[runOptions.statistic]} of ${r.rounds} rounds' medians (${r.repeats} runs in ${spread}), ` +
                                                           `rounds' p10 ${m.p10} ms, p90 ${m.p90} ms`];
    if (notes[stem]) noteParts.push(notes[stem]);
    if (stated.length || skipped.length) noteParts.push(valueNote(stated, skipped, compares));
    rows.push({
      model: path.relative(suiteDir, model), platform: platformColumn, precision: 'fp32', input_shape: shapes.join(';'), measured_ms: m.ms,
      measures: `model_run ${kStatisticText[runOptions.statistic]}, ${threads} thread${threads === '1' ? '' : 's'}`, split: 'validation',
      source: `${path.relative('.', networksCsv)} (tools/ort/run.js, onnxruntime-node ${machine.onnxruntime_node} CPU, ` +
              `${date}; weights from odonata materialize --seed 1)`,
      network: stem,
      note: noteParts.join('; '),
      nms_compares: formatCompares(compares),
    });
  }

  // Merge: keep other platforms' rows; this platform's take the place of its old ones (else go last).
  const old = fs.existsSync(suite) ? parseCsvObjects(fs.readFileSync(suite, 'utf8'), suite) : [];
  const kept = old.filter((r) => r.platform !== platformColumn);
  const first = old.findIndex((r) => r.platform === platformColumn);
  const at = first < 0 ? kept.length : old.slice(0, first).filter((r) => r.platform !== platformColumn).length;
  const all = [...kept.slice(0, at), ...rows, ...kept.slice(at)];
  const text = [columns.join(','), ...all.map((r) => columns.map((c) => field(r[c] ?? '')).join(','))].join('\n') + '\n';
  fs.mkdirSync(suiteDir, {recursive: true});
  fs.writeFileSync(`${suite}.tmp`, text);
  fs.renameSync(`${suite}.tmp`, suite);

  const fmt = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  let out = `| network | measured (ms) | ${platform} (ms) | error |\n|---|---|---|---|\n`;
  for (const t of table) out += `| ${t.stem} | ${fmt(t.measured)} | ${fmt(t.estimated)} | ${pct(t.error)} |\n`;
  for (const f of failed) out += `| ${f.stem} | ${fmt(f.measured)} | not estimated: ${f.why.replace(/\|/g, '/')} | |\n`;
  const mape = table.reduce((s, t) => s + Math.abs(t.error), 0) / table.length;
  const within = table.filter((t) => Math.abs(t.error) <= 10).length;
  out += `\nMAPE ${mape.toFixed(1)}%, within +/-10%: ${within} of ${table.length} ` +
         `(${((100 * within) / table.length).toFixed(0)}%)` +
         `${failed.length ? `; ${failed.length} network(s) odonata could not estimate (not in the suite file)` : ''}\n`;
  if (bounds.length) {
    // Both figures of the networks with value-dependent outputs: the sizes ONNX Runtime produced
    // on the timed feed (what the suite rows state) and odonata's upper bounds.
    out += `\n| network | outputs stated | at the bounds (ms) | error | stated (ms) | error |\n|---|---|---|---|---|---|\n`;
    for (const b of bounds) {
      out += `| ${b.stem} | ${b.stated}${b.skipped ? ` (${b.skipped} left at the bound)` : ''} | ${fmt(b.bound)} | ` +
             `${pct(b.boundError)} | ${fmt(b.estimated)} | ${pct(b.error)} |\n`;
    }
    const boundMape = table.reduce((s, t) => {
      const b = bounds.find((x) => x.stem === t.stem);
      return s + Math.abs(b ? b.boundError : t.error);
    }, 0) / table.length;
    out += `\nWith every value-dependent output at its upper bound instead: MAPE ${boundMape.toFixed(1)}%\n`;
  }
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
}

main().catch((e) => {
  process.stderr.write(`validate.js: error: ${String(e && e.message ? e.message : e).split('\n')[0]}\n`);
  process.exit(1);
});
