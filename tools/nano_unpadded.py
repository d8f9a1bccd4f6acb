#!/usr/bin/env python3
"""Jetson Nano, unpadded 1x1 convolutions (data/jetson-nano/README.md, candidate (U2), declared 2026-12-07): the
pieces tools/fit_jetson_nano.sh uses, and their self-test (`--selftest`, run by ctest).

- unpadded_1x1(path): the names of an ONNX model's Conv nodes with a 1x1 kernel, no padding and one group.
- fit_torch2trt(rows): measured = s x L + q x U + g x G + o by least squares of relative error, L the FP32 layer
  time, U the FP32 time of the unpadded 1x1 layers, G the Gemm MACs; r = 1 + q / s.
- scale_unpadded_1x1(fitted, r): a step_linear conv model (one cost per kernel size, as `odonata fit --split-by
  conv=kernel` writes it) with r x its time on unpadded 1x1 layers. The terms that are not zero at kernel 1 are
  those without a kernel step factor; each gets copies x (r - 1) x valid_permille:999 (1 when every tap reads the
  input, else 0) x (1 - J(kernel)), J = f3 - f8 - 3 f15 - f24 + f35 + f48 with fs = floor((kernel - 1) / s): J is 0
  at kernel 1 and 1 at every square kernel 2x2..7x7, 9x9 and 11x11 (kernel = kh x kw = 4..49, 81, 121), so
  unpadded larger kernels keep their cost (not 1 at 1x2, 1x3, 1x7, 8x8, 10x10: no suite has these unpadded).
"""
import sys

import numpy as np

INDICATOR = ((3, 1.0), (8, -1.0), (15, -3.0), (24, -1.0), (35, 1.0), (48, 1.0))  # J(kernel) = sum c x f_step


def indicator_j(kernel):
    return sum(c * ((kernel - 1) // s) for s, c in INDICATOR)


def unpadded_1x1(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    names = set()
    for nd in m.graph.node:
        if nd.op_type == "Conv":
            a = {x.name: onnx.helper.get_attribute_value(x) for x in nd.attribute}
            auto = a.get("auto_pad", b"NOTSET")
            if (tuple(a.get("kernel_shape", ())) == (1, 1) and not any(a.get("pads", ())) and a.get("group", 1) == 1
                    and auto in (b"NOTSET", b"VALID")):
                names.add(nd.name)
    return names


def fit_torch2trt(rows):
    """rows: (L, U, G, measured) per network. Returns s, q, g, o, r."""
    A = np.array([[l / m, u / m, g / m, 1.0 / m] for l, u, g, m in rows])
    (s, q, g, o), *_ = np.linalg.lstsq(A, np.ones(len(rows)), rcond=None)
    return s, q, g, o, 1 + q / s


def scale_unpadded_1x1(fitted, r):
    u = {"dim": "valid_permille", "step": 999}
    extra = []
    for t in fitted["terms"]:
        if any(f["dim"] == "kernel" and f.get("step", 0) > 0 for f in t["factors"]):
            continue
        base = t["coef"] * (r - 1)
        extra.append({"coef": base, "factors": t["factors"] + [u]})
        for step, c in INDICATOR:
            extra.append({"coef": -base * c, "factors": t["factors"] + [u, {"dim": "kernel", "step": step}]})
    fitted["terms"] += extra
    return fitted


def _selftest():
    # J: 0 at 1x1, 1 at the square kernels the indicator claims.
    assert indicator_j(1) == 0
    for k in (2, 3, 4, 5, 6, 7, 9, 11):
        assert indicator_j(k * k) == 1, (k, indicator_j(k * k))
    # fit_torch2trt recovers known numbers from synthetic networks with +/-1% noise.
    rng = np.random.default_rng(16)
    s, q, g, o = 0.53, -0.10, 1.9e-7, 1.5
    rows = []
    for _ in range(12):
        L = rng.uniform(5, 130); U = L * rng.uniform(0, 0.7); G = rng.choice([0, 5e5, 2e6, 1.2e8])
        rows.append((L, U, G, (s * L + q * U + g * G + o) * (1 + rng.uniform(-0.01, 0.01))))
    fs, fq, fg, fo, fr = fit_torch2trt(rows)
    assert abs(fs / s - 1) < 0.02 and abs(fq / q - 1) < 0.1 and abs(fg / g - 1) < 0.05 and abs(fo / o - 1) < 0.2, \
        (fs, fq, fg, fo)
    assert abs(fr - (1 + q / s)) < 0.02, fr
    # scale_unpadded_1x1 on a two-kernel model: ms = 0.1 x kernel:3 + 2e-9 x macs + 1e-9 x macs x kernel:8
    # (1x1: 2e-9 x macs; 3x3: 0.2 + 3e-9 x macs); evaluated as the estimator does (estimator.h).
    model = {"terms": [{"coef": 0.1, "factors": [{"dim": "kernel", "step": 3}]},
                       {"coef": 2e-9, "factors": [{"dim": "macs"}]},
                       {"coef": 1e-9, "factors": [{"dim": "macs"}, {"dim": "kernel", "step": 8}]}]}
    scaled = scale_unpadded_1x1({"terms": [dict(t) for t in model["terms"]]}, 0.8)

    def ms(m, dims):
        total = 0.0
        for t in m["terms"]:
            v = t["coef"]
            for f in t["factors"]:
                x = dims[f["dim"]]
                v *= (x - 1) // f["step"] if f.get("step", 0) > 0 else x
            total += v
        return total

    for kernel, permille, want in ((1, 1000, 0.8 * 2e-9 * 1e8), (1, 925, 2e-9 * 1e8), (9, 1000, 0.2 + 3e-9 * 1e8),
                                   (49, 1000, ms(model, {"kernel": 49, "macs": 1e8})),
                                   (121, 1000, ms(model, {"kernel": 121, "macs": 1e8}))):
        got = ms(scaled, {"kernel": kernel, "macs": 1e8, "valid_permille": permille})
        assert abs(got - want) < 1e-9, (kernel, permille, got, want)
    print("nano_unpadded selftest: ok")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        _selftest()
    else:
        sys.exit(__doc__)
