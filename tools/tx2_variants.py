#!/usr/bin/python3
"""Model-form variants of the Jetson TX2 fit (tools/fit_tx2.py), each scored by an inner criterion and by
leave-one-network-out (issue 16; docs/boards.md, Jetson TX2, "tried").

    /usr/bin/python3 tools/tx2_variants.py ODONATA SEED SUITE OUT_CSV [--only NAME,...]
    /usr/bin/python3 tools/tx2_variants.py ODONATA SEED SUITE --calibration-fit NAME
    /usr/bin/python3 tools/tx2_variants.py --selftest

SUITE is data/validation/jetson-tx2-trt.csv (NVIDIA's TensorRT 3.0.4 FP16/FP32 table of 14 TF-slim classifiers).
The base variant is tools/fit_tx2.py's model (same layers, same residuals, same regularisation; its LONO is
the shipped 14.24%), vectorised. The variants add, one or several at a time:

- robust loss: Huber or soft-L1 of the relative error (f_scale 0.05 or 0.1) instead of least squares;
- gemm_mem: the fully connected layers' weight streaming gets its own memory efficiency (at batch 1 they read
  every weight once: VGG-16's 124 M weights are 495 MB at FP32, 8.3 ms at the seed's 59.7 GB/s);
- pooled ridge: every class's compute efficiency pulled towards one fitted pooled value (weight 0.1 or 0.3)
  instead of towards 0.5 (weight 0.03); kridge: the kernel-shape terms pulled harder towards 1 (0.2, not 0.05);
- kzero: conv efficiency x K / (K + K0), K = in_c x kh x kw the implicit GEMM's reduction length (a fixed
  prologue/epilogue per output tile), K0 fitted;
- tile TMxTN: conv efficiency x eff(M, TM) x eff(N, TN) on the implicit GEMM TensorRT 3 runs (M = out_h x out_w,
  N = out_c), eff(x, P) = 1 / ((1 - a) + a / u), u = x / (ceil(x / P) P) (ANNETTE's refined roofline, here on
  the GEMM's dimensions instead of out_h and out_w), one alpha per dimension fitted; tilegrid: (TM, TN) chosen
  per fit from {32, 64, 128}^2 by the lowest training loss (as ANNETTE chooses its step widths);
- wave S: x eff(tiles, S), tiles = ceil(M / TM) ceil(N / TN), S = 2 (the TX2's 2 SMs, one such CTA each);
- disp: a cost per executed layer at both precisions (the profile's dispatch_ms); f16fix: the FP16 peak fixed at
  the seed's (datasheet 2x FP32, Pascal's paired FP16) instead of fitted.

Added 2026-12-07 (branch tx2l2), declared with their reasons before any of them was run:
- L2 residency (the TX2's GP10B has one 512 KB L2 shared by its 2 SMs; everything else is LPDDR4 at 59.7 GB/s).
  A layer's traffic that stays in the L2 is served at g x the DRAM rate (g >= 1 fitted, l2g). C = 524,288 bytes,
  fixed (the datasheet's), never fitted. "Traffic" is the modelled bytes of the layer (inputs + outputs + weights
  at the run precision; depthwise: at FP32, as its traffic is charged):
  l2ws: all of a layer's traffic at g x bw when its whole working set fits C (a layer small enough never to
  leave the L2: the producer's output is still resident when it is read, its own output when the consumer reads);
  l2act: the weights always from DRAM (first touch: every weight is read once per inference), the activations
  (inputs + outputs) at g x bw when they fit C together;
  l2share: a smooth share s = min(1, C / working set) of the traffic at g x bw (the host's cache-share idea:
  the part of a working set that fits is reused, the rest streams).
- overlap of compute and memory: the roofline's max(compute, memory) assumes a layer's loads are fully hidden
  behind its math; at batch 1 with 2 SMs and short kernels they are not. sum: compute + memory;
  pnorm: (compute^p + memory^p)^(1/p), p = 1 + exp(.) fitted (p -> 1: sum, p -> inf: max).
- K tile occupancy (ktile8, ktile32): conv x eff(K, TK), K = in_c x kh x kw (cuDNN's implicit-GEMM kernels step
  the reduction in slices of 8 (the 128x128x8 SGEMM tile of Maxwell/Pascal) or, in the tensor-op style, 32; a
  K not a multiple of the slice (the first convolution's 27, MobileNet's 8 x 3 x 3 ...) wastes the tail), alpha
  fitted.
Each is scored alone on the shipped form and on top of the previous criterion's choice (tile128x64+disp+f16fix)
with the same criterion (cal_lono) and nothing else.
Result (docs/boards.md, Jetson TX2): the criterion picks tile128x64+disp+f16fix+pnorm (cal_lono 13.20%, LONO
12.35%, p at its bound: a sum); the L2 term gives the best LONO (9.45% with tile128x64+disp+f16fix) but g always
goes to its bound (an on/off switch for small layers' memory time, not a bandwidth). Nothing shipped.

Added 2026-12-07 (branch tx2b), declared with their reasons before any of them was run: a reduction-latency term.
Evidence: the table's FP16/FP32 pairs leave in every network but VGG-16 a part that FP16 does not speed up
(2 t16 - t32: Inception v1 3.2 ms, ResNet v1 50 4.3, Inception v3 6.5, Inception v4 16, ResNet v2 152 25, VGG-16
-2.8, i.e. none), and VGG-16 is the network whose convolutions have large maps (hundreds of 128x64 output tiles per
layer; ResNet's and Inception's 7x7..35x35 maps give 1-25). cuDNN's implicit-GEMM convolutions on Maxwell/Pascal
(TensorRT's `maxwell_scudnn_128x32/128x64/128x128_*` tactics, e.g. NVIDIA/TensorRT issue 875's verbose log) give each
CTA one output tile and loop over the reduction K = in_c x kh x kw in slices, each slice waiting on global loads
(hundreds of cycles); with few CTAs per SM nothing hides that latency, so such a layer takes a time proportional to K
(the serial reduction), not to its FLOPs, and half2 math does not shorten it. Forms (tau >= 0 fitted, ms per
reduction element, the same at FP16 and FP32; conv layers only, depthwise keeps its traffic model):
  klat:    t = roofline(compute, memory) + K tau            (the latency added: the loads are not overlapped)
  klatmax: t = max(roofline(compute, memory), K tau)        (a third roof: the K loop of one wave)
  klatw:   t = max(roofline(compute, memory), W K tau), W = ceil(ceil(M / 128) ceil(N / 64) / 2) waves of one
           128x64 tile per SM on the 2 SMs (the TX2's GP10B), M = out_h x out_w, N = out_c
Each alone, with f16fix (the FP16-insensitive part now has a term of its own, so the datasheet's 2x FP16 peak), and
on top of the previous criterion's choice (tile128x64+disp+f16fix+pnorm); the same criterion (cal_lono), nothing else.
Declared in the same step, before any run: nf16, the layers that are neither convolutions nor fully connected
(pool, eltwise, default: TensorRT 3's scale, element-wise and pooling layers) charged their FP32 traffic at both
precisions, as the depthwise layers already are (the table's three MobileNet v1 show TensorRT 3 kernels without FP16
gain). Evidence on calibration rows: ResNet v2 50 (26 standalone pre-activation BatchNorm/ReLU layers, 124 MB at
FP32) leaves 10.6 ms that FP16 does not speed up, ResNet v1 152 (none; three times the convolutions) 7.0 ms.
Variants: nf16, nf16+f16fix, klat/klatmax/klatw+nf16+f16fix, tile128x64+disp+f16fix+pnorm+nf16.
Declared next (12:41 UTC, after base and tile128x64+disp+f16fix+pnorm had been rerun; klat's score came in as it was
committed): dwg, the depthwise
layers as cuDNN 7's grouped convolution runs them (TensorRT 3.0.4 ships with cuDNN 7.0; a grouped convolution is one
small GEMM per group: apache/mxnet issue 6689, and cuDNN's depthwise kernels were slow until 7.6, pytorch/pytorch
issue 15513): C groups of M = out_h x out_w by N = 1 by K = kh x kw, one 128-row tile per CTA, so a layer is
W = ceil(C ceil(M / 128) / 2) waves on the 2 SMs, each a fixed time tau_dw (fitted, the same at FP16 and FP32:
the MobileNets' times do not change with precision); t_dw = max(traffic_fp32 / (bw m_dw), W tau_dw). Variants: dwg,
dwg+f16fix, klat/klatmax/klatw+f16fix+dwg, tile128x64+disp+f16fix+pnorm+dwg.
Declared 12:52 UTC (after base, klat/klatmax/klatw alone and +f16fix, dwg, dwg+f16fix, klat+f16fix+dwg,
klatmax+f16fix+dwg, tile..pnorm+klat, nf16 and nf16+f16fix had been scored, in an exploratory run of this code):
klat+f16fix+kzero and klat+f16fix+dwg+kzero, the reduction latency with the existing K / (K + K0) term: with klat a
layer is 2 M N K / (peak e) + K tau, i.e. an efficiency M N / (M N + c) that saturates in the output size; kzero adds
a fixed cost per output element of K0 reduction steps (the tile's prologue and epilogue: index set-up, bias, ReLU,
the store), which the Inception stems (147 x 147 maps, K = 288) pay and VGG-16's 3x3 layers (K 576-4,608) do not.
Result of the tx2b forms (docs/boards.md, Jetson TX2): the criterion picks tile128x64+disp+f16fix+pnorm+dwg (cal_lono
8.52%, LONO 12.55%, its 18-row profile 9.05% on the validation rows); klat+f16fix gives LONO 9.72% (cal_lono
14.78%, validation rows 5.96%), not chosen. Nothing shipped.

Declared 2026-12-07 19:49 UTC (commit 26840a1, branch tx2 of the 19:28 session; first labelled 19:55), with their reasons, before any of them was coded
or run: two forms and the rule that adopts one.
- wino: a Winograd path for 3x3 stride-1 convolutions. cuDNN and TensorRT carry Winograd F(2x2,3x3) kernels for
  Maxwell/Pascal (2.25x fewer multiplications than the direct convolution); their GEMM runs in the transformed
  domain over the layer's 2x2 output tiles, T = ceil(out_h / 2) ceil(out_w / 2) rows per image, so a small map
  leaves its 128-row tiles mostly empty (ResNet's 7x7 maps: T = 16, Inception v3's 8x8: 16, 17x17: 81) while
  VGG-16's 224..28 maps give T = 12,544..196. TensorRT times every tactic and keeps the fastest, so a 3x3
  stride-1 layer takes t = min(t_direct, t_wino), t_wino = flops / (peak e_conv s_kxk w eff(T, 128, a_w)), with
  the realised speed-up w in [1, 2.25] (1 + 1.25 sigmoid(.)) and a_w fitted, the same at FP16 and FP32 (the table's
  VGG-16 gains 2.07x from FP16, the full half2 rate). eff is ANNETTE's, as in the tile variants. The engines were
  built with a 1 MiB workspace (NVIDIA-AI-IOT/tf_to_trt_image_classification scripts/frozen_graphs_to_plans.py,
  `1 << 20`) and TensorRT skips tactics that ask for more (NVIDIA/TensorRT issue 1090's verbose log: cuDNN
  tactics 1, 2, 5, 6 "skipped. Scratch requested ..., available: 1048576" on VGG layers), so which Winograd
  kernel runs is not known; w and a_w absorb it.
- mnf32: the networks with depthwise layers (the three MobileNet v1) run entirely at FP32 when FP16 is asked for.
  The engines are built with builder->setHalf2Mode(true) (the same repository's src/uff_to_plan.cpp); TensorRT 3's
  depthwise (grouped) convolutions have no FP16 gain (the table), and all three MobileNets take the same time at
  both precisions within 1.5% (2.67 / 2.65, 3.95 / 4.00, 12.9 / 12.9 ms) although their pointwise convolutions,
  95-99% of their FLOPs [corrected 20:25 UTC from odonata's layer counts: 81%, 89% and 94% of the
  conv, depthwise and fully connected FLOPs of the 0.25, 0.5 and 1.0 networks], would gain from half2 if they ran in it: the builder keeps FP32 throughout rather than
  reformat at each of the 26 depthwise/pointwise boundaries. An FP16 row of such a network is estimated as its
  FP32 row (no parameter).
Variants, each scored once: wino, mnf32, wino+mnf32 (on the shipped form); klat+f16fix+wino, klat+f16fix+mnf32,
klat+f16fix+wino+mnf32 (on the best-LONO one-term form); tile128x64+disp+f16fix+pnorm+dwg +wino / +mnf32 /
+wino+mnf32 (on the criterion's current choice).
Adoption rule (fixed before any of them was scored): the criterion is cal_lono as below (9 calibration networks,
calibration rows only, each refitted on the other 8). The adopted form is the new variant with the lowest cal_lono,
if that is below the lowest cal_lono of every variant scored before (8.52%, tile128x64+disp+f16fix+pnorm+dwg);
otherwise nothing is adopted. The 14-network LONO is reported for every variant and never used to choose. If a
form is adopted, tools/fit_tx2.py computes data/jetson-tx2/lono.csv with it; the profile is regenerated with it
only if the estimator can carry every term of it (else the profile stays on the shipped form and the report says so).
Result (20:09-20:18 UTC, data/jetson-tx2/variants.csv; cal_lono / LONO %): base 35.28 / 14.24 (reproduced); wino
26.41 / 10.79; mnf32 33.64 / 13.37; wino+mnf32 25.28 / 9.74; klat+f16fix +wino 12.86 / 8.49, +mnf32 14.05 / 8.88,
+wino+mnf32 12.36 / 7.66; tile128x64+disp+f16fix+pnorm+dwg +wino 7.59 / 10.23, +mnf32 5.27 / 12.32, +wino+mnf32
3.20 / 9.73. The rule adopts tile128x64+disp+f16fix+pnorm+dwg+wino+mnf32 (LONO 9.73%, target 8% not met);
klat+f16fix+wino+mnf32 (7.66%) is not the rule's choice. The estimator carries none of the adopted form's terms:
tools/fit_tx2.py writes lono.csv with it (ODONATA_TX2_FORM), the profile stays on the shipped form.

Inner criterion (decided before any LONO figure was read, and the only one used to rank variants): cal_lono, the
leave-one-network-out MAPE over the 9 CALIBRATION networks of the suite's split, calibration rows only (each
network refitted on the other 8). The 14-network LONO (all 28 rows, each network refitted on the other 13) is
the issue's held-out figure and is reported for every variant, never used to choose.

--only: run only the named variants; OUT_CSV keeps its other rows (a variant run again keeps its place, new ones
are appended) and gains a comment line with the command. OUT_CSV: one row per variant: cal_lono, lono, lono without VGG-16, VGG-16's two held-out errors, and the chosen
(TM, TN) of the tilegrid variants in the full-data fit.

--selftest: synthetic-recovery check of the richest form (tile + disp + f16fix, and tilegrid's choice): network
totals made from known parameters on random conv/gemm/eltwise/depthwise layers are fitted back; the efficiencies,
alphas, per-layer cost and overhead must come back within 2% and tilegrid must choose the true tile; the same with
l2act and l2ws added (g fitted back too), and one layer under each L2 form against a hand computation. Exit 0 / 1.
"""

import csv
import math
import os
import subprocess
import sys
import time

try:
    import numpy as np
    from scipy.optimize import least_squares
except ImportError as e:  # the ctest of --selftest skips (77) on a machine without them
    sys.stderr.write("tools/tx2_variants.py: needs numpy and scipy (Debian: python3-numpy python3-scipy): %s\n" % e)
    sys.exit(77 if sys.argv[1:] == ["--selftest"] or "--check" in sys.argv else 1)

CL = ["conv", "gemm", "pool", "eltwise", "default"]
SH = ["1x1", "kxk", "1xk", "strided"]
GRID = [(a, b) for a in (32, 64, 128) for b in (32, 64, 128)]


def qeff(x, p, alpha):
    u = x / (np.ceil(x / p) * p)
    return 1 / ((1 - alpha) + alpha / u)


L2_BYTES = 524288.0  # the TX2's (GP10B) L2: 512 KB, the datasheet's; never fitted


def arrays(layers, precision, peak, bw):
    """Layers (cls, shape, flops, bytes, repeat, (out_h, out_w), M, N, K[, weight bytes]) -> arrays (bytes of
    dwconv: FP32 traffic, its weight bytes too)."""
    a = {}
    a["cls"] = np.array([CL.index(l[0]) if l[0] in CL else 0 for l in layers])
    a["dw"] = np.array([l[0] == "dwconv" for l in layers])
    a["conv"] = np.array([l[0] == "conv" for l in layers])
    a["gemm"] = np.array([l[0] == "gemm" for l in layers])
    a["shape"] = np.array([SH.index(l[1]) if l[1] in SH else -1 for l in layers])
    a["flops"] = np.array([l[2] for l in layers], float)
    a["bytes"] = np.array([l[3] for l in layers], float)  # dwconv: FP32 traffic at both precisions (fit_tx2)
    a["rep"] = np.array([l[4] for l in layers], float)
    a["M"] = np.array([l[6] for l in layers], float)
    a["N"] = np.array([l[7] for l in layers], float)
    a["K"] = np.array([l[8] for l in layers], float)
    a["wbytes"] = np.array([l[9] if len(l) > 9 else 0.0 for l in layers], float)
    # wino (19:49 UTC declaration): 3x3 stride-1 convolutions (shape kxk with a 3x3 window; layers without a window
    # entry are not eligible) and their 2x2 output tiles T = ceil(out_h / 2) ceil(out_w / 2)
    a["k3"] = np.array([l[0] == "conv" and l[1] == "kxk" and len(l) > 10 and tuple(l[10]) == (3, 3) for l in layers])
    a["T"] = np.array([math.ceil(l[5][0] / 2) * math.ceil(l[5][1] / 2) for l in layers], float)
    a["twin32"] = None  # mnf32: the same network's FP32 arrays (load() sets it on FP16 rows)
    a["peak"], a["bw"], a["fp16"] = peak, bw, precision == "fp16"
    return a


class Variant:
    def __init__(self, name, **o):
        self.name = name
        self.o = dict(tile=None, grid=None, wave=None, kzero=False, gemm_mem=False, loss="linear", f_scale=0.1,
                      ridge=0.03, pooled=False, kridge=0.05, disp=False, f16fix=False, l2=None, combine="max",
                      ktile=None, klat=None, nf16=False, dwg=False, wino=False, mnf32=False)
        self.o.update(o)
        if self.o["grid"]:
            self.o["tile"] = self.o["grid"][0]
        o = self.o
        self.names = ["e_" + c for c in CL] + ["m_dw", "m_sh"] + (["m_gemm"] if o["gemm_mem"] else []) + \
            ["s_" + s for s in SH] + ["f16", "ovh"]
        self.names += (["aM", "aN"] if o["tile"] else []) + (["aW"] if o["wave"] else []) + \
            (["k0"] if o["kzero"] else []) + (["pool_e"] if o["pooled"] else []) + (["disp"] if o["disp"] else []) + \
            (["l2g"] if o["l2"] else []) + (["pn"] if o["combine"] == "pnorm" else []) + (["aK"] if o["ktile"] else [])
        self.names += ["tau"] if o["klat"] else []
        self.names += ["tau_dw"] if o["dwg"] else []
        self.names += ["wg", "aWg"] if o["wino"] else []
        self.ix = {n: i for i, n in enumerate(self.names)}

    def bounds(self):
        th0, lo, hi = [], [], []
        for n in self.names:
            if n.startswith("e_") or n.startswith("m_") or n == "pool_e":
                v = (math.log(0.3), -12, 0)
            elif n.startswith("s_"):
                v = (0, -3, 3)
            elif n == "f16":
                v = (math.log(0.9), math.log(0.3), 0)
            elif n == "ovh":
                v = (0, math.log(0.01), math.log(20))
            elif n in ("aM", "aN", "aW", "aK", "aWg", "wg"):  # wg: w = 1 + 1.25 sigmoid(.), from 1.625
                v = (0, -8, 8)
            elif n in ("l2g", "pn"):  # g = 1 + exp(.) from 2; p = 1 + exp(.) from 2
                v = (0, -6, 5)
            elif n == "tau_dw":  # ms per wave of depthwise group tiles
                v = (math.log(1e-3), math.log(1e-7), math.log(1.0))
            elif n == "tau":  # ms per reduction element; from 1e-5 ms (13 cycles at 1.3 GHz)
                v = (math.log(1e-5), math.log(1e-9), math.log(1e-2))
            elif n == "k0":
                v = (math.log(32), math.log(0.1), math.log(5000))
            else:  # disp
                v = (math.log(0.02), math.log(1e-5), 0)
            th0.append(v[0])
            lo.append(v[1])
            hi.append(v[2])
        return np.array(th0, float), np.array(lo, float), np.array(hi, float)

    def total(self, th, a):
        o = self.o
        if o["mnf32"] and a["fp16"] and a["twin32"] is not None and bool(np.any(a["dw"])):
            a = a["twin32"]  # a network with depthwise layers runs at FP32 under half2 mode (19:49 declaration)
        g = lambda n: th[self.ix[n]]  # noqa: E731
        sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
        e = np.exp(np.minimum(0, np.array([g("e_" + c) for c in CL])))
        s = np.exp(np.array([g("s_" + k) for k in SH]))
        peak = a["peak"] * ((1.0 if o["f16fix"] else math.exp(min(0, g("f16")))) if a["fp16"] else 1.0)
        ec = e[a["cls"]]
        sc = np.where(a["conv"] & (a["shape"] >= 0), s[np.maximum(a["shape"], 0)], 1.0)
        u = np.ones_like(ec)
        if o["tile"]:
            tm, tn = o["tile"]
            u = u * np.where(a["conv"], qeff(a["M"], tm, sig(g("aM"))) * qeff(a["N"], tn, sig(g("aN"))), 1.0)
            if o["wave"]:
                tiles = np.ceil(a["M"] / tm) * np.ceil(a["N"] / tn)
                u = u * np.where(a["conv"], qeff(tiles, o["wave"], sig(g("aW"))), 1.0)
        if o["kzero"]:
            u = u * np.where(a["conv"], a["K"] / (a["K"] + math.exp(g("k0"))), 1.0)
        if o["ktile"]:
            u = u * np.where(a["conv"], qeff(a["K"], o["ktile"], sig(g("aK"))), 1.0)
        m = np.full_like(ec, math.exp(min(0, g("m_sh"))))
        if o["gemm_mem"]:
            m = np.where(a["gemm"], math.exp(min(0, g("m_gemm"))), m)
        tc = a["flops"] / (peak * ec * sc * u)
        if o["wino"]:  # Winograd F(2x2,3x3) path, the faster of the two kept (19:49 declaration)
            w = 1 + 1.25 * sig(g("wg"))
            tw = a["flops"] / (peak * ec * sc * w * qeff(np.maximum(a["T"], 1.0), 128, sig(g("aWg"))))
            tc = np.where(a["k3"], np.minimum(tc, tw), tc)
        nb = a["bytes"] * self.l2_factor(th, a) if o["l2"] else a["bytes"]
        if o["nf16"] and a["fp16"]:  # pool, eltwise, default: their FP32 traffic at FP16 too (tx2b)
            nb = np.where((a["cls"] >= 2) & ~a["dw"], 2 * nb, nb)
        tmem = nb / (a["bw"] * m)
        if o["combine"] == "sum":
            tl = tc + tmem
        elif o["combine"] == "pnorm":
            p = 1 + math.exp(g("pn"))
            top = np.maximum(np.maximum(tc, tmem), 1e-30)
            tl = top * ((tc / top) ** p + (tmem / top) ** p) ** (1 / p)
        else:
            tl = np.maximum(tc, tmem)
        if o["klat"]:  # the serial reduction (module docstring, tx2b); conv only; seconds
            lat = a["K"] * math.exp(g("tau")) * 1e-3
            if o["klat"] == "w":
                lat = lat * np.ceil(np.ceil(a["M"] / 128) * np.ceil(a["N"] / 64) / 2)
            lat = np.where(a["conv"], lat, 0.0)
            tl = tl + lat if o["klat"] == "sum" else np.maximum(tl, lat)
        tdw = nb / (a["bw"] * math.exp(min(0, g("m_dw"))))
        if o["dwg"]:  # cuDNN 7 grouped convolution: C groups x ceil(M / 128) tiles over 2 SMs (tx2b); seconds
            tdw = np.maximum(tdw, np.ceil(a["N"] * np.ceil(a["M"] / 128) / 2) * math.exp(g("tau_dw")) * 1e-3)
        t = np.where(a["dw"], tdw, tl)
        d = math.exp(g("disp")) * float(np.sum(a["rep"])) if o["disp"] else 0.0
        return float(np.sum(a["rep"] * t) * 1e3 + math.exp(g("ovh")) + d)

    def l2_factor(self, th, a):
        """The share of each layer's traffic time left with the L2 (1: all from DRAM; 1/g: all from the L2)."""
        g = 1 + math.exp(th[self.ix["l2g"]])
        b = np.maximum(a["bytes"], 1.0)
        if self.o["l2"] == "ws":
            return np.where(b <= L2_BYTES, 1 / g, 1.0)
        if self.o["l2"] == "act":
            act = np.maximum(b - a["wbytes"], 0.0)
            return (b - act + act * np.where(act <= L2_BYTES, 1 / g, 1.0)) / b
        s = np.minimum(1.0, L2_BYTES / b)  # share
        return (1 - s) + s / g

    def fit(self, rows):
        """rows: [(arrays, measured_ms)]. tilegrid: every tile of the grid, the lowest training loss kept."""
        if not self.o["grid"]:
            return self.fit1(rows)[0]
        best = None
        for t in self.o["grid"]:
            self.o["tile"] = t
            th, cost = self.fit1(rows)
            if best is None or cost < best[1]:
                best = (t, cost, th)
        self.o["tile"] = best[0]
        return best[2]

    def fit1(self, rows, th0=None):
        o = self.o
        start, lo, hi = self.bounds()
        th0 = start if th0 is None else th0
        eff = [self.ix[n] for n in self.names if n.startswith("e_")]
        mem = [self.ix[n] for n in self.names if n.startswith("m_")]
        shp = [self.ix["s_" + k] for k in SH]

        def res(th):
            r = np.array([self.total(th, a) / y - 1 for a, y in rows])
            if o["loss"] != "linear":  # sqrt(2 rho) with rho Huber or soft-L1 of r / f_scale, sign kept
                z = (r / o["f_scale"]) ** 2
                rho = np.where(z <= 1, z, 2 * np.sqrt(z) - 1) if o["loss"] == "huber" else 2 * (np.sqrt(1 + z) - 1)
                r = o["f_scale"] * np.sign(r) * np.sqrt(rho)
            reg = [o["kridge"] * th[i] for i in shp]
            centre = th[self.ix["pool_e"]] if o["pooled"] else math.log(0.5)
            w = o["ridge"]
            reg += [w * (th[i] - centre) for i in eff] + [w * (th[i] - math.log(0.5)) for i in mem]
            return np.concatenate([r, np.array(reg)])

        r = least_squares(res, th0, bounds=(lo, hi))
        return r.x, r.cost


def lono(variant, data):
    """data: [(network, precision, arrays, measured)] -> [(network, precision, measured, estimate, error %)]."""
    nets = list(dict.fromkeys(d[0] for d in data))
    out = []
    for net in nets:
        th = variant.fit([(d[2], d[3]) for d in data if d[0] != net])
        out += [(d[0], d[1], d[3], variant.total(th, d[2]), 100 * (variant.total(th, d[2]) - d[3]) / d[3])
                for d in data if d[0] == net]
    return out


def mape(rows):
    return float(np.mean([abs(r[4]) for r in rows]))


VARIANTS = [
    Variant("base"),
    Variant("huber0.05", loss="huber", f_scale=0.05),
    Variant("huber0.1", loss="huber", f_scale=0.1),
    Variant("soft_l1_0.1", loss="soft_l1", f_scale=0.1),
    Variant("gemm_mem", gemm_mem=True),
    Variant("pooled0.1", pooled=True, ridge=0.1),
    Variant("pooled0.3", pooled=True, ridge=0.3),
    Variant("kridge0.2", kridge=0.2),
    Variant("kzero", kzero=True),
] + [Variant("tile%dx%d" % t, tile=t) for t in GRID] + [
    Variant("disp", disp=True),
    Variant("disp+f16fix", disp=True, f16fix=True),
] + [Variant("tile%dx%d+disp+f16fix" % t, tile=t, disp=True, f16fix=True) for t in ((32, 32), (64, 64), (64, 128), (128, 64), (128, 128))] + [
    Variant("tilegrid", grid=GRID),
    Variant("tilegrid+disp", grid=GRID, disp=True),
    Variant("tilegrid+disp+f16fix", grid=GRID, disp=True, f16fix=True),
    Variant("tilegrid+wave2", grid=GRID, wave=2),
]
# Declared 2026-12-07 before any was run (module docstring): L2 residency, compute/memory overlap, K occupancy.
NEW = [Variant("l2" + k, l2=k) for k in ("ws", "act", "share")] + [Variant("sum", combine="sum"),
       Variant("pnorm", combine="pnorm"), Variant("ktile8", tile=None, ktile=8), Variant("ktile32", ktile=32)]
NEW += [Variant("tile128x64+disp+f16fix+" + v.name, tile=(128, 64), disp=True, f16fix=True,
                **{k: v.o[k] for k in ("l2", "combine", "ktile")}) for v in list(NEW)]
VARIANTS += NEW
# Declared 2026-12-07 (branch tx2b) before any was run (module docstring): the reduction-latency term.
KLAT = [("klat", "sum"), ("klatmax", "max"), ("klatw", "w")]
VARIANTS += [Variant(n, klat=k) for n, k in KLAT] + [Variant(n + "+f16fix", klat=k, f16fix=True) for n, k in KLAT] + \
    [Variant("tile128x64+disp+f16fix+pnorm+" + n, tile=(128, 64), disp=True, f16fix=True, combine="pnorm", klat=k)
     for n, k in KLAT]
VARIANTS += [Variant("nf16", nf16=True), Variant("nf16+f16fix", nf16=True, f16fix=True)] + \
    [Variant(n + "+nf16+f16fix", klat=k, nf16=True, f16fix=True) for n, k in KLAT] + \
    [Variant("tile128x64+disp+f16fix+pnorm+nf16", tile=(128, 64), disp=True, f16fix=True, combine="pnorm", nf16=True)]
VARIANTS += [Variant("dwg", dwg=True), Variant("dwg+f16fix", dwg=True, f16fix=True)] + \
    [Variant(n + "+f16fix+dwg", klat=k, f16fix=True, dwg=True) for n, k in KLAT] + \
    [Variant("tile128x64+disp+f16fix+pnorm+dwg", tile=(128, 64), disp=True, f16fix=True, combine="pnorm", dwg=True)]
VARIANTS += [Variant("klat+f16fix+kzero", klat="sum", f16fix=True, kzero=True),
             Variant("klat+f16fix+dwg+kzero", klat="sum", f16fix=True, dwg=True, kzero=True)]
# Declared 2026-12-07 19:49 UTC (module docstring) with the adoption rule: Winograd path, MobileNets at FP32.
NEWFORMS = [("wino", dict(wino=True)), ("mnf32", dict(mnf32=True)), ("wino+mnf32", dict(wino=True, mnf32=True))]
VARIANTS += [Variant(n, **o) for n, o in NEWFORMS] + \
    [Variant("klat+f16fix+" + n, klat="sum", f16fix=True, **o) for n, o in NEWFORMS] + \
    [Variant("tile128x64+disp+f16fix+pnorm+dwg+" + n, tile=(128, 64), disp=True, f16fix=True, combine="pnorm", dwg=True,
             **o) for n, o in NEWFORMS]


def load(odonata, seed_path, suite_path):
    import json
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fit_tx2
    seed = json.load(open(seed_path))
    bw = seed["precisions"]["fp32"]["bandwidth_gbps"]["value"] * 1e9
    root = os.path.dirname(os.path.abspath(suite_path))
    data, split = [], {}
    for r in fit_tx2.read_suite(suite_path):
        p = r["precision"]
        path = os.path.join(root, r["model"])
        layers = [l[:6] + gemm_shape(l[0], l[6], l[7]) + (l[8] * (2 if l[0] == "dwconv" and p == "fp16" else 1), l[9])
                  for l in fit_tx2.layers_of(odonata, seed_path, path, p, True)]
        peak = seed["precisions"][p]["peak_gops"]["value"] * 1e9
        data.append((r["network"], p, arrays(layers, p, peak, bw), float(r["measured_ms"])))
        split[r["network"]] = r["split"]
    fp32 = {d[0]: d[2] for d in data if d[1] == "fp32"}
    for d in data:  # mnf32: each FP16 row knows its network's FP32 layers
        if d[1] == "fp16":
            d[2]["twin32"] = fp32.get(d[0])
    return data, split


def gemm_shape(cls, osh, macs):
    """(M, N, K) of a conv layer's implicit GEMM from its output shape and MACs (dwconv: N = the groups, K = the
    window); (1, 1, 1) otherwise."""
    if cls not in ("conv", "dwconv") or len(osh) != 4:
        return (1, 1, 1)
    m, n = osh[0] * osh[2] * osh[3], osh[1]
    return (m, n, macs / (m * n))


def recovered(v, got, truth, keys):
    """Each fitted value within 2% of the truth (conv: e_conv x kernel term, as they enter as a product)."""
    ok = True
    for k in keys:
        if k.startswith("e_conv_"):
            val, want = math.exp(got[v.ix["e_conv"]] + got[v.ix["s_" + k[7:]]]), truth["e_conv"] * truth["s_" + k[7:]]
        else:
            x = got[v.ix[k]]
            val = 1 / (1 + math.exp(-x)) if k in ("aM", "aN", "aWg") else 1 + math.exp(x) if k in ("l2g", "pn") else \
                1 + 1.25 / (1 + math.exp(-x)) if k == "wg" else math.exp(x)
            want = truth[k]
        err = abs(val / want - 1)
        print("selftest %-12s %-10s true %.4g fitted %.4g (%.2f%%)" % (v.name, k, want, val, 100 * err))
        ok &= err < 0.02
    return ok


def selftest():
    ok = True
    # One 1x1 conv by hand: 2 GFLOP, M = 100 (tile 64: u = 100/128), N = 96 (tile 128: u = 0.75), both alphas 0.5:
    # eff_M = 1/(0.5 + 0.5 x 1.28) = 0.877193, eff_N = 1/(0.5 + 0.5/0.75) = 0.857143; at 670 GFLOP/s x 0.5:
    # 2e9 / (670e9 x 0.5 x 0.877193 x 0.857143) = 7.94030 ms, + overhead 1 ms + one layer x 0.03 ms = 8.97030 ms.
    h = Variant("hand", tile=(64, 128), disp=True)
    th = np.zeros(len(h.names))
    th[h.ix["e_conv"]], th[h.ix["ovh"]], th[h.ix["disp"]] = math.log(0.5), 0.0, math.log(0.03)
    a = arrays([("conv", "1x1", 2e9, 1e3, 1, (10, 10), 100, 96, 64)], "fp32", 670e9, 59.7e9)
    print("selftest hand-computed layer: %.5f ms (expected 8.97030)" % h.total(th, a))
    ok &= abs(h.total(th, a) - 8.97030) < 1e-4
    rng = np.random.default_rng(16)
    truth = dict(e_conv=0.6, e_gemm=0.4, e_pool=0.5, e_eltwise=0.5, e_default=0.5, m_dw=0.08, m_sh=0.7,
                 s_1x1=1.0, s_kxk=1.0, s_1xk=1.0, s_strided=1.0, f16=1.0, ovh=0.8, aM=0.6, aN=0.4, disp=0.03)
    tile = (64, 128)
    nets = []
    for i in range(24):
        layers = []
        for _ in range(int(rng.integers(8, 40))):
            hw = int(rng.choice([7, 8, 14, 17, 28, 35, 56, 73, 112]))
            n = int(rng.choice([32, 48, 64, 96, 128, 192, 256, 384, 512]))
            k = int(rng.choice([1, 3]))
            cin = int(rng.choice([32, 64, 128, 256, 512]))
            m = hw * hw
            macs = m * n * cin * k * k
            layers.append(("conv", "1x1" if k == 1 else "kxk", 2.0 * macs, 4.0 * (m * cin + m * n + n * cin * k * k),
                           1, (hw, hw), m, n, cin * k * k, 4.0 * n * cin * k * k))
            if rng.random() < 0.2:
                layers.append(("eltwise", None, m * n, 12.0 * m * n, 1, (hw, hw), 1, 1, 1))
            if rng.random() < 0.1:  # M, N, K as gemm_shape gives them for a depthwise layer (N: the groups)
                layers.append(("dwconv", None, 18.0 * m * n, 8.0 * m * n, 1, (hw, hw), m, n, 9))
        if i % 3 == 0:
            layers.append(("gemm", None, 2.0 * 4096 * 1000, 4.0 * 4096 * 1000, 1, (1, 1), 1, 1, 1))
        nets.append(layers)
    v = Variant("selftest", tile=tile, disp=True, f16fix=True, ridge=0.0, kridge=0.0)
    th = np.zeros(len(v.names))
    for k, x in truth.items():
        th[v.ix[k]] = math.log(x) if k not in ("aM", "aN") else math.log(x / (1 - x))
    data = []
    for i, layers in enumerate(nets):
        for p, peak in (("fp32", 670e9), ("fp16", 1330e9)):
            a = arrays(layers, p, peak, 59.7e9)
            data.append((a, v.total(th, a)))
    got = v.fit1(data)[0]
    ok &= recovered(v, got, truth, ("e_conv_1x1", "e_conv_kxk", "m_sh", "m_dw", "ovh", "aM", "aN", "disp"))
    # The L2 residency forms (2026-12-07), hand-computed first: one memory-bound conv layer of 1,000,000 bytes,
    # 600,000 of them weights, memory efficiency 0.5, g = 3, overhead 1 ms. l2act: its activations (400,000 bytes)
    # fit 512 KB: (600,000 + 400,000 / 3) / (59.7e9 x 0.5) = 0.0245673 ms + 1 = 1.0245673 ms; l2ws: its working
    # set (1,000,000) does not: 1e6 / 29.85e9 = 0.0335008 ms + 1 = 1.0335008 ms; l2share: s = 524,288 / 1e6,
    # (1 - s + s / 3) x 0.0335008 = 0.0217914 ms + 1 = 1.0217914 ms.
    a1 = arrays([("conv", "1x1", 1e3, 1e6, 1, (10, 10), 100, 96, 64, 6e5)], "fp32", 670e9, 59.7e9)
    for l2, want in (("act", 1.0245673), ("ws", 1.0335008), ("share", 1.0217914)):
        h2 = Variant("hand-l2" + l2, l2=l2)
        th = np.zeros(len(h2.names))
        th[h2.ix["m_sh"]], th[h2.ix["ovh"]], th[h2.ix["l2g"]] = math.log(0.5), 0.0, math.log(2.0)
        print("selftest hand-computed l2%s layer: %.7f ms (expected %.7f)" % (l2, h2.total(th, a1), want))
        ok &= abs(h2.total(th, a1) - want) < 1e-6
    # and fitted back from the same synthetic networks: tile + disp + f16fix + l2act (g = 3) and + l2ws (g = 2.5)
    for l2, g_true in (("act", 3.0), ("ws", 2.5)):
        v2 = Variant("selftest-l2" + l2, tile=tile, disp=True, f16fix=True, l2=l2, ridge=0.0, kridge=0.0)
        th2 = np.zeros(len(v2.names))
        for k, x in truth.items():
            th2[v2.ix[k]] = math.log(x) if k not in ("aM", "aN") else math.log(x / (1 - x))
        th2[v2.ix["l2g"]] = math.log(g_true - 1)
        data2 = [(a, v2.total(th2, a)) for a, _ in data]
        got2 = v2.fit1(data2)[0]
        ok &= recovered(v2, got2, dict(truth, l2g=g_true), ("e_conv_1x1", "e_conv_kxk", "m_sh", "m_dw", "ovh", "aM",
                                                              "aN", "disp", "l2g"))
    # The reduction-latency and grouped-depthwise forms (2026-12-07, tx2b), hand-computed first: one 3x3 conv of
    # 2 GFLOP, M = 1000, N = 96, K = 576, conv efficiency 0.5 at 670 GFLOP/s: compute 2e9 / 335e9 = 5.970149 ms;
    # tau 0.01 ms: K tau = 5.76 ms; overhead 1 ms. klat: 5.970149 + 5.76 + 1 = 12.730149; klatmax: max = compute,
    # 6.970149; klatw: ceil(ceil(1000 / 128) ceil(96 / 64) / 2) = ceil(8 x 2 / 2) = 8 waves x 5.76 + 1 = 47.08 ms.
    ak = arrays([("conv", "kxk", 2e9, 1e3, 1, (10, 100), 1000, 96, 576, 0.0)], "fp32", 670e9, 59.7e9)
    for k, want in (("sum", 12.730149), ("max", 6.970149), ("w", 47.08)):
        hk = Variant("hand-klat" + k, klat=k)
        th = np.zeros(len(hk.names))
        th[hk.ix["e_conv"]], th[hk.ix["ovh"]], th[hk.ix["tau"]] = math.log(0.5), 0.0, math.log(0.01)
        print("selftest hand-computed klat %s layer: %.6f ms (expected %.6f)" % (k, hk.total(th, ak), want))
        ok &= abs(hk.total(th, ak) - want) < 1e-5
    # One depthwise layer, 56 x 56 x 64, 1,000,000 bytes, m_dw 0.5: traffic 1e6 / 29.85e9 = 0.0335008 ms; dwg:
    # ceil(64 ceil(3136 / 128) / 2) = ceil(64 x 25 / 2) = 800 waves; tau_dw 1e-4 ms: 0.08 ms, above the traffic:
    # 1.08 ms with the overhead; tau_dw 1e-5 ms: 0.008 ms, below: 1.0335008 ms.
    ad = arrays([("dwconv", None, 1e3, 1e6, 1, (56, 56), 3136, 64, 9, 0.0)], "fp32", 670e9, 59.7e9)
    for tdw, want in ((1e-4, 1.08), (1e-5, 1.0335008)):
        hd = Variant("hand-dwg", dwg=True)
        th = np.zeros(len(hd.names))
        th[hd.ix["m_dw"]], th[hd.ix["ovh"]], th[hd.ix["tau_dw"]] = math.log(0.5), 0.0, math.log(tdw)
        print("selftest hand-computed dwg layer (tau_dw %g): %.7f ms (expected %.7f)" % (tdw, hd.total(th, ad), want))
        ok &= abs(hd.total(th, ad) - want) < 1e-6
    # and fitted back from the synthetic networks: klat + f16fix + dwg (tau 5e-5 ms, about 65 cycles per reduction
    # element; tau_dw 1e-3 ms per wave of depthwise group tiles, above most synthetic layers' traffic)
    v3 = Variant("selftest-klat", klat="sum", f16fix=True, dwg=True, ridge=0.0, kridge=0.0)
    truth3 = {k: x for k, x in truth.items() if k in v3.ix}
    truth3.update(tau=5e-5, tau_dw=1e-3)
    th3 = np.zeros(len(v3.names))
    for k, x in truth3.items():
        th3[v3.ix[k]] = math.log(x)
    data3 = [(a, v3.total(th3, a)) for a, _ in data]
    got3 = v3.fit1(data3)[0]
    ok &= recovered(v3, got3, truth3, ("e_conv_1x1", "e_conv_kxk", "m_sh", "ovh", "tau", "tau_dw"))
    ok &= selftest_wino_mnf32()
    g = Variant("selftest-grid", grid=[(32, 32), (64, 128), (128, 128)], disp=True, f16fix=True, ridge=0.0, kridge=0.0)
    g.fit(data)
    print("selftest tilegrid chose %s (true %s)" % (g.o["tile"], tile))
    ok &= g.o["tile"] == tile
    print("selftest %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def selftest_wino_mnf32():
    """The 19:49 UTC forms: one layer of each by hand, then wino fitted back from synthetic networks with noise."""
    ok = True
    # One 3x3 stride-1 conv of 2 GFLOP, conv efficiency 0.5 at 670 GFLOP/s: direct 2e9 / 335e9 = 5.970149 ms.
    # wg = 0: w = 1 + 1.25 / 2 = 1.625; aWg = 0: alpha 0.5. On a 14 x 14 map T = 7 x 7 = 49, u = 49 / 128, eff =
    # 1 / (0.5 + 0.5 x 128 / 49) = 0.553672, w eff = 0.899717 < 1: the direct path, 5.970149 + 1 = 6.970149 ms.
    # On 112 x 112: T = 3,136, u = 3,136 / 3,200 = 0.98, eff = 0.989899, w eff = 1.608586: Winograd,
    # 5.970149 / 1.608586 = 3.711427 ms, + 1 = 4.711427 ms. A 1x1 layer of the same size is never eligible.
    hv = Variant("hand-wino", wino=True)
    th = np.zeros(len(hv.names))
    th[hv.ix["e_conv"]], th[hv.ix["ovh"]] = math.log(0.5), 0.0
    for hw, shape, kwin, want in ((14, "kxk", (3, 3), 6.970149), (112, "kxk", (3, 3), 4.711427),
                                  (112, "1x1", (1, 1), 6.970149), (112, "kxk", (5, 5), 6.970149)):
        a = arrays([("conv", shape, 2e9, 1e3, 1, (hw, hw), hw * hw, 96, 576, 0.0, kwin)], "fp32", 670e9, 59.7e9)
        print("selftest hand-computed wino %s %s %dx%d layer: %.6f ms (expected %.6f)" % (shape, kwin, hw, hw,
                                                                                       hv.total(th, a), want))
        ok &= abs(hv.total(th, a) - want) < 1e-5
    # mnf32: a network with a depthwise layer, asked at FP16, costs its FP32 layers; one without is unchanged.
    hm = Variant("hand-mnf32", mnf32=True)
    th = np.zeros(len(hm.names))
    th[hm.ix["e_conv"]], th[hm.ix["m_dw"]], th[hm.ix["m_sh"]], th[hm.ix["ovh"]] = math.log(0.5), math.log(0.1), 0.0, 0.0
    conv = ("conv", "1x1", 2e9, 1e3, 1, (10, 10), 100, 96, 64, 0.0)
    dw = ("dwconv", None, 1e3, 1e6, 1, (56, 56), 3136, 64, 9, 0.0)
    a32, a16 = arrays([conv, dw], "fp32", 670e9, 59.7e9), arrays([conv, dw], "fp16", 1340e9, 59.7e9)
    a16["twin32"] = a32
    # FP32: 2e9 / 335e9 = 5.970149 ms + 1e6 / 5.97e9 = 0.167504 ms + 1 = 7.137653 ms, the same at FP16
    # (without mnf32 FP16 takes 2e9 / 670e9 = 2.985075 ms for the conv: 4.152579 ms)
    for v, a, want in ((hm, a16, 7.137653), (Variant("hand-nomnf32"), a16, 4.152579), (hm, a32, 7.137653)):
        print("selftest hand-computed %s (%s): %.6f ms (expected %.6f)" % (v.name, "fp16" if a["fp16"] else "fp32",
                                                                         v.total(th, a), want))
        ok &= abs(v.total(th, a) - want) < 1e-5
    c16 = arrays([conv], "fp16", 1340e9, 59.7e9)
    c16["twin32"] = arrays([conv], "fp32", 670e9, 59.7e9)
    ok &= abs(hm.total(th, c16) - (2e9 / 670e9 * 1e3 + 1)) < 1e-6  # no depthwise layer: FP16 as asked
    # Recovery: 40 synthetic networks of 8-29 conv layers each (1x1 and 3x3 stride 1, maps 7..112, 32..512
    # channels), network totals at FP32 and FP16 from known parameters (Winograd w = 2.0, a_w = 0.7, e_conv 0.6,
    # s_kxk 0.8, overhead 0.8 ms) times 1 + N(0, s) noise. Without noise every value within 0.5%; with s = 1% w,
    # a_w, the two conv efficiencies and the overhead within 8% (first set at 3%: with this noise draw w, a_w and
    # e_conv s_kxk come back 3.3%, 5.6% and 3.3% off: they trade along the direct/Winograd crossover).
    truth = dict(e_conv=0.6, e_gemm=0.4, e_pool=0.5, e_eltwise=0.5, e_default=0.5, m_dw=0.08, m_sh=0.7,
                 s_1x1=1.0, s_kxk=0.8, s_1xk=1.0, s_strided=1.0, f16=1.0, ovh=0.8, wg=2.0, aWg=0.7)
    v = Variant("selftest-wino", wino=True, f16fix=True, ridge=0.0, kridge=0.0)
    th = np.zeros(len(v.names))
    for k, x in truth.items():
        th[v.ix[k]] = math.log(x) if k not in ("wg", "aWg") else \
            math.log(x / (1 - x)) if k == "aWg" else math.log((x - 1) / 1.25 / (1 - (x - 1) / 1.25))
    rng = np.random.default_rng(1955)
    wnets = []
    for _ in range(40):
        layers = []
        for _ in range(int(rng.integers(8, 30))):
            hw = int(rng.choice([7, 8, 14, 17, 28, 35, 56, 73, 112]))
            n, cin = int(rng.choice([32, 64, 128, 256, 512])), int(rng.choice([32, 64, 128, 256, 512]))
            k = int(rng.choice([1, 3]))
            m = hw * hw
            layers.append(("conv", "1x1" if k == 1 else "kxk", 2.0 * m * n * cin * k * k,
                           4.0 * (m * cin + m * n + n * cin * k * k), 1, (hw, hw), m, n, cin * k * k,
                           4.0 * n * cin * k * k, (k, k)))
        wnets.append(layers)
    for noise, tol in ((0.0, 0.005), (0.01, 0.08)):
        data = []
        for layers in wnets:
            for p, peak in (("fp32", 670e9), ("fp16", 1340e9)):
                a = arrays(layers, p, peak, 59.7e9)
                data.append((a, v.total(th, a) * (1 + noise * rng.standard_normal())))
        got = v.fit1(data)[0]
        print("selftest wino recovery, noise %.0f%%, tolerance %.1f%%:" % (100 * noise, 100 * tol))
        for k in ("wg", "aWg", "e_conv_kxk", "e_conv_1x1", "ovh"):
            if k.startswith("e_conv_"):
                val, want = math.exp(got[v.ix["e_conv"]] + got[v.ix["s_" + k[7:]]]), truth["e_conv"] * truth["s_" + k[7:]]
            else:
                x = got[v.ix[k]]
                val = 1 + 1.25 / (1 + math.exp(-x)) if k == "wg" else 1 / (1 + math.exp(-x)) if k == "aWg" else math.exp(x)
                want = truth[k]
            err = abs(val / want - 1)
            print("selftest %-14s %-10s true %.4g fitted %.4g (%.2f%%)" % (v.name, k, want, val, 100 * err))
            ok &= err < tol
    return ok


def calibration_fit(inputs, name):
    v = next((x for x in VARIANTS if x.name == name), None)
    if v is None:
        sys.stderr.write("tools/tx2_variants.py: no variant %s (one of: %s)\n" % (name, " ".join(x.name for x in VARIANTS)))
        return 2
    data, split = load(*inputs)
    th = v.fit([(d[2], d[3]) for d in data if split[d[0]] == "calibration"])
    for n in v.names:
        x = th[v.ix[n]]
        if n == "f16" and v.o["f16fix"]:
            continue  # not used: the FP16 peak is the seed's
        print("%-8s %.6g" % (n, 1 / (1 + math.exp(-x)) if n in ("aM", "aN", "aW", "aK", "aWg") else
                             1 + math.exp(x) if n in ("l2g", "pn") else
                             1 + 1.25 / (1 + math.exp(-x)) if n == "wg" else math.exp(x)))
    if v.o["tile"]:
        print("tile     %dx%d" % v.o["tile"])
    for which in ("calibration", "validation"):
        rows = [d for d in data if split[d[0]] == which]
        err = [100 * (v.total(th, d[2]) / d[3] - 1) for d in rows]
        for d, e in zip(rows, err):
            print("%-12s %-24s %s measured %7.2f error %+6.1f%%" % (which, d[0], d[1], d[3], e))
        print("%s rows: MAPE %.2f%% over %d rows" % (which, float(np.mean(np.abs(err))), len(rows)))
    return 0


def check(inputs, csv_path, names, lono_csv=None):
    """Recompute cal_lono and LONO of the named variants and compare with their rows in csv_path (2 decimals: within
    0.011 point); with lono_csv, the first variant's 28 held-out estimates against that file's (within 0.05%)."""
    want = {r[0]: r for r in csv.reader([l for l in open(csv_path).read().splitlines() if l and not l.startswith("#")])}
    data, split = load(*inputs)
    cal = [d for d in data if split[d[0]] == "calibration"]
    ok = True
    for i, name in enumerate(names):
        v = next((x for x in VARIANTS if x.name == name), None)
        if v is None or name not in want:
            sys.stderr.write("tools/tx2_variants.py: no variant %s in the tool or in %s\n" % (name, csv_path))
            return 2
        c, f = lono(v, cal), lono(v, data)
        got = (mape(c), mape(f))
        exp = (float(want[name][1]), float(want[name][2]))
        good = all(abs(g - e) < 0.011 for g, e in zip(got, exp))
        print("check %-44s cal_lono %.2f%% (file %.2f%%)  lono %.2f%% (file %.2f%%)  %s"
              % (name, got[0], exp[0], got[1], exp[1], "ok" if good else "DIFFERENT"))
        ok &= good
        for net, p, y, est, err in f:
            print("check %-44s LONO %-24s %s measured %7.2f estimated %8.3f error %+6.1f%%" % (name, net, p, y, est, err))
        if i == 0 and lono_csv:
            rows = {(r["network"], r["precision"]): float(r["estimated_ms"])
                    for r in csv.DictReader([l for l in open(lono_csv) if not l.startswith("#")])}
            for net, p, y, est, err in f:
                same = abs(est / rows[(net, p)] - 1) < 5e-4
                ok &= same
                if not same:
                    print("check %s %s %s: estimate %.4f ms, %s has %.4f ms" % (name, net, p, est, lono_csv, rows[(net, p)]))
            print("check %s: the 28 held-out estimates against %s" % (name, lono_csv))
            # odonata_ms (tools/fit_tx2.py, when the estimator carries the form): `odonata estimate` of each held-out
            # row with the profile written from its fold's fit must agree with the form's own estimate
            od = {(r["network"], r["precision"]): float(r["odonata_ms"])
                  for r in csv.DictReader([l for l in open(lono_csv) if not l.startswith("#")]) if r.get("odonata_ms")}
            for (net, p), ms in od.items():
                same = abs(ms / rows[(net, p)] - 1) < 5e-4
                ok &= same
                if not same:
                    print("check %s %s: odonata %.4f ms, the form %.4f ms" % (net, p, ms, rows[(net, p)]))
            print("check %s: odonata's estimate of %d held-out rows against the form's (%s)" % (name, len(od), lono_csv))
    print("check %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv):
    if argv == ["--selftest"]:
        return selftest()
    if len(argv) >= 6 and argv[3] == "--check":  # ODONATA SEED SUITE --check VARIANTS_CSV NAME,... [LONO_CSV]
        return check(argv[:3], argv[4], argv[5].split(","), argv[6] if len(argv) > 6 else None)
    if len(argv) == 5 and argv[3] == "--calibration-fit":
        return calibration_fit(argv[:3], argv[4])
    only = None
    if len(argv) == 6 and argv[4] == "--only":  # run only these variants; their rows appended to OUT_CSV
        only = argv[5].split(",")
        unknown = [n for n in only if n not in [v.name for v in VARIANTS]]
        if unknown:
            sys.stderr.write("tools/tx2_variants.py: no variant %s\n" % ", ".join(unknown))
            return 2
        argv = argv[:4]
    if len(argv) != 4:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    odonata, seed_path, suite_path, out_path = argv
    try:
        data, split = load(odonata, seed_path, suite_path)
    except subprocess.CalledProcessError as e:
        sys.stderr.write("tools/tx2_variants.py: %s failed on %s: %s\n" % (odonata, e.cmd[2], (e.stderr or "").strip()[:300]))
        return 1
    except (OSError, KeyError, ValueError) as e:
        sys.stderr.write("tools/tx2_variants.py: %s: %s\n(odonata %s, seed %s, suite %s)\n"
                         % (type(e).__name__, e, odonata, seed_path, suite_path))
        return 1
    cal = [d for d in data if split[d[0]] == "calibration"]
    results = []
    for v in VARIANTS if only is None else [v for v in VARIANTS if v.name in only]:
        c = lono(v, cal)
        f = lono(v, data)
        tile = ""
        if v.o["grid"]:
            v.fit([(d[2], d[3]) for d in data])
            tile = "%dx%d" % v.o["tile"]
        vgg = [r[4] for r in f if r[0] == "vgg_16"]
        novgg = mape([r for r in f if r[0] != "vgg_16"])
        results.append((v.name, mape(c), mape(f), novgg, vgg, tile))
        print("%-24s cal_lono %6.2f%%  lono %6.2f%%  lono without vgg_16 %6.2f%%  vgg_16 fp16 %+6.1f%% fp32 %+6.1f%% %s"
              % (v.name, mape(c), mape(f), novgg, vgg[0], vgg[1], tile), flush=True)
    head = ["variant", "cal_lono_mape_pct", "lono_mape_pct", "lono_without_vgg16_pct", "vgg16_fp16_pct",
            "vgg16_fp32_pct", "tile_full_fit"]
    comments, old = [], []
    if only is not None and os.path.exists(out_path):  # keep the earlier rows (and their comment lines)
        lines = open(out_path).read().splitlines()
        comments = [l for l in lines if l.startswith("#")]
        old = [r for r in csv.reader([l for l in lines if l and not l.startswith("#")])][1:]
        fresh = {r[0]: r for r in results}
    with open(out_path + ".tmp", "w", newline="") as fh:
        for c in comments:
            fh.write(c + "\n")
        fh.write("# tools/tx2_variants.py %s%s (%s UTC): inner criterion cal_lono (9 calibration networks of the suite's\n"
                 "# split, calibration rows only), LONO over all 14 networks (28 rows); docs/boards.md, Jetson TX2\n"
                 % (" ".join(os.path.relpath(x) if os.path.exists(x) else x for x in argv),
                    "" if only is None else " --only " + ",".join(only), time.strftime("%Y-%m-%d %H:%M", time.gmtime())))
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(head)
        for r in old:  # a variant run again keeps its place
            if r[0] in only:
                name, c, f, nv, vgg, tile = fresh[r[0]]
                r = [name, "%.2f" % c, "%.2f" % f, "%.2f" % nv, "%.1f" % vgg[0], "%.1f" % vgg[1], tile]
            w.writerow(r)
        for name, c, f, nv, vgg, tile in [r for r in results if r[0] not in [o[0] for o in old]]:
            w.writerow([name, "%.2f" % c, "%.2f" % f, "%.2f" % nv, "%.1f" % vgg[0], "%.1f" % vgg[1], tile])
    os.replace(out_path + ".tmp", out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
