#!/usr/bin/python3
# The detection forms CV of FitDetection (5 folds, row i in fold i mod 5, relative least squares, columns
# scaled to unit norm) on a detection.csv, with the CV without the first (300-box) row and, after, each
# form refitted without its constant when c0 < 0 (helper nmsfit, 2026-12-07; diagnosis, nothing fitted).
#   /usr/bin/python3 data/host-ort-cpu/diagnosis/nmsfit/cv_forms.py [data/host-ort-cpu/phase2/detection.csv]
import csv, sys, numpy as np
path = sys.argv[1] if len(sys.argv) > 1 else 'data/host-ort-cpu/phase2/detection.csv'
rows=[r for r in csv.DictReader(l for l in open(path) if not l.startswith('#')) if r['op'].startswith('NonMax')]
n=np.array([float(r['in_h']) for r in rows]); C=np.array([float(r['batch'])*float(r['in_c']) for r in rows])
K=np.array([float(r['out_rows']) for r in rows]); t=np.array([float(r['latency_ms']) for r in rows])
cm=np.array([float(r['nms_compares']) for r in rows])
kpc=np.floor((K+C//2)/C)
forms={'F0 kept + classes kpc^2':(K, C*kpc*kpc),'F1 classes boxes + boxes kept':(C*n, n*K),
       'F2 classes boxes + classes boxes^2':(C*n, C*n*n),'F3 kept + nms_compares':(K, cm),
       'x boxes + nms_compares':(C*n, cm)}
def solve(idx, cols):
    A=np.stack([np.ones(len(idx))/t[idx]]+[c[idx]/t[idx] for c in cols],1); s=1/np.linalg.norm(A,axis=0); A=A*s
    c=np.linalg.lstsq(A, np.ones(len(idx)), rcond=None)[0]; return c*s
def pred(c, cols, i): return c[0]+sum(c[j+1]*cols[j][i] for j in range(len(cols)))
forms['x boxes + kept + nms_compares (4 terms)']=(C*n,K,cm)
for name,cols in forms.items():
    e=np.zeros(len(t))
    for f in range(5):
        tr=[i for i in range(len(t)) if i%5!=f]; c=solve(tr,cols)
        for i in range(f,len(t),5): e[i]=(pred(c,cols,i)-t[i])/t[i]
    c=solve(list(range(len(t))),cols); p=np.array([pred(c,cols,i) for i in range(len(t))])
    print(f"{name:40s} CV {100*np.mean(abs(e)):6.2f}% (w/o row0 {100*np.mean(abs(e[1:])):5.2f}%, median {100*np.median(abs(e)):5.2f}%) fit {100*np.mean(abs(p-t)/t):5.2f}% row0 cv err {100*e[0]:+.0f}%  c={np.array2string(c,precision=3)}")
print("--- c0 >= 0 (refit without the constant when it comes out negative)")
def solve_nn(idx, cols):
    c=solve(idx, cols)
    if c[0] >= 0: return c
    A=np.stack([c_[idx]/t[idx] for c_ in cols],1); s=1/np.linalg.norm(A,axis=0); A=A*s
    x=np.linalg.lstsq(A, np.ones(len(idx)), rcond=None)[0]*s; return np.concatenate([[0],x])
for name,cols in forms.items():
    e=np.zeros(len(t))
    for f in range(5):
        tr=[i for i in range(len(t)) if i%5!=f]; c=solve_nn(tr,cols)
        for i in range(f,len(t),5): e[i]=(pred(c,cols,i)-t[i])/t[i]
    c=solve_nn(list(range(len(t))),cols); p=np.array([pred(c,cols,i) for i in range(len(t))])
    print(f"{name:40s} CV {100*np.mean(abs(e)):6.2f}% (w/o row0 {100*np.mean(abs(e[1:])):5.2f}%, median {100*np.median(abs(e)):5.2f}%) fit {100*np.mean(abs(p-t)/t):5.2f}% row0 cv err {100*e[0]:+.0f}%  c={np.array2string(c,precision=3)}")
