import numpy as np, sys
from sim import greedy
rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
N, G, thr = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
b = rng.random((N,4)); b[:,2] += b[:,0]; b[:,3] += b[:,1]
b += 3*np.floor(np.arange(N)/(N//G))[:,None]
s = rng.random(N)
kept, comps = greedy(b, s, thr)
print(N, G, thr, "kept", kept.sum(), "comps", comps.sum(), "kept comps", comps[kept].sum(), "supp comps", comps[~kept].sum())
