#!/usr/bin/env node
// Time ONNX models with ONNX Runtime on the CPU, for odonata (issue 4).
//
//   node tools/ort/run.js --sweep DIR... --out FILE.csv      sweep models -> measurement CSV
//   node tools/ort/run.js --network M.onnx... --out FILE.csv  whole networks -> network CSV
//   node tools/ort/run.js --sweep DIR... --out FILE.csv --network M.onnx... --network-out NET.csv
//                                                            both, networks timed in rounds
//                                                            between the sweep models
//
// Options (defaults in brackets):
//   --threads N         intraOpNumThreads [1]; interOpNumThreads is always 1, execution sequential
//   --opt-level L       graphOptimizationLevel: disabled|basic|extended|layout|all [all, ORT's default]
//   --warmup W          untimed runs before each timing [5 sweep, 2 network]
//   --repeats R         timed runs per pass, at least [20 sweep, 10 network]
//   --min-time MS       ... and keep timing until MS ms have passed [100 sweep, 0 network]
//   --max-repeats N     ... but never more than N runs per pass [1000]
//   --max-time MS       sweeps: the per-row budget: ... and stop a pass's timing of a row once MS ms
//                       have passed, even short of --repeats, with at least 3 runs (a slow row gets
//                       MS ms, not --repeats runs; must not be below --min-time) [off]
//   --extra-pass-spread S  sweeps: after the --passes, time once more (one extra pass, shuffled) every
//                       row whose pass spread (slowest / fastest pass median) is at least S, and pool
//                       its runs: a row whose passes disagree gets a third opinion instead of the
//                       mean of two states of the machine (S >= 1; 1: every row) [off]
//   --passes P          time every model P times, one pass over all models after the other,
//                       and pool the runs [2]: the speed of this shared machine changes over
//                       seconds to minutes, so spreading a model's runs in time gives a fairer median
//   --order O           order of the models within a pass: `shuffled` (a permutation drawn from
//                       --seed, a different one per pass, so that a slow minute of the machine
//                       does not fall on one sweep dimension) or `sequential` (file order) [shuffled]
//   --reject K          outlier rule: of a model's pooled runs, those farther from their median
//                       than max(K x 1.4826 x MAD, 5% of the median, 2 us) are dropped before
//                       the median, p10, p90 and MAD are taken (0: keep every run) [3]
//   --reference F       noise floor: model F (e.g. a mid-size Conv) gets a session of its own,
//                       open all along, and --ref-runs runs [5] before and after every timing;
//                       the dispersion of all its runs is the invocation's noise floor (machine
//                       description `noise_floor`). A timing whose reference median (before or
//                       after) exceeds the baseline (20th percentile of the reference medians
//                       so far, once there are 10) by more than --ref-tolerance [0.15] counts as
//                       disturbed, like contention below (the host's slow state), and is retried
//   --rounds K          with --sweep and --network: K network rounds per pass, evenly between
//                       the sweep models [5]; each round times every network --network-repeats
//                       times [2] after --network-warmup runs [1], so that sweeps and networks
//                       see the same machine states
//   --keep-network-sessions  with --sweep and --network: open each network's session once, in its
//                       first round, and keep it for the other rounds (a session of VGG16 took 10 s
//                       to create on a busy guest); the machine description counts sessions_created
//                       [off: a new session per network and round]
//   --keep-network-sessions-above-mb M  the same, only for the networks whose model file exceeds M MiB
//                       (since run 28: VGG16, VGG11-BN, ViT-B, Wide ResNet-50, AlexNet, whose sessions
//                       took 238 s of run 27's 440 s of rounds to create; their weights, 230-550 MB, are
//                       read from memory on every run whether or not the session is new)
//   --quiet-passes      sweeps with --reference: a row's statistics pool only its passes whose
//                       reference ratio is within --ref-tolerance, when at least one is (else all
//                       of them); the machine description counts the rows that dropped a pass
//                       (rows_passes_dropped) [off: every pass pooled]
//   --network-min-time MS  ... and, per round, keeps timing a network until MS ms have passed
//                       (at most 200 runs) [0]: a 0.05 ms model gets more than 2 runs, whose
//                       first after another network is often a cold one
//   --latency node|run  sweeps: what latency_ms is [node]: `node` is the per-run sum of ORT's
//                       kernel times (profiling) of the model's nodes except the NCHWc
//                       ReorderInput/ReorderOutput that only a single-layer model needs (and,
//                       for ResizeNchwc, the NCHWc Upsample kernel alone: kTimedKernels), i.e.
//                       what the layer costs inside a network; `run` is the session.run time.
//                       The session.run median is always written as the extra column run_ms
//                       (with `node`, of the profiled runs: profiling adds 9-13 us per node
//                       to session.run and 3-5 us to each kernel time; data/host-ort-cpu/dispatch)
//   --node-bias US      sweeps with `node` and --overhead-model: subtract the profiler's own
//                       cost from each row, i.e. the 1-element Relu's profiled kernel time
//                       minus US microseconds, the per-node cost measured without the profiler
//                       (0.26 us for Relu chains here, data/host-ort-cpu/dispatch): the profiler
//                       reports 2.8-5 us for kernels whose whole cost is 0.3 us [off]
//   --flush-mb M        write M MiB of scratch memory before every run of the ops given by
//   --flush-op OP       (repeatable; default every op), so that weights come from DRAM as in a
//                       network larger than the last-level cache [0]
//   --flush-large-mb L  sweeps with --flush-mb: write L MiB instead of M before every run of the
//   --flush-large-above-mb W  flushed rows whose weights (the model file) exceed W MiB: a layer
//                       that large sits in a network whose other layers stream 100s of MB between
//                       two of its runs, and M MiB written leave part of its weights in the caches
//                       (tools/ort/README.md "Large weights"); column flush_mb: the MiB written
//                       before each run of the row (0: not flushed) [off: no column]
//   --warm-max-mb M     sweeps with --flush-mb: also time the flushed rows whose footprint (the model
//                       file, i.e. its weights, + input + output bytes) is at most M MiB warm, i.e.
//                       without the flush, back to back, as a network's layers run when the network
//                       stays in the caches between runs: in the same session and attempt, right after
//                       the cold runs (--warmup unflushed runs, then >= --repeats runs and >= 10 ms,
//                       at most 200); column warm_ms (the same statistic as latency_ms: node time
//                       less the profiler's bias), empty for rows not timed warm [off: no column]
//   --min-ms T          sweeps: rows whose latency_ms median is below T ms are written as
//                       '#' comment lines (odonata skips them): below the profiler's 1 us
//                       resolution they are mostly rounding [0.01 with node, 0]
//   --overhead-model F  sweeps: time model F (a 1-element Relu) before each pass; its
//                       session.run median minus its node time is the per-inference overhead,
//                       recorded in the machine description (a network pays it once)
//   --max-others C      other processes may use up to C cores while a model is timed
//                       [max(0.25, cores - threads - 0.5)]; beyond, wait 2 s and time it again,
//   --tries K           at most K times in all [4], keeping the quietest attempt,
//   --max-wait S        and wait at most S seconds in all [600]
//   --profile DIR       networks alone: also write one ORT per-node profile per network to
//                       DIR/<stem>.json (a separate session after timing, --profile-runs runs [10]);
//                       with --reference, the reference's median (ms) before and after each profile,
//                       the slower, is the machine description's profile_reference_ms
//   --machine FILE      machine description JSON [FILE.csv with .machine.json]
//   --seed S            seed of the random inputs [1]
//   --feeds FILE        input shapes and values of the networks that need them, one line per
//                       model stem (tools/ort/feeds.js; e.g. a recurrent model's sequence length
//                       and state tensors); other inputs: symbolic dims 1, random floats
//
// Sweep DIRs are `odonata sweep ... --models` outputs: DIR/plan.csv with a `model`
// column naming DIR/models/*.onnx. The output is odonata's measurement CSV (docs/measurement-csv.md):
// the plan's columns (model becomes DIRNAME/models/NNNNN.onnx), then
// latency_ms (median), latency_ms_p10, latency_ms_p90 and repeats (pooled over the passes,
// after the outlier rule), run_ms, then the spread: mad_ms (MAD of the runs kept), rejected
// (runs dropped), pass_spread (slowest / fastest pass median), ref_ratio (median ratio of the
// reference around the timings to its baseline; empty without --reference), the optional columns
// (warm_ms, out_rows, reorders, flush_mb), and last pass_medians_ms and pass_ref_ratios (each
// pass's median as timed and its reference ratio, ';'-separated; since run 24).
// Several DIRs are concatenated; their headers must match.
// Network output: model, threads, median_ms, p10_ms, p90_ms, repeats, and the same spread columns,
// then the per-timing statistic: rounds (timings: rounds, or passes without --sweep; each a new
// session unless --keep-network-sessions), round_mean_ms (mean of the timings' medians),
// round_p10_ms and round_p90_ms (their p10 and p90: the spread between sessions), round_median_ms
// (the median of the timings' medians, since run 22); the timings' medians themselves are the
// machine description's timeline and round_medians_ms.
// Machine description (FILE.machine.json): `identity` (CPU vendor, family, model, stepping, name,
// kernel-selecting flags, caches, cores, threads, ONNX Runtime, OS; schema
// odonata-host-identity/1), `noise_floor` (--reference), settings, contention, timeline.
// run_ms and network times are process.hrtime.bigint() around `await session.run(feeds)`:
// what a caller of ONNX Runtime waits for. Progress goes to stderr: [123/766] conv 0.520 ms.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ort = require('onnxruntime-node');
const {parseCsv, csvField} = require('./csv.js');
const {readFeeds} = require('./feeds.js');

function usage(message) {
  process.stderr.write(`run.js: error: ${message}\n` +
      'usage: node tools/ort/run.js [--sweep DIR...] [--network MODEL.onnx...] --out FILE.csv [options] (--help)\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {sweeps: [], networks: [], threads: 1, optLevel: 'all', warmup: null, repeats: null, minTime: null,
             maxRepeats: 1000, passes: 2, overheadModel: '', latency: null, flushMb: 0, flushOps: [], minMs: null,
             rounds: 5, networkRepeats: 2, networkWarmup: 1, networkMinTime: 0, networkOut: '', maxOthers: null, tries: 4, maxWait: 600,
             waited: 0, profile: '', profileRuns: 10, out: '', machine: '', seed: 1, order: 'shuffled', reject: 3,
             reference: '', refRuns: 5, refTolerance: 0.15, nodeBias: null, feeds: '', warmMaxMb: null,
             flushLargeMb: null, flushLargeAboveMb: null, maxTime: null, extraPassSpread: null,
             keepNetworkSessions: false, keepSessionsAboveMb: null, networkSessions: new Map(), quietPasses: false};
  const reals = ['--keep-network-sessions-above-mb', '--max-time', '--extra-pass-spread', '--warm-max-mb', '--flush-large-above-mb', '--min-time', '--network-min-time', '--max-others', '--min-ms', '--reject', '--ref-tolerance', '--node-bias'];
  let list = null;
  const num = (name, v, min) => {
    const n = Number(v);
    const real = reals.includes(name);
    if (v === '' || !Number.isFinite(n) || n < min || (!real && !Number.isInteger(n))) {
      usage(`${name}: '${v}' is not ${real ? 'a number' : 'an integer'} >= ${min}`);
    }
    return n;
  };
  const options = {
    '--threads': (v) => { o.threads = num('--threads', v, 1); },
    '--opt-level': (v) => { o.optLevel = v; },
    '--warmup': (v) => { o.warmup = num('--warmup', v, 0); },
    '--repeats': (v) => { o.repeats = num('--repeats', v, 1); },
    '--min-time': (v) => { o.minTime = num('--min-time', v, 0); },
    '--max-repeats': (v) => { o.maxRepeats = num('--max-repeats', v, 1); },
    '--max-time': (v) => { o.maxTime = num('--max-time', v, 0); },
    '--extra-pass-spread': (v) => { o.extraPassSpread = num('--extra-pass-spread', v, 1); },
    '--passes': (v) => { o.passes = num('--passes', v, 1); },
    '--overhead-model': (v) => { o.overheadModel = v; },
    '--latency': (v) => { o.latency = v; },
    '--node-bias': (v) => { o.nodeBias = num('--node-bias', v, 0); },
    '--flush-mb': (v) => { o.flushMb = num('--flush-mb', v, 0); },
    '--flush-op': (v) => { o.flushOps.push(v); },
    '--warm-max-mb': (v) => { o.warmMaxMb = num('--warm-max-mb', v, 0); },
    '--flush-large-mb': (v) => { o.flushLargeMb = num('--flush-large-mb', v, 1); },
    '--flush-large-above-mb': (v) => { o.flushLargeAboveMb = num('--flush-large-above-mb', v, 0); },
    '--rounds': (v) => { o.rounds = num('--rounds', v, 1); },
    '--network-repeats': (v) => { o.networkRepeats = num('--network-repeats', v, 1); },
    '--network-min-time': (v) => { o.networkMinTime = num('--network-min-time', v, 0); },
    '--network-warmup': (v) => { o.networkWarmup = num('--network-warmup', v, 0); },
    '--network-out': (v) => { o.networkOut = v; },
    '--min-ms': (v) => { o.minMs = num('--min-ms', v, 0); },
    '--max-others': (v) => { o.maxOthers = num('--max-others', v, 0); },
    '--keep-network-sessions-above-mb': (v) => { o.keepSessionsAboveMb = num('--keep-network-sessions-above-mb', v, 0); },
    '--tries': (v) => { o.tries = num('--tries', v, 1); },
    '--max-wait': (v) => { o.maxWait = num('--max-wait', v, 0); },
    '--profile': (v) => { o.profile = v; },
    '--profile-runs': (v) => { o.profileRuns = num('--profile-runs', v, 1); },
    '--machine': (v) => { o.machine = v; },
    '--seed': (v) => { o.seed = num('--seed', v, 0); },
    '--feeds': (v) => { o.feeds = v; },
    '--out': (v) => { o.out = v; },
    '--order': (v) => { o.order = v; },
    '--reject': (v) => { o.reject = num('--reject', v, 0); },
    '--reference': (v) => { o.reference = v; },
    '--ref-runs': (v) => { o.refRuns = num('--ref-runs', v, 1); },
    '--ref-tolerance': (v) => { o.refTolerance = num('--ref-tolerance', v, 0); },
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);
      const end = lines.findIndex((l) => !l.startsWith('//'));
      process.stdout.write(lines.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    }
    if (a === '--sweep') { list = o.sweeps; continue; }
    if (a === '--keep-network-sessions') { o.keepNetworkSessions = true; list = null; continue; }
    if (a === '--quiet-passes') { o.quietPasses = true; list = null; continue; }
    if (a === '--network') { list = o.networks; continue; }
    if (options[a]) {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      options[a](argv[++i]);
      list = null;
      continue;
    }
    if (a.startsWith('-') || list === null) usage(`unexpected argument '${a}'`);
    list.push(a);
  }
  if (!o.out) usage('--out FILE.csv is required');
  if (!o.sweeps.length && !o.networks.length) usage('give --sweep DIR... and/or --network MODEL...');
  if (o.sweeps.length && o.networks.length && !o.networkOut) usage('--sweep with --network needs --network-out');
  if (o.networkOut && !(o.sweeps.length && o.networks.length)) usage('--network-out is for --sweep with --network');
  if (!['disabled', 'basic', 'extended', 'layout', 'all'].includes(o.optLevel)) {
    usage(`--opt-level: '${o.optLevel}' (disabled, basic, extended, layout, all)`);
  }
  if (!['shuffled', 'sequential'].includes(o.order)) usage(`--order: '${o.order}' (shuffled, sequential)`);
  const sweep = o.sweeps.length > 0;
  if (o.profile && sweep) usage('--profile is for --network alone');
  if (o.overheadModel && !sweep) usage('--overhead-model is for --sweep');
  if (o.latency !== null && !sweep) usage('--latency is for --sweep');
  if (o.latency === null) o.latency = 'node';
  if (!['node', 'run'].includes(o.latency)) usage(`--latency: '${o.latency}' (node, run)`);
  if (o.nodeBias !== null && (o.latency !== 'node' || !o.overheadModel)) {
    usage('--node-bias needs --latency node and --overhead-model');
  }
  if (o.warmMaxMb !== null && (!sweep || !o.flushMb)) usage('--warm-max-mb is for --sweep with --flush-mb');
  if ((o.flushLargeMb === null) !== (o.flushLargeAboveMb === null)) {
    usage('--flush-large-mb and --flush-large-above-mb go together');
  }
  if (o.flushLargeMb !== null && (!sweep || !o.flushMb)) usage('--flush-large-mb is for --sweep with --flush-mb');
  if (o.minMs === null) o.minMs = sweep && o.latency === 'node' ? 0.01 : 0;
  if (o.warmup === null) o.warmup = sweep ? 5 : 2;
  if (o.repeats === null) o.repeats = sweep ? 20 : 10;
  if (o.minTime === null) o.minTime = sweep ? 100 : 0;
  if (o.repeats > o.maxRepeats) usage('--repeats exceeds --max-repeats');
  if (o.maxTime !== null && (!sweep || o.maxTime <= 0)) usage('--max-time is a positive number of ms, for --sweep');
  if (o.maxTime !== null && o.maxTime < o.minTime) usage(`--max-time ${o.maxTime} is below --min-time ${o.minTime}`);
  if (o.extraPassSpread !== null && !sweep) usage('--extra-pass-spread is for --sweep');
  if (o.keepNetworkSessions && !o.networkOut) usage('--keep-network-sessions is for --sweep with --network (rounds)');
  if (o.keepSessionsAboveMb !== null && !o.networkOut) {
    usage('--keep-network-sessions-above-mb is for --sweep with --network (rounds)');
  }
  if (o.keepSessionsAboveMb !== null && o.keepNetworkSessions) {
    usage('--keep-network-sessions keeps every session: drop --keep-network-sessions-above-mb');
  }
  if (o.maxOthers === null) o.maxOthers = Math.max(0.25, os.cpus().length - o.threads - 0.5);
  if (!o.machine) o.machine = o.out.replace(/\.csv$/, '') + '.machine.json';
  return o;
}

function ms(x) {
  const digits = 5 - Math.floor(Math.log10(Math.max(x, 1e-9)));
  return x.toFixed(Math.max(0, Math.min(digits, 9)));
}

// Percentile p in [0, 1] of sorted values, linear interpolation between ranks.
function percentile(sorted, p) {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  return {median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9), repeats: s.length};
}

// Median absolute deviation (unscaled) of values around their median.
function mad(values) {
  const m = percentile([...values].sort((a, b) => a - b), 0.5);
  return percentile(values.map((x) => Math.abs(x - m)).sort((a, b) => a - b), 0.5);
}

// The outlier rule (--reject K): runs farther from the median than
// max(K x 1.4826 x MAD, 5% of the median, 2 us) are dropped (1.4826 x MAD
// estimates the standard deviation of normal noise; the floors keep runs that
// differ by the profiler's 1 us resolution or by a few percent when the MAD
// is 0). Then median, p10, p90 and MAD of the runs kept, and how many went.
function robustStats(times, k) {
  const all = stats(times);
  let kept = times;
  if (k > 0 && times.length >= 5) {
    const limit = Math.max(k * 1.4826 * mad(times), 0.05 * all.median, 0.002);
    kept = times.filter((x) => Math.abs(x - all.median) <= limit);
  }
  return {...stats(kept), mad: mad(kept), rejected: times.length - kept.length};
}

// A permutation of 0..n-1 drawn from seed (Fisher-Yates on rng below).
function permutation(n, seed) {
  const next = rng(seed);
  const p = Array.from({length: n}, (_, i) => i);
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

// --- inputs ---------------------------------------------------------------------

// Deterministic uniform [0, 1) numbers (mulberry32), so that runs are repeatable.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kArrays = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array,
  int8: Int8Array, bool: Uint8Array,
};

// The IoU comparisons ONNX Runtime's NonMaxSuppression makes (issue 12, helper nmsdist,
// 2026-12-07): per batch and class its greedy loop takes the candidates by score (descending, lower
// index first on a tie) and compares each with the boxes of its class selected before it, in
// selection order, until one overlaps it by IoU > threshold (suppressed) or none does (selected);
// the work is that count, which kept^2 misses when suppressed candidates meet their suppressor late
// (SSDlite's anchors: 88 M of its 153 M comparisons, data/host-ort-cpu/diagnosis/nmsdist). A replay
// of onnxruntime's SuppressByIOU (center_point_box 0, float32 arithmetic) on boxes [batch, N, 4] and
// scores [batch, C, N]: {kept, comparisons}. `maxOut` (max_output_boxes_per_class; default none)
// ends a class's loop once it has selected that many, `scoreThreshold` (default none) keeps only the
// candidates scoring above it, as ONNX Runtime does (value_sizes.js nmsCompares, helper nmsfit).
function nmsComparisons(boxes, scores, batch, classes, n, iou, maxOut = Infinity, scoreThreshold = null) {
  const f = Math.fround, thr = f(iou);
  let kept = 0, comparisons = 0;
  const order = new Int32Array(n);
  const lo0 = new Float32Array(n), hi0 = new Float32Array(n), lo1 = new Float32Array(n), hi1 = new Float32Array(n);
  const area = new Float32Array(n);
  // The selected boxes' coordinates in selection order (read in sequence).
  const s0 = new Float32Array(n), t0 = new Float32Array(n), s1 = new Float32Array(n), t1 = new Float32Array(n);
  const sa = new Float32Array(n);
  for (let b = 0; b < batch; ++b) {
    for (let i = 0; i < n; ++i) {
      const o = 4 * (b * n + i);
      lo0[i] = Math.min(boxes[o], boxes[o + 2]); hi0[i] = Math.max(boxes[o], boxes[o + 2]);
      lo1[i] = Math.min(boxes[o + 1], boxes[o + 3]); hi1[i] = Math.max(boxes[o + 1], boxes[o + 3]);
      area[i] = f(f(hi0[i] - lo0[i]) * f(hi1[i] - lo1[i]));
    }
    for (let c = 0; c < classes; ++c) {
      const s = (b * classes + c) * n;
      let m = 0;
      for (let i = 0; i < n; ++i) if (scoreThreshold === null || scores[s + i] > scoreThreshold) order[m++] = i;
      const candidates = order.subarray(0, m);
      candidates.sort((x, y) => scores[s + y] - scores[s + x] || x - y);
      let count = 0;
      for (let k = 0; k < m && count < maxOut; ++k) {
        const i = order[k];
        const l0 = lo0[i], h0 = hi0[i], l1 = lo1[i], h1 = hi1[i], a = area[i];
        let j = 0;
        for (; j < count; ++j) {
          // Most pairs do not overlap (other groups): the first test, exact for float32 values.
          const top0 = h0 < t0[j] ? h0 : t0[j], bottom0 = l0 > s0[j] ? l0 : s0[j];
          if (!(top0 > bottom0)) continue;
          const top1 = h1 < t1[j] ? h1 : t1[j], bottom1 = l1 > s1[j] ? l1 : s1[j];
          if (!(top1 > bottom1)) continue;
          const inter = f(f(top0 - bottom0) * f(top1 - bottom1)), union = f(f(a + sa[j]) - inter);
          if (inter > 0 && a > 0 && sa[j] > 0 && union > 0 && f(inter / union) > thr) break;
        }
        // Suppressed at j: j + 1 comparisons; selected: compared with all `count`.
        comparisons += j < count ? j + 1 : count;
        if (j === count) {
          s0[count] = l0; t0[count] = h0; s1[count] = l1; t1[count] = h1; sa[count] = a;
          ++count;
        }
      }
      kept += count;
    }
  }
  return {kept, comparisons};
}

// SSD anchor grids (NonMaxSuppressionAnchors rows, helper detnms), keyed by their anchor count (the
// row's in_w): torchvision's DefaultBoxGenerator as its two SSDs build it (the structure of
// models/ssdlite320_mobilenet_v3_large.onnx and models/ssd300_vgg16.onnx: 90 classes, TopK of 300 and 400
// candidates per class, IoU 0.55 and 0.45 in the graphs' NonMaxSuppression). Per feature map k of size
// f_k: centres ((j + 0.5) / x_k) with x_k = f_k, or image / steps[k] given steps; per centre the boxes
// (s_k, s_k), (s'_k, s'_k) with s'_k = sqrt(s_k s_k+1) and, per aspect ratio r, (s_k sqrt r, s_k / sqrt r)
// and its transpose, w and h clipped to [0, 1]; scales from min_ratio to max_ratio (then 1.0) unless given.
const kAnchorGrids = {
  3234: {image: 320, maps: [20, 10, 5, 3, 2, 1], ratios: [[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3]],
         minRatio: 0.2, maxRatio: 0.95},  // ssdlite320_mobilenet_v3_large
  8732: {image: 300, maps: [38, 19, 10, 5, 3, 1], ratios: [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
         scales: [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05], steps: [8, 16, 32, 64, 100, 300]},  // ssd300_vgg16
};
// The anchors of `grid` ({image, maps, ratios, minRatio, maxRatio} or {..., scales, steps}), in
// torchvision's order (feature map, row, column, box): Float64Array of [cx, cy, w, h] relative to the image.
function ssdAnchors(grid) {
  const n = grid.maps.length;
  const scales = grid.scales ||
    [...Array.from({length: n}, (_, k) => grid.minRatio + ((grid.maxRatio - grid.minRatio) * k) / (n - 1)), 1.0];
  const out = [];
  grid.maps.forEach((f, k) => {
    const sk = scales[k], sp = Math.sqrt(scales[k] * scales[k + 1]);
    const wh = [[sk, sk], [sp, sp]];
    for (const r of grid.ratios[k]) wh.push([sk * Math.sqrt(r), sk / Math.sqrt(r)], [sk / Math.sqrt(r), sk * Math.sqrt(r)]);
    const xk = grid.steps ? grid.image / grid.steps[k] : f;
    for (let y = 0; y < f; ++y) {
      for (let x = 0; x < f; ++x) {
        for (const [w, h] of wh) out.push((x + 0.5) / xk, (y + 0.5) / xk, Math.min(1, Math.max(0, w)), Math.min(1, Math.max(0, h)));
      }
    }
  });
  return Float64Array.from(out);
}
// A detector's NonMaxSuppression input as torchvision's SSD postprocess makes it (helper detnms), from
// `next` (uniform [0, 1)): each anchor of `grid` decoded once (box regression is class-agnostic) with
// regression outputs of unit spread, which the BoxCoder weights (10, 10, 5, 5) make centre shifts of 0.1 of
// the anchor's size and log-size changes of 0.2, clipped to the image (pixels); then per class (labels
// 1..classes) a score per anchor, uniform, and its `perClass` best anchors in descending score (a TopK,
// sorted, lower index first on a tie), all classes concatenated; and the classes merged as batched_nms
// does: every box of label l shifted by l x (largest coordinate + 1) in all four coordinates.
// {boxes: Float32Array [N, 4] (x1, y1, x2, y2), scores: Float32Array [N], N = classes x perClass;
// decoded: Float32Array [anchors, 4], the boxes before the offsets; picked: Int32Array [N], each box's anchor}.
function nmsAnchorFeed(next, grid, classes, perClass) {
  const anchors = ssdAnchors(grid), a = anchors.length / 4;
  if (!(perClass >= 1 && perClass <= a)) throw new Error(`${perClass} candidates per class from ${a} anchors`);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const f = Math.fround, img = grid.image;
  const decoded = new Float32Array(4 * a);
  for (let i = 0; i < a; ++i) {
    const [cx, cy, w, h] = anchors.subarray(4 * i, 4 * i + 4);
    const px = (cx + 0.1 * w * gauss()) * img, py = (cy + 0.1 * h * gauss()) * img;
    const pw = w * Math.exp(0.2 * gauss()) * img, ph = h * Math.exp(0.2 * gauss()) * img;
    const clip = (v) => Math.min(img, Math.max(0, v));
    decoded.set([clip(px - pw / 2), clip(py - ph / 2), clip(px + pw / 2), clip(py + ph / 2)], 4 * i);
  }
  const n = classes * perClass;
  const boxes = new Float32Array(4 * n), scores = new Float32Array(n), picked = new Int32Array(n);
  const classScores = new Float32Array(a), order = new Int32Array(a);
  for (let c = 0; c < classes; ++c) {
    for (let i = 0; i < a; ++i) { classScores[i] = next(); order[i] = i; }
    order.sort((x, y) => classScores[y] - classScores[x] || x - y);
    for (let k = 0; k < perClass; ++k) {
      picked[c * perClass + k] = order[k];
      scores[c * perClass + k] = classScores[order[k]];
    }
  }
  let largest = 0;
  for (let j = 0; j < n; ++j) for (let q = 0; q < 4; ++q) largest = Math.max(largest, decoded[4 * picked[j] + q]);
  for (let c = 0; c < classes; ++c) {
    const offset = f(f(c + 1) * f(largest + 1));
    for (let k = 0; k < perClass; ++k) {
      const j = c * perClass + k, i = picked[j];
      for (let q = 0; q < 4; ++q) boxes[4 * j + q] = f(decoded[4 * i + q] + offset);
    }
  }
  return {boxes, scores, decoded, picked};
}

// Feeds for every input: symbolic dims are 1 (batch), floats uniform in [0, 1), integers 0.
// NonMaxSuppression sweep models (`boxGroups` set, from the plan's `groups`): the boxes
// `x` [batch, N, 4] are random boxes as torchvision's NMS tests draw them, ordered corners
// (y1, x1) uniform in [0, 1) and (y2, x2) = (y1, x1) + uniform [0, 1) (a detector's output
// is ordered; random corner order makes ORT's min/max branches mispredict, 3x slower);
// box i of each batch lies in group floor(i / (N / boxGroups)), shifted by 3 x group in all
// four coordinates so that groups never overlap: torchvision's batched NMS (offsets =
// class x (max coordinate + 1)), as SSD models export it, the groups being the classes'
// candidates. The scores `x2` are uniform in [0, 1).
// NonMaxSuppressionAnchors models (`anchors` set, the plan's in_w): boxes `x` [1, N, 4] and scores `x2`
// [1, 1, N] from nmsAnchorFeed with the grid of `anchors` anchors, `boxGroups` classes of N / boxGroups
// candidates, on a generator of its own seeded with the feed's seed.
// A model listed in --feeds (by its file's stem) gets the listed shapes and values.
let feedSpecs = new Map();
// The --feeds specs makeFeeds uses, for modules (value_sizes.js): a Map from tools/ort/feeds.js readFeeds.
function setFeedSpecs(specs) {
  feedSpecs = specs;
}
function makeFeeds(session, file, seed, boxGroups, anchors = 0) {
  const next = rng(seed);
  const feeds = {};
  let anchorFeed = null;
  if (anchors) {
    const grid = kAnchorGrids[anchors];
    if (!grid) throw new Error(`${file}: no anchor grid of ${anchors} anchors (known: ${Object.keys(kAnchorGrids).join(', ')})`);
    const x = session.inputMetadata.find((i) => i.name === 'x'), x2 = session.inputMetadata.find((i) => i.name === 'x2');
    if (!x || !x2 || x.shape.length !== 3 || x.shape[0] !== 1 || x.shape[2] !== 4 || x2.shape.length !== 3 ||
        x2.shape[0] !== 1 || x2.shape[1] !== 1 || x2.shape[2] !== x.shape[1] || x.shape[1] % boxGroups !== 0) {
      throw new Error(`${file}: anchor boxes need x [1, N, 4] and x2 [1, 1, N] with N a multiple of ${boxGroups}`);
    }
    anchorFeed = nmsAnchorFeed(rng(seed), grid, boxGroups, x.shape[1] / boxGroups);
  }
  const spec = feedSpecs.get(path.basename(file).replace(/\.onnx$/, ''));
  for (const m of session.inputMetadata) {
    if (!m.isTensor) throw new Error(`${file}: input '${m.name}' is not a tensor`);
    const given = spec && spec.find((s) => s.name === m.name);
    if (spec && !given) throw new Error(`${file}: input '${m.name}' is not in its --feeds line`);
    if (given && given.type !== m.type) throw new Error(`${file}: input '${m.name}' is ${m.type}, its --feeds line says ${given.type}`);
    const shape = given ? given.shape : m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const ArrayType = kArrays[m.type];
    if (!ArrayType) throw new Error(`${file}: input '${m.name}' has type ${m.type}, which the runner cannot fill`);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new ArrayType(n);
    if (m.type === 'float32' || m.type === 'float64') for (let i = 0; i < n; ++i) data[i] = next();
    if (given && given.value !== null) data.fill(m.type === 'int64' ? BigInt(given.value) : given.value);
    // RoiAlign sweep models (odonata sweep --op RoiAlign): rois inside the feature map `x`
    // [1, C, H, W] (spatial_scale 1), corners (x1, y1, x2, y2) with sides of 10-60% of the map,
    // as a detector's proposals; batch_indices stay 0 (one image).
    if (m.name === 'rois' && shape.length === 2 && shape[1] === 4) {
      const x = session.inputMetadata.find((i) => i.name === 'x');
      if (!x || x.shape.length !== 4) throw new Error(`${file}: input 'rois' without a feature map 'x' [1, C, H, W]`);
      const [h, w] = [x.shape[2], x.shape[3]];
      for (let r = 0; r < shape[0]; ++r) {
        const bw = w * (0.1 + 0.5 * next()), bh = h * (0.1 + 0.5 * next());
        const x1 = (w - bw) * next(), y1 = (h - bh) * next();
        data.set([x1, y1, x1 + bw, y1 + bh], 4 * r);
      }
    }
    // ScatterElements sweep models (x, int64 indices, updates of one shape, axis 0): every row
    // written to its own row (indices[r, ...] = r), as MultiScaleRoIAlign's merge writes each roi once.
    if (m.name === 'indices' && m.type === 'int64' && shape.length >= 1 &&
        session.inputNames.includes('updates') && session.inputNames.includes('x')) {
      const perRow = n / shape[0];
      for (let i = 0; i < n; ++i) data[i] = BigInt(Math.floor(i / perRow));
    }
    // GatherND sweep models (odonata sweep --op GatherND: data `x` [R, C] or [R], int64 indices [N, 1]):
    // N ascending rows spread evenly over the R rows (indices[r] = floor(r R / N)), as NonZero writes
    // the rows SSD's per-class GatherND then reads.
    if (m.name === 'indices' && m.type === 'int64' && shape.length === 2 && shape[1] === 1 &&
        !session.inputNames.includes('updates')) {
      const x = session.inputMetadata.find((i) => i.name === 'x');
      if (!x || x.shape.length < 1 || x.shape.length > 2 || x.shape[0] < shape[0]) {
        throw new Error(`${file}: input 'indices' [${shape}] without data 'x' [R, C] or [R] of at least ${shape[0]} rows`);
      }
      for (let r = 0; r < shape[0]; ++r) data[r] = BigInt(Math.floor((r * x.shape[0]) / shape[0]));
    }
    if (anchorFeed && (m.name === 'x' || m.name === 'x2')) {
      data.set(m.name === 'x' ? anchorFeed.boxes : anchorFeed.scores);
    } else if (boxGroups && m.name === 'x') {
      if (shape.length !== 3 || shape[2] !== 4 || shape[1] % boxGroups !== 0) {
        throw new Error(`${file}: input 'x' ${JSON.stringify(shape)} is not [batch, N, 4] with N a multiple of ${boxGroups}`);
      }
      const perGroup = shape[1] / boxGroups;
      for (let b = 0; b < n / 4; ++b) {
        const offset = 3 * Math.floor((b % shape[1]) / perGroup);
        data[4 * b + 2] += data[4 * b];
        data[4 * b + 3] += data[4 * b + 1];
        for (let k = 0; k < 4; ++k) data[4 * b + k] += offset;
      }
    }
    feeds[m.name] = new ort.Tensor(m.type, data, shape);
  }
  return feeds;
}

// --- timing ---------------------------------------------------------------------

function sessionOptions(o, extra) {
  return {executionProviders: ['cpu'], intraOpNumThreads: o.threads, interOpNumThreads: 1,
          executionMode: 'sequential', graphOptimizationLevel: o.optLevel, ...extra};
}

// CPU time of the whole machine from /proc/stat, in jiffies: busy (user, nice,
// system, irq, softirq, steal) and total. null where there is no /proc.
function machineCpu() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    // Niced work counts: with autogroup scheduling a `nice` build in another
    // session still takes its group's share of the cores.
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return {busy, total: busy + idle + (iowait || 0)};
  } catch (e) {
    return null;
  }
}

// Scratch memory written before every run (--flush-mb, --flush-large-mb): evicts the caches.
// One buffer of the largest size asked so far; a flush of M MiB writes its first M MiB.
let scratch = null;
function flush(mb, k) {
  if (!mb) return;
  const n = (mb * 1024 * 1024) / 8;
  if (!scratch || scratch.length < n) scratch = new Float64Array(n);
  scratch.fill(k, 0, n);
}

// One timing attempt on an open session: wall times of the timed runs, and
// `others`: cores' worth of CPU time that other processes (and the hypervisor's
// steal) used meanwhile: this machine is shared, and a compiler on the core(s)
// we use slows us down.
async function timeOnce(session, feeds, t) {
  for (let i = 0; i < t.warmup; ++i) {
    flush(t.flushMb, i);
    await session.run(feeds);
  }
  const times = [];
  const cpu0 = process.cpuUsage();
  const m0 = machineCpu();
  // Minor page faults of the timed runs (the process's, so a flush's first touch counts too):
  // a run that allocates fresh memory (ORT's memory-pattern block, allocated in the run after
  // the one that traced it) pays them, a steady-state run does not (diagnosis/frcnn).
  const faults0 = process.resourceUsage().minorPageFault;
  let firstFaults = null;
  const start = process.hrtime.bigint();
  let t1 = start;
  while (times.length < t.maxRepeats) {
    flush(t.flushMb, times.length);
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t1 = process.hrtime.bigint();
    times.push(Number(t1 - t0) / 1e6);
    if (firstFaults === null) firstFaults = process.resourceUsage().minorPageFault - faults0;
    if (passDone(times.length, Number(t1 - start) / 1e6, t)) break;
  }
  const faults = process.resourceUsage().minorPageFault - faults0;
  // Warm (--warm-max-mb): the same session, no flush, back to back.
  let warmTimes = null;
  if (t.warm) {
    for (let i = 0; i < t.warmup; ++i) await session.run(feeds);
    warmTimes = [];
    const w0 = process.hrtime.bigint();
    while (warmTimes.length < kWarmMaxRepeats) {
      const a = process.hrtime.bigint();
      await session.run(feeds);
      t1 = process.hrtime.bigint();
      warmTimes.push(Number(t1 - a) / 1e6);
      if (warmTimes.length >= t.repeats && Number(t1 - w0) / 1e6 >= kWarmMinTime) break;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineCpu();
  const wallS = Number(t1 - start) / 1e9;
  let others = 0;
  if (m0 && m1 && m1.total > m0.total && wallS > 0) {
    const busyCores = ((m1.busy - m0.busy) / (m1.total - m0.total)) * os.cpus().length;
    others = Math.max(0, busyCores - (cpu.user + cpu.system) / 1e6 / wallS);
  }
  return {times, others, tries: 1, warmTimes, firstFaults, faults};
}
const kWarmMinTime = 10, kWarmMaxRepeats = 200;
// Whether a timing attempt has enough runs: `runs` timed in `elapsedMs` under timing `t`
// ({repeats, minTime, maxRepeats, maxTime}): --repeats runs and --min-time ms, or (the per-row
// budget, --max-time) maxTime ms with at least kBudgetMinRuns runs; never more than maxRepeats.
const kBudgetMinRuns = 3;
function passDone(runs, elapsedMs, t) {
  if (runs >= t.maxRepeats) return true;
  if (runs >= t.repeats && elapsedMs >= t.minTime) return true;
  return t.maxTime !== null && t.maxTime !== undefined && runs >= kBudgetMinRuns && elapsedMs >= t.maxTime;
}
const kReorderColumns = ['reorder_in_ms', 'reorder_in_elems', 'reorder_out_ms', 'reorder_out_elems'];

// Bytes of a model's weights (its file), inputs and outputs (one run's).
async function footprintBytes(session, file, feeds) {
  const out = await session.run(feeds);
  let bytes = fs.statSync(file).size;
  for (const x of [...Object.values(feeds), ...Object.values(out)]) bytes += x.data.byteLength || 0;
  return bytes;
}

// Sweep ops whose model runs helper nodes besides the layer it measures: the kernels (ORT
// profile op_name) that are the layer; only their times make latency_ms. ResizeNchwc: a
// depthwise 1x1 Conv writes the NCHWc input of the nearest Resize, which runs as NCHWc Upsample.
const kTimedKernels = {ResizeNchwc: ['Upsample']};

// Per-run node times (ms) from an ORT profile: for each model_run event, the
// sum of the kernel times of the nodes that ran inside it, except NCHWc layout
// reorders; with `kernels` (kTimedKernels), of those kernels only, each run having
// run one of them (else an error: the runtime ran another graph than the sweep meant).
// `count` runs from run index `first`.
function nodeTimes(profileFile, first, count, kernels) {
  const events = JSON.parse(fs.readFileSync(profileFile, 'utf8'));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const sums = runs.map(() => 0);
  const hits = runs.map(() => 0);
  let r = 0;
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time')).sort((a, b) => a.ts - b.ts);
  for (const e of nodes) {
    while (r < runs.length && e.ts > runs[r].ts + runs[r].dur) ++r;
    if (r === runs.length) break;
    if (e.ts < runs[r].ts) continue;
    const op = e.args && e.args.op_name;
    if (op === 'ReorderInput' || op === 'ReorderOutput') continue;
    if (kernels && !kernels.includes(op)) continue;
    sums[r] += e.dur / 1000;
    hits[r] += 1;
  }
  if (kernels && hits.slice(first, first + count).some((h) => h === 0)) {
    throw new Error(`${profileFile}: a run without a ${kernels.join('/')} kernel (the runtime ran another graph)`);
  }
  return sums.slice(first, first + count);
}

// Per-run times (ms) and elements of the NCHWc reorders in an ORT profile, per direction:
// {in: {ms: [per run], elems, nodes}, out: {...}}; a ReorderInput's elements are its input's
// (NCHW), a ReorderOutput's its output's. `count` runs from run index `first`.
function reorderTimes(profileFile, first, count) {
  const events = JSON.parse(fs.readFileSync(profileFile, 'utf8'));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const dirs = {in: {op: 'ReorderInput', key: 'input_type_shape'}, out: {op: 'ReorderOutput', key: 'output_type_shape'}};
  const result = {};
  for (const [dir, d] of Object.entries(dirs)) {
    const ms = runs.map(() => 0);
    const elems = runs.map(() => 0);
    const nodes = runs.map(() => 0);
    let r = 0;
    const evs = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args &&
                                     e.args.op_name === d.op).sort((a, b) => a.ts - b.ts);
    for (const e of evs) {
      while (r < runs.length && e.ts > runs[r].ts + runs[r].dur) ++r;
      if (r === runs.length) break;
      if (e.ts < runs[r].ts) continue;
      ms[r] += e.dur / 1000;
      nodes[r] += 1;
      for (const shape of e.args[d.key] || []) {
        const dims = Object.values(shape)[0];
        elems[r] += dims.reduce((a, b) => a * b, 1);
      }
    }
    const sel = ms.slice(first, first + count);
    result[dir] = {ms: sel, elems: elems[first] || 0, nodes: nodes[first] || 0};
  }
  return result;
}

// The noise floor (--reference): one model with a session of its own, open
// for the whole invocation, run --ref-runs times before and after every timing.
// Every run is kept (the floor's dispersion); every check's median is compared
// with the baseline, the 20th percentile of the check medians so far: the
// fast state of this machine, whose host switches between two speeds.
class Reference {
  constructor(file, o) {
    this.file = file;
    this.o = o;
    this.runs = [];    // every reference run, ms
    this.checks = [];  // {at: s since start, ms: median of the check}
    this.start = process.hrtime.bigint();
  }
  async open() {
    this.session = await ort.InferenceSession.create(this.file, sessionOptions(this.o, {}));
    this.feeds = makeFeeds(this.session, this.file, this.o.seed);
    for (let i = 0; i < 3; ++i) await this.session.run(this.feeds);
  }
  // A caller's fixed baseline (o.refBaselineMs: cache_state.js --ref-baseline-ms) wins.
  baseline() {
    if (this.o.refBaselineMs) return this.o.refBaselineMs;
    if (this.checks.length < 10) return null;
    return percentile(this.checks.map((c) => c.ms).sort((a, b) => a - b), 0.2);
  }
  // Median of --ref-runs runs now, divided by the baseline (null while there is none).
  async check() {
    const times = [];
    for (let i = 0; i < this.o.refRuns; ++i) {
      const t0 = process.hrtime.bigint();
      await this.session.run(this.feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const m = stats(times).median;
    const base = this.baseline();
    this.runs.push(...times);
    this.checks.push({at: Number(process.hrtime.bigint() - this.start) / 1e9, ms: m});
    return base === null ? null : m / base;
  }
  // For the machine description: dispersion of every run and of the check
  // medians, the baseline, how many checks exceeded the tolerance, and the
  // check medians per minute (p10, p50, p90).
  summary() {
    if (!this.runs.length) return null;
    const r = stats(this.runs), c = stats(this.checks.map((x) => x.ms));
    const base = percentile(this.checks.map((x) => x.ms).sort((a, b) => a - b), 0.2);
    const minutes = [];
    for (const x of this.checks) {
      const k = Math.floor(x.at / 60);
      while (minutes.length <= k) minutes.push([]);
      minutes[k].push(x.ms);
    }
    const round = (x) => +x.toFixed(5);
    return {model: this.file, runs_per_check: this.o.refRuns, checks: this.checks.length, runs: r.repeats,
            run_median_ms: round(r.median), run_p10_ms: round(r.p10), run_p90_ms: round(r.p90),
            run_mad_ms: round(mad(this.runs)), run_mad_pct: +((100 * mad(this.runs)) / r.median).toFixed(2),
            check_median_ms: round(c.median), check_p10_ms: round(c.p10), check_p90_ms: round(c.p90),
            check_p90_over_p10: +(c.p90 / c.p10).toFixed(4), baseline_ms: round(base),
            tolerance: this.o.refTolerance,
            checks_above_tolerance: this.checks.filter((x) => x.ms > base * (1 + this.o.refTolerance)).length,
            per_minute: minutes.map((m, k) => {
              if (!m.length) return {minute: k, checks: 0};
              const s = stats(m);
              return {minute: k, checks: m.length, p10_ms: round(s.p10), p50_ms: round(s.median),
                      p90_ms: round(s.p90)};
            })};
  }
  async close() {
    if (this.session) await this.session.release();
  }
}

// How disturbed a timing attempt was: 0 = quiet; above 1 = other processes
// used more than --max-others cores, or the reference ran slower than the
// baseline by more than --ref-tolerance.
function disturbance(a, o) {
  const byOthers = a.others / Math.max(o.maxOthers, 1e-9);
  const byReference = a.refRatio === null || a.refRatio === undefined ? 0
                                                                      : (a.refRatio - 1) / Math.max(o.refTolerance, 1e-9);
  return Math.max(byOthers, byReference, 0);
}

// Time a model. `t`: {seed, warmup, repeats, minTime, maxRepeats, flushMb,
// profile}. While other processes used more than --max-others cores during the
// timed runs, or the reference (--reference) ran slow before or after them,
// wait and time it again (up to --tries times in all, and --max-wait seconds
// of waiting per invocation), keeping the least disturbed attempt.
// With `profile`, also the per-run node times of the attempt kept (nodeTimes).
async function timeModel(file, o, t) {
  const prefix = t.profile ? path.join(os.tmpdir(), `odonata-run-${process.pid}`) : '';
  // --keep-network-sessions: a network's session, opened in its first round, serves every round.
  let session = t.sessions ? t.sessions.get(file) : undefined;
  const created = !session;
  if (created) {
    session = await ort.InferenceSession.create(file, sessionOptions(o, t.profile ? {
      enableProfiling: true, profileFilePrefix: prefix} : {}));
    if (t.sessions) t.sessions.set(file, session);
  }
  let best = null, bestFirst = 0, runsSoFar = 0, footprint = null, outRows = null, nmsCompares = null;
  try {
    const feeds = makeFeeds(session, file, t.seed, t.boxGroups, t.anchors);
    // A NonMaxSuppression sweep model: the rows of its output (the graph's one output, the
    // selected boxes over all classes), from one untimed run on the timed feed; deterministic
    // for the feed, so one run says it. The measurement CSV's out_rows column.
    if (t.boxGroups) {
      if (session.outputNames.length !== 1) throw new Error(`${file}: a NonMaxSuppression sweep model has one output`);
      const y = (await session.run(feeds))[session.outputNames[0]];
      if (y.dims.length !== 2) throw new Error(`${file}: NonMaxSuppression output of rank ${y.dims.length}, not 2`);
      outRows = Number(y.dims[0]);
      ++runsSoFar;
      // The loop's comparisons on the same feed (nmsComparisons), stated only when the replay
      // keeps what ONNX Runtime kept (else the column stays empty, with a warning).
      const x = feeds.x, x2 = feeds.x2;
      if (t.countCompares && x && x2 && x.dims.length === 3 && x2.dims.length === 3) {
        const r = nmsComparisons(x.data, x2.data, Number(x.dims[0]), Number(x2.dims[1]), Number(x.dims[1]), t.iou);
        if (r.kept === outRows) {
          nmsCompares = r.comparisons;
        } else {
          process.stderr.write(`\n${file}: the NMS replay kept ${r.kept} boxes, ONNX Runtime ${outRows}: nms_compares left empty\n`);
        }
      }
    }
    if (t.warmMaxMb !== null && t.warmMaxMb !== undefined) {
      footprint = t.footprint;
      if (footprint === undefined || footprint === null) {
        footprint = await footprintBytes(session, file, feeds);
        ++runsSoFar;
      }
      t = {...t, warm: footprint <= t.warmMaxMb * 1024 * 1024};
    }
    for (let k = 1; k <= o.tries; ++k) {
      const before = o.ref ? await o.ref.check() : null;
      const a = await timeOnce(session, feeds, t);
      const after = o.ref ? await o.ref.check() : null;
      a.refRatio = before === null || after === null ? null : Math.max(before, after);
      a.disturbance = disturbance(a, o);
      if (!best || a.disturbance < best.disturbance) {
        best = a;
        bestFirst = runsSoFar + t.warmup;
      }
      runsSoFar += t.warmup + a.times.length + (a.warmTimes ? t.warmup + a.warmTimes.length : 0);
      best.tries = k;
      if (a.disturbance <= 1 || o.waited >= o.maxWait || k === o.tries) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      o.waited += 2;
    }
  } finally {
    if (t.profile) session.endProfiling();
    if (!t.sessions) await session.release();
  }
  if (t.profile) {
    const dir = path.dirname(prefix);
    const made = fs.readdirSync(dir).filter((f) => f.startsWith(`${path.basename(prefix)}_`) && f.endsWith('.json'));
    if (made.length !== 1) throw new Error(`${file}: expected one profile ${prefix}_*.json`);
    const profileFile = path.join(dir, made[0]);
    try {
      best.nodeTimes = nodeTimes(profileFile, bestFirst, best.times.length, t.kernels);
      best.reorders = reorderTimes(profileFile, bestFirst, best.times.length);
      if (best.warmTimes) {
        best.warmNodeTimes = nodeTimes(profileFile, bestFirst + best.times.length + t.warmup, best.warmTimes.length,
                                       t.kernels);
        if (best.warmNodeTimes.length !== best.warmTimes.length) throw new Error(`${file}: the profile lacks warm runs`);
      }
    } finally {
      fs.unlinkSync(profileFile);
    }
    if (best.nodeTimes.length !== best.times.length) throw new Error(`${file}: the profile lacks runs`);
  }
  best.footprint = footprint;
  best.outRows = outRows;
  best.nmsCompares = nmsCompares;
  best.created = created;
  return best;
}

// Timing parameters of a sweep model and of a network.
// `weightBytes`: the model file's size (--flush-large-above-mb).
function sweepTiming(o, seed, op, boxGroups, weightBytes, anchors = 0) {
  const flushes = o.flushMb && (o.flushOps.length === 0 || o.flushOps.includes(op));
  return {seed, warmup: o.warmup, repeats: o.repeats, minTime: o.minTime, maxRepeats: o.maxRepeats, maxTime: o.maxTime,
          flushMb: flushes ? flushMiB(o, weightBytes) : 0, profile: o.latency === 'node', boxGroups, anchors,
          warmMaxMb: flushes ? o.warmMaxMb : null, kernels: kTimedKernels[op]};
}
// Whether a sweep row's weights (its model file's bytes) exceed --flush-large-above-mb MiB, with
// --flush-large-mb given.
function largeWeights(o, weightBytes) {
  return o.flushLargeMb !== null && weightBytes > o.flushLargeAboveMb * 1024 * 1024;
}
// MiB written before each run of a flushed sweep row: --flush-large-mb for large weights, else --flush-mb.
function flushMiB(o, weightBytes) {
  return largeWeights(o, weightBytes) ? o.flushLargeMb : o.flushMb;
}
// Whether a network's session is kept between rounds: --keep-network-sessions, or its model file
// above --keep-network-sessions-above-mb MiB.
function keepsSession(o, file) {
  if (o.keepNetworkSessions) return true;
  return o.keepSessionsAboveMb !== null && fs.statSync(file).size > o.keepSessionsAboveMb * 1024 * 1024;
}
function networkTiming(o, interleaved, file) {
  return interleaved ? {seed: o.seed, warmup: o.networkWarmup, repeats: o.networkRepeats,
                        minTime: o.networkMinTime,
                        maxRepeats: o.networkMinTime ? Math.max(o.networkRepeats, 200) : o.networkRepeats,
                        flushMb: 0, profile: false, sessions: keepsSession(o, file) ? o.networkSessions : null}
                     : {seed: o.seed, warmup: o.warmup, repeats: o.repeats, minTime: o.minTime,
                        maxRepeats: o.maxRepeats, flushMb: 0, profile: false};
}

async function profileModel(file, o, seed) {
  fs.mkdirSync(o.profile, {recursive: true});
  const stem = path.basename(file).replace(/\.onnx$/, '');
  const session = await ort.InferenceSession.create(file, sessionOptions(o, {
    enableProfiling: true, profileFilePrefix: path.join(o.profile, `${stem}.tmp`)}));
  try {
    const feeds = makeFeeds(session, file, seed);
    for (let i = 0; i < o.profileRuns; ++i) await session.run(feeds);
    session.endProfiling();
  } finally {
    await session.release();
  }
  // ORT names the file <prefix>_<date>.json; give it a stable name.
  const made = fs.readdirSync(o.profile).filter((f) => f.startsWith(`${stem}.tmp_`) && f.endsWith('.json'));
  if (made.length !== 1) throw new Error(`${file}: expected one profile ${stem}.tmp_*.json in ${o.profile}`);
  const target = path.join(o.profile, `${stem}.json`);
  fs.renameSync(path.join(o.profile, made[0]), target);
  return target;
}

// --- machine description --------------------------------------------------------

function cpuinfo(key) {
  try {
    const m = new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1];
  } catch (e) { /* not Linux */ }
  return null;
}

// The CPU flags that select ONNX Runtime's MLAS kernels (platform.cpp: AVX2/FMA,
// AVX-512F/BW/VL/DQ "AVX512Core", VNNI for int8, AMX, FP16/BF16), plus the
// hypervisor flag.
const kKernelFlags = ['sse4_1', 'sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'avx512f', 'avx512dq', 'avx512cd', 'avx512bw',
                      'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'avx512vbmi', 'avx_vnni',
                      'avx_vnni_int8', 'amx_tile', 'amx_bf16', 'amx_int8', 'amx_fp16', 'hypervisor'];

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    return null;
  }
}

// Cache sizes of cpu0 from sysfs: {L1d: "48K", L1i: ..., L2: ..., L3: ...}
// (empty in guests that hide it; then /proc/cpuinfo's `cache size`).
function caches() {
  const out = {};
  for (let i = 0; i < 8; ++i) {
    const dir = `/sys/devices/system/cpu/cpu0/cache/index${i}`;
    const level = readText(`${dir}/level`), type = readText(`${dir}/type`), size = readText(`${dir}/size`);
    if (level === null) break;
    out[`L${level}${type === 'Data' ? 'd' : type === 'Instruction' ? 'i' : ''}`] = size;
  }
  return out;
}

// Which machine ran the measurement, in a stable form a platform profile can
// carry (schema odonata-host-identity/1): the CPU (vendor, family, model,
// stepping, name, the kernel-selecting flags present, in kKernelFlags' order), logical CPUs,
// physical cores, the threads used, ONNX Runtime's version, the OS. `key` is
// one line that differs when any of these that changes the kernels differs.
function identity(o) {
  const text = readText('/proc/cpuinfo') || '';
  const field = (k) => {
    const m = new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(text);
    return m ? m[1].trim() : null;
  };
  const flags = new Set((field('flags') || '').split(/\s+/));
  const cores = new Set();
  for (const block of text.split(/\n\s*\n/)) {
    const phys = /^physical id\s*:\s*(\d+)/m.exec(block), core = /^core id\s*:\s*(\d+)/m.exec(block);
    if (core) cores.add(`${phys ? phys[1] : 0}:${core[1]}`);
  }
  const osRelease = readText('/etc/os-release') || '';
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease);
  const id = {
    schema: 'odonata-host-identity/1',
    cpu_vendor: field('vendor_id'), cpu_family: field('cpu family') === null ? null : Number(field('cpu family')),
    cpu_model: field('model') === null ? null : Number(field('model')),
    cpu_stepping: field('stepping') === null ? null : Number(field('stepping')),
    cpu_model_name: field('model name') || (os.cpus()[0] ? os.cpus()[0].model : null),
    cpu_flags: kKernelFlags.filter((f) => flags.has(f)),
    caches: Object.keys(caches()).length ? caches() : {cpuinfo_cache_size: field('cache size')},
    logical_cpus: os.cpus().length, physical_cores: cores.size || null,
    threads: o.threads, onnxruntime: `onnxruntime-node ${require('onnxruntime-node/package.json').version} CPU`,
    os: `${os.type()} ${os.release()} ${os.arch()}${pretty ? ` (${pretty[1]})` : ''}`,
  };
  id.key = `${id.cpu_vendor} family ${id.cpu_family} model ${id.cpu_model} stepping ${id.cpu_stepping} ` +
           `"${id.cpu_model_name}" [${id.cpu_flags.filter((f) => f !== 'hypervisor').join(' ')}] ` +
           `${id.threads} thread(s) ${id.onnxruntime}`;
  return id;
}

function machine(o, extra) {
  const ortPackage = require('onnxruntime-node/package.json');
  return {
    identity: identity(o),
    cpu_model: cpuinfo('model name') || (os.cpus()[0] ? os.cpus()[0].model : 'unknown'),
    cpu_mhz: Number(cpuinfo('cpu MHz')) || null,
    cpu_flags: (cpuinfo('flags') || '').split(/\s+/).filter((f) => /^(avx|fma|amx)/.test(f)),
    logical_cpus: os.cpus().length, memory_bytes: os.totalmem(),
    threads: o.threads, inter_op_threads: 1, execution_mode: 'sequential', graph_optimization_level: o.optLevel,
    warmup: o.warmup, repeats_per_pass_min: o.repeats, min_time_ms: o.minTime, max_repeats: o.maxRepeats,
    passes: o.passes, order: o.order, reject_k: o.reject, onnxruntime_node: ortPackage.version,
    node: process.version, os: `${os.type()} ${os.release()} ${os.arch()}`,
    noise_floor: o.ref ? o.ref.summary() : null, ...extra,
  };
}

// How often other processes got in the way, for the machine description.
function contention(results, o, names) {
  const others = results.map((t) => t.others);
  const sorted = [...others].sort((a, b) => a - b);
  return {max_others_cores: o.maxOthers, tries_max: o.tries, waited_s: o.waited,
          timings_retried: results.filter((t) => t.tries > 1).length,
          others_cores_median: +percentile(sorted, 0.5).toFixed(3),
          others_cores_max: +sorted[sorted.length - 1].toFixed(3),
          above_max_others: names.filter((n, i) => others[i] > o.maxOthers)};
}

function writeAtomic(file, text) {
  const tmp = `${file}.tmp.${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function progress(i, n, label, median) {
  process.stderr.write(`\r[${i}/${n}] ${label} ${median.toFixed(median < 10 ? 3 : 1)} ms   `);
}

// --- main -------------------------------------------------------------------------

function readSweeps(o) {
  let header = null;
  const jobs = [];
  for (const dir of o.sweeps) {
    const planFile = path.join(dir, 'plan.csv');
    const rows = parseCsv(fs.readFileSync(planFile, 'utf8'), planFile);
    if (rows.length < 2) throw new Error(`${planFile}: no rows`);
    const h = rows[0];
    if (header && header.join(',') !== h.join(',')) {
      throw new Error(`${planFile}: columns differ from ${o.sweeps[0]}/plan.csv; measure it separately`);
    }
    header = h;
    const modelCol = h.indexOf('model'), opCol = h.indexOf('op'), groupsCol = h.indexOf('groups');
    if (modelCol < 0) throw new Error(`${planFile}: no 'model' column (was the sweep written with --models?)`);
    for (const c of ['latency_ms', 'latency_ms_p10', 'latency_ms_p90', 'repeats', 'run_ms', 'out_rows', 'nms_compares']) {
      if (h.includes(c)) throw new Error(`${planFile}: already has a '${c}' column`);
    }
    rows.slice(1).forEach((r, k) => {
      if (r.length !== h.length) throw new Error(`${planFile}:${k + 2}: expected ${h.length} fields, got ${r.length}`);
      const row = [...r];
      row[modelCol] = `${path.basename(path.resolve(dir))}/${r[modelCol]}`;
      const op = opCol >= 0 ? r[opCol] : 'model';
      // NonMaxSuppressionIoU: the same model with another IoU threshold (its kernel_h / 100): the same feed.
      // NonMaxSuppressionAnchors: IoU kernel_h / 100, boxes of the anchor grid of in_w anchors, groups classes.
      const anchors = op === 'NonMaxSuppressionAnchors' ? Number(r[h.indexOf('in_w')]) : 0;
      const nms = op === 'NonMaxSuppression' || op === 'NonMaxSuppressionIoU' || anchors > 0;
      const boxGroups = nms ? Number(groupsCol >= 0 ? r[groupsCol] : 1) : 0;
      // Its IoU threshold (src/onnx/writer.cc): 0.5, NonMaxSuppressionIoU's kernel_h / 100.
      const iou = op === 'NonMaxSuppressionIoU' || anchors > 0 ? Number(r[h.indexOf('kernel_h')]) / 100 : 0.5;
      jobs.push({row, file: path.join(dir, r[modelCol]), op, label: op.toLowerCase(), boxGroups, iou, anchors});
    });
  }
  return {header, jobs};
}

// Per row, the spread columns added after the measurement's own: the MAD of
// the runs kept, how many the outlier rule dropped, the ratio of the slowest
// to the fastest pass median, and the median reference ratio of the timings.
const kSpreadColumns = ['mad_ms', 'rejected', 'pass_spread', 'ref_ratio'];
function passSpread(passMedians) {
  return passMedians.length > 1 ? Math.max(...passMedians) / Math.min(...passMedians) : 1;
}
function spreadFields(s, passMedians, refRatios) {
  const spread = passSpread(passMedians);
  const ratios = refRatios.filter((x) => x !== null && x !== undefined);
  return [ms(s.mad), s.rejected, spread.toFixed(4), ratios.length ? stats(ratios).median.toFixed(4) : ''];
}

// Per sweep row, last, each pass's median as timed (ms; the profiled node time with the profiler's
// cost, which latency_ms has removed) and its reference ratio (empty without --reference), in pass
// order, ';'-separated (a ratio is empty for a pass timed before the reference had its
// baseline, and the column empty without --reference): a pass rule (--quiet-passes, --extra-pass-spread) can be judged on a run's
// calibration rows afterwards (since run 24). pass_spread is max/min of the first, ref_ratio the
// median of the second.
const kPassColumns = ['pass_medians_ms', 'pass_ref_ratios'];
function passFields(passMedians, refRatios) {
  return [passMedians.map(ms).join(';'),
          refRatios.every((r) => r === null || r === undefined) ? ''
            : refRatios.map((r) => (r === null || r === undefined ? '' : r.toFixed(4))).join(';')];
}

// Networks: per network, the runs of every timing pooled, each timing's
// median and reference ratio; per timing, when and how fast (for the machine
// description: how the machine's speed moved).
function networkState(o) {
  return {pooled: o.networks.map(() => []), passMedians: o.networks.map(() => []),
          refRatios: o.networks.map(() => []), results: [], timeline: [], sessionsCreated: 0};
}
async function timeNetworks(o, st, interleaved, label, order) {
  for (const i of order || o.networks.map((_, k) => k)) {
    const file = o.networks[i];
    const t = await timeModel(file, o, networkTiming(o, interleaved, file));
    st.pooled[i].push(...t.times);
    st.passMedians[i].push(stats(t.times).median);
    st.refRatios[i].push(t.refRatio);
    if (t.created) ++st.sessionsCreated;
    st.results.push({...t, file});
    st.timeline.push({at: new Date().toISOString(), model: path.basename(file),
                      median_ms: +stats(t.times).median.toFixed(4), others: +t.others.toFixed(3),
                      ref_ratio: t.refRatio === null ? null : +t.refRatio.toFixed(4),
                      first_run_faults: t.firstFaults, faults: t.faults});
    if (label) label(file, t);
  }
}
// The statistic over timings (docs/host-platform.md "Tiny networks across sessions"): of a
// network's per-timing medians (one per round, or per pass without --sweep; a new session each
// unless --keep-network-sessions), their count, mean, and p10 and p90 (the spread between
// sessions). A 20-us network runs in a fast or a slow state for stretches of milliseconds, so a
// round's median is that of one state or the other; the mean of the rounds' medians is what a
// user's session gives on average, whatever the number of runs each round took (the pooled
// median weighs a round by its runs: a fast round gives more of them in --network-min-time).
// The median of the rounds' medians (since run 22) is the same per-session view without the
// mean's pull towards a minority of slow sessions (run 21: ShuffleNetV2 x0.5's one 14.7 ms round
// among 1.0-2.2 ms ones took its mean to 2.77 ms).
function roundStats(medians) {
  const s = stats(medians);
  return {rounds: medians.length, mean: medians.reduce((a, b) => a + b, 0) / medians.length, p10: s.p10, p90: s.p90,
          median: s.median};
}
// The timings (passes of a sweep row, rounds of a network) taken in a quiet state: those whose
// reference ratio (the slower of the reference's medians before and after the timing, over its
// baseline) is within `tolerance` (--ref-tolerance), when at least `least` are; else the `least`
// of lowest ratio (all when there are fewer). Without a reference (null ratios) or a tolerance
// (null), every timing. Indices in timing order.
function keptPasses(refRatios, tolerance, least = 1) {
  const all = refRatios.map((_, k) => k);
  if (tolerance === null || tolerance === undefined || refRatios.some((r) => r === null || r === undefined)) return all;
  const quiet = all.filter((k) => refRatios[k] <= 1 + tolerance);
  if (quiet.length >= least) return quiet;
  return all.slice().sort((a, b) => refRatios[a] - refRatios[b] || a - b).slice(0, least).sort((a, b) => a - b);
}
// A sweep row's timings pooled: runs, profiled node times, warm times, NCHWc reorders.
function poolPasses(passes) {
  const out = {run: [], node: [], warm: [], reorder: {in: {ms: [], elems: 0, nodes: 0}, out: {ms: [], elems: 0, nodes: 0}}};
  for (const p of passes) {
    out.run.push(...p.run);
    out.node.push(...p.node);
    out.warm.push(...p.warm);
    if (!p.reorders) continue;
    for (const dir of ['in', 'out']) {
      const q = p.reorders[dir];
      if (!q.nodes) continue;
      out.reorder[dir].ms.push(...q.ms);
      out.reorder[dir].elems = q.elems;
      out.reorder[dir].nodes = q.nodes;
    }
  }
  return out;
}
// A network's quiet rounds (since run 22; docs/host-platform.md "Run 22: what changes"): the median
// of the medians of its rounds within --ref-tolerance, at least 3 of them (else the 3 of lowest
// reference ratio). On run 21's rounds, two halves of 5 rounds agree within 6.9% in mean (12.0% for
// the median of all rounds, 12.5% for their mean): the slow states the reference sees are most of
// the disagreement.
const kQuietRoundsLeast = 3;
function quietRoundStats(medians, refRatios, tolerance) {
  const kept = keptPasses(refRatios, tolerance, kQuietRoundsLeast);
  return {rounds: kept.length, median: stats(kept.map((k) => medians[k])).median};
}
const kRoundColumns = ['rounds', 'round_mean_ms', 'round_p10_ms', 'round_p90_ms', 'round_median_ms', 'quiet_rounds',
                       'quiet_median_ms'];
// The measured time a consumer of the network CSV takes from one of its rows (dispatch.js
// --from-networks, validate.js; --statistic): `median` (median_ms, p10_ms, p90_ms: every run of
// every round pooled, the rule until run 20), `round-mean` (round_mean_ms, round_p10_ms,
// round_p90_ms: the mean of the per-round medians, the spread between rounds; run 21),
// `round-median` (round_median_ms and the same spread) or `quiet-median` (quiet_median_ms, the
// median of the quiet rounds' medians, and the same spread; since run 22). Strings as written.
const kStatisticColumns = {'round-mean': 'round_mean_ms', 'round-median': 'round_median_ms', 'quiet-median': 'quiet_median_ms'};
const kStatistics = ['median', ...Object.keys(kStatisticColumns)];
// What each statistic is, in words: validate.js's `measures` column and dispatch.js's header.
const kStatisticText = {median: 'median', 'round-mean': 'mean of per-round medians',
                        'round-median': 'median of per-round medians', 'quiet-median': 'median of quiet rounds\' medians'};
function networkStatistic(row, statistic, file) {
  if (statistic === 'median') return {ms: row.median_ms, p10: row.p10_ms, p90: row.p90_ms};
  if (!kStatistics.includes(statistic)) throw new Error(`--statistic: '${statistic}' (${kStatistics.join(', ')})`);
  const column = kStatisticColumns[statistic];
  if (row[column] === undefined || row[column] === '') {
    throw new Error(`${file}: no ${column} for ${row.model} (written by run.js since ` +
                    `${statistic === 'round-mean' ? 'helper tiny' : 'run 22'}); use --statistic median`);
  }
  return {ms: row[column], p10: row.round_p10_ms, p90: row.round_p90_ms};
}
function writeNetworks(o, st, file, began, load0, extra) {
  const lines = [['model', 'threads', 'median_ms', 'p10_ms', 'p90_ms', 'repeats', ...kSpreadColumns, ...kRoundColumns].join(',')];
  o.networks.forEach((f, i) => {
    const s = robustStats(st.pooled[i], o.reject);
    const r = roundStats(st.passMedians[i]);
    const q = quietRoundStats(st.passMedians[i], st.refRatios[i], o.refTolerance);
    lines.push([f, o.threads, ms(s.median), ms(s.p10), ms(s.p90), s.repeats,
                ...spreadFields(s, st.passMedians[i], st.refRatios[i]),
                r.rounds, ms(r.mean), ms(r.p10), ms(r.p90), ms(r.median), q.rounds, ms(q.median)].map(csvField).join(','));
  });
  const machineFile = file === o.out ? o.machine : file.replace(/\.csv$/, '') + '.machine.json';
  const m = machine(o, {networks: o.networks, started: began.toISOString(), finished: new Date().toISOString(),
                        loadavg_start: load0, loadavg_end: os.loadavg(),
                        contention: contention(st.results, o, st.results.map((r) => r.file)),
                        sessions_created: st.sessionsCreated, timeline: st.timeline,
                        round_medians_ms: Object.fromEntries(o.networks.map((f, i) => [f, st.passMedians[i].map((x) => +x.toFixed(7))])),
                        ...extra});
  writeAtomic(file, lines.join('\n') + '\n');
  writeAtomic(machineFile, JSON.stringify(m, null, 2) + '\n');
}

// The order of the models in pass `pass` (--order).
function passOrder(o, n, pass) {
  return o.order === 'shuffled' ? permutation(n, o.seed * 7919 + pass) : Array.from({length: n}, (_, i) => i);
}

async function openReference(o) {
  if (!o.reference) return;
  o.ref = new Reference(o.reference, o);
  await o.ref.open();
}

async function runSweeps(o) {
  const {header, jobs} = readSweeps(o);
  const began = new Date();
  const load0 = os.loadavg();
  await openReference(o);
  const node = o.latency === 'node';
  // Per row, every timing (pass) kept apart until the end (--quiet-passes chooses among them).
  const pooled = jobs.map(() => ({passes: [], passMedians: [], refRatios: []}));
  const results = [];
  const resultFiles = [];
  const overhead = {run: [], node: []};
  const nets = networkState(o);
  const interleave = o.networks.length > 0;
  // Positions in a pass after which a network round runs.
  const roundAfter = new Set();
  if (interleave) for (let r = 1; r <= o.rounds; ++r) roundAfter.add(Math.round((r * jobs.length) / o.rounds) - 1);
  // One timing of row i, its runs pooled; the median it reports (progress).
  const timeRow = async (i) => {
    if (jobs[i].weightBytes === undefined) jobs[i].weightBytes = fs.statSync(jobs[i].file).size;
    const timing = sweepTiming(o, o.seed + i, jobs[i].op, jobs[i].boxGroups, jobs[i].weightBytes, jobs[i].anchors);
    jobs[i].flushMb = timing.flushMb;
    const t = await timeModel(jobs[i].file, o, {...timing, footprint: jobs[i].footprint, iou: jobs[i].iou,
                                                countCompares: jobs[i].boxGroups > 0 && jobs[i].nmsCompares === undefined});
    jobs[i].footprint = t.footprint;  // measured once (--warm-max-mb)
    if (t.outRows !== null) {
      // The same feed every pass: a different count means the runtime is not deterministic.
      if (jobs[i].outRows !== undefined && jobs[i].outRows !== t.outRows) {
        throw new Error(`${jobs[i].file}: NonMaxSuppression kept ${jobs[i].outRows} then ${t.outRows} boxes on one feed`);
      }
      jobs[i].outRows = t.outRows;
    }
    if (t.nmsCompares !== null && t.nmsCompares !== undefined) jobs[i].nmsCompares = t.nmsCompares;
    pooled[i].passes.push({run: t.times, node: node ? t.nodeTimes : [], reorders: node ? t.reorders : null,
                           warm: t.warmTimes ? (node ? t.warmNodeTimes : t.warmTimes) : []});
    pooled[i].passMedians.push(stats(node ? t.nodeTimes : t.times).median);
    pooled[i].refRatios.push(t.refRatio);
    results.push(t);
    resultFiles.push(jobs[i].file);
    return stats(node ? t.nodeTimes : t.times).median;
  };
  const total = o.passes * jobs.length;
  let round = 0;
  for (let pass = 0; pass < o.passes; ++pass) {
    if (o.overheadModel) {
      const base = {seed: o.seed, warmup: o.warmup, repeats: o.repeats, maxRepeats: o.maxRepeats, flushMb: 0};
      overhead.run.push(...(await timeModel(o.overheadModel, o, {...base, minTime: 1000, profile: false})).times);
      overhead.node.push(...(await timeModel(o.overheadModel, o, {...base, minTime: 200, profile: true})).nodeTimes);
    }
    const order = passOrder(o, jobs.length, pass);
    for (let k = 0; k < order.length; ++k) {
      const i = order[k];
      const median = await timeRow(i);
      progress(pass * jobs.length + k + 1, total, jobs[i].label, median);
      if (roundAfter.has(k)) {
        const done = pass * jobs.length + k + 1;
        const show = (f, n) => progress(done, total, path.basename(f).replace(/\.onnx$/, ''), stats(n.times).median);
        await timeNetworks(o, nets, true, show, passOrder(o, o.networks.length, 1000 + round++));
      }
    }
  }
  // --extra-pass-spread: one more pass over the rows whose passes disagree (in a shuffled order).
  const extraRows = o.extraPassSpread === null ? []
      : passOrder(o, jobs.length, o.passes).filter((i) => passSpread(pooled[i].passMedians) >= o.extraPassSpread);
  for (let k = 0; k < extraRows.length; ++k) {
    const i = extraRows[k];
    progress(total + k + 1, total + extraRows.length, jobs[i].label, await timeRow(i));
  }
  process.stderr.write('\n');
  const warmColumn = o.warmMaxMb !== null;
  const flushColumn = o.flushLargeMb !== null;
  // out_rows (docs/measurement-csv.md): the NonMaxSuppression rows' selected boxes, and nms_compares
  // their loop's IoU comparisons (nmsComparisons); empty for other ops.
  const outRowsColumn = jobs.some((j) => j.outRows !== undefined);
  const lines = [[...header, 'latency_ms', 'latency_ms_p10', 'latency_ms_p90', 'repeats', 'run_ms', ...kSpreadColumns,
                  ...(warmColumn ? ['warm_ms'] : []), ...(outRowsColumn ? ['out_rows', 'nms_compares'] : []),
                  ...(node ? kReorderColumns : []), ...(flushColumn ? ['flush_mb'] : []), ...kPassColumns].map(csvField).join(',')];
  let warmRows = 0;
  let skipped = 0, rejected = 0;
  // The profiler's cost per reported node: the 1-element Relu's profiled kernel
  // time less its cost without the profiler (--node-bias, us).
  let bias = 0;
  if (node && o.nodeBias !== null && overhead.node.length) bias = stats(overhead.node).median - o.nodeBias / 1000;
  const unbias = (s) => ({...s, median: s.median - bias, p10: s.p10 - bias, p90: s.p90 - bias});
  let passesDropped = 0;
  jobs.forEach((job, i) => {
    const kept = keptPasses(pooled[i].refRatios, o.quietPasses ? o.refTolerance : null);
    if (kept.length < pooled[i].passes.length) ++passesDropped;
    const pool = poolPasses(kept.map((k) => pooled[i].passes[k]));
    const run = robustStats(pool.run, o.reject);
    const s = node ? unbias(robustStats(pool.node, o.reject)) : run;
    rejected += s.rejected;
    let warm = [];
    if (warmColumn) {
      const w = pool.warm.length ? robustStats(pool.warm, o.reject) : null;
      const wm = w ? (node ? unbias(w) : w).median : 0;
      warm = [wm > 0 ? ms(wm) : ''];
      if (wm > 0) ++warmRows;
    }
    // The NCHWc reorders the single-layer model ran around its node (docs/measurement-csv.md):
    // median per-run time, less the profiler's cost per node as latency_ms; empty without one.
    const reorder = [];
    if (node) {
      for (const dir of ['in', 'out']) {
        const p = pool.reorder[dir];
        const m = p.ms.length ? stats(p.ms).median - bias * p.nodes : 0;
        reorder.push(m > 0 ? ms(m) : '', m > 0 ? String(p.elems) : '');
      }
    }
    const line = [...job.row, ms(s.median), ms(s.p10), ms(s.p90), s.repeats, ms(run.median),
                  ...spreadFields(s, pooled[i].passMedians, pooled[i].refRatios), ...warm,
                  ...(outRowsColumn ? [job.outRows === undefined ? '' : String(job.outRows),
                                       job.nmsCompares === undefined ? '' : String(job.nmsCompares)] : []),
                  ...reorder, ...(flushColumn ? [String(job.flushMb)] : []),
                  ...passFields(pooled[i].passMedians, pooled[i].refRatios)].map(csvField).join(',');
    if (s.median < o.minMs || s.p10 <= 0) {
      lines.push(`# below ${o.minMs} ms: ${line}`);
      ++skipped;
    } else {
      lines.push(line);
    }
  });
  let overheadMs = null;
  if (overhead.run.length) {
    const run = stats(overhead.run), nodes = stats(overhead.node);
    overheadMs = {run_median: +run.median.toFixed(6), run_p10: +run.p10.toFixed(6), run_p90: +run.p90.toFixed(6),
                  node_median: +nodes.median.toFixed(6), median: +(run.median - nodes.median).toFixed(6),
                  runs: run.repeats};
  }
  const m = machine(o, {sweeps: o.sweeps, models: jobs.length, rows_below_min_ms: skipped, latency: o.latency,
                        profiler_bias_ms: node && o.nodeBias !== null ? +bias.toFixed(6) : null,
                        node_bias_us: o.nodeBias,
                        runs_rejected: rejected, flush_mb: o.flushMb, flush_ops: o.flushOps,
                        warm_max_mb: o.warmMaxMb, rows_timed_warm: warmColumn ? warmRows : null,
                        max_time_ms: o.maxTime, extra_pass_spread: o.extraPassSpread,
                        rows_extra_pass: o.extraPassSpread === null ? null : extraRows.length,
                        quiet_passes: o.quietPasses, rows_passes_dropped: o.quietPasses ? passesDropped : null,
                        flush_large_mb: o.flushLargeMb, flush_large_above_mb: o.flushLargeAboveMb,
                        rows_flushed_large: flushColumn ? jobs.filter((j) => j.flushMb > 0 && largeWeights(o, j.weightBytes)).length
                                                       : null,
                        started: began.toISOString(), finished: new Date().toISOString(), loadavg_start: load0,
                        loadavg_end: os.loadavg(), overhead_model: o.overheadModel || null, overhead_ms: overheadMs,
                        contention: contention(results, o, resultFiles)});
  const what = node ? 'latency_ms: per-run sum of ORT node kernel times without NCHWc reorders' +
                      (o.nodeBias !== null ? `, less the profiler's ${(bias * 1000).toFixed(2)} us per node` : '')
                    : 'latency_ms: session.run time';
  const flushOps = o.flushOps.length ? ` of ${o.flushOps.join('/')}` : '';
  const warmNote = warmColumn ? `; warm_ms: rows of <= ${o.warmMaxMb} MiB also timed without it, back to back` : '';
  const largeNote = flushColumn ? ` (${o.flushLargeMb} MiB for weights above ${o.flushLargeAboveMb} MiB, column flush_mb)` : '';
  const flushed = o.flushMb ? `, ${o.flushMb} MiB written before every run${flushOps}${largeNote}${warmNote}` : '';
  const budget = o.maxTime !== null ? `, or ${o.maxTime} ms and >= ${kBudgetMinRuns} runs` : '';
  const extra = o.extraPassSpread !== null ? `, one more pass for the ${extraRows.length} rows whose passes differ by >= ${o.extraPassSpread}x` : '';
  const floor = m.noise_floor ? `; noise floor (reference run MAD) ${m.noise_floor.run_mad_pct}%` : '';
  const comment = `# ONNX Runtime ${m.onnxruntime_node} CPU, ${m.cpu_model}, ${o.threads} thread(s), ` +
      `opt ${o.optLevel}, ` +
      `${o.passes} pass(es) x >= ${o.repeats} runs (>= ${o.minTime} ms${budget}) after ${o.warmup} warm-up${extra}${flushed}, ` +
      `order ${o.order}, outliers beyond ${o.reject} scaled MADs dropped${floor}, ` +
      `${m.started}; ${what}; run_ms: session.run median; see ${path.basename(o.machine)}\n`;
  writeAtomic(o.out, comment + lines.join('\n') + '\n');
  writeAtomic(o.machine, JSON.stringify(m, null, 2) + '\n');
  if (interleave) {
    writeNetworks(o, nets, o.networkOut, began, load0, {rounds_per_pass: o.rounds, warmup: o.networkWarmup,
                                                        repeats_per_round: o.networkRepeats, min_time_per_round_ms: o.networkMinTime,
                                                        interleaved_with: path.basename(o.out),
                                                        keep_network_sessions: o.keepNetworkSessions,
                                                        ...(o.keepSessionsAboveMb !== null ? {
                                                          keep_network_sessions_above_mb: o.keepSessionsAboveMb,
                                                          networks_keeping_sessions: o.networks.filter((f) => keepsSession(o, f))
                                                            .map((f) => path.basename(f))} : {})});
  }
  for (const session of o.networkSessions.values()) await session.release();
  if (o.ref) await o.ref.close();
  const also = interleave ? ` and ${o.networks.length} networks in ${o.passes * o.rounds} rounds` : '';
  process.stderr.write(`run.js: timed ${jobs.length} models x ${o.passes} pass(es)${also} in ` +
                       `${((Date.now() - began) / 1000).toFixed(0)} s; wrote ${o.out}` +
                       `${interleave ? ` and ${o.networkOut}` : ''}\n`);
}

// One reference check; its median in ms.
async function referenceMs(ref) {
  await ref.check();
  return ref.checks[ref.checks.length - 1].ms;
}
async function runNetworks(o) {
  const began = new Date();
  const load0 = os.loadavg();
  await openReference(o);
  const nets = networkState(o);
  const profiles = [];
  const total = o.passes * o.networks.length;
  let done = 0;
  for (let pass = 0; pass < o.passes; ++pass) {
    await timeNetworks(o, nets, false, (f, t) => progress(++done, total, path.basename(f).replace(/\.onnx$/, ''),
                                                          stats(t.times).median),
                       passOrder(o, o.networks.length, pass));
  }
  // With --reference, the reference's median before and after each profile (the slower of the two,
  // in ms, not a ratio: tools/ort/per_layer.py compares profiles of several invocations, whose own
  // baselines differ) in the machine description's profile_reference_ms.
  const profileReferenceMs = {};
  if (o.profile) {
    for (const f of o.networks) {
      const before = o.ref ? await referenceMs(o.ref) : null;
      profiles.push(await profileModel(f, o, o.seed));
      if (o.ref) profileReferenceMs[f] = +Math.max(before, await referenceMs(o.ref)).toFixed(6);
    }
  }
  process.stderr.write('\n');
  writeNetworks(o, nets, o.out, began, load0, {profiles, ...(o.ref && o.profile ? {profile_reference_ms: profileReferenceMs} : {})});
  if (o.ref) await o.ref.close();
  process.stderr.write(`run.js: timed ${o.networks.length} networks x ${o.passes} pass(es) in ` +
                       `${((Date.now() - began) / 1000).toFixed(0)} s; wrote ${o.out}\n`);
}

// Also a module: dispatch.js times with the same machinery; value_sizes.js feeds and profiles with it.
module.exports = {ssdAnchors, nmsAnchorFeed, kAnchorGrids, passDone, roundStats, keptPasses, poolPasses, quietRoundStats, networkStatistic, kStatistics, kStatisticText, kStatisticColumns, reorderTimes, stats, robustStats, mad, percentile, permutation, makeFeeds, nmsComparisons, setFeedSpecs, sessionOptions, timeModel,
                  profileModel, Reference, machine, identity, writeAtomic, ms};

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  try {
    feedSpecs = readFeeds(options.feeds);
  } catch (e) {
    process.stderr.write(`run.js: error: ${e.message}\n`);
    process.exit(1);
  }
  (options.sweeps.length ? runSweeps(options) : runNetworks(options)).catch((e) => {
    process.stderr.write(`\nrun.js: error: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  });
}
