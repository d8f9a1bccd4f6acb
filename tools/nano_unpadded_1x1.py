#!/usr/bin/env python3
"""Candidates (U) and (U2) for the Jetson Nano, on calibration rows only (data/jetson-nano/README.md, "Unpadded 1x1
convolutions, declared on 2026-12-07"): an unpadded 1x1 convolution (valid_permille 1000) costs r x the conv model,
r fitted with the FP16 ratio s, the Linear weight streaming g and the torch2trt overhead o on the 10 torch2trt
calibration rows of data/validation/jetson-nano.csv.
  criterion 1: leave-one-network-out MAPE over those 10 rows, (0) = the shipped three numbers, (U) = with r;
  criterion 2: in-sample latency MAPE of the 10,287 iCAS calibration networks (data/jetson-nano/icas_calibration.csv)
               with r applied, for (U) as fitted and for (U2) = (U) + the dwconv class refitted (--classes dwconv);
  (U2) also: 5-fold CV latency MAPE of the dwconv refit (fold = floor(h / 4) mod 5, h the FNV-1a 64 of the name)
               on the shipped profile (0) and on (U).
Reads no validation row. Usage: /usr/bin/python3 tools/nano_unpadded_1x1.py [build/odonata] [r, to skip criterion 1]"""
import csv, json, os, re, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
import numpy as np
import onnx

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
odonata = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(root, "build/odonata")
os.chdir(root)
conv = "1;macs;in_c*out_c*kernel;in_c*kernel*out_h*out_w*out_c:64;in_c*kernel*out_h*out_w;elems;in_c*out_c*kernel*out_h"
cal_csv = "data/jetson-nano/icas_calibration.csv"
tmp = tempfile.mkdtemp(prefix="nano_u_")


def run(args):
    out = subprocess.run([odonata] + args, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return out.stdout


def fit(csv_path, base, out, classes=None, holdout=False):
    args = ["fit", csv_path, "--base", base, "--name", "jetson-nano", "--overhead-group", "icas-python-loop",
            "--terms", "dwconv=1;macs;elems", "--split-by", "dwconv=kernel", "--report"]
    if classes:
        args += ["--classes", classes]
    else:
        args += ["--terms", "conv=" + conv, "--terms", "gemm=in_c*spatial", "--split-by", "conv=kernel"]
    if holdout:
        args += ["--holdout", "part=scored"]
    if out:
        args += ["--out", out]
    return run(args)


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nano_unpadded import unpadded_1x1  # noqa: E402  (one definition: 1x1, no padding, one group)


def with_r(profile, r, out):
    """The profile with r x the conv model on unpadded 1x1 layers: every conv term that is not zero at kernel 1
    (no kernel step factor) gets a copy x valid_permille:999 (1 when every tap reads the input, else 0) x (r - 1)."""
    p = json.load(open(profile))
    for f in p["classes"]["conv"]["fitted"]:
        f["terms"] += [{"coef": t["coef"] * (r - 1), "factors": t["factors"] + [{"dim": "valid_permille", "step": 999}]}
                       for t in f["terms"] if not any(x["dim"] == "kernel" and x.get("step", 0) > 0 for x in t["factors"])]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    json.dump(p, open(out, "w"), indent=1)
    return out


r_fit = float(sys.argv[2]) if len(sys.argv) > 2 else None
# The raw FP32 fit (as tools/fit_jetson_nano.sh step 1), the base of the torch2trt fit.
raw = os.path.join(tmp, "raw/jetson-nano.json")
os.makedirs(os.path.dirname(raw))
if r_fit is None:
    fit(cal_csv, "data/seed-profiles/jetson-nano.json", raw)

rows = [r for r in csv.DictReader(l for l in open("data/validation/jetson-nano.csv") if not l.startswith("#"))]
t2t = [r for r in rows if r["platform"] == "jetson-nano:torch2trt" and r["split"] == "calibration"]
X = []
for r in t2t if r_fit is None else []:
    path = "data/validation/" + r["model"]
    unp = unpadded_1x1(path)
    e = json.loads(run(["estimate", path, "--platform", raw, "--precision", "fp32", "--format", "json"]))
    U = sum(l["ms"] * l.get("repeat", 1) for l in e["layers"] if l["op"].startswith("Conv") and l["covers"][0] in unp)
    G = sum(l["macs"] * l.get("repeat", 1) for l in e["layers"] if l["op"].split("+")[0] in ("Gemm", "MatMul"))
    X.append((r["network"].split()[-1], e["layers_ms"], U, G, float(r["measured_ms"])))
    print("%-14s FP32 layers %8.3f ms, unpadded 1x1 %7.3f ms, Gemm MACs %9d, measured FP16 %s ms" % X[-1])


def lsq(xs, with_u):
    A = np.array([[l / m] + ([u / m] if with_u else []) + [g / m, 1 / m] for _, l, u, g, m in xs])
    return np.linalg.lstsq(A, np.ones(len(xs)), rcond=None)[0]


def predict(c, x, with_u):
    _, l, u, g, _ = x
    return c[0] * l + (c[1] * u if with_u else 0) + c[-2] * g + c[-1]


for with_u in (False, True) if r_fit is None else ():
    c = lsq(X, with_u)
    ins = [100 * (predict(c, x, with_u) / x[4] - 1) for x in X]
    loo = [100 * (predict(lsq(X[:i] + X[i + 1:], with_u), X[i], with_u) / X[i][4] - 1) for i in range(len(X))]
    name = "(U)" if with_u else "(0)"
    extra = ""
    if with_u:
        r_fit = 1 + c[1] / c[0]
        extra = ", q %.6g, r = 1 + q / s = %.6f" % (c[1], r_fit)
    print("%s s %.5f, g %.6g ms/MAC, o %.4f ms%s" % (name, c[0], c[-2], c[-1], extra))
    print("%s criterion 1: in-sample MAPE %.2f%%, leave-one-network-out MAPE %.2f%% (without squeezenet1_1 %.2f%%)"
          % (name, np.mean(np.abs(ins)), np.mean(np.abs(loo)), np.mean(np.abs(loo[1:]))))
    print("    held out: " + ", ".join("%s %+.1f%%" % (x[0], v) for x, v in zip(X, loo)))

# Criterion 2: the iCAS calibration networks, in-sample, with r applied to the shipped profile (U) and after the
# dwconv refit (U2); the reports' first lines are the in-sample latency and energy MAPE.
shipped = "platforms/jetson-nano.json"
u = with_r(shipped, r_fit, os.path.join(tmp, "u/jetson-nano.json"))
cal = [r for r in csv.DictReader(l for l in open(cal_csv) if not l.startswith("#"))]
suite = os.path.join(tmp, "u_suite.csv")
with open(suite, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["model", "network", "platform", "precision", "input_shape", "measured_ms", "measures", "split",
                "source", "note", "measured_power_w"])
    for r in cal:
        w.writerow([r["model"], r["model"][5:], u, "fp32", "", r["latency_ms"], "e2e", "calibration", r["source"], "",
                    r["power_w"]])
out_json = os.path.join(tmp, "u_check.json")
subprocess.run([odonata, "check", suite, "--split", "calibration", "--format", "json", "-o",
                out_json], capture_output=True, text=True)
chk = [x for x in json.load(open(out_json))["rows"]]
dws = [x for x in chk if x["model"].endswith("_DWS")]
print("(U) criterion 2: iCAS calibration in-sample MAPE %.2f%% (%d rows); separable networks MAPE %.2f%%, mean %+.2f%%"
      % (np.mean([abs(x["error_pct"]) for x in chk]), len(chk), np.mean([abs(x["error_pct"]) for x in dws]),
         np.mean([x["error_pct"] for x in dws])))
for name, base in (("(0)", shipped), ("(U2)", u)):
    os.makedirs(os.path.join(tmp, name.strip("()") + "_dw"))
    rep = fit(cal_csv, base, os.path.join(tmp, name.strip("()") + "_dw/jetson-nano.json"), classes="dwconv")
    print("%s dwconv refit, in-sample: %s" % (name, rep.splitlines()[1]))
    print("    " + "\n    ".join(l[:300] for l in rep.splitlines()[2:] if l.startswith(("overhead", "dwconv"))))


def fnv1a(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


header = list(cal[0].keys()) + ["part"]
folds = []
for k in range(5):
    p = os.path.join(tmp, "fold%d.csv" % k)
    with open(p, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in cal:
            w.writerow([r[h] for h in header[:-1]] + ["scored" if (fnv1a(r["model"][5:]) // 4) % 5 == k else "fitted"])
    folds.append(p)
pat = re.compile(r"held out \(predicted, not fitted\): (\d+) network rows, latency MAPE ([\d.e+-]+)%")
for name, base in (("(0)", shipped), ("(U2)", u)):
    with ThreadPoolExecutor(2) as ex:
        reps = list(ex.map(lambda p: fit(p, base, None, classes="dwconv", holdout=True), folds))
    n = ape = 0
    for rep in reps:
        m = pat.search(rep)
        n += int(m.group(1)); ape += float(m.group(2)) * int(m.group(1))
    print("%s dwconv refit, 5-fold CV latency MAPE %.2f%% (%d rows)" % (name, ape / n, n), flush=True)
