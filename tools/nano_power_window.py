#!/usr/bin/python3
"""Correction (W) of data/jetson-nano/README.md: board power of the iCAS real rows inside the 60 s inference loop.

iCAS-Lab jetson_scripts/Power.py (@50e6709) samples tegrastats every 1 s while a `while time.time() - start <
inference_time` loop (60 s) runs inferences; the model-info row gives Avrg_POM_5V_IN (mean of the samples, mW) and
Total_POM_5V_IN (their sum), so N = Total / Avrg is the number of samples. Every calibration row has N <= 59 (the
record lies inside the loop; `--calibration` prints it), so the profile's class powers are in-loop powers. A record
with N > 60 holds N - 60 samples outside the loop; its in-loop power is
    P = (Avrg x N - P_out x (N - 60)) / 60,   P_out = the profile's power.idle_w,
and the row's measured_energy_mj = P x measured_ms (measured_power_w stays the record's average).

Usage:
  tools/nano_power_window.py [SUITE [PROFILE]]     rewrite measured_energy_mj of the iCAS real rows of SUITE
                                                   (default data/validation/jetson-nano.csv, platforms/jetson-nano.json)
  tools/nano_power_window.py --calibration DIR     the calibration rows' record lengths (DIR: shared/data/icas_nano)
  tools/nano_power_window.py --selftest
"""
import csv
import glob
import io
import json
import os
import re
import sys

WINDOW_S = 60.0  # Power.py's inference_time (shared/data/icas_nano/MANIFEST.md: "a 60 s run")
NOTE = ("power record window (W): measured_energy_mj = in-loop board power (Avrg x N - idle_w x (N - 60)) / 60 x "
        "measured_ms, N = Total_POM_5V_IN / Avrg_POM_5V_IN samples of 1 s > the 60 s loop of Power.py; idle_w = the "
        "profile's power.idle_w; written by tools/nano_power_window.py (data/jetson-nano/README.md)")


def in_loop_power(avrg_w, total_over_avrg, p_out_w, window_s=WINDOW_S):
    """In-loop power (W) of a record of N = total_over_avrg samples; None when N <= window (nothing outside)."""
    n = total_over_avrg
    if not (avrg_w > 0 and n > 0 and p_out_w >= 0 and window_s > 0):
        raise ValueError("power record: need Avrg > 0, N > 0, P_out >= 0 (got %r, %r, %r)" % (avrg_w, n, p_out_w))
    if n <= window_s:
        return None
    return (avrg_w * n - p_out_w * (n - window_s)) / window_s


def record_of(source):
    """(Avrg W, N) from a row's source text '... Avrg_POM_5V_IN <mW> mW (Total_POM_5V_IN <sum>, ...'."""
    m = re.search(r"Avrg_POM_5V_IN ([0-9.]+) mW \(Total_POM_5V_IN ([0-9.]+)", source)
    if not m:
        return None
    avrg, total = float(m.group(1)), float(m.group(2))
    return avrg / 1000.0, total / avrg


def rewrite(suite, profile):
    idle = json.load(open(profile))["power"]["idle_w"]["value"]
    lines = open(suite).read().splitlines(keepends=True)
    head = [l for l in lines if l.startswith("#")]
    body = "".join(l for l in lines if not l.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    fields = list(csv.DictReader(io.StringIO(body)).fieldnames)
    changed = []
    for r in rows:
        if "iCAS-Lab/NAS-Performance-Modeling" not in r["source"] or not r["measured_power_w"]:
            continue
        rec = record_of(r["source"])
        if rec is None:
            sys.exit("%s: iCAS real row %s has power but no 'Avrg_POM_5V_IN ... mW (Total_POM_5V_IN ...' in its source"
                     % (suite, r["network"]))
        p = in_loop_power(rec[0], rec[1], idle)
        note = r["note"]
        if "power record window (W)" in note:  # always last: drop it and rewrite it
            note = note[:note.find("power record window (W)")].rstrip("; ")
        note = [note] if note else []
        if p is None:
            r["measured_energy_mj"] = ""
        else:
            r["measured_energy_mj"] = "%.4f" % (p * float(r["measured_ms"]))
            note.append(NOTE)
            changed.append((r["network"], rec[1], rec[0], p))
        r["note"] = "; ".join(note)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    open(suite, "w").write("".join(head) + out.getvalue())
    for name, n, avrg, p in changed:
        print("%-60s N %5.1f  record %.4f W -> in-loop %.4f W (idle_w %.4f W)" % (name[:60], n, avrg, p, idle))


def calibration(src, cal_csv="data/jetson-nano/icas_calibration.csv"):
    cal = {r["model"][5:]: r for r in csv.DictReader(l for l in open(cal_csv) if not l.startswith("#"))}
    ns, ratio = [], []
    for p in sorted(glob.glob(os.path.join(src, "*__*.csv"))):
        if p.endswith("__big_latency.csv") or p.endswith("__big_power.csv"):
            continue
        seen = set()
        for i in csv.DictReader(open(p, newline="")):
            name = i["Model Name"].strip()
            if name in seen or name not in cal or not cal[name]["power_w"]:
                continue
            seen.add(name)
            ns.append(float(i["Total_POM_5V_IN"]) / float(i["Avrg_POM_5V_IN"]))
            ratio.append(WINDOW_S / (float(i["num_inferences"]) * float(i["average_latency(ms)"]) / 1000.0))
    for what, v in (("N = Total_POM_5V_IN / Avrg_POM_5V_IN", ns), ("60 s / (num_inferences x latency)", ratio)):
        v = sorted(v)
        q = lambda a: v[int(a * (len(v) - 1))]
        print("%s, %d calibration rows with power: min %.3f p5 %.3f median %.3f p95 %.3f max %.3f"
              % (what, len(v), v[0], q(.05), q(.5), q(.95), v[-1]))
    print("rows with N > 60: %d" % sum(1 for n in ns if n > WINDOW_S + 0.5))


def selftest():
    # VGG16 (real_models.csv line 2): Avrg 5364.465909 mW, Total 472073 -> N = 88.0; P_out 3.0 W:
    # (5.364465909 x 88.0 - 3.0 x 28.0) / 60 = (472.073 - 84.0) / 60 = 6.467883 W (by hand).
    avrg, n = record_of("x Avrg_POM_5V_IN 5364.465909 mW (Total_POM_5V_IN 472073, the sum")
    assert abs(n - 88.0) < 1e-3 and abs(avrg - 5.364465909) < 1e-9, (avrg, n)
    p = in_loop_power(avrg, n, 3.0)
    assert abs(p - 6.467883) < 1e-5, p
    # a record inside the loop is left alone; at P_out = Avrg the correction is the identity
    assert in_loop_power(6.8, 56.0, 3.0) is None and in_loop_power(6.8, 60.0, 3.0) is None
    assert abs(in_loop_power(5.0, 75.0, 5.0) - 5.0) < 1e-12
    # a lower power outside the loop raises the in-loop power: 4 W over 80 s with 20 s at 2 W -> (320 - 40) / 60
    assert abs(in_loop_power(4.0, 80.0, 2.0) - 280.0 / 60.0) < 1e-12
    for bad in ((0.0, 70.0, 3.0), (5.0, 0.0, 3.0), (5.0, 70.0, -1.0)):
        try:
            in_loop_power(*bad)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (bad,))
    assert record_of("Avrg_POM_5V_IN 5364 mW, GPU rail") is None
    print("nano_power_window selftest: ok")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["--selftest"]:
        selftest()
    elif a[:1] == ["--calibration"]:
        if len(a) != 2:
            sys.exit("usage: tools/nano_power_window.py --calibration SHARED/icas_nano")
        calibration(a[1])
    else:
        rewrite(a[0] if a else "data/validation/jetson-nano.csv", a[1] if len(a) > 1 else "platforms/jetson-nano.json")
