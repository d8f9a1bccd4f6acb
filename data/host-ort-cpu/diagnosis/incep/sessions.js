// Diagnosis helper (task incep): time MODEL in N fresh sessions of one process; per session the
// median of R runs (after W warm-ups), and optionally one ORT profile per session (per-node times).
// node sessions.js MODEL N R PROFDIR|- [reference.onnx]
const ort = require('../../../../tools/ort/node_modules/onnxruntime-node');
const fs = require('fs'); const path = require('path');
const [model, N, R, profdir, ref] = process.argv.slice(2);
function rng(seed) { let s = seed >>> 0; return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; }; }
function feeds(session) {
  const next = rng(1); const f = {};
  for (const m of session.inputMetadata) {
    const shape = m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const n = shape.reduce((a, b) => a * b, 1); const data = new Float32Array(n);
    for (let i = 0; i < n; ++i) data[i] = next();
    f[m.name] = new ort.Tensor('float32', data, shape);
  }
  return f;
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
async function timeIt(file, runs, prof) {
  const opts = {executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all'};
  if (prof) { opts.enableProfiling = true; opts.profileFilePrefix = prof; }
  const s = await ort.InferenceSession.create(file, opts); const f = feeds(s);
  for (let i = 0; i < 3; ++i) await s.run(f);
  const t = []; const c = []; const sy = []; const fl = [];
  for (let i = 0; i < runs; ++i) { const ru = process.resourceUsage(); const u = process.cpuUsage(); const a = process.hrtime.bigint(); await s.run(f); t.push(Number(process.hrtime.bigint() - a) / 1e6); const d = process.cpuUsage(u); c.push((d.user + d.system) / 1e3); sy.push(d.system / 1e3); fl.push(process.resourceUsage().minorPageFault - ru.minorPageFault); }
  t.cpu = c; t.sys = sy; t.flt = fl;
  if (prof) s.endProfiling();
  await s.release();
  return t;
}
(async () => {
  for (let k = 0; k < +N; ++k) {
    let r0 = ref ? med(await timeIt(ref, 30)) : NaN;
    const prof = profdir !== '-' ? path.join(profdir, `s${String(k).padStart(2, '0')}`) : null;
    const t = await timeIt(model, +R, prof);
    let r1 = ref ? med(await timeIt(ref, 30)) : NaN;
    console.log(`${new Date().toISOString()} session ${k} cpu ${med(t.cpu).toFixed(2)} sys ${med(t.sys).toFixed(2)} minflt ${med(t.flt)} wall ${med(t).toFixed(2)} min ${Math.min(...t).toFixed(2)} max ${Math.max(...t).toFixed(2)} ref ${r0.toFixed(3)} ${r1.toFixed(3)}`);
  }
})();
