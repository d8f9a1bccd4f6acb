#!/usr/bin/env node
// Kept against fresh ONNX Runtime sessions for the measure step's rounds (issue 12, run 28's check of
// run.js --keep-network-sessions-above-mb): each network is timed as a round times it since run 28 (2 warm-up
// runs, then >= 1 run and 20 ms, session.run whole, unprofiled), once with a new session and once with the
// session kept from its first round, in alternating order, ROUNDS times; prints, per network and mode,
// the round medians and their median, and the ratio kept / fresh. A diagnosis tool: nothing reads its
// output. Run it on a quiet machine (the lead holds the timing lock).
//
//   node tools/ort/kept_sessions_ab.js ROUNDS MODEL.onnx...
'use strict';
const path = require('node:path');
const run = require('./run.js');

async function main() {
  const rounds = Number(process.argv[2]);
  const nets = process.argv.slice(3);
  if (!(rounds >= 1) || !nets.length) {
    process.stderr.write('usage: node tools/ort/kept_sessions_ab.js ROUNDS MODEL.onnx...\n');
    process.exit(2);
  }
  const o = {threads: 1, optLevel: 'all', tries: 1, maxWait: 0, waited: 0, ref: null, seed: 1, feeds: '', maxOthers: 2};
  const sessions = new Map();
  const res = new Map();
  for (let r = 0; r < rounds; ++r) {
    for (const n of nets) {
      for (const mode of r % 2 ? ['kept', 'fresh'] : ['fresh', 'kept']) {
        const a = await run.timeModel(n, o, {seed: 1, warmup: 2, repeats: 1, minTime: 20, maxRepeats: 200, flushMb: 0,
                                             profile: false, sessions: mode === 'kept' ? sessions : null});
        const k = `${path.basename(n)},${mode}`;
        res.set(k, [...(res.get(k) || []), run.stats(a.times).median]);
      }
    }
  }
  for (const s of sessions.values()) await s.release();
  console.log('network,mode,round_medians_ms,median_ms,kept_over_fresh');
  for (const n of nets) {
    const b = path.basename(n);
    const f = run.stats(res.get(`${b},fresh`)).median, k = run.stats(res.get(`${b},kept`)).median;
    for (const [mode, m] of [['fresh', f], ['kept', k]]) {
      console.log([b, mode, res.get(`${b},${mode}`).map((x) => x.toFixed(3)).join(' '), m.toFixed(3),
                   mode === 'kept' ? (k / f).toFixed(4) : ''].join(','));
    }
  }
}
main().catch((e) => { process.stderr.write(`kept_sessions_ab.js: error: ${e.message}\n`); process.exit(1); });
