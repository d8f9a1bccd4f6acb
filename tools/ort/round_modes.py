#!/usr/bin/python3
"""Two-mode networks in a calibration's rounds (issue 12, helper incep; no timing, nothing fitted).

    /usr/bin/python3 tools/ort/round_modes.py DATA/networks/networks.machine.json [MORE.json ...]
        [--gap 1.10] [--min-rounds 2] [--all]
    /usr/bin/python3 tools/ort/round_modes.py --selftest

calibrate.sh times every suite network in 10 rounds, a new session each (run.js's
`round_medians_ms` and `timeline` in networks.machine.json). Some networks' rounds fall into two
groups far apart while the reference timed around them does not move: Inception v3 in run 23 at
57.3-60.6 ms in 4 rounds and 71.8-76.6 ms in 6 (reference ratios 1.06-1.18 in both groups), so
that the median of the quiet rounds (73.2 ms) is the slow group's and the pooled median of all
timings (59.7 ms) the fast one's. This lists such networks, so that a network's error can be read
against the mode it was scored on.

Rule (declared 2026-12-07 by helper incep, after seeing Inception's rounds of runs 21-23; a report,
never a choice of statistic): sort a network's round medians; split them at the largest ratio between
two neighbours; the network has two modes when that ratio is at least --gap (1.10) and each side has
at least --min-rounds (2) rounds. A lone slow round is an outlier, not a mode. For each side the
median of its rounds and the median of their reference ratios (`timeline` entries of the network in
round order; the k-th is round k) are printed: a slow mode whose reference ratio is like the fast
mode's is the network's own (its session), not the machine's.
"""
import argparse
import json
import os
import statistics
import sys


def split_modes(values, gap=1.10, min_rounds=2):
    """(fast, slow) index lists of the values (round medians) split at the largest neighbour ratio,
    or None when the largest ratio is under `gap` or a side has fewer than `min_rounds` values."""
    order = sorted(range(len(values)), key=lambda k: (values[k], k))
    if len(order) < 2 * min_rounds:
        return None
    best, at = 0.0, None
    for i in range(1, len(order)):
        lo, hi = values[order[i - 1]], values[order[i]]
        r = hi / lo if lo > 0 else float("inf")
        if r > best:
            best, at = r, i
    if at is None or best < gap or at < min_rounds or len(order) - at < min_rounds:
        return None
    return order[:at], order[at:]


def round_ref_ratios(machine, key):
    """The reference ratio of each round of network `key` (timeline entries of its file, in order)."""
    base = os.path.basename(key)
    return [e.get("ref_ratio") for e in machine.get("timeline", []) if os.path.basename(e.get("model", "")) == base]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def report(machine, gap=1.10, min_rounds=2, show_all=False):
    """Rows (network, rounds, fast n, fast median, fast ref, slow n, slow median, slow ref, ratio)."""
    rows = []
    for key, values in machine.get("round_medians_ms", {}).items():
        values = [v for v in values if v is not None]
        refs = round_ref_ratios(machine, key)
        s = split_modes(values, gap, min_rounds)
        name = os.path.basename(key).removesuffix(".onnx")
        if s is None:
            if show_all:
                rows.append((name, len(values), len(values), med(values), med(refs), 0, None, None, None))
            continue
        fast, slow = s
        ref_of = lambda idx: med([refs[k] for k in idx if k < len(refs)]) if len(refs) == len(values) else None
        f, sl = med([values[k] for k in fast]), med([values[k] for k in slow])
        rows.append((name, len(values), len(fast), f, ref_of(fast), len(slow), sl, ref_of(slow), sl / f))
    return rows


def fmt(x, digits=3):
    return "" if x is None else f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def selftest():
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append(f"{what}: got {got!r}, want {want!r}")

    # Two modes of 3 rounds: 10.0-10.2 and 12.9-13.2 (largest neighbour ratio 12.9 / 10.2 = 1.265).
    check("two modes", split_modes([10.0, 13.0, 10.2, 12.9, 10.1, 13.2]), ([0, 4, 2], [3, 1, 5]))
    # One slow round is an outlier: no modes (its side has 1 < 2 rounds).
    check("outlier", split_modes([5.0, 5.1, 9.0, 5.05, 5.2]), None)
    # A spread under the gap: 5.0 .. 5.4, largest neighbour ratio 5.4 / 5.2 = 1.038 < 1.10.
    check("unimodal", split_modes([5.0, 5.2, 5.4, 5.1]), None)
    # The gap is a bound: 11.0 / 10.0 = 1.10 is two modes at --gap 1.10, not at 1.11.
    check("gap bound", split_modes([10.0, 10.0, 11.0, 11.0], gap=1.10), ([0, 1], [2, 3]))
    check("gap above", split_modes([10.0, 10.0, 11.0, 11.0], gap=1.11), None)
    machine = {
        "round_medians_ms": {"/w/net/a.onnx": [10.0, 13.0, 10.2, 12.9, 10.1, 13.2], "/w/net/b.onnx": [5.0, 5.2, 5.4, 5.1]},
        "timeline": [{"model": "a.onnx", "ref_ratio": r} for r in (1.0, 1.1, 1.02, 1.3, 1.04, 1.2)]
        + [{"model": "b.onnx", "ref_ratio": 1.0}] * 4,
    }
    rows = report(machine)
    check("report networks", [r[0] for r in rows], ["a"])
    # a: fast rounds 0, 2, 4 (10.0, 10.2, 10.1: median 10.1; refs 1.0, 1.02, 1.04: 1.02),
    # slow rounds 1, 3, 5 (13.0, 12.9, 13.2: median 13.0; refs 1.1, 1.3, 1.2: 1.2); ratio 13.0 / 10.1.
    check("report a", rows[0][:8], ("a", 6, 3, 10.1, 1.02, 3, 13.0, 1.2))
    check("report a ratio", round(rows[0][8], 4), round(13.0 / 10.1, 4))
    check("report all", [r[0] for r in report(machine, show_all=True)], ["a", "b"])
    print("round_modes selftest:", "FAILED" if failures else "ok")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("machine", nargs="*", help="networks.machine.json of a calibration (run.js --network ... rounds)")
    ap.add_argument("--gap", type=float, default=1.10, help="least ratio between the two modes' nearest rounds [1.10]")
    ap.add_argument("--min-rounds", type=int, default=2, help="least rounds on each side [2]")
    ap.add_argument("--all", action="store_true", help="also list the networks of one mode")
    ap.add_argument("--selftest", action="store_true", help="check the split on hand-made rounds")
    a = ap.parse_args()
    if a.selftest:
        sys.exit(selftest())
    if not a.machine:
        ap.error("give at least one networks.machine.json (or --selftest)")
    if a.gap < 1 or a.min_rounds < 1:
        ap.error("--gap must be >= 1 and --min-rounds >= 1")
    for path in a.machine:
        try:
            with open(path, encoding="utf-8") as f:
                machine = json.load(f)
        except (OSError, ValueError) as e:
            print(f"round_modes.py: {path}: {e}", file=sys.stderr)
            sys.exit(2)
        if "round_medians_ms" not in machine:
            print(f"round_modes.py: {path}: no round_medians_ms (not a networks.machine.json of rounds)", file=sys.stderr)
            sys.exit(2)
        print(f"{path}: gap {a.gap}, at least {a.min_rounds} rounds a side")
        print("| network | rounds | fast n | fast ms | fast ref | slow n | slow ms | slow ref | slow/fast |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
        for r in report(machine, a.gap, a.min_rounds, a.all):
            print("| " + " | ".join(fmt(x) for x in r) + " |")


if __name__ == "__main__":
    main()
