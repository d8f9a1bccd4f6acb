#!/usr/bin/env node
// The sizes of a network's value-dependent outputs on the timed feed (issue 12): the outputs of
// NonZero, NonMaxSuppression, Unique and Compress, whose size depends on the input values, as
// ONNX Runtime produced them in ONE profiled, untimed session.run on exactly the feed run.js times
// the network with (run.js makeFeeds: --seed, --feeds). Structure of the run only: no time is read.
//
//   node tools/ort/value_sizes.js [--threads N] [--seed S] [--feeds FILE] [--opt-level L] [--compares] MODEL.onnx...
//
// Prints one line per model that has such outputs: its stem, a tab, and the sizes in the syntax of
// the validation suite's input_shape column and of odonata's --input-shape (TENSOR=DIMS, ';' between
// tensors, sorted by name), e.g.
//
//   ssdlite320_mobilenet_v3_large	/NonZero_1_output_0=1x3234;...;4138=11382x3
//
// TENSOR is the node's first output as the model file names it, in whichever graph the node sits
// (the main graph or an If/Loop/Scan body): odonata's --input-shape looks a value-dependent output up
// by that name in every subgraph (src/onnx/loader.cc, ValueDependentProducer), and keeps it when the
// If is replaced by one branch. A node ONNX Runtime merged into another that computes the same
// (same op, inputs and attributes: SSD's two NonZero of one mask) gets that node's size. Nodes whose
// size cannot be stated are named on stderr and left out: a node that ran more than once in the run
// (inside a Loop or Scan) or not at all (a branch not taken, or removed by ONNX Runtime's optimizer),
// an unnamed node or one whose name another such node shares (the profile names nodes only by name),
// an output named with ';'. An empty output (a 0 dimension: Faster R-CNN's second RoI level) is stated
// as such (1x0), which --input-shape takes since 2026-12-07 (until then it stayed at the bound).
// TopK, whose k can also be computed at run time, is not stated: odonata has no --input-shape for it.
// --compares: also a line `STEM<tab>nms_compares<tab>TENSOR=COUNT;...`, the IoU comparisons of each stated
// NonMaxSuppression's loop on the same feed (nmsCompares: its inputs tapped by tools/ort/nms_inputs.py,
// the loop replayed; odonata's --nms-compares, the suite's nms_compares column).
// Defaults as run.js: --threads 1, --seed 1, --opt-level all, no --feeds. Also a module
// (valueSizes, valueDependentNodes, sizeArgs, formatSizes, nmsCompares, compareArgs, formatCompares):
// validate.js writes the sizes and the comparisons into the suite.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The default-domain ops whose first output's size depends on input values and which odonata's
// --input-shape may state (src/onnx/loader.cc, IsValueDependentOp).
const kValueDependent = new Set(['NonZero', 'NonMaxSuppression', 'Unique', 'Compress']);

// --- a minimal reader of the ONNX protobuf: nodes, their names, outputs and subgraphs -------------

// The fields of the protobuf message in buf[start, end): {field, wire, start, end} for
// length-delimited fields (wire 2); other wire types are skipped.
function* fields(buf, start, end, file) {
  let pos = start;
  const varint = () => {
    let value = 0, scale = 1;
    for (;;) {
      if (pos >= end) throw new Error(`${file}: not an ONNX model (truncated protobuf)`);
      const b = buf[pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new Error(`${file}: not an ONNX model (bad varint)`);
    }
  };
  while (pos < end) {
    const tag = varint();
    const field = Math.floor(tag / 8), wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (pos + length > end) throw new Error(`${file}: not an ONNX model (truncated protobuf)`);
      yield {field, wire, start: pos, end: pos + length};
      pos += length;
    } else {
      throw new Error(`${file}: not an ONNX model (protobuf wire type ${wire})`);
    }
    if (pos > end) throw new Error(`${file}: not an ONNX model (truncated protobuf)`);
  }
}

const text = (buf, f) => buf.toString('utf8', f.start, f.end);

// Every node of GraphProto buf[start, end) and of its subgraphs: {name, op, domain, inputs, outputs,
// attributes (the bytes of those without a graph, hex), within}, `within` the chain of enclosing
// nodes [{name, op, branch}] (e.g. an If's else_branch).
function graphNodes(buf, start, end, file, within, out, depth) {
  if (depth > 64) throw new Error(`${file}: subgraphs nested more than 64 deep`);
  for (const f of fields(buf, start, end, file)) {
    if (f.field !== 1) continue;  // GraphProto.node
    const node = {name: '', op: '', domain: '', inputs: [], outputs: [], attributes: [], within};
    const subgraphs = [];
    for (const g of fields(buf, f.start, f.end, file)) {
      if (g.field === 1) node.inputs.push(text(buf, g));  // NodeProto.input
      else if (g.field === 2) node.outputs.push(text(buf, g));  // NodeProto.output
      else if (g.field === 3) node.name = text(buf, g);
      else if (g.field === 4) node.op = text(buf, g);
      else if (g.field === 7) node.domain = text(buf, g);
      else if (g.field === 5) {  // AttributeProto: name 1, g 6, graphs 11
        let name = '';
        const graphs = [];
        for (const a of fields(buf, g.start, g.end, file)) {
          if (a.field === 1) name = text(buf, a);
          else if (a.field === 6 || a.field === 11) graphs.push(a);
        }
        for (const sub of graphs) subgraphs.push({branch: name, sub});
        if (!graphs.length) node.attributes.push(buf.toString('hex', g.start, g.end));
      }
    }
    out.push(node);
    for (const {branch, sub} of subgraphs) {
      graphNodes(buf, sub.start, sub.end, file, [...within, {name: node.name, op: node.op, branch}], out, depth + 1);
    }
  }
  return out;
}

// The value-dependent nodes of an ONNX file (main graph and subgraphs, in file order).
function valueDependentNodes(file) {
  const buf = fs.readFileSync(file);
  let graph = null;
  for (const f of fields(buf, 0, buf.length, file)) if (f.field === 7) graph = f;  // ModelProto.graph
  if (!graph) throw new Error(`${file}: not an ONNX model (no graph)`);
  return graphNodes(buf, graph.start, graph.end, file, [], [], 0)
      .filter((n) => (n.domain === '' || n.domain === 'ai.onnx') && kValueDependent.has(n.op) && n.outputs[0]);
}

// --- one profiled run ---------------------------------------------------------------------------

// The kernel events of one profiled session.run of `file` on run.js's feed (run.js profileModel,
// which `run.js --profile` uses too): Map node name -> events.
async function profiledRun(file, o) {
  const run = require('./run.js');
  const {readFeeds} = require('./feeds.js');
  run.setFeedSpecs(readFeeds(o.feeds || ''));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'odonata-value-sizes-'));
  let events;
  try {
    const profile = await run.profileModel(file, {threads: o.threads || 1, optLevel: o.optLevel || 'all', profile: dir,
                                                  profileRuns: 1}, o.seed ?? 1);
    events = JSON.parse(fs.readFileSync(profile, 'utf8'));
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
  const byNode = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (!byNode.has(name)) byNode.set(name, []);
    byNode.get(name).push(e);
  }
  return byNode;
}

const where = (n) => n.within.map((w) => `${w.op} '${w.name}' ${w.branch}`).join(' / ');
// Nodes computing the same thing: op, domain, inputs, attributes and enclosing graph alike.
const computation = (n) => JSON.stringify([n.op, n.domain, n.inputs, [...n.attributes].sort(), n.within]);

// {sizes: [{tensor, dims, op, node, as}], skipped: [{op, node, why}]} of `file`, sizes sorted by
// tensor name (`as`: the node whose run gave the size, when ONNX Runtime merged this node into it).
// o: {threads, seed, feeds, optLevel} as run.js's options.
async function valueSizes(file, o = {}) {
  const nodes = valueDependentNodes(file);
  const sizes = [], skipped = [];
  if (!nodes.length) return {sizes, skipped};
  const byNode = await profiledRun(file, o);
  const count = new Map();
  for (const n of nodes) count.set(n.name, (count.get(n.name) || 0) + 1);
  // Per node: its size, or why it has none. `run`: the node ran (else it is not in the profile).
  const result = nodes.map((n) => {
    if (!n.name) return {why: `unnamed (output '${n.outputs[0]}'): the profile names nodes`};
    if (count.get(n.name) > 1) return {why: `${count.get(n.name)} value-dependent nodes have this name`};
    const events = (byNode.get(n.name) || []).filter((e) => !e.args.op_name || e.args.op_name === n.op);
    if (!events.length) return {why: null};
    const dims = events.map((e) => {
      const first = (e.args.output_type_shape || [])[0];
      const d = first ? Object.values(first)[0] : null;
      return Array.isArray(d) && d.length ? d.join('x') : null;
    });
    if (dims.length > 1) {
      const distinct = [...new Set(dims)];
      return {run: true, why: `ran ${dims.length} times in one run${n.within.length ? ` (in ${where(n)})` : ''}, ` +
                              (distinct.length > 1 ? `sizes ${distinct.slice(0, 4).join(', ')}${distinct.length > 4 ? ', ...' : ''}`
                                                   : `each time ${distinct[0]}`)};
    }
    if (!dims[0]) return {run: true, why: 'the profile gives no output shape'};
    return {run: true, dims: dims[0]};
  });
  // A node not in the profile that computes what a node that ran computes (ONNX Runtime's common
  // subexpression elimination keeps one of them, e.g. SSD's two NonZero of one mask): the same size.
  const ran = new Map();
  nodes.forEach((n, i) => {
    if (result[i].dims && !ran.has(computation(n))) ran.set(computation(n), i);
  });
  nodes.forEach((n, i) => {
    const r = result[i];
    if (r.run || r.why) return;
    const twin = ran.get(computation(n));
    if (twin !== undefined) {
      r.dims = result[twin].dims;
      r.as = nodes[twin].name;
    } else {
      r.why = `not in the profile (${n.within.length ? `in ${where(n)}: a branch not taken, or ` : ''}` +
              'removed by ONNX Runtime\'s optimizer)';
    }
  });
  nodes.forEach((n, i) => {
    const r = result[i];
    if (r.dims && n.outputs[0].includes(';')) r.why = `output '${n.outputs[0]}' has a ';' in its name`;
    if (r.why) skipped.push({op: n.op, node: n.name, why: r.why});
    else sizes.push({tensor: n.outputs[0], dims: r.dims, op: n.op, node: n.name, as: r.as || ''});
  });
  sizes.sort((a, b) => (a.tensor < b.tensor ? -1 : a.tensor > b.tensor ? 1 : 0));
  return {sizes, skipped};
}

// The sizes as odonata's --input-shape values (TENSOR=DIMS), and as the input_shape column's text
// (those joined by ';').
const sizeArgs = (sizes) => sizes.map((s) => `${s.tensor}=${s.dims}`);
const formatSizes = (sizes) => sizeArgs(sizes).join(';');

// --- the IoU comparisons of each NonMaxSuppression (helper nmsfit, 2026-12-07) -----------------

// A tensor's values as numbers (int64 as Number, INT64_MAX as Infinity).
const numbers = (t) => Array.from(t.data, (v) => (typeof v === 'bigint' ? (v >= 2n ** 53n ? Infinity : Number(v)) : v));

// {compares: [{tensor, count, node}], skipped: [{op, node, why}]} of `file`: for each NonMaxSuppression
// whose kept boxes `sizes` states (valueSizes: it ran once), the IoU comparisons ONNX Runtime's loop
// made on the timed feed. Its inputs are made reachable by tools/ort/nms_inputs.py (tap.onnx: the
// main-graph values they come from as extra outputs; nms<i>.onnx: the branch's nodes computing them),
// both run on run.js's feed (makeFeeds, seed, feeds), and the loop replayed on them (run.js
// nmsComparisons); stated only when the replay keeps the stated boxes. Structure only: no time read.
async function nmsCompares(file, o = {}, sizes = []) {
  const kept = new Map(sizes.filter((x) => x.op === 'NonMaxSuppression').map((x) => [x.tensor, Number(x.dims.split('x')[0])]));
  const compares = [], skipped = [];
  if (!kept.size) return {compares, skipped};
  const ort = require('onnxruntime-node');
  const run = require('./run.js');
  const {readFeeds} = require('./feeds.js');
  run.setFeedSpecs(readFeeds(o.feeds || ''));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'odonata-nms-inputs-'));
  try {
    try {
      require('node:child_process').execFileSync('/usr/bin/python3', [path.join(__dirname, 'nms_inputs.py'), file, dir],
                                                 {stdio: ['ignore', 'ignore', 'pipe']});
    } catch (e) {
      // No python3-onnx, or a model it cannot read: the counts stay unstated (at their bound), the
      // sizes are unaffected.
      const why = String(e.stderr || e.message).split('\n').find((l) => l.trim()) || 'failed';
      for (const tensor of kept.keys()) {
        skipped.push({op: 'NonMaxSuppression', node: tensor, why: `comparisons not counted: nms_inputs.py: ${why.slice(0, 160)}`});
      }
      return {compares, skipped};
    }
    const entries = JSON.parse(fs.readFileSync(path.join(dir, 'nms.json'), 'utf8'));
    const options = run.sessionOptions({threads: o.threads || 1, optLevel: o.optLevel || 'all'});
    const tap = await ort.InferenceSession.create(path.join(dir, 'tap.onnx'), options);
    let outer;
    try {
      outer = await tap.run(run.makeFeeds(tap, file, o.seed ?? 1));
    } finally {
      await tap.release();
    }
    for (const e of entries) {
      if (e.skipped) {
        skipped.push({op: 'NonMaxSuppression', node: e.node, why: `comparisons not counted: ${e.skipped}`});
        continue;
      }
      if (!kept.has(e.tensor)) continue;  // its size is not stated (valueSizes says why)
      const skip = (why) => skipped.push({op: 'NonMaxSuppression', node: e.node, why: `comparisons not counted: ${why}`});
      if (e.center_point_box) {
        skip('center_point_box 1 (the replay reads corners)');
        continue;
      }
      let values = outer;
      if (e.branch) {
        const b = await ort.InferenceSession.create(path.join(dir, e.branch), options);
        try {
          values = await b.run(Object.fromEntries(e.taps.map((t) => [t, outer[t]])));
        } finally {
          await b.release();
        }
      }
      const [boxes, scores, maxOut, iou, threshold] = e.inputs.map((x) => (x ? values[x] : null));
      if (!boxes || !scores || boxes.dims.length !== 3 || scores.dims.length !== 3) {
        skip('boxes or scores not of rank 3');
        continue;
      }
      const m = maxOut ? numbers(maxOut)[0] : 0;  // absent: 0, no box selected (ONNX)
      const r = m > 0 ? run.nmsComparisons(boxes.data, scores.data, Number(scores.dims[0]), Number(scores.dims[1]),
                                           Number(scores.dims[2]), iou ? numbers(iou)[0] : 0, m,
                                           threshold ? numbers(threshold)[0] : null)
                      : {kept: 0, comparisons: 0};
      if (r.kept !== kept.get(e.tensor)) {
        skip(`the replay kept ${r.kept} boxes, ONNX Runtime ${kept.get(e.tensor)}`);
        continue;
      }
      compares.push({tensor: e.tensor, count: r.comparisons, node: e.node});
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
  compares.sort((a, b) => (a.tensor < b.tensor ? -1 : a.tensor > b.tensor ? 1 : 0));
  return {compares, skipped};
}

// The counts as odonata's --nms-compares values (TENSOR=COUNT), and as the suite's nms_compares
// column's text (those joined by ';').
const compareArgs = (compares) => compares.map((c) => `${c.tensor}=${c.count}`);
const formatCompares = (compares) => compareArgs(compares).join(';');

module.exports = {valueSizes, valueDependentNodes, sizeArgs, formatSizes, nmsCompares, compareArgs, formatCompares};

async function main(argv) {
  const o = {threads: 1, seed: 1, feeds: '', optLevel: 'all', compares: false};
  const models = [];
  const usage = (message) => {
    process.stderr.write(`value_sizes.js: error: ${message}\n` +
        'usage: node tools/ort/value_sizes.js [--threads N] [--seed S] [--feeds FILE] [--opt-level L] [--compares] MODEL.onnx...\n');
    process.exit(2);
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--compares') {
      o.compares = true;
    } else if (['--threads', '--seed', '--feeds', '--opt-level'].includes(a)) {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      const v = argv[++i];
      if (a === '--feeds') o.feeds = v;
      else if (a === '--opt-level') o.optLevel = v;
      else {
        const n = Number(v);
        if (v === '' || !Number.isInteger(n) || n < (a === '--threads' ? 1 : 0)) usage(`${a}: '${v}' is not an integer`);
        o[a.slice(2)] = n;
      }
    } else if (a.startsWith('-')) {
      usage(`unexpected argument '${a}'`);
    } else {
      models.push(a);
    }
  }
  if (!models.length) usage('give MODEL.onnx...');
  for (const m of models) {
    const {sizes, skipped} = await valueSizes(m, o);
    const stem = path.basename(m).replace(/\.onnx$/, '');
    for (const s of skipped) process.stderr.write(`value_sizes.js: ${stem}: ${s.op} '${s.node}' not stated: ${s.why}\n`);
    if (sizes.length) process.stdout.write(`${stem}\t${formatSizes(sizes)}\n`);
    if (o.compares) {
      const c = await nmsCompares(m, o, sizes);
      for (const s of c.skipped) process.stderr.write(`value_sizes.js: ${stem}: ${s.op} '${s.node}': ${s.why}\n`);
      if (c.compares.length) process.stdout.write(`${stem}\tnms_compares\t${formatCompares(c.compares)}\n`);
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`value_sizes.js: error: ${String(e && e.message ? e.message : e).split('\n')[0]}\n`);
    process.exit(1);
  });
}
