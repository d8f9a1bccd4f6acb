#!/usr/bin/env python3
"""Per-layer accuracy of a host profile against ONNX Runtime per-node profiles (issue 12).

    /usr/bin/python3 tools/ort/per_layer.py ODONATA WORK [--platform host-ort-cpu]
        [--networks tools/ort/per-layer-networks.txt] [--threads 1] [--profiler-us US]
        [--skip-timing] [--all-profiles]

1. Materializes each listed network into WORK/net/ (odonata materialize --seed 1, as
   calibrate.sh does; reused when present).
2. Times and profiles them in one runner call (tools/ort/run.js --network ... --profile
   WORK/prof: a timing pass, then a separate session of 10 profiled runs at level `all`),
   --repeat times (default 3: WORK/prof, WORK/prof2, WORK/prof3, each a new session minutes
   apart in the same invocation); each layer's measured time is the median over the repeats
   (on 2026-12-06 three single profiles of the same networks minutes apart gave Conv 15.4%,
   14.3% and 17.8%: one profile's noise moves the figure by points). --skip-timing reuses them.
   Since run 22 (docs/host-platform.md "Run 22: what changes") the reference of calibrate.sh (a
   3x3 Conv, 64 channels, 28x28; WORK/reference) is timed before and after every profile, and a
   network's median is over its quiet profiles only: those whose reference time is within 15%
   of the 20th percentile of all the reference times around profiles (run.js's tolerance and
   baseline), at least one (else the one of fastest reference). Run 21's three profiles of
   ConvNeXt-T had two in a slow state (its depthwise layers at 170-183 us against 101-121 us in
   the first, element-wise nodes ~48% slower), which a median of three reports. --all-profiles:
   every profile, as until run 21.
3. Matches every ORT node to odonata's layers (tools/ort/layers.js --json) and compares kernel
   against kernel: each matched ORT node's median time less the profiler's own cost per node
   (since run 22 measured in each repeat as the sweep rows' is: the profiled kernel time of
   calibrate.sh's 1-element Relu, WORK/empty, timed by run.js --sweep --latency node just before
   that repeat's profiles; until run 21 a fixed 2.74 us, measured once, while run 21's rows had
   5.00 us removed: helper smallconv; --profiler-us US fixes it), and each
   estimated layer less the profile's per-layer dispatch_ms (which ORT's kernel time does not
   contain).

Writes WORK/per_layer.csv (one row per matched layer) and prints, per op of the estimate, the
number of matched layers, the per-layer MAPE, the median signed error, and the MAPE of the
layers measured at 20 us and more and under 20 us. The networks are validation networks: this
is a measurement, nothing is fitted on it.

Since 2026-12-07 (helper convlayer) each Conv row also carries `conv_kind` (dw: groups = input
channels; grouped; 1x1, 3x3, ...: tools/ort/chain_layers.py's conv_kind, read from the model's
weights and attributes; empty for other ops, or when python3-onnx is missing), and a second table
gives the Conv layers by kind: a report beside the statistic above, which it does not change.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return [line.split()[0] for line in f if line.strip() and not line.startswith("#")]


def feed_shapes(path):
    """stem -> odonata --input-shape arguments, from the runner's feeds file (tools/ort/feeds.js:
    STEM NAME:TYPE[D1;D2...][=V] ...): the networks whose inputs have symbolic dims."""
    shapes = {}
    if not os.path.exists(path):
        return shapes
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            args = []
            for feed in fields[1:]:
                m = re.fullmatch(r"([^:]+):[a-z0-9]+\[([0-9;]*)\](=.*)?", feed)
                if not m:
                    sys.exit(f"per_layer.py: {path}: cannot read feed '{feed}' of {fields[0]}")
                args += ["--input-shape", f"{m.group(1)}={m.group(2).replace(';', 'x')}"]
            shapes[fields[0]] = args
    return shapes


def dispatch_per_layer(odonata, platform):
    """The profile's dispatch_ms value (ms per executed layer), 0 when it has none."""
    out = subprocess.run([odonata, "platforms", "--format", "json"], check=True, capture_output=True,
                         text=True).stdout
    for p in json.loads(out)["platforms"]:
        if p["name"] == platform:
            with open(p["path"], encoding="utf-8") as f:
                d = json.load(f).get("dispatch_ms", 0)
            return d["value"] if isinstance(d, dict) else float(d)
    sys.exit(f"per_layer.py: platform '{platform}' not found by '{odonata} platforms'")


def repeat_suffix(r):
    """The file suffix of repeat r (0-based): WORK/prof, networks.csv, profiler.csv for the first,
    then prof2, networks2.csv, profiler2.csv, ..."""
    return "" if r == 0 else str(r + 1)


def percentile(sorted_xs, q):
    """run.js's percentile: linear interpolation at rank q x (n - 1) of the sorted values."""
    pos = q * (len(sorted_xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def quiet(reference_ms, pool, tolerance=0.15):
    """Indices of a network's quiet profiles: reference_ms[k] is the reference's time (ms) around
    its profile k, `pool` every such time of the run (all networks, all repeats). The baseline is
    the 20th percentile of the pool (run.js's baseline); a profile whose reference time is within
    `tolerance` of it is quiet; at least one is kept (the one of fastest reference). A profile
    without a reference time (None) makes every profile count."""
    if not reference_ms or any(r is None for r in reference_ms) or not pool:
        return list(range(len(reference_ms)))
    base = percentile(sorted(pool), 0.2)
    kept = [k for k, r in enumerate(reference_ms) if r <= base * (1 + tolerance)]
    return kept or [min(range(len(reference_ms)), key=lambda k: (reference_ms[k], k))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("odonata")
    ap.add_argument("work")
    ap.add_argument("--platform", default="host-ort-cpu")
    ap.add_argument("--networks", default=os.path.join(HERE, "per-layer-networks.txt"))
    ap.add_argument("--threads", default="1")
    ap.add_argument("--profiler-us", type=float, default=None,
                    help="the profiler's cost per ORT node (us) [measured in each repeat, as the sweep rows']")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="profiling passes, each layer's median taken [3]")
    ap.add_argument("--all-profiles", action="store_true",
                    help="every profile in a layer's median, not only the quiet ones (as until run 21)")
    a = ap.parse_args()
    odonata = os.path.abspath(a.odonata)
    models = read_list(a.networks)
    net_dir = os.path.join(a.work, "net")
    if a.repeat < 1:
        sys.exit("per_layer.py: --repeat must be at least 1")
    prof_dirs = [os.path.join(a.work, f"prof{repeat_suffix(r)}") for r in range(a.repeat)]
    os.makedirs(net_dir, exist_ok=True)
    nets = []
    for m in models:
        out = os.path.join(net_dir, os.path.basename(m))
        if not os.path.exists(out):
            subprocess.run([odonata, "materialize", os.path.join(ROOT, m), "-o", out, "--seed", "1"], check=True)
        nets.append(out)
    # calibrate.sh's fixed models (tools/ort/fixed_models.txt): the reference of its noise floor
    # (a 3x3 Conv, 64 channels, 28x28) and the empty call (a 1-element Relu).
    with open(os.path.join(HERE, "fixed_models.txt")) as f:
        fixed = dict(line.split(None, 1) for line in f if line.strip() and not line.startswith("#"))
    for name in ("reference", "empty"):
        if not a.skip_timing and not os.path.exists(os.path.join(a.work, name, "plan.csv")):
            subprocess.run([odonata, "sweep", *fixed[name].split(), "--out", os.path.join(a.work, name), "--models"],
                           check=True, capture_output=True)
    reference = os.path.join(a.work, "reference", "models", "00000.onnx")
    empty = os.path.join(a.work, "empty")
    if not a.skip_timing:
        for r, prof_dir in enumerate(prof_dirs):
            suffix = repeat_suffix(r)
            if a.profiler_us is None:
                # The profiler's cost per node in this repeat: the 1-element Relu's profiled kernel time.
                subprocess.run(["node", os.path.join(HERE, "run.js"), "--sweep", empty, "--threads", a.threads,
                                "--passes", "1", "--latency", "node", "--min-ms", "0", "--max-wait", "0",
                                "--out", os.path.join(a.work, f"profiler{suffix}.csv")], check=True)
            cmd = ["node", os.path.join(HERE, "run.js"), "--threads", a.threads, "--passes", "1",
                   "--profile", prof_dir, "--out", os.path.join(a.work, f"networks{suffix}.csv"),
                   "--machine", os.path.join(a.work, f"networks{suffix}.machine.json"),
                   "--feeds", os.path.join(ROOT, "data/host-ort-cpu/phase2/feeds.txt"),
                   "--reference", reference, "--max-wait", "0"]
            for n in nets:
                cmd += ["--network", n]
            subprocess.run(cmd, check=True)

    dispatch = dispatch_per_layer(odonata, a.platform)
    shapes = feed_shapes(os.path.join(ROOT, "data/host-ort-cpu/phase2/feeds.txt"))
    # The reference's time around every profile (run.js's profile_reference_ms; absent in runs
    # before run 22 or without a reference: every profile is then quiet).
    ref_ms = {}
    for r in range(a.repeat):
        path = os.path.join(a.work, f"networks{repeat_suffix(r)}.machine.json")
        got = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                got = json.load(f).get("profile_reference_ms") or {}
        for n in nets:
            ref_ms.setdefault(os.path.basename(n), []).append(got.get(n))
    pool = [x for v in ref_ms.values() for x in v if x is not None]
    # The profiler's cost per ORT node (us) of each repeat.
    profiler_us = []
    for r in range(a.repeat):
        if a.profiler_us is not None:
            profiler_us.append(a.profiler_us)
            continue
        path = os.path.join(a.work, f"profiler{repeat_suffix(r)}.csv")
        if not os.path.exists(path):
            sys.exit(f"per_layer.py: no {path} (the profiler's cost of repeat {r + 1}): time again, or give --profiler-us")
        with open(path, encoding="utf-8") as f:
            row = next(csv.DictReader(l for l in f if not l.startswith("#")))
        profiler_us.append(1000 * float(row["latency_ms"]))
    rows = []
    kept_profiles = {}
    for m in models:
        stem = os.path.splitext(os.path.basename(m))[0]
        kinds = conv_kinds(os.path.join(ROOT, m))
        refs = ref_ms.get(os.path.basename(m), [None] * a.repeat)
        kept = list(range(a.repeat)) if a.all_profiles else quiet(refs, pool)
        kept_profiles[stem] = len(kept)
        profiles = []
        costs = [profiler_us[k] for k in kept]
        for prof_dir in [prof_dirs[k] for k in kept]:
            out = subprocess.run(["node", os.path.join(HERE, "layers.js"), "--json", *shapes.get(stem, []),
                                  odonata, os.path.join(ROOT, m),
                                  a.platform, os.path.join(prof_dir, stem + ".json")],
                                 check=True, capture_output=True, text=True).stdout
            profiles.append(json.loads(out)["layers"])
        for i, l in enumerate(profiles[0]):
            if l["estimator"] == "free":
                continue
            # The layer's kernel time in each profile (less the profiler's cost per ORT node), then
            # their median: the same estimate against the median of the repeats.
            times = [p[i]["measured_ms"] - p[i]["ort_nodes"] * cost / 1000 for p, cost in zip(profiles, costs)
                     if i < len(p) and p[i]["name"] == l["name"] and p[i]["measured_ms"] is not None]
            times = [t for t in times if t > 0]
            if not times:
                continue
            meas = statistics.median(times)
            est = l["ms"] - dispatch
            rows.append({"network": stem, "index": i + 1, "layer": l["name"], "op": l["op"],
                         "estimator": l["estimator"], "ort_nodes": l["ort_nodes"],
                         "estimated_ms": f"{est:.6f}", "measured_ms": f"{meas:.6f}",
                         "error_pct": f"{100 * (est - meas) / meas:.2f}", "profiles": len(times),
                         "measured_min_ms": f"{min(times):.6f}", "measured_max_ms": f"{max(times):.6f}",
                         "conv_kind": kinds.get(l["name"], "") if l["op"] == "Conv" else ""})
    with open(os.path.join(a.work, "per_layer.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["network"])
        w.writeheader()
        w.writerows(rows)

    def mape(errs):
        return f"{statistics.fmean(abs(e) for e in errs):.1f}%" if errs else ""

    print(f"platform {a.platform}, {len(models)} networks, median of "
          f"{'all ' + str(a.repeat) if a.all_profiles else 'the quiet ones of ' + str(a.repeat)} profile(s) per layer "
          f"(profiles kept: {', '.join(f'{k} {v}' for k, v in kept_profiles.items())}), "
          f"profiler {', '.join(f'{x:.2f}' for x in profiler_us)} us per ORT node removed (per repeat), "
          f"dispatch {dispatch * 1000:.3f} us per layer removed from the estimate")
    print("| op | layers | MAPE | median error | layers >= 20 us: n, MAPE | < 20 us: n, MAPE |")
    print("|---|--:|--:|--:|--:|--:|")
    ops = sorted({r["op"] for r in rows}, key=lambda o: -sum(1 for r in rows if r["op"] == o))
    for op in ops:
        errs = [float(r["error_pct"]) for r in rows if r["op"] == op]
        big = [float(r["error_pct"]) for r in rows if r["op"] == op and float(r["measured_ms"]) >= 0.020]
        small = [float(r["error_pct"]) for r in rows if r["op"] == op and float(r["measured_ms"]) < 0.020]
        print(f"| {op} | {len(errs)} | {mape(errs)} | {statistics.median(errs):+.1f}% | "
              f"{len(big)}, {mape(big)} | {len(small)}, {mape(small)} |")
    print_by_kind(rows)


def conv_kinds(model_path):
    """{layer name: conv kind} of a model's Conv nodes (tools/ort/chain_layers.py graph_convs); {} without
    python3-onnx or on a model it cannot read (the kind column is then empty; the statistic is unchanged)."""
    try:
        sys.path.insert(0, HERE)
        import chain_layers
        return chain_layers.graph_convs(model_path)
    except Exception as e:  # a report beside the statistic: never stop the comparison for it
        print(f"per_layer.py: no conv kinds for {os.path.basename(model_path)} ({type(e).__name__})", file=sys.stderr)
        return {}


def by_kind(rows):
    """[(kind, layers, MAPE %, median error %, share of the Conv layers' summed absolute error %)] of the Conv rows
    with a kind, most summed absolute error first."""
    conv = [r for r in rows if r["op"] == "Conv" and r.get("conv_kind")]
    total = sum(abs(float(r["error_pct"])) for r in conv)
    out = []
    for kind in {r["conv_kind"] for r in conv}:
        errs = [float(r["error_pct"]) for r in conv if r["conv_kind"] == kind]
        out.append((kind, len(errs), statistics.fmean(abs(e) for e in errs), statistics.median(errs),
                    100 * sum(abs(e) for e in errs) / total if total else 0.0))
    return sorted(out, key=lambda t: (-t[4], t[0]))


def print_by_kind(rows):
    table = by_kind(rows)
    if not table:
        return
    print("\nConv by kind (a report beside the statistic above):")
    print("| kind | layers | MAPE | median error | share of the summed absolute error |")
    print("|---|--:|--:|--:|--:|")
    for kind, n, m, med, share in table:
        print(f"| {kind} | {n} | {m:.1f}% | {med:+.1f}% | {share:.1f}% |")


if __name__ == "__main__":
    main()
