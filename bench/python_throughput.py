#!/usr/bin/env python3
"""Throughput of odonata from Python (README "Python"): estimate_total on a loaded ResNet-50, one call
at a time, and estimate_grid over many (model, platform, precision) combinations in one call. Pinned
to one core; each figure is the median of --repeats runs, with the min and max.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_throughput.py   # or with the package installed
"""
import argparse
import os
import pathlib
import platform as host
import statistics
import sys
import time

import odonata

SRC = pathlib.Path(__file__).resolve().parents[1]


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return host.processor() or "unknown CPU"


def rate(fn, count, repeats):
    """Per-second rates of fn() doing `count` things, one per repeat: (by wall-clock time, by the
    thread's CPU time). On a shared machine the CPU time is the steadier figure: it leaves out the
    time other processes held the core."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(count / (time.thread_time() - start_cpu))
        wall.append(count / (time.perf_counter() - start))
    return wall, cpu


def show(label, rates, target):
    wall, cpu = rates
    verdict = "met" if statistics.median(cpu) >= target else "NOT met"
    print(f"| {label} | {statistics.median(cpu):,.0f}/s (min {min(cpu):,.0f}, max {max(cpu):,.0f}) "
          f"| {statistics.median(wall):,.0f}/s (min {min(wall):,.0f}, max {max(wall):,.0f}) "
          f"| {target:,}/s: {verdict} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cpu", type=int, default=None, help="core to pin to (default: the first allowed)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})

    resnet50 = odonata.load(SRC / "models" / "resnet50.onnx")
    nano = odonata.platform("jetson-nano")
    odonata.estimate_total(resnet50, nano)  # fuse once
    est = odonata.estimate_total
    calls = args.calls

    def loop():
        for _ in range(calls):
            est(resnet50, nano)

    def loop_fp16():
        for _ in range(calls):
            est(resnet50, nano, "fp16")

    platforms = odonata.platforms(modes=True)
    precisions = ["fp32", "fp16", "int8"]
    models = []
    for path in sorted((SRC / "models").glob("*.onnx")):
        try:
            models.append(odonata.load(path))
        except odonata.Error:  # a model the loader cannot resolve (the CLI fails on it too)
            pass
    odonata.estimate_grid(models, platforms, precisions)  # fuse every model for every set of rules
    # 200 distinct candidates of the NAS examples' search space (examples/nas_space.py, onnx.helper).
    sys.path.insert(0, str(SRC / "examples"))
    import nas_space
    nas = [odonata.load(nas_space.build(c), name=nas_space.name(c)) for c in nas_space.sample(200)]
    odonata.estimate_grid(nas, platforms, precisions)
    n_nas = sum(1 for p in platforms for q in precisions if q in p.precisions) * len(nas)
    r50_grid = [resnet50] * 200
    n_r50 = sum(1 for p in platforms for q in precisions if q in p.precisions) * len(r50_grid)
    n_all = sum(1 for p in platforms for q in precisions if q in p.precisions) * len(models)

    print(f"odonata {odonata.__version__}, Python {host.python_version()}, {cpu_name()}, one core, "
          f"median of {args.repeats}")
    print()
    try:
        load = "load average %.1f, %.1f, %.1f" % os.getloadavg()
    except OSError:
        load = "load unknown"
    print(f"({load}; rate by the thread's CPU time, and by wall-clock time)")
    print()
    print("| what | rate (CPU time) | rate (wall clock) | target |")
    print("|---|---|---|---|")
    show("`estimate_total(resnet50, jetson_nano)` calls", rate(loop, calls, args.repeats), 100_000)
    show("`estimate_total(resnet50, jetson_nano, \"fp16\")` calls", rate(loop_fp16, calls, args.repeats), 100_000)
    show(f"`estimate_grid`: ResNet-50 x {len(platforms)} platforms/modes x precisions ({n_r50:,} estimates a call)",
         rate(lambda: odonata.estimate_grid(r50_grid, platforms, precisions), n_r50, args.repeats), 500_000)
    show(f"`estimate_grid`: {len(nas)} NAS candidates (examples/nas_space.py) x {len(platforms)} platforms/modes x "
         f"precisions ({n_nas:,} estimates a call)",
         rate(lambda: odonata.estimate_grid(nas, platforms, precisions), n_nas, args.repeats), 500_000)
    show(f"`estimate_grid`: the {len(models)} shipped models that load x {len(platforms)} platforms/modes x precisions "
         f"({n_all:,} estimates a call)",
         rate(lambda: odonata.estimate_grid(models, platforms, precisions), n_all, args.repeats), 500_000)


if __name__ == "__main__":
    main()
