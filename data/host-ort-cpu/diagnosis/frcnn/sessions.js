#!/usr/bin/env node
// Diagnosis (helper frcnn): time a network in S fresh sessions as run.js's network rounds do
// (1 thread, opt level all, one warm-up run then R timed runs; minor page faults per run), optionally with ORT's profiler,
// and write per session the run times and per-node kernel times (median over the timed runs).
//   node sessions.js MODEL.onnx SESSIONS RUNS [--profile] [--seed N] > out.json
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const run = require('../../../../tools/ort/run.js');
const ort = require('../../../../tools/ort/node_modules/onnxruntime-node');

async function main() {
  const [file, S, R] = process.argv.slice(2, 5);
  const profile = process.argv.includes('--profile');
  const si = process.argv.indexOf('--seed');
  const seed = si > 0 ? Number(process.argv[si + 1]) : 1;
  const out = [];
  for (let s = 0; s < Number(S); ++s) {
    const prefix = path.join(os.tmpdir(), `frcnn-sess-${process.pid}-${s}`);
    const extra = profile ? {enableProfiling: true, profileFilePrefix: prefix} : {};
    if (process.argv.includes('--no-mem-pattern')) extra.enableMemPattern = false;
    if (process.argv.includes('--no-arena')) extra.enableCpuMemArena = false;
    const session = await ort.InferenceSession.create(file, run.sessionOptions({threads: 1, optLevel: 'all'}, extra));
    const feeds = run.makeFeeds(session, file, seed);
    const times = [], faults = [], sys = [], user = [];
    for (let r = 0; r <= Number(R); ++r) {  // r = 0: the warm-up run
      const u0 = process.resourceUsage();
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const u1 = process.resourceUsage();
      faults.push(u1.minorPageFault - u0.minorPageFault);
      sys.push((u1.systemCPUTime - u0.systemCPUTime) / 1e3);  // ms of kernel CPU
      user.push((u1.userCPUTime - u0.userCPUTime) / 1e3);
    }
    const rec = {session: s, warmup_ms: times.shift(), warmup_faults: faults.shift(), warmup_sys_ms: sys.shift(),
                 warmup_user_ms: user.shift(), times, faults, sys_ms: sys, user_ms: user};
    if (profile) {
      session.endProfiling();
      const dir = os.tmpdir();
      const made = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix) + '_'));
      const events = JSON.parse(fs.readFileSync(path.join(dir, made[0]), 'utf8'));
      fs.unlinkSync(path.join(dir, made[0]));
      // model_run events in order; node events belong to the run whose interval holds them
      const runs = events.filter((e) => e.name === 'model_run').sort((a, b) => a.ts - b.ts);
      const nodes = {};
      for (const e of events) {
        if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
        const k = runs.findIndex((m) => e.ts >= m.ts && e.ts <= m.ts + m.dur);
        if (k < 1) continue;  // the warm-up run
        const name = e.name.slice(0, -'_kernel_time'.length);
        if (!nodes[name]) nodes[name] = {op: (e.args && e.args.op_name) || '', ms: []};
        nodes[name].ms.push(e.dur / 1000);
      }
      rec.model_run_ms = runs.slice(1).map((m) => m.dur / 1000);
      rec.nodes = nodes;
    }
    out.push(rec);
    await session.release();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((e) => { process.stderr.write(`sessions.js: ${e.message}\n`); process.exit(1); });
