# Like combine.py, with the slowdown estimated from the interleaved existing NMS rows of the same timing
# (ratio now / run 26): rows under 2 ms divided by the median ratio of the existing rows under 2 ms, the
# others by the median ratio of the existing rows of 2 ms and more ("split"), or by one median ("one"), or 1 ("raw").
import csv, sys, statistics as st
base, timed, mode, out = sys.argv[1:5]
lines = open(base).read().splitlines()
ref = {(r['op'], r['in_h'], r['kernel_h'], r['groups']): float(r['latency_ms']) for r in csv.DictReader(l for l in lines if not l.startswith('#')) if r['op'].startswith('NonMax')}
tl = [l for l in open(timed).read().splitlines() if not l.startswith('#')]
h = tl[0].split(',')
rows = list(csv.reader(tl[1:]))
small, large = [], []
for r in rows:
    k = (r[h.index('op')], r[h.index('in_h')], r[h.index('kernel_h')], r[h.index('groups')])
    if k in ref:
        (small if ref[k] < 2 else large).append(float(r[h.index('latency_ms')]) / ref[k])
fs, fl = st.median(small), st.median(large)
if mode == 'one': fs = fl = st.median(small + large)
if mode == 'raw': fs = fl = 1.0
new = []
for r in rows:
    if r[h.index('op')] != 'NonMaxSuppressionAnchors': continue
    s = fs if float(r[h.index('latency_ms')]) / fs < 2 else fl
    for c in ('latency_ms', 'latency_ms_p10', 'latency_ms_p90', 'run_ms', 'mad_ms'):
        r[h.index(c)] = '%.6g' % (float(r[h.index(c)]) / s)
    r[h.index('pass_medians_ms')] = ''
    new.append(','.join(r))
last = max(i for i, l in enumerate(lines) if l.startswith('NonMaxSuppression'))
lines[last + 1:last + 1] = new
lines.insert(1, f'# + {len(new)} NonMaxSuppressionAnchors rows of {timed} (helper detnms), scaled {mode}: {fs:.3f} / {fl:.3f}')
open(out, 'w').write('\n'.join(lines) + '\n')
print(f'{timed} {mode}: factors {fs:.3f} (under 2 ms) {fl:.3f}')
