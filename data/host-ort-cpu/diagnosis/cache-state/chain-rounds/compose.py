# Offline scoring on run 24's 34 chains (cache_chains.csv, quiet, 10:51 UTC) with run 24's profile:
# absolute warm time predicted by the estimate (auto = partial share) times a composition factor.
import csv, json, math, os, statistics as st, sys
D=os.path.dirname(os.path.abspath(__file__))
REPO=os.path.abspath(os.path.join(D, '../../../../..'))
def rd(p): return [r for r in csv.DictReader(l for l in open(p) if not l.startswith('#'))]
src=sys.argv[1] if len(sys.argv)>1 else os.path.join(REPO, 'data/host-ort-cpu/phase2/cache_chains.csv')
col=sys.argv[2] if len(sys.argv)>2 else 'warm_ms'
CE={r['model']:r for r in rd(f'{D}/chains_est.csv')}
meas={r['model'].replace('.onnx','').split('/')[-1]:float(r[col]) for r in rd(src)}
rows=[]
for n,m in meas.items():
    j=CE[n]
    rows.append(dict(n=n,m=m,e=float(j['est_auto_ms']),w=float(j['weight_bytes']),a=float(j['activation_bytes']),h=float(j['share'])))
def mape(p): return 100*st.mean(abs(x/r['m']-1) for x,r in zip(p,rows))
def lsq(X,y):
    # tiny normal equations
    import itertools
    k=len(X[0]); A=[[sum(X[i][a]*X[i][b] for i in range(len(X))) for b in range(k)] for a in range(k)]
    bb=[sum(X[i][a]*y[i] for i in range(len(X))) for a in range(k)]
    # gauss
    M=[A[i]+[bb[i]] for i in range(k)]
    for i in range(k):
        p=max(range(i,k),key=lambda r:abs(M[r][i])); M[i],M[p]=M[p],M[i]
        for r in range(k):
            if r!=i:
                f=M[r][i]/M[i][i]; M[r]=[a-f*b for a,b in zip(M[r],M[i])]
    return [M[i][k]/M[i][i] for i in range(k)]
feats={'none':lambda r:[],'const':lambda r:[1.0],'ln_act':lambda r:[1.0,math.log(r['a'])],'ln_w':lambda r:[1.0,math.log(r['w'])],
       'ln_est':lambda r:[1.0,math.log(r['e'])]}
print('rows',len(rows),'source',src,col)
for name,f in feats.items():
    y=[math.log(r['m']/r['e']) for r in rows]
    X=[f(r) for r in rows]
    if name=='none':
        ins=[r['e'] for r in rows]; cv=ins
    else:
        c=lsq(X,y); ins=[r['e']*math.exp(sum(a*b for a,b in zip(c,x))) for r,x in zip(rows,X)]
        cv=[]
        for i in range(len(rows)):
            c2=lsq(X[:i]+X[i+1:],y[:i]+y[i+1:]); cv.append(rows[i]['e']*math.exp(sum(a*b for a,b in zip(c2,X[i]))))
    print('%-7s in-sample %.2f%%  LOO %.2f%%'%(name,mape(ins),mape(cv)), '' if name=='none' else 'coef '+' '.join('%.4f'%v for v in c))
print('per chain est/meas:', ' '.join('%s %.2f'%(r['n'][:14],r['e']/r['m']) for r in sorted(rows,key=lambda r:r['a'])))
# Capped variant: factor = exp(min(0, c0 + c1 ln est)), ln est clamped to the fitted rows' range; fitted by
# least squares on all rows (uncapped), then capped (the warm factor's rule: never above 1, never extrapolated).
for name in ('const','ln_act','ln_w','ln_est'):
    f=feats[name]; y=[math.log(r['m']/r['e']) for r in rows]; X=[f(r) for r in rows]
    def pred(c,i,use):
        x=list(X[i])
        if len(x)>1:
            lo=min(X[j][1] for j in use); hi=max(X[j][1] for j in use); x[1]=min(hi,max(lo,x[1]))
        return rows[i]['e']*math.exp(min(0,sum(a*b for a,b in zip(c,x))))
    allu=list(range(len(rows))); c=lsq(X,y)
    ins=[pred(c,i,allu) for i in allu]
    cv=[pred(lsq([X[j] for j in allu if j!=i],[y[j] for j in allu if j!=i]),i,[j for j in allu if j!=i]) for i in allu]
    print('capped %-7s in-sample %.2f%%  LOO %.2f%%'%(name,mape(ins),mape(cv)))
ec={n:float(r['est_cold_ms']) for n,r in CE.items()}
cold={r['model'].replace('.onnx',''):float(r['cold_ms']) for r in rd(os.path.join(REPO, 'data/host-ort-cpu/phase2/cache_chains.csv'))}
print('cold est / measured cold, run 24: median %.3f; se chains %s'%(st.median(ec[n]/cold[n] for n in cold),' '.join('%.2f'%(ec[n]/cold[n]) for n in cold if n.startswith('se'))))
