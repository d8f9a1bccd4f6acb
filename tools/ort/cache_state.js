#!/usr/bin/env node
// Warm against cold whole-model timings (issue 12, cache state): each model is timed in
// steady state with warm caches (back-to-back session.run calls, as the validation suite
// is timed) and cold (FLUSH MiB of scratch memory written before every run, as the
// Conv/DepthwiseConv/Gemm sweep rows are timed: run.js --flush-mb), interleaved in every
// pass, passes in shuffled orders.
//
//   node tools/ort/cache_state.js --out FILE.csv [--passes 3] [--flush-mb 64] [--threads 1]
//        [--seed 1] [--warmup 5] [--repeats 30] [--min-ms 100] [--tries 1] [--max-wait 0]
//        [--max-others C] [--reference F [--ref-baseline-ms B] [--ref-tolerance T] [--max-median-ratio R]]
//        MODEL.onnx...
//
// Output: model, warm_ms, warm_p10_ms, warm_p90_ms, cold_ms, cold_p10_ms, cold_p90_ms,
// cold_over_warm (medians over all passes' runs; >= REPEATS runs and >= MIN-MS ms per model,
// mode and pass, after WARMUP warm-up runs). No reference model, and no retries unless --tries: run it on a
// quiet machine (the lead pauses other jobs; the one command, step 2c, runs it between its
// other steps) and read the p10/p90. With --tries N (> 1) a timing during which other processes
// used more than C cores (default: as run.js, 0.5 on 2 vCPUs) is taken again after 2 s, up to N
// attempts and --max-wait seconds of waiting in all, keeping the least disturbed (run.js's rule,
// without a reference model). The one command uses --passes 2 --warmup 3 --repeats 10 --min-ms 30
// --tries 3 --max-wait 30 to stay within its time budget (tools/ort/calibrate.sh).
//
// --reference F (since run 28): run.js's noise floor. Model F gets a session of its own, run 5 times
// before and after every timing; a timing whose reference median (the slower of the two) exceeds the
// baseline by more than --ref-tolerance [0.15] counts as disturbed and is taken again as above (so
// --tries matters). The baseline is --ref-baseline-ms (the one command passes the measure step's,
// sweeps.machine.json noise_floor.baseline_ms, so that a slow state lasting the whole step is seen),
// else run.js's rule (20th percentile of this invocation's checks, once there are 10). The header line
// states the median reference ratio of the timings kept and how many stayed disturbed; with
// --max-median-ratio R the output is still written, but the exit status is 3 when that median exceeds R
// (calibrate.sh then times the step once more: run 27's cache step ran 1.2-2.3x slow throughout, unseen
// by the other-processes rule, and cost 6 points of MAPE; in its measure step a third of the reference
// checks were above 1.15, but their median ratio was 1.08).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const run = require('./run.js');

function usage(message) {
  process.stderr.write(`cache_state.js: error: ${message}\n` +
                       'usage: node tools/ort/cache_state.js --out FILE.csv [--passes P] [--flush-mb M] ' +
                       '[--threads N] [--seed S] [--warmup W] [--repeats R] [--min-ms T] [--tries N] [--max-wait S] ' +
                       '[--max-others C] [--reference F] [--ref-baseline-ms B] [--ref-tolerance T] ' +
                       '[--max-median-ratio R] MODEL.onnx...\n');
  process.exit(2);
}

async function main() {
  const o = {threads: 1, optLevel: 'all', tries: 1, maxWait: 0, waited: 0, ref: null, out: '', passes: 3,
             flushMb: 64, seed: 1, feeds: '', warmup: 5, repeats: 30, minMs: 100, reference: '', refRuns: 5,
             refTolerance: 0.15, refBaselineMs: null, maxMedianRatio: null};
  const models = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    const num = (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 ? Number(v) : usage(`${a}: '${v}'`));
    if (a === '--out') o.out = val();
    else if (a === '--passes') o.passes = num(val());
    else if (a === '--flush-mb') o.flushMb = num(val());
    else if (a === '--threads') o.threads = num(val());
    else if (a === '--seed') o.seed = num(val());
    else if (a === '--warmup') o.warmup = num(val());
    else if (a === '--repeats') o.repeats = Math.max(1, num(val()));
    else if (a === '--min-ms') o.minMs = num(val());
    else if (a === '--tries') o.tries = Math.max(1, Math.floor(num(val())));
    else if (a === '--max-wait') o.maxWait = num(val());
    else if (a === '--max-others') o.maxOthers = num(val());
    else if (a === '--reference') o.reference = val();
    else if (a === '--ref-baseline-ms') o.refBaselineMs = num(val()) || usage(`${a} must be positive`);
    else if (a === '--ref-tolerance') o.refTolerance = num(val());
    else if (a === '--max-median-ratio') o.maxMedianRatio = num(val());
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else models.push(a);
  }
  if (!o.out) usage('--out is required');
  if (o.maxOthers === undefined) o.maxOthers = Math.max(0.25, require('node:os').cpus().length - o.threads - 0.5);
  if (!models.length) usage('no models');
  for (const m of models) if (!fs.existsSync(m)) usage(`${m}: no such file`);
  if (o.reference && !fs.existsSync(o.reference)) usage(`--reference ${o.reference}: no such file`);
  if (!o.reference && (o.refBaselineMs !== null || o.maxMedianRatio !== null)) {
    usage('--ref-baseline-ms and --max-median-ratio need --reference');
  }
  if (o.reference) {
    o.ref = new run.Reference(o.reference, o);
    await o.ref.open();
  }
  const ratios = [];  // the reference ratio of every timing kept (null before a baseline)
  const times = new Map();
  const modes = [0, o.flushMb];
  for (let pass = 0; pass < o.passes; ++pass) {
    const order = run.permutation(models.length, o.seed + pass);
    for (const k of order) {
      for (const mb of pass % 2 ? [...modes].reverse() : modes) {
        const r = await run.timeModel(models[k], o, {seed: o.seed, warmup: o.warmup, repeats: o.repeats, minTime: o.minMs,
                                                     maxRepeats: 1000, flushMb: mb, profile: false});
        const key = `${k} ${mb}`;
        times.set(key, [...(times.get(key) || []), ...r.times]);
        ratios.push(r.refRatio);
      }
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const ms = (x) => x.toFixed(4);
  const lines = ['model,warm_ms,warm_p10_ms,warm_p90_ms,cold_ms,cold_p10_ms,cold_p90_ms,cold_over_warm'];
  models.forEach((m, k) => {
    const w = run.stats(times.get(`${k} 0`)), c = run.stats(times.get(`${k} ${o.flushMb}`));
    lines.push([path.basename(m), ms(w.median), ms(w.p10), ms(w.p90), ms(c.median), ms(c.p10), ms(c.p90),
                (c.median / w.median).toFixed(3)].join(','));
  });
  const guard = o.ref ? referenceSummary(o, ratios) : null;
  if (o.ref) await o.ref.close();
  const tmp = `${o.out}.tmp${process.pid}`;
  fs.writeFileSync(tmp, `# onnxruntime-node, ${o.threads} thread(s), level all, ${o.passes} passes, cold = ${o.flushMb} MiB ` +
                   `written before every run; >= ${o.repeats} runs and ${o.minMs} ms per model, mode and pass after ${o.warmup} ` +
                   `warm-up runs; ${new Date().toISOString()}${guard ? `; ${guard.text}` : ''}\n` + lines.join('\n') + '\n');
  fs.renameSync(tmp, o.out);
  process.stderr.write(`cache_state.js: wrote ${o.out}${guard ? ` (${guard.text})` : ''}\n`);
  if (guard && o.maxMedianRatio !== null && guard.median !== null && guard.median > o.maxMedianRatio) {
    process.stderr.write(`cache_state.js: the reference ran ${guard.median.toFixed(3)}x its baseline in the median ` +
                         `timing (above --max-median-ratio ${o.maxMedianRatio}): time them again on a quieter machine\n`);
    process.exitCode = 3;
  }
}

// The reference's verdict on the timings kept: their median ratio to the baseline and the share of
// them above 1 + --ref-tolerance (a timing before the baseline exists counts as neither).
function referenceSummary(o, ratios) {
  const known = ratios.filter((r) => r !== null && r !== undefined);
  const disturbed = known.filter((r) => r > 1 + o.refTolerance).length;
  const disturbedPct = known.length ? (100 * disturbed) / known.length : 0;
  const median = known.length ? run.stats(known).median : null;
  const base = o.refBaselineMs !== null ? `baseline ${o.refBaselineMs} ms (given)` : 'baseline of its own checks';
  return {median, text: `reference ${path.basename(o.reference)}, ${base}: median ratio ` +
          `${median === null ? 'n/a' : median.toFixed(3)}, ${disturbed} of ${known.length} timings above ` +
          `${(1 + o.refTolerance).toFixed(2)} (${disturbedPct.toFixed(1)}%)`};
}
main().catch((e) => { process.stderr.write(`cache_state.js: error: ${e.message}\n`); process.exit(1); });
