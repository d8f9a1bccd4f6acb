// Input feeds for networks whose inputs the runner cannot guess (issue 12 item 8: recurrent models
// with symbolic sequence dimensions and state inputs). One line per model:
//
//   STEM NAME:TYPE[D1;D2;...][=V] ...     e.g.  silero_vad_v3 input:f32[1;1536] h0:f32[2;1;64] c0:f32[2;1;64]
//
// (the `feeds` syntax of models/third-party/MANIFEST.csv); '#' starts a comment. TYPE is f32, f64,
// i32, i64, u8, i8 or bool; [] is a scalar; `=V` fills the tensor with V (otherwise the runner's
// random floats / zero integers). run.js uses the shapes and values; validate.js passes the shapes
// to odonata (--input-shape) and writes them to the suite's input_shape column.
'use strict';

const fs = require('node:fs');

const kTypes = {f32: 'float32', f64: 'float64', i32: 'int32', i64: 'int64', u8: 'uint8', i8: 'int8', bool: 'bool'};

// FILE -> Map stem -> [{name, type, shape, value}] (value: null or a number).
function readFeeds(file) {
  const specs = new Map();
  if (!file) return specs;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const where = `${file}:${i + 1}`;
    const [stem, ...items] = line.split(/\s+/);
    if (!items.length) throw new Error(`${where}: '${stem}' has no inputs (NAME:TYPE[DIMS][=V] ...)`);
    if (specs.has(stem)) throw new Error(`${where}: '${stem}' is listed twice`);
    specs.set(stem, items.map((item) => {
      const m = item.match(/^([^:\s]+):([a-z0-9]+)\[([0-9;]*)\](?:=(-?[0-9.eE+-]+))?$/);
      if (!m) throw new Error(`${where}: '${item}' is not NAME:TYPE[D1;D2;...][=V] (e.g. input:f32[1;512])`);
      const type = kTypes[m[2]];
      if (!type) throw new Error(`${where}: '${item}': type '${m[2]}' is not one of ${Object.keys(kTypes).join(', ')}`);
      const shape = m[3] === '' ? [] : m[3].split(';').map(Number);
      if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${where}: '${item}': bad dimension`);
      const value = m[4] === undefined ? null : Number(m[4]);
      if (value !== null && !Number.isFinite(value)) throw new Error(`${where}: '${item}': bad value`);
      return {name: m[1], type, shape, value};
    }));
  });
  return specs;
}

// odonata's --input-shape text of a spec's inputs with at least one dimension: NAME=D1xD2...
function inputShapeArgs(spec) {
  return spec.filter((s) => s.shape.length).map((s) => `${s.name}=${s.shape.join('x')}`);
}

module.exports = {readFeeds, inputShapeArgs};
