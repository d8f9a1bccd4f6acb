import numpy as np, sys
def greedy(b, s, thr, cls=None):
    """ONNX Runtime's NMS loop on one class: returns kept mask (in input order) and per-candidate comparisons."""
    order = np.lexsort((np.arange(len(s)), -s))  # score desc, index asc
    x1 = np.minimum(b[:,0], b[:,2]); x2 = np.maximum(b[:,0], b[:,2])
    y1 = np.minimum(b[:,1], b[:,3]); y2 = np.maximum(b[:,1], b[:,3])
    area = (x2-x1)*(y2-y1)
    sel = np.empty(len(s), dtype=np.int64); n = 0
    comps = np.zeros(len(s), dtype=np.int64); kept = np.zeros(len(s), bool)
    for i in order:
        if n:
            j = sel[:n]
            iw = np.minimum(x2[i], x2[j]) - np.maximum(x1[i], x1[j])
            ih = np.minimum(y2[i], y2[j]) - np.maximum(y1[i], y1[j])
            inter = np.where((iw > 0) & (ih > 0), iw*ih, 0.0)
            union = area[i] + area[j] - inter
            iou = np.where((area[i] > 0) & (area[j] > 0) & (inter > 0), inter/np.where(union>0, union, 1), 0.0)
            hit = np.flatnonzero(iou > thr)
            if len(hit):
                comps[i] = hit[0] + 1; continue
            comps[i] = n
        kept[i] = True; sel[n] = i; n += 1
    return kept, comps
