#!/usr/bin/env python3
"""Choose the Jetson Nano power form on calibration rows only (data/jetson-nano/README.md, "Power model forms,
declared on 2026-12-06"): for each candidate form, criterion 1 = board-energy MAPE on the calibration networks with
input width W >= 80 when everything is fitted on those with W <= 60; criterion 2 = 5-fold CV energy MAPE (fold =
floor(h / 4) mod 5, h the FNV-1a 64-bit hash of the name without `icas:`). Terms and options as
tools/fit_jetson_nano.sh. Reads only data/jetson-nano/icas_calibration.csv.
Usage: /usr/bin/python3 tools/nano_power_forms.py [build/odonata] [forms, comma-separated]"""
import csv, os, re, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
odonata = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/odonata")
forms = (sys.argv[2] if len(sys.argv) > 2 else "class,kernel,throughput,bytes").split(",")
conv = "1;macs;in_c*out_c*kernel;in_c*kernel*out_h*out_w*out_c:64;in_c*kernel*out_h*out_w;elems;in_c*out_c*kernel*out_h"
cal = os.path.join(root, "data/jetson-nano/icas_calibration.csv")


def fnv1a(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


lines = [l for l in open(cal) if not l.startswith("#")]
rows = list(csv.DictReader(lines))
header = list(rows[0].keys()) + ["part"]
for r in rows:
    name = r["model"][len("icas:"):]
    assert fnv1a(name) % 4 != 0, name  # calibration rows only
    r["_w"] = int(re.search(r"_W(\d+)(_DWS)?$", name).group(1))
    r["_fold"] = (fnv1a(name) // 4) % 5


def write(path, keep):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            part = keep(r)
            if part is not None:
                w.writerow([r[k] for k in header[:-1]] + [part])


def fit(path, form):
    out = subprocess.run(["nice", "-n", "10", odonata, "fit", path, "--base", "data/seed-profiles/jetson-nano.json",
                          "--name", "jetson-nano", "--overhead-group", "icas-python-loop", "--terms", "conv=" + conv,
                          "--terms", "dwconv=1;macs;elems", "--terms", "gemm=in_c*spatial", "--split-by", "conv=kernel",
                          "--split-by", "dwconv=kernel", "--power-form", form, "--holdout", "part=scored", "--report"],
                         capture_output=True, text=True, cwd=root)
    if out.returncode:
        sys.exit(out.stderr)
    m = re.search(r"held out \(predicted, not fitted\): (\d+) network rows, latency MAPE ([\d.e+-]+)%, energy MAPE "
                  r"([\d.e+-]+)% \((\d+) rows\)", out.stdout)
    terms = re.search(r"^power terms:(.*)$", out.stdout, re.M)
    if terms:
        power = terms.group(1).strip()
    else:  # the class form: the report's per-class "active W" and the overhead's power
        power = " ".join("%s W %s;" % m for m in re.findall(r"^(\w+) fp32: .*; active ([\d.e+-]+) W$", out.stdout, re.M))
        power += " idle W %s;" % re.search(r"^power during the overhead: ([\d.e+-]+) W$", out.stdout, re.M).group(1)
    return float(m.group(3)), int(m.group(4)), float(m.group(2)), power


with tempfile.TemporaryDirectory() as tmp:
    ext = os.path.join(tmp, "extrapolate.csv")
    write(ext, lambda r: "fitted" if r["_w"] <= 60 else "scored" if r["_w"] >= 80 else None)
    folds = []
    for k in range(5):
        p = os.path.join(tmp, "fold%d.csv" % k)
        write(p, lambda r, k=k: "scored" if r["_fold"] == k else "fitted")
        folds.append(p)
    print("form | criterion 1: energy MAPE W>=80 (rows) | latency MAPE W>=80 | criterion 2: 5-fold CV energy MAPE (rows)")
    for form in forms:
        e1, n1, l1, power = fit(ext, form)
        ape = n = 0
        for p in folds:
            e, k, _, _ = fit(p, form)
            ape += e * k
            n += k
        print("%s | %.2f%% (%d) | %.2f%% | %.2f%% (%d)" % (form, e1, n1, l1, ape / n, n))
        print("  W<=60 fit's power terms: %s" % power, flush=True)
