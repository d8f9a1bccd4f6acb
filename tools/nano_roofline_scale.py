#!/usr/bin/python3
"""Candidate (B) of data/jetson-nano/README.md (2026-12-07, not adopted): a time scale k for the layers the Jetson
Nano profile prices by the roofline, fitted with (U2)'s four numbers (FP16 ratio s, unpadded 1x1 q, Linear weight
streaming g, torch2trt overhead o) on the 10 torch2trt calibration rows; leave-one-network-out against (U2).
Calibration rows only. Usage: tools/nano_roofline_scale.py [path/to/odonata] > data/jetson-nano/roofline_scale_report.txt
"""
import csv, json, os, subprocess, sys, tempfile
import numpy as np
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
sys.path.insert(0, "tools")
import nano_unpadded
od = sys.argv[1] if len(sys.argv) > 1 else "build/odonata"
work = tempfile.mkdtemp()
os.makedirs(work + "/b")
prof = work + "/b/jetson-nano.json"
conv = [l for l in open("tools/fit_jetson_nano.sh") if l.startswith("conv=")][0].split('"')[1]
# the FP32 profile fit_jetson_nano.sh fits first (before r and the dwconv refit), as (U2)'s torch2trt fit uses it
subprocess.run([od, "fit", "data/jetson-nano/icas_calibration.csv", "--base", "data/seed-profiles/jetson-nano.json",
                "--name", "jetson-nano", "--overhead-group", "icas-python-loop", "--terms", "conv=" + conv,
                "--terms", "dwconv=1;macs;elems", "--terms", "gemm=in_c*spatial", "--split-by", "conv=kernel",
                "--split-by", "dwconv=kernel", "--out", prof], check=True, capture_output=True)
rows = [r for r in csv.DictReader(l for l in open("data/validation/jetson-nano.csv") if not l.startswith("#"))
        if r["platform"] == "jetson-nano:torch2trt" and r["split"] == "calibration"]
xs = []
for r in rows:
    m = "data/validation/" + r["model"]
    e = json.loads(subprocess.run([od, "estimate", m, "--platform", prof, "--precision", "fp32", "--format", "json"], capture_output=True, text=True, check=True).stdout)
    unp = nano_unpadded.unpadded_1x1(m)
    U = sum(l["ms"] * l.get("repeat", 1) for l in e["layers"] if l["op"].startswith("Conv") and l["covers"][0] in unp)
    G = sum(l["macs"] * l.get("repeat", 1) for l in e["layers"] if l["op"].split("+")[0] in ("Gemm", "MatMul"))
    R = sum(l["ms"] * l.get("repeat", 1) for l in e["layers"] if l["estimator"] == "roofline")
    ops = sorted({l["op"] for l in e["layers"] if l["estimator"] == "roofline"})
    xs.append((e["layers_ms"], U, G, R, float(r["measured_ms"]), r["network"]))
    print("%-28s L %.2f U %.2f R %.3f (%.1f%% of L) %s meas %.1f" % (r["network"], e["layers_ms"], U, R, 100 * R / e["layers_ms"], ops, float(r["measured_ms"])))
def fit(sub, with_b):
    A = np.array([[l / m, u / m, g / m, 1 / m] + ([rr / m] if with_b else []) for l, u, g, rr, m, _ in sub])
    c, *_ = np.linalg.lstsq(A, np.ones(len(sub)), rcond=None)
    return c
def pred(c, x, with_b):
    l, u, g, rr, m, _ = x
    return c[0] * l + c[1] * u + c[2] * g + c[3] + (c[4] * rr if with_b else 0)
for with_b in (False, True):
    c = fit(xs, with_b)
    ins = [100 * (pred(c, x, with_b) - x[4]) / x[4] for x in xs]
    loo = []
    for i in range(len(xs)):
        ci = fit(xs[:i] + xs[i + 1:], with_b)
        loo.append(100 * (pred(ci, xs[i], with_b) - xs[i][4]) / xs[i][4])
    name = "(B)" if with_b else "(U2)"
    extra = ", k = 1 + b / s = %.3f" % (1 + c[4] / c[0]) if with_b else ""
    print("%s s %.4f r %.4f g %.3g o %.3f%s; in-sample MAPE %.2f%%, leave-one-out MAPE %.2f%%" % (name, c[0], 1 + c[1] / c[0], c[2], c[3], extra, np.mean(np.abs(ins)), np.mean(np.abs(loo))))
    print("   leave-one-out errors: " + ", ".join("%s %+.1f" % (x[5].split()[-1], e) for x, e in zip(xs, loo)))
import shutil
shutil.rmtree(work)
