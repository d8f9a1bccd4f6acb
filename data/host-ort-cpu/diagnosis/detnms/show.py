import csv, sys, statistics as st
ref={ (r['op'],r['in_h'],r['kernel_h'],r['groups']): r for r in csv.DictReader(l for l in open('data/host-ort-cpu/phase2/detection.csv') if not l.startswith('#')) if r['op'].startswith('NonMax')}
for f in sys.argv[1:]:
    rows=[r for r in csv.DictReader(l for l in open(f) if not l.startswith('#'))]
    ratios=[]
    print(f)
    for r in rows:
        n=int(r['in_h']); k=int(r['out_rows']); c=int(r['nms_compares']); t=float(r['latency_ms'])
        o=ref.get((r['op'],r['in_h'],r['kernel_h'],r['groups']))
        if o: ratios.append(t/float(o['latency_ms']))
        print(f"{r['op'][16:] or 'plain':8s} in_w {r['in_w']:>5s} n {n:6d} iou {r['kernel_h']:>2s} g {r['groups']:>3s} kept {k:6d} ({k/n:.2f}) comps {c:11d} c/(k^2/2) {c/(k*k/2) if k>1 else 0:.2f} t {t:9.3f} ms ns/cmp {1e6*t/max(c,1):6.2f} spread {r['pass_spread']} ref {r['ref_ratio']}" + (f" run26 {o['latency_ms']} ratio {t/float(o['latency_ms']):.2f}" if o else ''))
    print('  existing rows now / run 26: median', round(st.median(ratios),3), 'range', round(min(ratios),2), round(max(ratios),2))
