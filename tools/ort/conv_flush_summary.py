#!/usr/bin/python3
"""Summary of tools/ort/conv_flush.js timings (helper convflush): per layer, the median over
invocations (groups of rows sharing `invocation`, else each round) of lone/chain - 1 with 64 and
with 256 MiB written (e64, e256) and of lone256/lone64 - 1 (d), with [min, max], on a statistic
of the runs (p10_ms by default: robust to preemption on a shared machine; median_ms also given).

    /usr/bin/python3 tools/ort/conv_flush_summary.py CSV [p10_ms|median_ms]
"""
import collections, csv, statistics as st, sys


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    stat = argv[1] if len(argv) > 1 else "p10_ms"
    try:
        with open(argv[0], newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as e:
        sys.stderr.write("conv_flush_summary.py: %s\n" % e)
        return 2
    need = {"chain", "layer", "weights_mb", "gflop", "condition", "flush_mb", "round", stat}
    if not rows or not need <= set(rows[0]):
        sys.stderr.write("conv_flush_summary.py: %s: no rows or no column %s\n" % (argv[0], stat))
        return 2
    d = collections.defaultdict(list)
    for r in rows:
        g = r.get("invocation") or r["round"]
        d[(r["chain"], int(r["layer"]), r["weights_mb"], r["gflop"], r["condition"] + r["flush_mb"], g)].append(float(r[stat]))
    layers = sorted({k[:4] for k in d}, key=lambda k: (k[0], k[1]))
    groups = sorted({k[5] for k in d})
    fmt = lambda e: "%+.1f%% [%+.1f, %+.1f]" % (100 * st.median(e), 100 * min(e), 100 * max(e)) if e else "-"
    print("| chain | layer | weights MB | GFLOP | in the chain, ms (%s) | lone 64 MiB vs chain | lone 256 MiB vs chain | 256 vs 64 MiB | n |" % stat)
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for k in layers:
        ch, e64, e256, dd = [], [], [], []
        for g in groups:
            c, a, b = (d.get(k + (cond, g)) for cond in ("chain64", "lone64", "lone256"))
            if c:
                cm = st.median(c)
                ch.append(cm)
                if a: e64.append(st.median(a) / cm - 1)
                if b: e256.append(st.median(b) / cm - 1)
            if a and b: dd.append(st.median(b) / st.median(a) - 1)
        print("| %s | %d | %s | %s | %.2f | %s | %s | %s | %d |" % (k[0], k[1], k[2], k[3], st.median(ch) if ch else float("nan"),
                                                              fmt(e64), fmt(e256), fmt(dd), len(ch)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
