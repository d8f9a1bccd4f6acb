import numpy as np, sys
from sim import greedy
pre, thr = sys.argv[1], float(sys.argv[2])
b = np.fromfile(pre + "__Concat_93_output_0.bin", np.float32).reshape(-1,4)
s = np.fromfile(pre + "__Concat_94_output_0.bin", np.float32)
l = np.fromfile(pre + "__Concat_95_output_0.bin", np.int64)
bb = (b + (l.astype(np.float32) * (b.max() + np.float32(1)))[:,None]).astype(np.float32)
bb.tofile(f"f_{pre}_boxes.bin"); s.tofile(f"f_{pre}_scores.bin")
kept, comps = greedy(bb.astype(np.float64), s.astype(np.float64), thr)
C = np.unique(l); kc = np.array([kept[l==c].sum() for c in C]); nc = np.array([(l==c).sum() for c in C])
print(pre, "boxes", len(s), "classes", len(C), "kept", kept.sum(), "comps", comps.sum(), "kept-comps", comps[kept].sum(), "supp-comps", comps[~kept].sum())
print(" cand/class", nc.min(), np.median(nc), nc.max(), "kept/class", kc.min(), np.median(kc), kc.max(), "sum kc^2", (kc**2).sum(), "kept^2/C", kept.sum()**2/len(C))
