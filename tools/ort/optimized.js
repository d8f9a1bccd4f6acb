#!/usr/bin/env node
// The graph ONNX Runtime actually runs (issue 12, item 2): for every model, save the
// optimized model (session option optimizedModelFilePath) at each optimisation level and
// thread count, and summarise its STRUCTURE with tools/ort/ort_graph.py (op types per
// domain, fusions with the original nodes they cover, NCHWc reorders and where they sit,
// convolutions by kernel family and the kernel that runs them). No timing is read.
//
//   node tools/ort/optimized.js --out DIR [options] MODEL.onnx...
//
// MODEL.onnx: a runnable model (weights present, e.g. `odonata materialize` output). The
// summary compares it with its ORIGINAL, the file of the same name found in --original-dir
// (repeatable; default models and models/third-party), else MODEL itself (only names,
// dims and attributes are read, so the weight-stripped file of models/ serves).
// Writes DIR/<stem>.json (one object per network; a configuration whose summary equals an
// earlier one is written {"same_as": LABEL}) and DIR/summary.md (one table over all
// networks). The optimized models go to a temporary directory and are deleted.
//
// Options:
//   --levels L,...       optimisation levels [all,extended]
//   --threads N,...      intraOpNumThreads values [1,2]
//   --original-dir D     where originals are looked up (repeatable) [models, models/third-party]
//   --python P           Python with the onnx package [/usr/bin/python3]
//   --keep DIR           keep the optimized models' structure in DIR (<stem>.<level>.<N>t.onnx,
//                        without its .weights: not runnable), e.g. for tools/ort/diagnose.py;
//                        a model already kept there is summarised again without ONNX Runtime
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const ort = require('onnxruntime-node');

function usage(message) {
  process.stderr.write(`optimized.js: error: ${message}\n` +
                       'usage: node tools/ort/optimized.js --out DIR [--levels L,..] [--threads N,..] MODEL.onnx...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {out: '', levels: ['all', 'extended'], threads: [1, 2], originalDirs: [], python: '/usr/bin/python3',
             models: [], keep: ''};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-h' || a === '--help') {
      const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);
      const end = lines.findIndex((l) => !l.startsWith('//'));
      process.stdout.write(lines.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else if (a === '--out') {
      o.out = value();
    } else if (a === '--levels') {
      o.levels = value().split(',');
    } else if (a === '--threads') {
      o.threads = value().split(',').map(Number);
    } else if (a === '--original-dir') {
      o.originalDirs.push(value());
    } else if (a === '--python') {
      o.python = value();
    } else if (a === '--keep') {
      o.keep = value();
    } else if (a.startsWith('-')) {
      usage(`unknown option '${a}'`);
    } else {
      o.models.push(a);
    }
  }
  if (!o.out) usage('--out DIR is required');
  if (!o.models.length) usage('give at least one MODEL.onnx');
  for (const l of o.levels) {
    if (!['disabled', 'basic', 'extended', 'layout', 'all'].includes(l)) usage(`--levels: unknown level '${l}'`);
  }
  for (const t of o.threads) if (!Number.isInteger(t) || t < 1) usage('--threads: integers >= 1');
  if (!o.originalDirs.length) o.originalDirs = ['models', 'models/third-party'];
  return o;
}

async function save(model, level, threads, file) {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: level, optimizedModelFilePath: file,
    // Initializers of 1 KiB or more go to a side file: the summary reads structure only.
    extra: {session: {optimized_model_external_initializers_file_name: `${path.basename(file)}.weights`,
                      optimized_model_external_initializers_min_size_in_bytes: '1024'}},
  });
  await session.release();
}

function summaryRows(stem, s) {
  const rows = [];
  for (const [label, c] of Object.entries(s.optimized)) {
    const d = c.same_as ? s.optimized[c.same_as] : c;
    const reorders = Object.values(d.reorders).reduce((a, r) => a + r.count, 0);
    const fused = Object.values(d.fusions).reduce((a, n) => a + n, 0);
    const nchwc = Object.entries(d.ops).filter(([k]) => k.startsWith('nchwc:') && !k.includes('Reorder'))
                      .reduce((a, [, n]) => a + n, 0);
    const ms = Object.entries(d.ops).filter(([k]) => k.startsWith('com.microsoft:'))
                   .map(([k, n]) => `${k.slice('com.microsoft:'.length)} ${n}`).join(', ');
    rows.push(`| ${stem} | ${label}${c.same_as ? ` (= ${c.same_as})` : ''} | ${s.original.nodes} | ${d.nodes} | ` +
              `${fused} | ${nchwc} | ${reorders} | ${ms} |`);
  }
  return rows;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  fs.mkdirSync(o.out, {recursive: true});
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'odonata-opt-'));
  const rows = [];
  try {
    for (const model of o.models) {
      const stem = path.basename(model).replace(/\.onnx$/, '');
      const original = o.originalDirs.map((d) => path.join(d, `${stem}.onnx`)).find((f) => fs.existsSync(f)) || model;
      const args = [path.join(__dirname, 'ort_graph.py'), original];
      for (const level of o.levels) {
        for (const t of o.threads) {
          const name = `${stem}.${level}.${t}t.onnx`;
          if (o.keep && fs.existsSync(path.join(o.keep, name))) {
            args.push(`${level}/${t}t=${path.join(o.keep, name)}`);
            continue;
          }
          const file = path.join(tmp, name);
          await save(model, level, t, file);
          args.push(`${level}/${t}t=${file}`);
        }
      }
      const json = execFileSync(o.python, args, {encoding: 'utf8', maxBuffer: 1 << 28});
      const s = JSON.parse(json);
      s.model = path.basename(model);
      s.original_file = original;
      s.onnxruntime = `onnxruntime-node ${require('onnxruntime-node/package.json').version} CPU`;
      const out = path.join(o.out, `${stem}.json`);
      fs.writeFileSync(`${out}.tmp`, JSON.stringify(s, null, 1) + '\n');
      fs.renameSync(`${out}.tmp`, out);
      rows.push(...summaryRows(stem, s));
      if (o.keep) fs.mkdirSync(o.keep, {recursive: true});
      for (const f of fs.readdirSync(tmp)) {
        if (o.keep && f.endsWith('.onnx')) fs.copyFileSync(path.join(tmp, f), path.join(o.keep, f));
        fs.unlinkSync(path.join(tmp, f));
      }
      process.stderr.write(`optimized.js: ${stem}: ${s.original.nodes} nodes -> ` +
                           `${Object.entries(s.optimized).map(([l, c]) => `${l} ${c.same_as ? `= ${c.same_as}` : c.nodes}`).join(', ')}\n`);
    }
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true});
  }
  const head = '| network | level/threads | original nodes | executed nodes | fused nodes | NCHWc nodes | reorders | com.microsoft ops |\n' +
               '|---|---|--:|--:|--:|--:|--:|---|\n';
  const file = path.join(o.out, 'summary.md');
  let old = [];
  if (fs.existsSync(file)) {
    const stems = new Set(o.models.map((m) => path.basename(m).replace(/\.onnx$/, '')));
    old = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^\| [^ -]/.test(l) && !l.startsWith('| network ') &&
                                                           !stems.has(l.split(' | ')[0].slice(2)));
  }
  const all = [...old, ...rows].sort();
  fs.writeFileSync(`${file}.tmp`, head + all.join('\n') + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

main().catch((e) => {
  process.stderr.write(`optimized.js: error: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
