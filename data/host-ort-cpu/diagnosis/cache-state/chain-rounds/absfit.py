# Offline: the share h(x) fitted on run 24's 34 chains by two criteria, scored by the LOO MAPE of the chains'
# measured warm time predicted by the ESTIMATE at h (est_cold - h (est_cold - est_warm)): the quantity a network
# estimate is. (a) the current ratio criterion (ln(1 - h g) vs ln(warm/cold measured)); (b) the absolute criterion
# (ln est(h) vs ln warm measured); (c) as (b) with h = hmax / (1 + (x/half)^slope), hmax in {1, 1.25, 1.5, 2}.
import csv, math, os, statistics as st, sys
D=os.path.dirname(os.path.abspath(__file__))
REPO=os.path.abspath(os.path.join(D, '../../../../..'))
def rd(p): return [r for r in csv.DictReader(l for l in open(p) if not l.startswith('#'))]
src=sys.argv[1] if len(sys.argv)>1 else os.path.join(REPO, 'data/host-ort-cpu/phase2/cache_chains.csv')
CE={r['model']:r for r in rd(f'{D}/chains_est.csv')}
E={c:{n:float(r[f'est_{c}_ms']) for n,r in CE.items()} for c in ('warm','cold')}
rows=[]
for r in rd(src):
    n=r['model'].replace('.onnx','').split('/')[-1]
    rows.append(dict(n=n,w=float(r['warm_ms']),c=float(r['cold_ms']),ew=E['warm'][n],ec=E['cold'][n],
                     x=float(CE[n]['activation_bytes'])))
def h(p,x,hmax): return hmax/(1+math.exp(math.exp(p[1])*(math.log(x)-p[0])))
def est(r,hh): return r['ec']-hh*(r['ec']-r['ew'])
def loss(p,use,crit,hmax):
    s=0
    for i in use:
        r=rows[i]; hh=h(p,r['x'],hmax)
        if crit=='ratio': d=math.log(1-hh*(1-r['ew']/r['ec']))-math.log(r['w']/r['c'])
        else:
            e=est(r,hh)
            if e<=0: return 1e9
            d=math.log(e)-math.log(r['w'])
        s+=d*d
    return s
def fit(use,crit,hmax):
    best=None; bl=1e18
    a=4.6
    while a<=25.4:
        b=-3.9
        while b<=2.31:
            l=loss((a,b),use,crit,hmax)
            if l<bl: bl,best=l,(a,b)
            b+=0.125
        a+=0.2
    da,db=0.2,0.125
    for _ in range(3):
        c=best
        for i in range(21):
            for k in range(21):
                p=(c[0]+(i-10)*da/5, c[1]+(k-10)*db/5)
                l=loss(p,use,crit,hmax)
                if l<bl: bl,best=l,p
        da/=10; db/=10
    return best
n=len(rows); allu=list(range(n))
def mape(pred,key='w'): return 100*st.mean(abs(p/r[key]-1) for p,r in zip(pred,rows))
print('rows',n,src)
for crit,hmax in (('ratio',1),('abs',1),('abs',1.25),('abs',1.5),('abs',2)):
    p=fit(allu,crit,hmax)
    ins=[est(r,h(p,r['x'],hmax)) for r in rows]
    cv=[]
    for i in allu:
        pi=fit([j for j in allu if j!=i],crit,hmax); cv.append(est(rows[i],h(pi,rows[i]['x'],hmax)))
    hs=[h(p,r['x'],hmax) for r in rows]
    print('%-5s hmax %.2f: half %.3g B slope %.3f; estimate vs warm: in-sample %.2f%% LOO %.2f%%; h %.2f-%.2f'%(crit,hmax,math.exp(p[0]),math.exp(p[1]),mape(ins),mape(cv),min(hs),max(hs)))
print('h=1 (warm estimate): %.2f%%; h=0 (cold estimate): %.2f%%'%(mape([r['ew'] for r in rows]),mape([r['ec'] for r in rows])))
