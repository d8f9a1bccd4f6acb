#!/usr/bin/python3
"""The per-node dispatch cost from tools/ort/dispatch.js output: per op and thread count,
least-squares and Theil-Sen lines of session.run time against the nodes that ran.

    /usr/bin/python3 tools/ort/dispatch_report.py CHAINS.csv... [--networks NETWORKS.csv PROFILE_DIR]

For each (op, threads) of the chains: ``run_ms = a + b x executed_nodes`` (b: the cost of
one more node, kernel included: the kernels are ~50 ns of work), and the same for the
profiled session's run time and for the sum of the profiler's kernel times, which shows
what profiling adds per node.  With --networks (run.js network CSV and its --profile
directory): per network, the unprofiled session.run median, the sum of the profiled
kernel medians, the nodes that ran, and (run - kernels) / nodes.  Prints Markdown.
Fits nothing on validation networks: the network rows are only compared with the
chains' per-node constant.
"""

import csv
import json
import os
import sys
from collections import defaultdict


def rows_of(path):
    with open(path) as f:
        return list(csv.DictReader(l for l in f if not l.startswith("#")))


def lsq(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    b = sum((a - mx) * (c - my) for a, c in zip(x, y)) / sxx if sxx else 0.0
    return my - b * mx, b


def theil_sen(x, y):
    slopes = sorted((y[j] - y[i]) / (x[j] - x[i]) for i in range(len(x)) for j in range(i + 1, len(x))
                    if x[j] != x[i])
    if not slopes:
        return 0.0, 0.0
    b = slopes[len(slopes) // 2]
    a = sorted(c - b * a for a, c in zip(x, y))[len(x) // 2]
    return a, b


def chains(paths):
    out = ["| op | threads | nodes run (of 1..1000) | run: a (us) | run: b (us/node), LSQ | Theil-Sen | "
           "profiled run: b (us/node) | profiler kernel sum: b (us/node) | run_ms p90/p10 at 1000 nodes |",
           "|---|--:|---|--:|--:|--:|--:|--:|--:|"]
    groups = defaultdict(list)
    for p in paths:
        for r in rows_of(p):
            groups[(r["op"], r["threads"])].append(r)
    for (op, t), rs in sorted(groups.items()):
        rs.sort(key=lambda r: int(r["nodes"]))
        x = [float(r["executed_nodes"]) for r in rs]
        run = [1000 * float(r["run_ms"]) for r in rs]
        prun = [1000 * float(r["profiled_run_ms"]) for r in rs]
        kern = [1000 * float(r["kernel_ms"]) for r in rs]
        executed = "%d..%d" % (min(x), max(x))
        if max(x) == min(x):
            out.append("| %s | %s | %s (merged by the optimizer) | %.1f | | | | | |" % (op, t, executed, run[0]))
            continue
        a, b = lsq(x, run)
        _, bts = theil_sen(x, run)
        _, bp = lsq(x, prun)
        _, bk = lsq(x, kern)
        last = rs[-1]
        spread = float(last["run_p90_ms"]) / float(last["run_p10_ms"])
        out.append("| %s | %s | %s | %.1f | %.3f | %.3f | %.2f | %.2f | %.2f |" % (op, t, executed, a, b, bts, bp, bk,
                                                                                 spread))
    return "\n".join(out)


def networks(csv_path, pdir):
    out = ["| network | nodes run | session.run median (ms) | p10-p90 | profiled kernel sum (ms) | "
           "profiled model_run (ms) | run - kernels (ms) | per node (us) | profiled run - run, per node (us) |",
           "|---|--:|--:|---|--:|--:|--:|--:|--:|"]
    for r in rows_of(csv_path):
        stem = os.path.basename(r["model"])[:-5]
        prof = os.path.join(pdir, stem + ".json")
        if not os.path.exists(prof):
            continue
        ev = json.load(open(prof))
        runs = sorted((e for e in ev if e.get("cat") == "Session" and e.get("name") == "model_run"),
                      key=lambda e: e["ts"])[1:]
        sums, counts = [], []
        # If/Loop: their time is their subgraph's nodes', which the profile lists too
        nodes = sorted((e for e in ev if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")
                        and e.get("args", {}).get("op_name") not in ("If", "Loop", "Scan")), key=lambda e: e["ts"])
        for run in runs:
            inside = [e for e in nodes if run["ts"] <= e["ts"] <= run["ts"] + run["dur"]]
            sums.append(sum(e["dur"] for e in inside) / 1000.0)
            counts.append(len(inside))
        if not sums:
            continue
        med = lambda v: sorted(v)[len(v) // 2]
        k, n = med(sums), med(counts)
        pr = med([e["dur"] / 1000.0 for e in runs])
        run_ms = float(r["median_ms"])
        out.append("| %s | %d | %.3f | %s-%s | %.3f | %.3f | %.3f | %.2f | %.2f |" % (
            stem, n, run_ms, r["p10_ms"], r["p90_ms"], k, pr, run_ms - k, 1000 * (run_ms - k) / n,
            1000 * (pr - run_ms) / n))
    return "\n".join(out)


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    paths, net = [], None
    i = 0
    while i < len(argv):
        if argv[i] == "--networks" and i + 2 < len(argv):
            net = (argv[i + 1], argv[i + 2])
            i += 3
        else:
            paths.append(argv[i])
            i += 1
    if paths:
        print(chains(paths))
    if net:
        print()
        print(networks(*net))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
