#!/usr/bin/python3
"""Candidate size variables for the partial cache state's share (issue 12; docs/host-cost-model.md section 7),
scored on calibration-side networks timed warm and cold (tools/ort/cache_state.js CSVs of tools/ort/ir_chains.py and
tools/ort/se_chains.py networks). A prototype of `odonata fit --cache-chains` in Python: the same form
h = 1 / (1 + (x / half)^slope), the same criterion (least squares of ln(1 - h g) against ln m, g = 1 - warm estimate /
cold estimate, m = measured warm / cold), a grid in ln half (0.1) and ln slope (0.0625), then two finer grids (odonata: three); each
network estimated with PLATFORM at --cache cold and warm. x is one of:
  w   the network's weights as stored (odonata's cache.weight_bytes; what odonata fits)
  wa  w + the bytes of the outputs its executed layers write (4 bytes per element)
  a   those output bytes alone
Prints, per candidate fitted on the rows of --fit (default all), the in-sample and leave-one-out MAPE of the warm
times predicted as cold x (1 - h g), per set. No validation network is read.

    /usr/bin/python3 tools/ort/share_candidates.py ODONATA PLATFORM SET=CSV:MODELDIR[:PREFIX] [SET=...]
        [--fit SET,SET] [--json FILE]
    /usr/bin/python3 tools/ort/share_candidates.py --selftest   (ctest share_candidates_recovery)

PREFIX keeps the CSV's networks whose file name starts with it. A CSV may hold several timings of each network (a `timing` column, as
data/host-ort-cpu/diagnosis/cache-state/se-chains-warm-cold.csv): m is the median of the per-timing ratios.
"""
import argparse
import collections
import csv
import json
import math
import statistics
import subprocess
import sys

try:
    import numpy as np
except ImportError:  # --selftest skips (ctest's SKIP_RETURN_CODE 77)
    np = None


def read_rows(odonata, platform, csv_path, model_dir, prefix):
    ratios = collections.defaultdict(list)
    with open(csv_path, encoding="utf-8") as f:
        for r in csv.DictReader(line for line in f if not line.startswith("#")):
            if not r["model"].startswith(prefix):
                continue
            ratios[r["model"]].append((float(r["warm_ms"]), float(r["cold_ms"])))
    rows = []
    for model, v in sorted(ratios.items()):
        est = {}
        for cache in ("cold", "warm"):
            j = json.loads(subprocess.run([odonata, "estimate", f"{model_dir}/{model}", "--platform", platform,
                                           "--cache", cache, "--format", "json"],
                                          capture_output=True, text=True, check=True).stdout)
            est[cache] = j["total_ms"]
            w = j["cache"]["weight_bytes"]
            act = sum(4 * math.prod(l["output_shape"]) for l in j["layers"] if l["estimator"] != "free")
        rows.append({"model": model, "w": w, "act": act, "g": 1 - est["warm"] / est["cold"],
                     "m": statistics.median(a / b for a, b in v),
                     "warm": statistics.median(a for a, _ in v), "cold": statistics.median(b for _, b in v)})
    return rows


SIZES = {"w": lambda r: r["w"], "wa": lambda r: r["w"] + r["act"], "a": lambda r: r["act"]}


def sse(x, g, m, lh, ls):
    h = 1 / (1 + (x / math.exp(lh)) ** math.exp(ls))
    y = 1 - h * g
    return None if (y <= 0).any() else float(((np.log(y) - np.log(m)) ** 2).sum())


def fit(rows, size):
    x = np.array([SIZES[size](r) for r in rows], dtype=float)
    g = np.array([r["g"] for r in rows])
    m = np.array([r["m"] for r in rows])
    best = None
    for lh in np.arange(math.log(100), math.log(1e11), 0.1):
        for ls in np.arange(math.log(0.02), math.log(10), 0.0625):
            s = sse(x, g, m, lh, ls)
            if s is not None and (best is None or s < best[0]):
                best = (s, lh, ls)
    for step in (0.01, 0.001):
        _, lh0, ls0 = best
        for i in range(-10, 11):
            for j in range(-10, 11):
                s = sse(x, g, m, lh0 + i * step, ls0 + j * step * 0.625)
                if s is not None and s < best[0]:
                    best = (s, lh0 + i * step, ls0 + j * step * 0.625)
    return math.exp(best[1]), math.exp(best[2])


def predict(r, p, size):
    x = SIZES[size](r)
    h = 1 / (1 + (x / p[0]) ** p[1]) if x > 0 else 1.0
    return r["cold"] * (1 - h * r["g"])


def err(r, p, size):
    return abs(predict(r, p, size) - r["warm"]) / r["warm"]


def selftest():
    """Recovery of known coefficients from synthetic rows (exact m = 1 - h g) for each size variable, and h = 1/2
    at x = half by hand. Exit 0 when all hold."""
    if np is None:
        print("share_candidates.py --selftest: numpy missing, skipped")
        return 77
    failures = []
    rows = []
    for i in range(24):
        w = 2e4 * 1.45 ** i                  # 20 kB .. 100 MB of weights
        act = 3e5 * 1.3 ** ((i * 7) % 24)   # activations in another order, so w, wa and a differ
        g = 0.1 + 0.3 * ((i * 5) % 24) / 23
        rows.append({"model": f"r{i}", "w": w, "act": act, "g": g, "cold": 1.0})
    made = {"w": lambda r: r["w"], "wa": lambda r: r["w"] + r["act"], "a": lambda r: r["act"]}  # not SIZES
    for size, (half, slope) in {"w": (3.0e5, 0.37), "wa": (1.8e7, 3.8), "a": (2.0e6, 1.2)}.items():
        for r in rows:
            h = 1 / (1 + (made[size](r) / half) ** slope)
            r["m"] = 1 - h * r["g"]
            r["warm"] = r["cold"] * r["m"]
        p = fit(rows, size)
        if abs(p[0] / half - 1) > 0.01 or abs(p[1] / slope - 1) > 0.01:
            failures.append(f"{size}: fitted half {p[0]:.6g} slope {p[1]:.6g}, made with {half:.6g} {slope:.6g}")
        worst = max(err(r, p, size) for r in rows)
        if worst > 0.002:
            failures.append(f"{size}: a row predicted {100 * worst:.3f}% off")
    r = {"w": 5e5, "act": 0, "g": 0.4, "cold": 2.0}
    if abs(predict(r, (5e5, 0.37), "w") - 2.0 * (1 - 0.5 * 0.4)) > 1e-12:  # h(half) = 1/2: 2 x (1 - 0.2) = 1.6 ms
        failures.append("h at x = half is not 1/2")
    for f in failures:
        print("share_candidates.py --selftest: FAIL " + f)
    if not failures:
        print("share_candidates.py --selftest: ok (w, wa, a recovered within 1%; h(half) = 1/2)")
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("odonata")
    ap.add_argument("platform")
    ap.add_argument("sets", nargs="+", help="SET=CSV:MODELDIR[:PREFIX]")
    ap.add_argument("--fit", help="comma-separated sets to fit on (default: all)")
    ap.add_argument("--json", help="write the rows and fits to this file")
    a = ap.parse_args()
    sets = {}
    for s in a.sets:
        name, _, rest = s.partition("=")
        path, _, rest = rest.partition(":")
        model_dir, _, prefix = rest.partition(":")
        if not name or not path or not model_dir:
            ap.error(f"'{s}' is not SET=CSV:MODELDIR[:PREFIX]")
        try:
            sets[name] = read_rows(a.odonata, a.platform, path, model_dir, prefix)
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"share_candidates.py: error: {path}: {e}")
        except subprocess.CalledProcessError as e:
            last = (e.stderr or "").strip().splitlines()
            sys.exit(f"share_candidates.py: error: {' '.join(e.cmd[:3])}: {last[-1] if last else e.returncode}")
        if not sets[name]:
            sys.exit(f"share_candidates.py: error: {path}: no network{' named ' + prefix + '*' if prefix else ''}")
    fit_sets = a.fit.split(",") if a.fit else list(sets)
    for n in fit_sets:
        if n not in sets:
            ap.error(f"--fit: no set '{n}'")
    rows = [r for n in fit_sets for r in sets[n]]
    scored = [(n, r) for n in sets for r in sets[n]]
    out = {"sets": sets, "fits": {}}
    print(f"fitted on {'+'.join(fit_sets)} ({len(rows)} rows); scored on {len(scored)} rows")
    print("| size | half | slope | in-sample " + " | ".join(sets) + " | all | leave-one-out all |")
    for size in SIZES:
        p = fit(rows, size)
        loo = []
        for n, r in scored:
            q = fit([o for o in rows if o is not r], size) if r in rows else p
            loo.append(err(r, q, size))
        per = [100 * statistics.fmean(err(r, p, size) for r in sets[n]) for n in sets]
        allm = 100 * statistics.fmean(err(r, p, size) for _, r in scored)
        print(f"| {size} | {p[0]:.4g} | {p[1]:.4g} | " + " | ".join(f"{v:.2f}%" for v in per) +
              f" | {allm:.2f}% | {100 * statistics.fmean(loo):.2f}% |")
        out["fits"][size] = {"half": p[0], "slope": p[1], "loo_mape": 100 * statistics.fmean(loo)}
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
