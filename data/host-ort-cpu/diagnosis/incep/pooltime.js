// task incep: profiled kernel time (us) of the node named 'pool' (its NCHWc kernel) in a model, median of R runs,
// optionally with F MiB written before every run (as run.js --flush-mb). node pooltime.js MODEL R F
const ort = require('../../../../tools/ort/node_modules/onnxruntime-node');
const fs = require('fs'); const os = require('os'); const path = require('path');
const [model, R, F] = process.argv.slice(2);
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
let scratch = null;
(async () => {
  const prefix = path.join(os.tmpdir(), `incep-pool-${process.pid}`);
  const s = await ort.InferenceSession.create(model, {executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: prefix});
  const m = s.inputMetadata[0]; const n = m.shape.reduce((a, b) => a * b, 1); const d = new Float32Array(n);
  for (let i = 0; i < n; ++i) d[i] = ((i * 2654435761) % 1000) / 1000;
  const feeds = {[s.inputNames[0]]: new ort.Tensor('float32', d, m.shape)};
  const mb = +F; if (mb) scratch = new Float64Array(mb * 131072);
  for (let i = 0; i < 5 + +R; ++i) { if (mb) scratch.fill(i); await s.run(feeds); }
  const file = s.endProfiling ? (s.endProfiling(), null) : null;
  await s.release();
  const f = fs.readdirSync(os.tmpdir()).filter((x) => x.startsWith(`incep-pool-${process.pid}`)).map((x) => path.join(os.tmpdir(), x))[0];
  const ev = JSON.parse(fs.readFileSync(f, 'utf8')); fs.unlinkSync(f);
  const by = {};
  for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) (by[e.args.op_name + ' ' + e.name] ||= []).push(e.dur);
  const out = Object.entries(by).filter(([k]) => /Pool/.test(k)).map(([k, v]) => `${k.split(' ')[0]} ${med(v.slice(5))}us (min ${Math.min(...v.slice(5))})`);
  console.log(`${new Date().toISOString()} ${path.basename(model)} flush ${mb} MiB: ${out.join('; ')}`);
})();
