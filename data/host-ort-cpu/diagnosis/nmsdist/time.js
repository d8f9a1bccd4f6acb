// Interleaved session.run timing of single-NMS models on fixed feeds (run under the timing lock).
const ort = require('/work/wt/nmsdist/tools/ort/node_modules/onnxruntime-node');
const fs = require('node:fs');
let cases = [['ssdlite', 'nms55.onnx'], ['ssdlite_perm', 'nms55.onnx'], ['rand55', 'nms55.onnx'], ['rand35', 'nms35.onnx'], ['ssd300', 'nms45_36k.onnx']];
if (process.argv[4] === 'rev') cases = cases.reverse();
const rounds = Number(process.argv[2] || 4), runs = Number(process.argv[3] || 7);
const N = (k) => (k === 'ssd300' ? 36000 : 27000);
const f32 = (f) => { const b = fs.readFileSync(f); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
(async () => {
  const so = {executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all'};
  const S = {};
  for (const [k, m] of cases) {
    S[k] = {s: await ort.InferenceSession.create(m, so),
            feeds: {boxes: new ort.Tensor('float32', f32(`f_${k}_boxes.bin`), [1, N(k), 4]), scores: new ort.Tensor('float32', f32(`f_${k}_scores.bin`), [1, 1, N(k)])}, t: []};
    const o = await S[k].s.run(S[k].feeds); S[k].kept = o.sel.dims[0];
    await S[k].s.run(S[k].feeds);
  }
  for (let r = 0; r < rounds; ++r) for (const [k] of cases) {
    const ts = [];
    for (let i = 0; i < runs; ++i) { const t0 = process.hrtime.bigint(); await S[k].s.run(S[k].feeds); ts.push(Number(process.hrtime.bigint() - t0) / 1e6); }
    ts.sort((a, b) => a - b); S[k].t.push(ts[ts.length >> 1]);
  }
  for (const [k] of cases) console.log(k, 'kept', S[k].kept, 'round medians', S[k].t.map((x) => x.toFixed(1)).join(' '));
})();
