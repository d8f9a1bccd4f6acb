#!/usr/bin/env node
// Per-node dispatch cost of ONNX Runtime (issue 12, item 1): how much a `session.run`
// exceeds the sum of its kernels' times, as a function of the number of nodes it ran.
//
//   node tools/ort/dispatch.js --out FILE.csv [options] --chains DIR     synthetic chains (chains.py)
//   node tools/ort/dispatch.js --out FILE.csv [options] --network M.onnx...  whole networks
//   node tools/ort/dispatch.js --out FILE.csv --chains DIR --from-networks NET.csv   no timing
//
// --from-networks (the one command since run 19): the chains were timed by run.js as networks,
// in the measure step's rounds between the sweeps (tools/ort/calibrate.sh step 2), so that
// the per-call and per-node costs see the same states of the machine as the networks they
// price; the rows of NET.csv whose model is one of DIR's chains become chain rows here
// (run_ms and its spread from NET.csv, executed_nodes = the chain's nodes: ONNX Runtime runs
// every node of a chain, as the profiled chains of runs 1-18 counted; no kernel columns). Run
// 18's own dispatch step had timed every 1-node chain at 17.1-17.6 us against 11.1-11.8 in
// runs 15-17, and the per-call overhead went from 11.2 to 15.7 us, while the measure step's
// networks ran as before (DeepA 21.2 us).
// --statistic median|round-mean|round-median|quiet-median [median]: which of NET.csv's statistics
// becomes run_ms, run_p10_ms and run_p90_ms: the pooled median (median_ms, p10_ms, p90_ms), the mean
// of the per-round medians (round_mean_ms, round_p10_ms, round_p90_ms; run.js's networks.csv since
// helper tiny), their median (round_median_ms) or the median of the quiet rounds' medians
// (quiet_median_ms: within the reference's tolerance, at least 3; both since run 22), the same
// statistic as validate.js --statistic, so that fit and validation agree.
//
// Per model and pass, two timings on two sessions: `session.run` wall time of an
// unprofiled session (process.hrtime.bigint() around await session.run), and, on a
// profiled session (enableProfiling), per run the number of kernel events (the nodes
// that ran), the sum of their times, and the share of the NCHWc reorders. The passes
// visit the models in a different shuffled order each (--seed), so that a slow minute of
// this shared machine spreads over all of them; with --reference the noise floor is
// recorded and disturbed timings are retried, as in run.js.
//
// Options (defaults in brackets):
//   --threads N        intraOpNumThreads [1]
//   --opt-level L      graphOptimizationLevel [all]
//   --passes P         [3]
//   --repeats R        runs per timing, at least [50], and --min-time MS [200]
//   --warmup W         [10]
//   --reject K         outlier rule of run.js [3]
//   --reference F      noise-floor model (run.js --reference) [none]
//   --seed S           [1]
//
// Output CSV, one row per model: kind (chain|network), op (chain op, or the network's
// stem), nodes (nodes in the model file), model, threads, executed_nodes (kernel events
// per profiled run, median), run_ms, run_p10_ms, run_p90_ms, run_mad_ms (unprofiled
// session.run, after the outlier rule), kernel_ms, kernel_p10_ms, kernel_p90_ms (per-run
// sum of kernel times), reorder_ms (of which NCHWc reorders), profiled_run_ms
// (session.run of the profiled session), overhead_ms = run_ms - kernel_ms,
// overhead_per_node_us = overhead_ms / executed_nodes x 1000, pass_spread (slowest /
// fastest pass median of run_ms), runs, and per op type the executed nodes
// (executed_ops: "Conv:20;Relu:3").
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ort = require('onnxruntime-node');
const run = require('./run.js');
const {parseCsvObjects, csvField} = require('./csv.js');

function usage(message) {
  process.stderr.write(`dispatch.js: error: ${message}\n` +
                       'usage: node tools/ort/dispatch.js --out FILE.csv [options] (--chains DIR [--from-networks NET.csv] | --network M.onnx...)\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {out: '', threads: 1, optLevel: 'all', passes: 3, repeats: 50, minTime: 200, warmup: 10, reject: 3,
             reference: '', seed: 1, chains: '', networks: [], refRuns: 5, refTolerance: 0.15, tries: 4,
             maxWait: 600, waited: 0, fromNetworks: '', statistic: 'median'};
  let list = null;
  const num = (name, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) usage(`${name}: '${v}' is not a number >= 0`);
    return n;
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      list = null;
      return argv[++i];
    };
    if (a === '-h' || a === '--help') {
      const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);
      const end = lines.findIndex((l) => !l.startsWith('//'));
      process.stdout.write(lines.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    }
    if (a === '--network') { list = o.networks; continue; }
    if (a === '--out') o.out = value();
    else if (a === '--threads') o.threads = num(a, value());
    else if (a === '--opt-level') o.optLevel = value();
    else if (a === '--passes') o.passes = num(a, value());
    else if (a === '--repeats') o.repeats = num(a, value());
    else if (a === '--min-time') o.minTime = num(a, value());
    else if (a === '--warmup') o.warmup = num(a, value());
    else if (a === '--reject') o.reject = num(a, value());
    else if (a === '--reference') o.reference = value();
    else if (a === '--seed') o.seed = num(a, value());
    else if (a === '--chains') o.chains = value();
    else if (a === '--from-networks') o.fromNetworks = value();
    else if (a === '--statistic') o.statistic = value();
    else if (a.startsWith('-') || list === null) usage(`unexpected argument '${a}'`);
    else list.push(a);
  }
  if (!o.out) usage('--out FILE.csv is required');
  if (!o.chains === !o.networks.length) usage('give --chains DIR or --network MODEL...');
  if (o.fromNetworks && !o.chains) usage('--from-networks needs --chains DIR');
  if (!run.kStatistics.includes(o.statistic)) usage(`--statistic: '${o.statistic}' (${run.kStatistics.join(', ')})`);
  if (o.statistic !== 'median' && !o.fromNetworks) usage('--statistic is for --from-networks');
  o.maxOthers = Math.max(0.25, os.cpus().length - o.threads - 0.5);
  o.machine = o.out.replace(/\.csv$/, '') + '.machine.json';
  return o;
}

// One profiled timing: per run, kernel events, their time, the reorders' time,
// the op types that ran, and the model_run duration.
async function profiled(file, o, seed) {
  const prefix = path.join(os.tmpdir(), `odonata-dispatch-${process.pid}`);
  const session = await ort.InferenceSession.create(file, run.sessionOptions(o, {enableProfiling: true,
                                                                                 profileFilePrefix: prefix}));
  let count = 0;
  try {
    const feeds = run.makeFeeds(session, file, seed);
    for (let i = 0; i < o.warmup; ++i) await session.run(feeds);
    const start = process.hrtime.bigint();
    while (count < 5000) {
      await session.run(feeds);
      ++count;
      if (count >= o.repeats && Number(process.hrtime.bigint() - start) / 1e6 >= o.minTime) break;
    }
  } finally {
    session.endProfiling();
    await session.release();
  }
  const dir = path.dirname(prefix);
  const made = fs.readdirSync(dir).filter((f) => f.startsWith(`${path.basename(prefix)}_`) && f.endsWith('.json'));
  if (made.length !== 1) throw new Error(`${file}: expected one profile ${prefix}_*.json`);
  const profileFile = path.join(dir, made[0]);
  let events;
  try {
    events = JSON.parse(fs.readFileSync(profileFile, 'utf8'));
  } finally {
    fs.unlinkSync(profileFile);
  }
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const per = runs.map((r) => ({nodes: 0, kernel: 0, reorder: 0, run: r.dur / 1000, ops: new Map()}));
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time')).sort((a, b) => a.ts - b.ts);
  let r = 0;
  for (const e of nodes) {
    while (r < runs.length && e.ts > runs[r].ts + runs[r].dur) ++r;
    if (r === runs.length) break;
    if (e.ts < runs[r].ts) continue;
    const op = (e.args && e.args.op_name) || '?';
    per[r].nodes += 1;
    per[r].kernel += e.dur / 1000;
    if (op === 'ReorderInput' || op === 'ReorderOutput') per[r].reorder += e.dur / 1000;
    per[r].ops.set(op, (per[r].ops.get(op) || 0) + 1);
  }
  return per.slice(o.warmup);  // the timed runs
}

const kHeader = ['kind', 'op', 'nodes', 'model', 'threads', 'executed_nodes', 'run_ms', 'run_p10_ms', 'run_p90_ms',
                 'run_mad_ms', 'kernel_ms', 'kernel_p10_ms', 'kernel_p90_ms', 'reorder_ms', 'profiled_run_ms',
                 'overhead_ms', 'overhead_per_node_us', 'pass_spread', 'runs', 'executed_ops'];

function chainJobs(o) {
  const plan = path.join(o.chains, 'plan.csv');
  return parseCsvObjects(fs.readFileSync(plan, 'utf8'), plan).map((r) => ({
    kind: 'chain', op: r.op, nodes: Number(r.nodes), file: path.join(o.chains, r.model),
    model: `${path.basename(path.resolve(o.chains))}/${r.model}`}));
}

// --from-networks: the chain rows of run.js's network output, as chain rows of this file's
// format. Every chain of the plan must be there, once.
function fromNetworks(o) {
  const jobs = chainJobs(o);
  const byFile = new Map(jobs.map((j) => [path.resolve(j.file), j]));
  const found = new Map();
  const text = fs.readFileSync(o.fromNetworks, 'utf8');
  const comments = text.split('\n').filter((l) => l.startsWith('#'));
  for (const r of parseCsvObjects(text, o.fromNetworks)) {
    const j = byFile.get(path.resolve(r.model));
    if (!j) continue;  // a suite network
    if (found.has(j)) throw new Error(`${o.fromNetworks}: chain ${j.model} timed twice`);
    found.set(j, r);
  }
  const missing = jobs.filter((j) => !found.has(j));
  if (missing.length) {
    throw new Error(`${o.fromNetworks}: ${missing.length} of the ${jobs.length} chains of ${o.chains} not timed ` +
                    `(first: ${missing[0].file}); time them with run.js --network`);
  }
  const lines = [kHeader.join(',')];
  for (const j of jobs) {
    const r = found.get(j);
    const m = run.networkStatistic(r, o.statistic, o.fromNetworks);
    lines.push([j.kind, j.op, j.nodes, j.model, r.threads, j.nodes, m.ms, m.p10, m.p90, r.mad_ms ?? '',
                '', '', '', '', '', '', '', r.pass_spread ?? '', r.repeats, ''].map(csvField).join(','));
  }
  run.writeAtomic(o.out, `# chains timed as networks by run.js in the measure step's rounds (${o.fromNetworks}` +
                         `${comments.length ? `: ${comments[0].replace(/^#\s*/, '')}` : ''}); ` +
                         `executed_nodes = the chain's nodes, no kernel columns; run_ms: ${o.statistic === 'median' ? 'pooled median' : `${run.kStatisticText[o.statistic]} (${run.kStatisticColumns[o.statistic]}), p10/p90 between rounds`}\n` + lines.join('\n') + '\n');
  process.stderr.write(`dispatch.js: ${jobs.length} chains from ${o.fromNetworks}; wrote ${o.out}\n`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.fromNetworks) return fromNetworks(o);
  const began = new Date();
  let jobs;
  if (o.chains) {
    jobs = chainJobs(o);
  } else {
    jobs = o.networks.map((f) => ({kind: 'network', op: path.basename(f).replace(/\.onnx$/, ''), nodes: null,
                                   file: f, model: f}));
  }
  if (o.reference) {
    o.ref = new run.Reference(o.reference, o);
    await o.ref.open();
  }
  const acc = jobs.map(() => ({run: [], passMedians: [], per: []}));
  const total = o.passes * jobs.length;
  let done = 0;
  for (let pass = 0; pass < o.passes; ++pass) {
    for (const i of run.permutation(jobs.length, o.seed * 7919 + pass)) {
      const j = jobs[i];
      const t = await run.timeModel(j.file, o, {seed: o.seed, warmup: o.warmup, repeats: o.repeats, minTime: o.minTime,
                                                maxRepeats: 5000, flushMb: 0, profile: false});
      acc[i].run.push(...t.times);
      acc[i].passMedians.push(run.stats(t.times).median);
      acc[i].per.push(...(await profiled(j.file, o, o.seed)));
      process.stderr.write(`\r[${++done}/${total}] ${j.op} ${j.nodes ?? ''} ${run.stats(t.times).median.toFixed(4)} ms   `);
    }
  }
  process.stderr.write('\n');
  const lines = [kHeader.join(',')];
  jobs.forEach((j, i) => {
    const a = acc[i];
    const r = run.robustStats(a.run, o.reject);
    const k = run.stats(a.per.map((p) => p.kernel));
    const executed = run.stats(a.per.map((p) => p.nodes)).median;
    const reorder = run.stats(a.per.map((p) => p.reorder)).median;
    const prun = run.stats(a.per.map((p) => p.run)).median;
    const overhead = r.median - k.median;
    const ops = new Map();
    for (const [op, n] of a.per[a.per.length - 1].ops) ops.set(op, n);
    const opsText = [...ops].sort((x, y) => x[0].localeCompare(y[0])).map(([op, n]) => `${op}:${n}`).join(';');
    const spread = Math.max(...a.passMedians) / Math.min(...a.passMedians);
    lines.push([j.kind, j.op, j.nodes ?? '', j.model, o.threads, executed, run.ms(r.median), run.ms(r.p10),
                run.ms(r.p90), run.ms(r.mad), run.ms(k.median), run.ms(k.p10), run.ms(k.p90), run.ms(reorder),
                run.ms(prun), overhead.toFixed(6), executed ? ((1000 * overhead) / executed).toFixed(4) : '',
                spread.toFixed(4), r.repeats, opsText].map(csvField).join(','));
  });
  const m = run.machine({...o, maxRepeats: 5000}, {
    what: 'dispatch.js: session.run minus the sum of kernel times, per executed node', chains: o.chains || null,
    networks: o.networks, models: jobs.length, started: began.toISOString(), finished: new Date().toISOString(),
    loadavg_end: os.loadavg(), waited_s: o.waited});
  run.writeAtomic(o.out, `# ONNX Runtime ${m.onnxruntime_node} CPU, ${m.cpu_model}, ${o.threads} thread(s), opt ` +
                         `${o.optLevel}, ${o.passes} passes (shuffled) x >= ${o.repeats} runs (>= ${o.minTime} ms) ` +
                         `per session, ${began.toISOString()}; see ${path.basename(o.machine)}\n` +
                         lines.join('\n') + '\n');
  run.writeAtomic(o.machine, JSON.stringify(m, null, 2) + '\n');
  if (o.ref) await o.ref.close();
  process.stderr.write(`dispatch.js: ${jobs.length} models x ${o.passes} passes in ` +
                       `${((Date.now() - began) / 1000).toFixed(0)} s; wrote ${o.out}\n`);
}

main().catch((e) => {
  process.stderr.write(`\ndispatch.js: error: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
