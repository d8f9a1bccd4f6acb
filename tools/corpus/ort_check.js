#!/usr/bin/env node
// Run one ONNX model once with ONNX Runtime (CPU, 1 thread) on the feeds of the corpus manifest.
//
//   node tools/corpus/ort_check.js MODEL.onnx 'name:f32[1;3;224;224] sr:i64[]=16000 ...'
//
// Feed syntax (MANIFEST.csv column `feeds`): space-separated NAME:TYPE[D1;D2;...][=VALUE], TYPE one of
// f32 f16 f64 i64 i32 i8 u8 bool; [] is a scalar. VALUE: a number (every element), `bytes` (random
// integers 0..256, Magika's byte input), or absent (random: floats in [-1, 1), integers in [0, 10)).
// The random generator is seeded (mulberry32, seed 1), so a run is reproducible.
// Prints one JSON line: {"ok":true,"outputs":{name:[dims]}} or {"ok":false,"error":"first line"};
// exit 0 either way, 2 on a usage error.
'use strict';

const path = require('node:path');
const ort = require(path.join(__dirname, '..', 'ort', 'node_modules', 'onnxruntime-node'));

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

const TYPES = {
  f32: ['float32', Float32Array], f64: ['float64', Float64Array], i64: ['int64', BigInt64Array],
  i32: ['int32', Int32Array], i8: ['int8', Int8Array], u8: ['uint8', Uint8Array], bool: ['bool', Uint8Array],
  f16: ['float16', Uint16Array],
};

function parseFeeds(spec, random) {
  const feeds = {};
  for (const item of spec.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(.+):([a-z0-9]+)\[([0-9;]*)\](?:=(.+))?$/.exec(item);
    if (!m) throw new Error(`bad feed ${item}`);
    const [, name, type, dimText, value] = m;
    if (!TYPES[type]) throw new Error(`bad type ${type} in ${item}`);
    const dims = dimText === '' ? [] : dimText.split(';').map(Number);
    const n = dims.reduce((a, b) => a * b, 1);
    const [ortType, Ctor] = TYPES[type];
    const data = new Ctor(n);
    for (let i = 0; i < n; i++) {
      let v;
      if (value === 'bytes') v = Math.floor(random() * 257);
      else if (value !== undefined) v = Number(value);
      else if (type === 'f32' || type === 'f64') v = random() * 2 - 1;
      else if (type === 'f16') v = 0x3800;  // 0.5
      else if (type === 'bool') v = random() < 0.5 ? 1 : 0;
      else v = Math.floor(random() * 10);
      data[i] = type === 'i64' ? BigInt(v) : v;
    }
    feeds[name] = new ort.Tensor(ortType, data, dims);
  }
  return feeds;
}

async function main() {
  const [model, spec] = process.argv.slice(2);
  if (!model || spec === undefined) {
    process.stderr.write('usage: node tools/corpus/ort_check.js MODEL.onnx FEEDS\n');
    process.exit(2);
  }
  try {
    const feeds = parseFeeds(spec, rng(1));
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
    });
    const out = await session.run(feeds);
    const outputs = {};
    for (const [k, v] of Object.entries(out)) outputs[k] = v.dims;
    process.stdout.write(JSON.stringify({ok: true, outputs}) + '\n');
  } catch (e) {
    const line = String(e && e.message ? e.message : e).split('\n').find((l) => l.trim()) || 'error';
    process.stdout.write(JSON.stringify({ok: false, error: line.trim()}) + '\n');
  }
}

main();
