#!/usr/bin/env node
// Run one ONNX model once with ONNX Runtime on tensors stored as raw files, for tools/corpus.
//
//   node tools/corpus/ort_io.js MODEL.onnx DIR
//
// DIR/feeds.json: [{"name": N, "type": "float32"|"int64"|..., "dims": [...], "file": F}], F a raw
// little-endian file in DIR. Writes DIR/outputs.json (same form, files out_K.bin) for every output
// of the model. Optional DIR/options.json: {"outputs": [names]} restricts the fetched outputs;
// {"optimizedModelFilePath": P, "graphOptimizationLevel": L} saves ONNX Runtime's optimized graph.
// Exit 0 on success, 1 with the error on stderr.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const ort = require(path.join(__dirname, '..', 'ort', 'node_modules', 'onnxruntime-node'));

const CTORS = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, int8: Int8Array,
  uint8: Uint8Array, bool: Uint8Array, float16: Uint16Array, int16: Int16Array, uint16: Uint16Array,
};

async function main() {
  const [model, dir] = process.argv.slice(2);
  const feedsSpec = JSON.parse(fs.readFileSync(path.join(dir, 'feeds.json'), 'utf8'));
  const optPath = path.join(dir, 'options.json');
  const options = fs.existsSync(optPath) ? JSON.parse(fs.readFileSync(optPath, 'utf8')) : {};
  const sessionOptions = {intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
                          logSeverityLevel: 3};
  if (options.optimizedModelFilePath) {
    sessionOptions.optimizedModelFilePath = options.optimizedModelFilePath;
    sessionOptions.graphOptimizationLevel = options.graphOptimizationLevel || 'all';
  }
  const session = await ort.InferenceSession.create(model, sessionOptions);
  if (options.optimizedModelFilePath && feedsSpec.length === 0) return;
  const feeds = {};
  for (const f of feedsSpec) {
    const buf = fs.readFileSync(path.join(dir, f.file));
    const Ctor = CTORS[f.type];
    const data = new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / Ctor.BYTES_PER_ELEMENT);
    feeds[f.name] = new ort.Tensor(f.type, Ctor.from(data), f.dims);
  }
  const wanted = options.outputs && options.outputs.length ? options.outputs : session.outputNames;
  const out = await session.run(feeds, wanted);
  const spec = [];
  wanted.forEach((name, k) => {
    const t = out[name];
    const file = `out_${k}.bin`;
    const d = t.data;
    fs.writeFileSync(path.join(dir, file), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    spec.push({name, type: t.type, dims: t.dims, file});
  });
  fs.writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(spec));
}

main().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
