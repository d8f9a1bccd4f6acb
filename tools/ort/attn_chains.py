#!/usr/bin/env python3
"""Synthetic transformer chains for the host CPU (issue 12, helper attn).

    /usr/bin/python3 tools/ort/attn_chains.py OUTDIR [--only NAME,...] [--list]

Writes one ONNX model per chain into OUTDIR (opset 17, float32, batch 1, random weights, seed 13 +
the chain's index: the same bytes on every run). Calibration-side networks only: the structure is
that of torchvision's exports (torch.onnx, opset 17), the sizes are a grid of widths 192-768, tokens
49-3136, heads and MLP ratios, none of them a validation network.

- `vit_*`: pre-norm ViT encoder blocks, `depth` of them: LayerNormalization (opset 17's op, as torch
  exports nn.LayerNorm), the q/k/v projection as MatMul + Add(bias, .), the head split (Reshape
  [1, T, 3, H, D], Transpose (2, 0, 3, 1, 4), Gather 0/1/2), the scaled scores (Mul by 1/sqrt(D),
  MatMul with k transposed), Softmax over the last axis, MatMul with v, the head merge (Transpose
  (0, 2, 1, 3), Reshape), the output projection, the residual Add, LayerNormalization, the MLP (MatMul +
  Add(bias, .), GELU as torch exports it below opset 20: Div, Erf, Add, Mul, Mul; MatMul + Add) and the
  second residual Add.
- `swin_*`: Swin blocks on an [1, S, S, C] map with 7x7 windows, one plain and one shifted per pair:
  LayerNormalization, for the shifted one the cyclic roll by -3 on both axes (Slice + Concat, as
  torch.roll exports), the window partition (Reshape [1, S/7, 7, S/7, 7, C], Transpose (0, 1, 3, 2, 4,
  5), Reshape [nW, 49, C]), the attention as above with the relative-position bias added to the scores
  ([heads, 49, 49]) and, when shifted, the window mask ([nW, 1, 49, 49], a constant here; torchvision
  computes it with shape arithmetic at run time), the window merge and the roll back, the residual
  Add, LayerNormalization, the MLP and its residual Add.

`--list` prints the chains' names and sizes. `--selftest` builds two small chains in memory and checks
their structure against counts worked out by hand (exit 77 without the onnx package).
"""
import argparse
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # --selftest skips (77), the rest says so
    onnx = None

# name, kind, width C, tokens T (ViT) or map side S (Swin), heads, MLP ratio, depth
CHAINS = [
    ('vit_c768_t197', 'vit', 768, 197, 12, 4, 3),
    ('vit_c768_t50', 'vit', 768, 50, 12, 4, 3),
    ('vit_c384_t197', 'vit', 384, 197, 6, 4, 3),
    ('vit_c192_t197', 'vit', 192, 197, 3, 4, 4),
    ('vit_c512_t101', 'vit', 512, 101, 8, 2, 3),
    ('swin_c96_s56', 'swin', 96, 56, 3, 4, 2),
    ('swin_c192_s28', 'swin', 192, 28, 6, 4, 2),
    ('swin_c384_s14', 'swin', 384, 14, 12, 4, 2),
    ('swin_c768_s7', 'swin', 768, 7, 24, 4, 2),
]


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.count = 0

    def name(self, base):
        self.count += 1
        return f'{base}_{self.count}'

    def const(self, base, array):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(array, n))
        return n

    def ints(self, base, values):
        return self.const(base, np.array(values, dtype=np.int64))

    def weight(self, base, shape, scale):
        return self.const(base, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    def node(self, op, inputs, base=None, **attrs):
        out = self.name(base or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=f'/{out}/{op}', **attrs))
        return out

    def layer_norm(self, x, c):
        scale = self.const('ln_w', np.ones(c, dtype=np.float32))
        bias = self.const('ln_b', np.zeros(c, dtype=np.float32))
        return self.node('LayerNormalization', [x, scale, bias], axis=-1, epsilon=1e-6)

    def linear(self, x, c_in, c_out):
        w = self.weight('w', (c_in, c_out), 1.0 / np.sqrt(c_in))
        b = self.weight('b', (c_out,), 0.02)
        mm = self.node('MatMul', [x, w])
        return self.node('Add', [b, mm], base='bias_add')

    def gelu(self, x):
        d = self.node('Div', [x, self.const('sqrt2', np.array(1.4142135381698608, dtype=np.float32))])
        e = self.node('Erf', [d])
        a = self.node('Add', [e, self.const('one', np.array(1.0, dtype=np.float32))])
        m = self.node('Mul', [x, a])
        return self.node('Mul', [m, self.const('half', np.array(0.5, dtype=np.float32))])

    def attention(self, x, lead, tokens, c, heads, scores_add=()):
        """x [lead, tokens, c] -> [lead, tokens, c]; scores_add: tensors added to the scores in order."""
        d = c // heads
        qkv = self.linear(x, c, 3 * c)
        qkv = self.node('Reshape', [qkv, self.ints('shape', [lead, tokens, 3, heads, d])])
        qkv = self.node('Transpose', [qkv], perm=[2, 0, 3, 1, 4])
        q, k, v = (self.node('Gather', [qkv, self.const('idx', np.array(i, dtype=np.int64))], axis=0)
                   for i in range(3))
        q = self.node('Mul', [q, self.const('scale', np.array(d ** -0.5, dtype=np.float32))])
        kt = self.node('Transpose', [k], perm=[0, 1, 3, 2])
        s = self.node('MatMul', [q, kt])
        for extra in scores_add:
            s = self.node('Add', [s, extra])
        p = self.node('Softmax', [s], axis=-1)
        o = self.node('MatMul', [p, v])
        o = self.node('Transpose', [o], perm=[0, 2, 1, 3])
        o = self.node('Reshape', [o, self.ints('shape', [lead, tokens, c])])
        return self.linear(o, c, c)

    def mlp(self, x, c, ratio):
        h = self.linear(x, c, c * ratio)
        return self.linear(self.gelu(h), c * ratio, c)

    def roll(self, x, shift, side):
        """torch.roll(x, (shift, shift), dims=(1, 2)) on [1, side, side, C]: Slice + Concat per axis."""
        s = shift % side
        for axis in (1, 2):
            head = self.node('Slice', [x, self.ints('st', [side - s]), self.ints('en', [side]),
                                       self.ints('ax', [axis])])
            tail = self.node('Slice', [x, self.ints('st', [0]), self.ints('en', [side - s]),
                                       self.ints('ax', [axis])])
            x = self.node('Concat', [head, tail], axis=axis)
        return x


def vit(b, x, c, tokens, heads, ratio, depth):
    for _ in range(depth):
        h = b.attention(b.layer_norm(x, c), 1, tokens, c, heads)
        x = b.node('Add', [h, x], base='residual')
        h = b.mlp(b.layer_norm(x, c), c, ratio)
        x = b.node('Add', [x, h], base='residual')
    return x


def swin(b, x, c, side, heads, ratio, depth):
    win = 7
    n = side // win
    windows = n * n
    for i in range(depth):
        shifted = i % 2 == 1 and side > win
        h = b.layer_norm(x, c)
        if shifted:
            h = b.roll(h, -3, side)
        h = b.node('Reshape', [h, b.ints('shape', [1, n, win, n, win, c])])
        h = b.node('Transpose', [h], perm=[0, 1, 3, 2, 4, 5])
        h = b.node('Reshape', [h, b.ints('shape', [windows, win * win, c])])
        extra = [b.weight('rel_bias', (heads, win * win, win * win), 0.02)]
        if shifted:
            mask = np.where(b.rng.random((windows, 1, win * win, win * win)) < 0.3, -100.0, 0.0)
            extra.append(b.const('mask', mask.astype(np.float32)))
        h = b.attention(h, windows, win * win, c, heads, extra)
        h = b.node('Reshape', [h, b.ints('shape', [1, n, n, win, win, c])])
        h = b.node('Transpose', [h], perm=[0, 1, 3, 2, 4, 5])
        h = b.node('Reshape', [h, b.ints('shape', [1, side, side, c])])
        if shifted:
            h = b.roll(h, 3, side)
        x = b.node('Add', [x, h], base='residual')
        h = b.mlp(b.layer_norm(x, c), c, ratio)
        x = b.node('Add', [x, h], base='residual')
    return x


def build(index, spec):
    name, kind, c, size, heads, ratio, depth = spec
    b = Builder(13 + index)
    shape = [1, size, c] if kind == 'vit' else [1, size, size, c]
    out = (vit if kind == 'vit' else swin)(b, 'x', c, size, heads, ratio, depth)
    out = b.node('Identity', [out], base='y')
    graph = helper.make_graph(
        b.nodes, name, [helper.make_tensor_value_info('x', TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, shape)], b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)],
                              producer_name='odonata attn_chains.py')
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def selftest():
    """Node counts per op worked out from the block structure; shapes by ONNX shape inference."""
    from collections import Counter
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append(f'{what}: {got} != {want}')

    # ViT, C 64, T 10, 4 heads, ratio 2, 2 blocks. Per block: 2 LayerNormalization; 4 linear layers
    # (MatMul + Add each); attention: Reshape x2, Transpose x3, Gather x3, Mul (scale), MatMul x2,
    # Softmax; GELU: Div, Erf, Add, Mul x2; 2 residual Adds. Then the Identity.
    spec = ('t_vit', 'vit', 64, 10, 4, 2, 2)
    m = onnx.shape_inference.infer_shapes(build(0, spec), strict_mode=True)
    ops = Counter(n.op_type for n in m.graph.node)
    per_block = {'LayerNormalization': 2, 'MatMul': 4 + 2, 'Add': 4 + 1 + 2, 'Reshape': 2, 'Transpose': 3,
                 'Gather': 3, 'Mul': 1 + 2, 'Softmax': 1, 'Div': 1, 'Erf': 1}
    check('vit ops', dict(ops), {**{k: 2 * v for k, v in per_block.items()}, 'Identity': 1})
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in m.graph.value_info}
    scores = [n.output[0] for n in m.graph.node if n.op_type == 'Softmax']
    check('vit scores', shapes[scores[0]], [1, 4, 10, 10])
    check('vit output', [d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim], [1, 10, 64])
    # Swin, C 32, a 14x14 map (4 windows of 49), 2 heads, ratio 4, a plain and a shifted block: the
    # shifted one adds a roll each way (2 axes x (2 Slice + 1 Concat)) and the mask Add.
    spec = ('t_swin', 'swin', 32, 14, 2, 4, 2)
    m = onnx.shape_inference.infer_shapes(build(1, spec), strict_mode=True)
    ops = Counter(n.op_type for n in m.graph.node)
    check('swin Slice', ops['Slice'], 8)
    check('swin Concat', ops['Concat'], 4)
    check('swin Add', ops['Add'], 2 * (4 + 1 + 2 + 1) + 1)  # + the relative bias per block, + the mask
    check('swin Reshape', ops['Reshape'], 2 * (2 + 2 + 2))
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in m.graph.value_info}
    scores = [n.output[0] for n in m.graph.node if n.op_type == 'Softmax']
    check('swin scores', shapes[scores[1]], [4, 2, 49, 49])
    check('swin output', [d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim], [1, 14, 14, 32])
    # The same bytes on every run.
    check('deterministic', build(1, spec).SerializeToString() == build(1, spec).SerializeToString(), True)
    for f in failures:
        print('attn_chains.py selftest: ' + f, file=sys.stderr)
    print('attn_chains.py selftest: ' + ('FAILED' if failures else 'ok'))
    return 1 if failures else 0


def main(argv):
    if argv == ['--selftest']:
        return selftest() if onnx else 77
    if onnx is None:
        print('attn_chains.py: needs the onnx and numpy packages (python3-onnx)', file=sys.stderr)
        return 1
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('outdir', nargs='?')
    ap.add_argument('--only', default='', help='comma-separated chain names')
    ap.add_argument('--list', action='store_true')
    args = ap.parse_args(argv)
    names = [s for s in args.only.split(',') if s]
    unknown = sorted(set(names) - {c[0] for c in CHAINS})
    if unknown:
        print(f'attn_chains.py: unknown chain {", ".join(unknown)}', file=sys.stderr)
        return 2
    if args.list:
        for spec in CHAINS:
            print(' '.join(str(v) for v in spec))
        return 0
    if not args.outdir:
        print('usage: attn_chains.py OUTDIR [--only NAME,...] | --list', file=sys.stderr)
        return 2
    os.makedirs(args.outdir, exist_ok=True)
    for index, spec in enumerate(CHAINS):
        if names and spec[0] not in names:
            continue
        onnx.save(build(index, spec), os.path.join(args.outdir, spec[0] + '.onnx'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
