#!/usr/bin/python3
"""Per-class sums of tools/ort/diagnose.py group CSVs, ONNX Runtime's kernel times scaled to a
reference run of the same network (DIAGNOSIS ONLY: validation networks, nothing fitted).

    /usr/bin/python3 scaled_classes.py VALIDATE.md PROFDIR GROUPS.csv... > classes.md

Each network's kernel times are multiplied by s = (its session.run median in VALIDATE.md, the
calibration's quiet run) / (its unprofiled session.run median in PROFDIR/<net>.csv, run.js
--network, taken just before its profile): one factor per network for a busy machine. Layers
slow down unequally under contention (memory-bound ones more), so class errors within about
+/-20% are not distinguishable from that noise. Prints per network the classes above 2% of the
time, and the detection post-processing ops by ONNX Runtime op.
"""
import collections
import csv
import os
import sys

validate, profdir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
ref = {}
for line in open(validate):
    p = [x.strip() for x in line.split('|')]
    if len(p) > 4:
        try:
            ref[p[1]] = float(p[2])
        except ValueError:
            pass
for f in sorted(files):
    n = os.path.basename(f)[:-4]
    rows = list(csv.DictReader(line for line in open(f) if not line.startswith('#')))
    est = [k for k in rows[0] if k.startswith('est_')][0]
    run = [float(x.split(',')[2]) for x in open(os.path.join(profdir, n + '.csv')) if not x.startswith(('#', 'model'))][0]
    s = ref[n] / run
    c = collections.defaultdict(lambda: [0, 0.0, 0.0])
    post = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for r in rows:
        m, e = float(r['measured_ms']) * s, float(r[est])
        x = c[r['class']]
        x[0] += 1; x[1] += m; x[2] += e
        if r['class'] in ('detection', 'other'):
            y = post[r['ort_ops'] or '(no ORT node: ' + r['layers'] + ')']
            y[0] += 1; y[1] += m; y[2] += e
    M = sum(v[1] for v in c.values())
    E = sum(v[2] for v in c.values())
    print(f'\n## {n}\n\nreference {ref[n]} ms; this run {run:.1f} ms unprofiled, s = {s:.2f}; '
          f'kernel sum x s = {M:.1f} ms; estimated {E:.1f} ms\n')
    print('| class | groups | measured x s (ms) | share | estimated (ms) | est - meas (ms) |')
    print('|---|--:|--:|--:|--:|--:|')
    for k, v in sorted(c.items(), key=lambda kv: -max(kv[1][1], kv[1][2])):
        if v[1] < 0.02 * M and v[2] < 0.02 * E:
            continue
        print(f'| {k} | {v[0]} | {v[1]:.2f} | {v[1] / M * 100:.1f}% | {v[2]:.2f} | {v[2] - v[1]:+.2f} |')
    if post:
        print('\n| detection/other by ORT op | groups | measured x s (ms) | estimated (ms) |')
        print('|---|--:|--:|--:|')
        for k, v in sorted(post.items(), key=lambda kv: -max(kv[1][1], kv[1][2]))[:8]:
            print(f'| {k} | {v[0]} | {v[1]:.2f} | {v[2]:.2f} |')
