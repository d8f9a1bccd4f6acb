import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
from sim import greedy
def model(thr, path):
    n = helper.make_node("NonMaxSuppression", ["boxes", "scores", "maxo", "iou"], ["sel"])
    g = helper.make_graph([n], "nms",
        [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, 27000, 4]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 1, 27000])],
        [helper.make_tensor_value_info("sel", TensorProto.INT64, None)],
        [numpy_helper.from_array(np.array([2**63-1], np.int64), "maxo"), numpy_helper.from_array(np.array([thr], np.float32), "iou")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)]); m.ir_version = 7
    onnx.save(m, path)
model(0.55, "nms55.onnx"); model(0.35, "nms35.onnx")
b = np.fromfile("ssdlite__Concat_93_output_0.bin", np.float32).reshape(-1,4); s = np.fromfile("ssdlite__Concat_94_output_0.bin", np.float32); l = np.fromfile("ssdlite__Concat_95_output_0.bin", np.int64)
bb = (b + (l * (b.max() + np.float32(1)))[:,None].astype(np.float32)).astype(np.float32)
rng = np.random.default_rng(0)
N=27000; rb = rng.random((N,4)); rb[:,2] += rb[:,0]; rb[:,3] += rb[:,1]; rb += 3*np.floor(np.arange(N)/300)[:,None]; rs = rng.random(N)
perm = rng.permutation(N)
cases = {"ssdlite": (bb, s, 0.55), "ssdlite_perm": (bb, s[perm], 0.55), "rand55": (rb.astype(np.float32), rs.astype(np.float32), 0.55), "rand35": (rb.astype(np.float32), rs.astype(np.float32), 0.35)}
for k, (B, S, thr) in cases.items():
    B.astype(np.float32).tofile(f"f_{k}_boxes.bin"); S.astype(np.float32).tofile(f"f_{k}_scores.bin")
    kept, comps = greedy(B.astype(np.float64), S.astype(np.float64), thr)
    print(k, thr, "kept", kept.sum(), "comps", comps.sum(), "kept-comps", comps[kept].sum(), "supp-comps", comps[~kept].sum(), flush=True)
