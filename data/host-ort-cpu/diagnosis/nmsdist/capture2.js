// node capture2.js TAP.onnx STEM PREFIX: run once (untimed) on run.js's feed (seed 1), write the tapped outputs.
const ort = require('/work/wt/nmsdist/tools/ort/node_modules/onnxruntime-node');
const run = require('/work/wt/nmsdist/tools/ort/run.js');
const fs = require('node:fs');
(async () => {
  const [tap, stem, prefix] = process.argv.slice(2);
  const s = await ort.InferenceSession.create(tap, {intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all'});
  const out = await s.run(run.makeFeeds(s, `${stem}.onnx`, 1));
  for (const k of s.outputNames) {
    const t = out[k]; const f = k.replace(/[^A-Za-z0-9]/g, '_');
    console.log(k, t.type, t.dims);
    fs.writeFileSync(`${prefix}${f}.bin`, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
})();
