const run = require('/work/wt/nmsdist/tools/ort/run.js');
const fs = require('node:fs');
const f32 = (f) => { const b = fs.readFileSync(f); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
for (const [k, n, iou] of [['rand55', 27000, 0.55], ['rand35', 27000, 0.35], ['ssdlite', 27000, 0.55]]) {
  const t0 = Date.now(), c0 = process.cpuUsage();
  const r = run.nmsComparisons(f32(`f_${k}_boxes.bin`), f32(`f_${k}_scores.bin`), 1, 1, n, iou);
  console.log(k, r, (Date.now() - t0) + ' ms wall, cpu ' + (process.cpuUsage(c0).user / 1000).toFixed(0) + ' ms');
}
