#!/usr/bin/env node
// Large-weight convolutions: in a chain and alone, with 64 or 256 MiB written before every run
// (issue 12, helper convflush; docs/host-platform.md "Large-weight convolutions").
//
//   node tools/ort/conv_flush.js DIR [--rounds R] [--runs N] [--threads T] [--seed S] [--out CSV]
//
// DIR: the output of tools/ort/conv_flush_chains.py (plan.csv, models/). Each round times, in an
// order shuffled per round: every chain with 64 MiB written before each run of the chain (the
// layers of a chain see the chain's other layers and 64 MiB between two of their runs), and every
// layer alone with 64 and with 256 MiB written before each run (tools/ort/run.js's --flush-mb and
// --flush-large-mb: the same Float64Array fill). Each timing: a new session (1 intra-op thread by
// default, sequential, all optimizations, ORT profiling), 2 warm-up runs and N timed runs, each
// after its flush; per layer the median, 10th and 90th percentile over the N runs of its kernel
// time (the k-th kernel of a run, NCHWc reorders left out: the chain's Conv+Relu pairs are fused).
// Column others: cores' worth of CPU that other processes used meanwhile (/proc/stat), as run.js.
// Appends to CSV (header if new) [stdout].
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const ort = require('onnxruntime-node');

function usage(msg) {
  process.stderr.write(`conv_flush.js: ${msg}\nusage: node conv_flush.js DIR [--rounds R] [--runs N] [--threads T] [--seed S] [--out CSV]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {dir: null, rounds: 3, runs: 10, threads: 1, seed: 1, out: null};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const int = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) usage(`${name} wants a positive integer`);
      return v;
    };
    if (a === '--rounds') o.rounds = int(a);
    else if (a === '--runs') o.runs = int(a);
    else if (a === '--threads') o.threads = int(a);
    else if (a === '--seed') o.seed = int(a);
    else if (a === '--out') { if (i + 1 >= argv.length) usage('--out wants a file'); o.out = argv[++i]; }
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (o.dir === null) o.dir = a;
    else usage(`one DIR only (${a})`);
  }
  if (o.dir === null) usage('DIR missing');
  return o;
}

function readPlan(dir) {
  const file = path.join(dir, 'plan.csv');
  if (!fs.existsSync(file)) usage(`${file}: no plan (run conv_flush_chains.py DIR first)`);
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const keys = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [keys[j], v])));
}

let scratch = null;
function flush(mb, k) {
  const n = (mb * 1024 * 1024) / 8;
  if (!scratch || scratch.length < n) scratch = new Float64Array(n);
  scratch.fill(k, 0, n);
}

function machineCpu() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return {busy, total: busy + idle + (iowait || 0)};
}

// Kernel times (ms) per run from an ORT profile: runs[r][k] = the k-th kernel of run r.
function kernelTimes(file) {
  const events = JSON.parse(fs.readFileSync(file, 'utf8'));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args &&
                                     e.args.op_name !== 'ReorderInput' && e.args.op_name !== 'ReorderOutput')
    .sort((a, b) => a.ts - b.ts);
  const out = runs.map(() => []);
  let r = 0;
  for (const e of nodes) {
    while (r < runs.length && e.ts > runs[r].ts + runs[r].dur) ++r;
    if (r === runs.length) break;
    if (e.ts >= runs[r].ts) out[r].push(e.dur / 1000);
  }
  return out;
}

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const p = (s.length - 1) * q;
  const lo = Math.floor(p);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (p - lo);
}

let profiles = 0;
async function timeTask(o, task, tmp) {
  const opts = {executionProviders: ['cpu'], intraOpNumThreads: o.threads, interOpNumThreads: 1,
                executionMode: 'sequential', graphOptimizationLevel: 'all', enableProfiling: true,
                profileFilePrefix: path.join(tmp, `p${++profiles}`)};
  const session = await ort.InferenceSession.create(path.join(o.dir, task.model), opts);
  const dims = [1, Number(task.in_c), Number(task.hw), Number(task.hw)];
  const n = dims.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; ++i) x[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const feeds = {x: new ort.Tensor('float32', x, dims)};
  const warmup = 2;
  for (let i = 0; i < warmup; ++i) { flush(task.flushMb, i); await session.run(feeds); }
  const cpu0 = process.cpuUsage();
  const m0 = machineCpu();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < o.runs; ++i) { flush(task.flushMb, i); await session.run(feeds); }
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineCpu();
  const others = Math.max(0, ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * os.cpus().length -
                               (cpu.user + cpu.system) / 1e6 / wallS);
  session.endProfiling();
  await session.release();
  const made = fs.readdirSync(tmp).filter((f) => f.startsWith(`p${profiles}_`) && f.endsWith('.json'));
  if (made.length !== 1) throw new Error(`${task.model}: expected one profile in ${tmp}`);
  const prof = path.join(tmp, made[0]);
  const runs = kernelTimes(prof).slice(warmup);
  fs.unlinkSync(prof);
  return {runs, others};
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const plan = readPlan(o.dir);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conv_flush-'));
  const header = 'utc,round,chain,layer,condition,flush_mb,weights_mb,gflop,median_ms,p10_ms,p90_ms,runs,others\n';
  if (o.out && !fs.existsSync(o.out)) fs.writeFileSync(o.out, header);
  else if (!o.out) process.stdout.write(header);
  const emit = (line) => (o.out ? fs.appendFileSync(o.out, line) : process.stdout.write(line));
  let seed = o.seed;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const byChain = {};
  for (const r of plan) (byChain[r.chain] = byChain[r.chain] || []).push(r);
  for (let round = 0; round < o.rounds; ++round) {
    const tasks = [];
    for (const r of plan) {
      if (r.layer === '-1') tasks.push({...r, condition: 'chain', flushMb: 64});
      else for (const mb of [64, 256]) tasks.push({...r, condition: 'lone', flushMb: mb});
    }
    for (let i = tasks.length - 1; i > 0; --i) {
      const j = Math.floor(rand() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j], tasks[i]];
    }
    for (const task of tasks) {
      const {runs, others} = await timeTask(o, task, tmp);
      const layers = task.condition === 'chain' ? byChain[task.chain].filter((r) => r.layer !== '-1') : [task];
      for (const run of runs) {
        if (run.length !== layers.length) throw new Error(`${task.model}: ${run.length} kernels in a run, expected ${layers.length}`);
      }
      const utc = new Date().toISOString();
      layers.forEach((l, k) => {
        const xs = runs.map((run) => run[k]);
        emit([utc, round, task.chain, l.layer, task.condition, task.flushMb, l.weights_mb, l.gflop,
              quantile(xs, 0.5).toFixed(4), quantile(xs, 0.1).toFixed(4), quantile(xs, 0.9).toFixed(4), xs.length,
              others.toFixed(2)].join(',') + '\n');
      });
    }
  }
  fs.rmSync(tmp, {recursive: true, force: true});
}

main().catch((e) => { process.stderr.write(`conv_flush.js: ${e.message}\n`); process.exit(1); });
