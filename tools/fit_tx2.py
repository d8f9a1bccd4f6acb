#!/usr/bin/python3
"""Jetson TX2 (TensorRT) per-class roofline fitted to whole-network latencies.

    /usr/bin/python3 tools/fit_tx2.py ODONATA SEED SUITE OUT_PROFILE LONO_CSV

SUITE (data/validation/jetson-tx2-trt.csv): NVIDIA's TensorRT 3.0.4 FP16/FP32 table of 14 TF-slim classifiers
on the TX2 (shared/data/peers2/nvidia_tf_to_trt_tx2.csv), one row per (network, precision), each with its split.

Model: every fused layer of class c (conv, gemm, pool, eltwise; other classes share "default") takes
    t = max(flops / (peak_p * e_c * s_k * u), bytes_p / (bw * m_c))
odonata's roofline estimator with the class's compute and memory efficiencies e_c, m_c and, for conv, a kernel
term s_k per kernel shape (1x1, kxk, 1xk, strided: ClassModel::kernel_terms) and ANNETTE's spatial utilisation
u = eff(out_h) x eff(out_w), eff(x) = 1 / ((1 - alpha) + alpha / (x / (ceil(x/P) P))) (the refined roofline with
out_h and out_w unrolled by P: small feature maps leave the GPU's tiles idle; VGG's 224..14 maps reach twice the
efficiency of the 17x17, 8x8 and 7x7 maps of Inception and ResNet). P is chosen per fit from PARALLELISM by the
lowest training loss (brute force, as ANNETTE fits its step widths), alpha is fitted.
Depthwise convolutions (dwconv) take t = traffic_fp32 / (bw * m_dw) at both precisions: TensorRT 3's depthwise
kernels gain nothing from FP16 (the table's three MobileNet v1 take the same time at FP16 and FP32: 2.67 / 2.65,
3.95 / 4.00, 12.9 / 12.9 ms) and run far below both roofs, so their cost is the traffic at FP32 (written to the
profile as a step_linear model, the same per precision, on the layer's inputs + elems + weights).
A network takes the sum of its layers plus overhead_ms. peak_p and bw are the seed's (QuTiBench). The parameters
minimise the squared relative error of the network totals (scipy least_squares, log-parameters, efficiencies <= 1).

The layers of each network (fused as the profile fuses them, flops and bytes at each precision) come from
`odonata estimate --format json` with the seed; the class and kernel shape of each layer from the ONNX node the
layer is named after (Conv with group == input channels and group > 1: dwconv).

Writes OUT_PROFILE (the seed with the fitted classes and overhead, fitted on the suite's calibration rows only)
and LONO_CSV: for each network, the parameters fitted on the calibration AND validation rows of the other 13
networks, and the held-out network's two rows estimated (leave-one-network-out).

ODONATA_TX2_FORM=NAME: LONO_CSV is computed with that model form of tools/tx2_variants.py instead of the model above
(the form its inner criterion adopted; docs/boards.md, Jetson TX2). When NAME is CARRIED_FORM
(tile128x64+disp+f16fix+pnorm+dwg+wino+mnf32, the form the 19:49 UTC rule adopted), the estimator carries every term
of it (2026-12-08, branch tx2est: docs/platform-profile.md gemm_tiles, winograd, overlap_p, group_waves,
precision_fallback, dispatch_ms), so OUT_PROFILE is that form fitted on the calibration rows (write_form_profile),
and LONO_CSV also holds, for every held-out row, `odonata estimate` with the profile written from the same fold's
fit (odonata_ms; it agrees with the script's estimate to 1e-5 %). Any other NAME: the profile is fitted with the
model above, as before.
"""

import csv
import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np
import onnx
from scipy.optimize import least_squares

CLASSES = ["conv", "dwconv", "gemm", "pool", "eltwise", "default"]
SHAPES = [x for x in os.environ.get("ODONATA_TX2_SHAPES", "1x1,kxk,1xk,strided").split(",") if x]
# Candidate spatial step widths P (brute force per fit). Empty: no spatial utilisation (plain roofline for conv).
# Tried with ODONATA_TX2_PARALLELISM=16,32,64,128: leave-one-network-out 11.96% instead of 14.24%, but the
# kernel-shape terms it then fits (strided 0.22) make QuTiBench's Caffe ResNet-50 (stride-2 1x1 convolutions,
# absent from the TF-slim table) 2.5x too slow; with ODONATA_TX2_SHAPES=1x1,kxk,1xk as well (no strided term)
# LONO 11.53%, but the profile fitted on the 18 calibration rows is worse on the validation rows (trt3 11.4%,
# QuTiBench MAXN 11.9%), so the profile uses neither (docs/boards.md, Jetson TX2).
PARALLELISM = [int(x) for x in os.environ.get("ODONATA_TX2_PARALLELISM", "").split(",") if x]
DW_ELEMS = []  # output elements of every depthwise layer seen (the step_linear model's range)
POOL = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}
ELTWISE = {"Add", "Mul", "Sub", "Div", "Sum", "Max", "Min"}
GEMM = {"Gemm", "MatMul"}


def read_suite(path):
    lines = [l for l in open(path) if not l.startswith("#") and l.strip()]
    return list(csv.DictReader(lines))


def node_info(model_path):
    m = onnx.load(model_path, load_external_data=False)
    init = {t.name: list(t.dims) for t in m.graph.initializer}
    info = {}
    for n in m.graph.node:
        if n.op_type != "Conv":
            continue
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        w = init.get(n.input[1])
        k = list(a.get("kernel_shape", w[2:] if w else [1, 1]))
        strides = list(a.get("strides", [1, 1]))
        group = a.get("group", 1)
        cin = (w[1] * group) if w else 0
        info[n.name] = (k, strides, group, cin)
    return info


def shape_of(k, strides):
    """KernelShapeOf (src/estimator.cc): a strided 1x1 window is a 1x1 convolution over a subsampled input."""
    if len(k) != 2:
        return None
    if any(s > 1 for s in strides) and max(k) > 1:
        return "strided"
    if k[0] != k[1]:
        return "1xk"
    return "1x1" if k[0] == 1 else "kxk"


def layers_of(odonata, seed, model_path, precision, shapes=False):
    """The fused layers; shapes: each also with its output shape, MACs, weight bytes at the run precision and
    the kernel window (kh, kw) of a convolution ((1, 1) otherwise) (tools/tx2_variants.py)."""
    out = subprocess.run([odonata, "estimate", model_path, "--platform", seed, "--precision", precision,
                          "--format", "json"], check=True, capture_output=True, text=True).stdout
    est = json.loads(out)
    info = node_info(model_path)
    layers = []
    for l in est["layers"]:
        if l["estimator"] == "free":
            continue
        op = l["op"]
        shape = None
        kwin = (1, 1)
        if op == "Conv":
            k, strides, group, cin = info[l["name"]]
            kwin = tuple(int(x) for x in k) if len(k) == 2 else (1, 1)
            cls = "dwconv" if group > 1 and group == cin else "conv"
            if cls == "conv":
                shape = shape_of(k, strides)
        elif op in GEMM:
            cls = "gemm"
        elif op in POOL:
            cls = "pool"
        elif op in ELTWISE:
            cls = "eltwise"
        else:
            cls = "default"
        nbytes = float(l["bytes"])
        if cls == "dwconv" and precision == "fp16":
            nbytes *= 2  # the traffic at FP32 (docstring): every element 4 bytes instead of 2
        osh = l["output_shape"]
        if cls == "dwconv":
            DW_ELEMS.append(math.prod(osh))
        hw = (int(osh[2]), int(osh[3])) if len(osh) == 4 else (1, 1)
        layer = (cls, shape, float(l["ops_count"]), nbytes, int(l.get("repeat", 1)), hw)
        layers.append(layer + (list(osh), float(l["macs"]), float(l.get("param_bytes", 0)), kwin) if shapes else layer)
    return layers


class Model:
    """Parameter vector <-> per-class compute efficiencies, memory efficiencies (dwconv its own,
    every other class one shared),
    conv kernel scales, the FP16 peak factor and the overhead."""

    def __init__(self, present, par=0):
        self.par = par
        self.classes = [c for c in CLASSES if c in present and c != "dwconv"]
        self.mem = [c for c in ("dwconv",) if c in present] + ["shared"]
        self.shapes = [s for s in SHAPES if s in present]
        self.n = len(self.classes) + len(self.mem) + len(self.shapes) + 3

    def unpack(self, th):
        nc, nm, ns = len(self.classes), len(self.mem), len(self.shapes)
        e = {c: math.exp(min(0.0, th[i])) for i, c in enumerate(self.classes)}
        mm = {k: math.exp(min(0.0, th[nc + i])) for i, k in enumerate(self.mem)}
        m = {c: mm[c] if c in mm else mm["shared"] for c in self.classes + [k for k in mm if k != "shared"]}
        s = {k: math.exp(th[nc + nm + i]) for i, k in enumerate(self.shapes)}
        j = nc + nm + ns
        f16 = math.exp(min(0.0, th[j]))
        overhead = math.exp(th[j + 1])
        self.alpha = 1 / (1 + math.exp(-th[j + 2]))
        return e, m, s, f16, overhead

    def bounds(self):
        nc, nm, ns = len(self.classes), len(self.mem), len(self.shapes)
        th0 = [math.log(0.3)] * (nc + nm) + [0.0] * ns + [math.log(0.9), math.log(1.0), 0.0]
        lo = [-12.0] * (nc + nm) + [-3.0] * ns + [math.log(0.3), math.log(0.01), -8.0]
        hi = [0.0] * (nc + nm) + [3.0] * ns + [0.0, math.log(20.0), 8.0]
        return th0, lo, hi

    def utilisation(self, hw):
        u = 1.0
        if not self.par:
            return u
        for x in hw:
            ux = x / (math.ceil(x / self.par) * self.par)
            u *= 1 / ((1 - self.alpha) + self.alpha / ux)
        return u

    def total(self, th, layers, peak, bw, fp16):
        e, m, s, f16, overhead = self.unpack(th)
        if fp16:
            peak = peak * f16
        t = 0.0
        for cls, shape, flops, nbytes, rep, hw in layers:
            if cls == "dwconv":
                t += rep * nbytes / (bw * m[cls]) * 1e3
                continue
            c = cls if cls in e else "default"
            sc = s.get(shape, 1.0) * self.utilisation(hw) if cls == "conv" else 1.0
            t += rep * max(flops / (peak * e[c] * sc), nbytes / (bw * m[c])) * 1e3
        return t + overhead


def fit(rows, model):
    """Fit for every candidate P; keep the lowest training loss (model.par is left at the chosen P)."""
    best = None
    for par in PARALLELISM or [0]:
        model.par = par
        r = fit_one(rows, model)
        if best is None or r.cost < best[1].cost:
            best = (par, r)
    model.par = best[0]
    model.unpack(best[1].x)
    return best[1].x


def fit_one(rows, model):
    th0, lo, hi = model.bounds()
    ns = len(model.shapes)
    first = len(model.classes) + len(model.mem)

    def res(th):
        r = [model.total(th, L, P, B, h) / y - 1 for (L, P, B, h, y) in rows]
        # a weak pull of the kernel scales towards 1 keeps shapes with few rows from running away
        r += [0.05 * th[first + i] for i in range(ns)]
        # and a weak pull of every efficiency towards 0.5 (ridge in log space): a class whose rows are all
        # overhead-dominated (the fully connected layers of every network but VGG) is then not sent to a bound
        r += [0.03 * (th[i] - math.log(0.5)) for i in range(first)]
        return r

    return least_squares(res, th0, bounds=(lo, hi))


def main(argv):
    odonata, seed_path, suite_path, out_path, lono_path = argv
    seed = json.load(open(seed_path))
    suite = read_suite(suite_path)
    root = os.path.dirname(os.path.abspath(suite_path))
    bw = seed["precisions"]["fp32"]["bandwidth_gbps"]["value"] * 1e9
    data = []
    for r in suite:
        p = r["precision"]
        peak = seed["precisions"][p]["peak_gops"]["value"] * 1e9
        L = layers_of(odonata, seed_path, os.path.join(root, r["model"]), p)
        data.append(dict(row=r, layers=L, peak=peak, bw=bw, y=float(r["measured_ms"])))
    present = set()
    for d in data:
        for cls, shape, *_ in d["layers"]:
            present.add(cls)
            if cls == "conv" and shape:
                present.add(shape)
    model = Model(present)
    as_rows = lambda ds: [(d["layers"], d["peak"], d["bw"], d["row"]["precision"] == "fp16", d["y"]) for d in ds]  # noqa: E731

    form = os.environ.get("ODONATA_TX2_FORM", "")
    if form:
        return lono_with_form(argv, form, data, model, as_rows)
    return finish(argv, data, model, as_rows, None)


def lono_with_form(argv, form, data, model, as_rows):
    """LONO_CSV from tools/tx2_variants.py's form `form` (same rows, same protocol), then the profile as usual."""
    odonata, seed_path, suite_path, out_path, lono_path = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tx2_variants
    v = next((x for x in tx2_variants.VARIANTS if x.name == form), None)
    if v is None:
        sys.stderr.write("tools/fit_tx2.py: ODONATA_TX2_FORM=%s is no form of tools/tx2_variants.py\n" % form)
        return 2
    vdata, split = tx2_variants.load(odonata, seed_path, suite_path)
    lono = [(net, p, y, est, err) for net, p, y, est, err in tx2_variants.lono(v, vdata)]
    if form != CARRIED_FORM:
        return finish(argv, data, model, as_rows, (form, lono))
    # The estimator carries this form: the profile is fitted with it (calibration rows only), and every held-out
    # estimate is also computed by odonata itself from a profile fitted on the other 13 networks.
    seed = json.load(open(seed_path))
    rows = {(r["network"], r["precision"]): r for r in read_suite(suite_path)}
    root = os.path.dirname(os.path.abspath(suite_path))
    import tempfile
    tmpdir = tempfile.mkdtemp()
    tmp = os.path.join(tmpdir, seed["name"] + ".json")  # a profile's name is its file's stem
    by_odonata = {}
    for net in dict.fromkeys(d[0] for d in vdata):
        th = v.fit([(d[2], d[3]) for d in vdata if d[0] != net])
        write_form_profile(v, th, seed, tmp, "fitted: tools/fit_tx2.py (form %s) on the rows of the 13 networks "
                           "other than %s (leave-one-network-out)" % (form, net))
        for p in ("fp16", "fp32"):
            model_path = os.path.join(root, rows[(net, p)]["model"])
            out = subprocess.run([odonata, "estimate", model_path, "--platform", tmp, "--precision", p, "--format",
                                  "json"], check=True, capture_output=True, text=True).stdout
            by_odonata[(net, p)] = float(json.loads(out)["total_ms"])
    os.remove(tmp)
    os.rmdir(tmpdir)
    th = v.fit([(d[2], d[3]) for d in vdata if split[d[0]] == "calibration"])
    ncal = sum(1 for d in vdata if split[d[0]] == "calibration")
    src = ("fitted: tools/fit_tx2.py (model form %s of tools/tx2_variants.py) on the %d calibration rows of "
           "data/validation/jetson-tx2-trt.csv (NVIDIA TensorRT 3.0.4 TX2 table, shared/data/peers2/"
           "nvidia_tf_to_trt_tx2.csv; whole-network least squares of the relative error)" % (form, ncal))
    write_form_profile(v, th, seed, out_path, src)
    for d in vdata:
        est = v.total(th, d[2])
        print("profile %-12s %-24s %s measured %7.2f estimated %7.2f error %+6.1f%%" % (
            split[d[0]], d[0], d[1], d[3], est, 100 * (est - d[3]) / d[3]))
    return write_lono(argv, lono, form, by_odonata)


# The form of tools/tx2_variants.py that the estimator carries term for term (the one the 19:49 UTC rule adopted):
# write_form_profile turns its parameters into a profile.
CARRIED_FORM = "tile128x64+disp+f16fix+pnorm+dwg+wino+mnf32"


def write_form_profile(v, th, seed, out_path, src):
    """The profile of CARRIED_FORM's parameters th (docs/platform-profile.md: gemm_tiles, winograd, overlap_p,
    group_waves, precision_fallback, dispatch_ms; docs/boards.md, Jetson TX2)."""
    o = v.o
    assert o["tile"] == (128, 64) and o["disp"] and o["f16fix"] and o["combine"] == "pnorm" and o["dwg"] and \
        o["wino"] and o["mnf32"] and not (o["klat"] or o["l2"] or o["kzero"] or o["ktile"] or o["wave"] or o["nf16"])
    g = lambda n: th[v.ix[n]]  # noqa: E731
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    eff = lambda n: math.exp(min(0.0, g(n)))  # noqa: E731
    prof = json.loads(json.dumps(seed))
    prof["overhead_ms"] = {"value": math.exp(g("ovh")), "source": src}
    prof["dispatch_ms"] = {"value": math.exp(g("disp")), "source": src + ": a cost per executed (not free) layer"}
    p_norm = {"value": 1 + math.exp(g("pn")), "source": src + ": the layer takes (compute^p + memory^p)^(1/p)"}
    mem = {"value": eff("m_sh"), "source": src + " (one memory efficiency shared by every class but dwconv)"}
    classes = {}
    for c in ("default", "gemm", "pool", "eltwise"):
        classes[c] = {"estimator": "roofline", "compute_efficiency": {"value": eff("e_" + c), "source": src},
                      "memory_efficiency": dict(mem), "overlap_p": dict(p_norm)}
    classes["conv"] = {
        "estimator": "roofline", "compute_efficiency": {"value": eff("e_conv"), "source": src},
        "memory_efficiency": dict(mem), "overlap_p": dict(p_norm),
        "kernel_terms": [{"shape": k, "scale": math.exp(g("s_" + k)), "source": src} for k in tx2_shapes()],
        "gemm_tiles": {"m": 128, "n": 64, "alpha_m": sig(g("aM")), "alpha_n": sig(g("aN")),
                       "source": src + ": tiles of 128 x 64 on the implicit GEMM (M = output positions, N = output "
                       "channels; cuDNN's maxwell_scudnn_128x64 tactics), alphas fitted"},
        "winograd": {"speedup": 1 + 1.25 * sig(g("wg")), "tile": 128, "alpha": sig(g("aWg")),
                     "source": src + ": the Winograd F(2x2,3x3) path of 3x3 stride-1 convolutions, the faster path "
                     "kept (TensorRT times its tactics); speed-up (<= 2.25) and alpha fitted"}}
    classes["dwconv"] = {
        "estimator": "roofline",
        "compute_efficiency": {"value": 1.0, "source": "the datasheet peak: depthwise layers are bound by their "
                               "traffic or their waves (the fitted model has no compute term for them)"},
        "memory_efficiency": {"value": eff("m_dw"), "source": src},
        "group_waves": {"tile": 128, "units": 2, "ms_per_wave": math.exp(g("tau_dw")),
                        "source": src + ": cuDNN 7's grouped convolution, one GEMM of 128-row tiles per group over "
                        "the TX2's 2 SMs; the time per wave fitted"}}
    prof["classes"] = classes
    prof["precision_fallback"] = [{
        "if_class": "dwconv", "from": "fp16", "to": "fp32",
        "source": "TensorRT 3.0.4 half2 mode keeps a network with depthwise (grouped) convolutions at FP32: the three "
                  "MobileNet v1 of NVIDIA's table take the same time at FP16 and FP32 within 1.5% (2.67 / 2.65, "
                  "3.95 / 4.00, 12.9 / 12.9 ms; shared/data/peers2/nvidia_tf_to_trt_tx2.csv); tools/tx2_variants.py "
                  "mnf32, adopted by the rule declared 2026-12-07 19:49 UTC"}]
    with open(out_path + ".tmp", "w") as f:
        json.dump(prof, f, indent=2)
        f.write("\n")
    os.replace(out_path + ".tmp", out_path)


def tx2_shapes():
    return [s for s in ("1x1", "kxk", "1xk", "strided")]


def write_lono(argv, lono, form, by_odonata):
    """LONO_CSV with the script's held-out estimates and odonata's from the same fold's profile."""
    odonata, seed_path, suite_path, out_path, lono_path = argv
    with open(lono_path + ".tmp", "w", newline="") as f:
        f.write("# tools/fit_tx2.py %s (%s UTC, %s): leave-one-network-out over the 28 rows of %s, each network "
                "refitted on the other 13; model form: tools/tx2_variants.py %s (ODONATA_TX2_FORM); odonata_ms: "
                "`odonata estimate` of the held-out network with the profile written from the same fold's fit\n" % (
                    " ".join(os.path.relpath(x) if os.path.exists(x) else x for x in argv),
                    time.strftime("%Y-%m-%d %H:%M", time.gmtime()), platform.node() or "unknown host",
                    os.path.relpath(suite_path), form))
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["network", "precision", "measured_ms", "estimated_ms", "error_pct", "odonata_ms", "odonata_error_pct"])
        for net, p, y, est, err in lono:
            od = by_odonata[(net, p)]
            w.writerow([net, p, y, "%.4f" % est, "%.2f" % err, "%.4f" % od, "%.2f" % (100 * (od - y) / y)])
    os.replace(lono_path + ".tmp", lono_path)
    for net, p, y, est, err in lono:
        od = by_odonata[(net, p)]
        print("LONO %-24s %s measured %7.2f estimated %7.2f error %+6.1f%%  odonata %7.2f error %+6.1f%%" % (
            net, p, y, est, err, od, 100 * (od - y) / y))
    print("LONO MAPE %.2f%% over %d rows; through odonata %.2f%%; form %s (tools/tx2_variants.py)" % (
        np.mean([abs(x[4]) for x in lono]), len(lono),
        np.mean([abs(by_odonata[(x[0], x[1])] - x[2]) / x[2] * 100 for x in lono]), form))
    print("LONO largest |odonata / script - 1|: %.5f%%" % max(
        100 * abs(by_odonata[(x[0], x[1])] / x[3] - 1) for x in lono))
    return 0


def finish(argv, data, model, as_rows, formed):
    odonata, seed_path, suite_path, out_path, lono_path = argv
    seed = json.load(open(seed_path))
    bw = seed["precisions"]["fp32"]["bandwidth_gbps"]["value"] * 1e9
    # Leave one network out over every row of the table.
    nets = sorted(set(d["row"]["network"] for d in data), key=lambda n: [d["row"]["network"] for d in data].index(n))
    lono = []
    for net in nets if formed is None else []:
        th = fit(as_rows([d for d in data if d["row"]["network"] != net]), model)
        for d in data:
            if d["row"]["network"] == net:
                est = model.total(th, d["layers"], d["peak"], d["bw"], d["row"]["precision"] == "fp16")
                lono.append((net, d["row"]["precision"], d["y"], est, 100 * (est - d["y"]) / d["y"]))
    if formed is not None:
        lono = formed[1]
    with open(lono_path + ".tmp", "w", newline="") as f:
        f.write("# tools/fit_tx2.py %s (%s UTC, %s): leave-one-network-out over the 28 rows of %s, each network "
                "refitted on the other 13; model form: %s\n" % (
                    " ".join(os.path.relpath(x) if os.path.exists(x) else x for x in argv),
                    time.strftime("%Y-%m-%d %H:%M", time.gmtime()), platform.node() or "unknown host",
                    os.path.relpath(suite_path),
                    "tools/tx2_variants.py %s (ODONATA_TX2_FORM)" % formed[0] if formed else "tools/fit_tx2.py's own"))
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["network", "precision", "measured_ms", "estimated_ms", "error_pct"])
        for net, p, y, est, err in lono:
            w.writerow([net, p, y, "%.4f" % est, "%.2f" % err])
    os.replace(lono_path + ".tmp", lono_path)
    for net, p, y, est, err in lono:
        print("LONO %-24s %s measured %7.2f estimated %7.2f error %+6.1f%%" % (net, p, y, est, err))
    print("LONO MAPE %.2f%% over %d rows (%d networks)%s" % (np.mean([abs(x[4]) for x in lono]), len(lono), len(nets),
                                                            "; form %s (tools/tx2_variants.py)" % formed[0] if formed else ""))

    # The profile: fitted on the calibration rows only.
    cal = [d for d in data if d["row"]["split"] == "calibration"]
    th = fit(as_rows(cal), model)
    e, m, s, f16, overhead = model.unpack(th)
    if model.par:
        print("profile: P %d alpha %.4f" % (model.par, model.alpha))
    for d in data:
        est = model.total(th, d["layers"], d["peak"], d["bw"], d["row"]["precision"] == "fp16")
        print("profile %-12s %-24s %s measured %7.2f estimated %7.2f error %+6.1f%%" % (
            d["row"]["split"], d["row"]["network"], d["row"]["precision"], d["y"], est, 100 * (est - d["y"]) / d["y"]))
    src = ("fitted: tools/fit_tx2.py on the %d calibration rows of data/validation/jetson-tx2-trt.csv "
           "(NVIDIA TensorRT 3.0.4 TX2 table, shared/data/peers2/nvidia_tf_to_trt_tx2.csv; whole-network least squares "
           "of the relative error)" % len(cal))
    prof = json.loads(json.dumps(seed))
    prof["overhead_ms"] = {"value": round(overhead, 6), "source": src}
    fp16 = prof["precisions"]["fp16"]["peak_gops"]
    fp16["source"] = ("%s x %.6f: %s; the factor is fitted (%s): TensorRT 3.0.4's FP16 kernels on the TX2 gain less "
                      "than the datasheet's 2x over FP32" % (fp16["value"], f16, fp16["source"], src))
    fp16["value"] = round(fp16["value"] * f16, 3)
    classes = dict(seed["classes"])
    for c in model.classes:
        cm = {"estimator": "roofline",
              "compute_efficiency": {"value": round(e[c], 6), "source": src},
              "memory_efficiency": {"value": round(m[c], 6), "source": src}}
        if c == "conv" and model.par:
            cm["estimator"] = "refined_roofline"
            psrc = ("%s; P chosen from %s by the lowest training loss, alpha fitted: small feature maps leave the "
                    "GPU's tiles idle" % (src, PARALLELISM))
            cm["parallelism"] = [{"dim": d, "p": model.par, "alpha": round(model.alpha, 6), "source": psrc}
                                 for d in ("out_h", "out_w")]
        if c == "conv" and model.shapes:
            cm["kernel_terms"] = [{"shape": k, "scale": round(s[k], 6), "source": src} for k in model.shapes]
        classes[c] = cm
    if "dwconv" in m:
        # traffic at FP32 / (bw x m_dw) at both precisions, as a step_linear model on the traffic in elements
        coef = 4.0 / (bw * m["dwconv"]) * 1e3
        dsrc = ("%s: depthwise time = FP32 traffic / (%.4g GB/s x memory efficiency %.6f) at FP16 and FP32 alike "
                "(TensorRT 3's depthwise kernels gain nothing from FP16: the table's MobileNet v1 rows)"
                % (src, bw / 1e9, m["dwconv"]))
        fitted = [{"precision": p, "terms": [{"coef": coef, "factors": [{"dim": d}]} for d in ("inputs", "elems", "weights")],
                   "range": {"elems": [min(DW_ELEMS), max(DW_ELEMS)]}, "rows": len(cal), "r2": 0, "mape": 0, "cv_mape": 0, "folds": 0, "source": dsrc}
                  for p in ("fp32", "fp16")]
        classes["dwconv"] = {"estimator": "step_linear", "fitted": fitted,
                             "compute_efficiency": {"value": 1, "source": "unused: the step_linear model above"},
                             "memory_efficiency": {"value": round(m["dwconv"], 6), "source": dsrc}}
    prof["classes"] = {k: classes[k] for k in ["default"] + [c for c in CLASSES if c != "default"] if k in classes}
    with open(out_path + ".tmp", "w") as f:
        json.dump(prof, f, indent=2)
        f.write("\n")
    os.replace(out_path + ".tmp", out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
