"""Derived corpus models: the ONNX quantizer and the ONNX Runtime graph optimizer applied to corpus
models (used by tools/corpus/corpus.py for the sources `quant:MODE` and `ortopt:LEVEL`).

No corpus package ships an int8 model or a graph with ONNX Runtime's com.microsoft operators, yet
both are what users feed odonata (issue 13 item 1, issue 12 item 1). They are made here with the
real tools, pinned:

  quant:dynamic | quant:qdq | quant:qoperator
      onnxruntime.quantization of Debian's python3-onnxruntime 1.21.0+dfsg-1 (trixie; pure Python,
      MIT). Its native runtime is not installed (that package is built for trixie's Python), so a
      stub `onnxruntime` package is put in front of the quantization sources: the few onnx >= 1.13
      helpers it calls are shimmed onto onnx 1.12, and its InferenceSession (needed to calibrate
      quant:qdq / quant:qoperator) runs the model with onnxruntime-node (tools/corpus/ort_io.js).
      Every mode first optimizes the model with ONNX Runtime at level 'basic', as the quantizer's
      own quant_pre_process does (constant folding; Constant nodes become initializers), and
      converts models of opset < 13 to opset 13 (onnx.version_converter), as its documentation asks.
      dynamic   = quantize_dynamic(weight_type=QInt8): DynamicQuantizeLinear + MatMulInteger /
                  ConvInteger (+ com.microsoft DynamicQuantizeLSTM for LSTMs);
      qdq       = quantize_static(QuantFormat.QDQ, per-channel QInt8 weights, QUInt8 activations,
                  MinMax calibration on CALIBRATION_SAMPLES seeded random feeds);
      qoperator = the same with QuantFormat.QOperator (QLinearConv, QLinearMatMul, ...).
  ortopt:extended
      the graph ONNX Runtime (onnxruntime-node of tools/ort, 1.30.0) saves with
      graphOptimizationLevel 'extended' (optimizedModelFilePath): FusedConv, FusedGemm, Gelu,
      LayerNormalization, ... fusions in the com.microsoft domain. ('all' would add NCHWc layout
      operators that depend on the CPU of the machine, so it is not used.)

Inputs are the full originals in CACHE/full; the output bytes are checked against sources.csv like
any other source.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import types

import numpy as np
import onnx
import onnx.helper  # noqa: F401  (patched by _shim_onnx)
import onnx.version_converter

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_IO = os.path.join(HERE, "ort_io.js")
QUANTIZER_DEB = ("python3-onnxruntime", "1.21.0+dfsg-1", "trixie")
CALIBRATION_SAMPLES = 8
NP_TO_ORT = {np.dtype("float32"): "float32", np.dtype("float64"): "float64", np.dtype("int64"): "int64",
             np.dtype("int32"): "int32", np.dtype("int8"): "int8", np.dtype("uint8"): "uint8",
             np.dtype("bool"): "bool", np.dtype("float16"): "float16"}
ORT_TO_NP = {v: k for k, v in NP_TO_ORT.items()}
FEED_TYPES = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "i64": np.int64, "i32": np.int32,
              "i8": np.int8, "u8": np.uint8, "bool": np.bool_}


class DeriveError(Exception):
    pass


def parse_feeds(text):
    """[(name, numpy dtype, dims, value)] from the manifest syntax NAME:TYPE[D;D]=VALUE."""
    out = []
    for item in text.split():
        head, _, tail = item.rpartition("[")
        name, _, typ = head.rpartition(":")
        dims_text, _, rest = tail.partition("]")
        dims = [int(d) for d in dims_text.split(";") if d]
        value = rest[1:] if rest.startswith("=") else None
        out.append((name, FEED_TYPES[typ], dims, value))
    return out


def random_feeds(text, rng):
    feeds = {}
    for name, dtype, dims, value in parse_feeds(text):
        if value == "bytes":
            arr = rng.integers(0, 257, size=dims)
        elif value is not None:
            arr = np.full(dims, float(value))
        elif np.issubdtype(dtype, np.floating):
            arr = rng.uniform(-1.0, 1.0, size=dims)
        else:
            arr = rng.integers(0, 10, size=dims)
        feeds[name] = np.asarray(arr).astype(dtype)
    return feeds


def run_ort(model_path, feeds, outputs=None, options=None):
    """Run MODEL_PATH once with onnxruntime-node; returns {name: ndarray} (in output order)."""
    with tempfile.TemporaryDirectory() as d:
        spec = []
        for k, (name, arr) in enumerate(feeds.items()):
            arr = np.ascontiguousarray(arr)
            f = "in_%d.bin" % k
            with open(os.path.join(d, f), "wb") as fh:
                fh.write(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())
            spec.append({"name": name, "type": NP_TO_ORT[arr.dtype], "dims": list(arr.shape), "file": f})
        with open(os.path.join(d, "feeds.json"), "w") as fh:
            json.dump(spec, fh)
        opts = dict(options or {})
        if outputs:
            opts["outputs"] = list(outputs)
        with open(os.path.join(d, "options.json"), "w") as fh:
            json.dump(opts, fh)
        p = subprocess.run(["node", ORT_IO, model_path, d], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise DeriveError("onnxruntime-node: " + p.stderr.decode(errors="replace").strip()[:300])
        if not os.path.exists(os.path.join(d, "outputs.json")):
            return {}
        with open(os.path.join(d, "outputs.json")) as fh:
            res = {}
            for o in json.load(fh):
                with open(os.path.join(d, o["file"]), "rb") as b:
                    res[o["name"]] = np.frombuffer(b.read(), dtype=ORT_TO_NP[o["type"]]).reshape(o["dims"])
            return res


# --------------------------------------------------------------------------- ONNX Runtime optimizer

def ort_optimize(src, level):
    """Bytes of the graph onnxruntime-node saves for SRC at graphOptimizationLevel LEVEL."""
    with tempfile.TemporaryDirectory() as d:
        dst = os.path.join(d, "opt.onnx")
        run_ort(src, {}, options={"optimizedModelFilePath": dst, "graphOptimizationLevel": level})
        with open(dst, "rb") as f:
            return f.read()


# --------------------------------------------------------------------------- quantizer

class _Node:
    def __init__(self, name, shape, type_):
        self.name, self.shape, self.type = name, shape, type_


class _ShimSession:
    """Just enough of onnxruntime.InferenceSession for the quantizer's calibrators."""

    def __init__(self, path_or_bytes, sess_options=None, providers=None, **_):
        self._dir = tempfile.mkdtemp(prefix="ortq-")
        if isinstance(path_or_bytes, (bytes, bytearray)):
            self._path = os.path.join(self._dir, "model.onnx")
            with open(self._path, "wb") as f:
                f.write(path_or_bytes)
        else:
            self._path = str(path_or_bytes)
        m = onnx.load(self._path, load_external_data=False)
        inits = {t.name for t in m.graph.initializer}
        self._inputs = [_Node(i.name, None, "tensor") for i in m.graph.input if i.name not in inits]
        self._outputs = [_Node(o.name, None, "tensor") for o in m.graph.output]

    def get_inputs(self):
        return self._inputs

    def get_outputs(self):
        return self._outputs

    def get_providers(self):
        return ["CPUExecutionProvider"]

    def run(self, output_names, input_feed, run_options=None):
        names = list(output_names) if output_names else [o.name for o in self._outputs]
        res = run_ort(self._path, input_feed, outputs=names)
        return [res[n] for n in names]

    def __del__(self):
        shutil.rmtree(getattr(self, "_dir", ""), ignore_errors=True)


class _Options:
    def __init__(self, *a, **k):
        pass


STUB_INIT = '''"""Stub of the onnxruntime package for tools/corpus/derive.py: only the pure-Python
quantization tool of Debian's python3-onnxruntime is used; sessions are replaced at run time."""
__version__ = "1.21.0"


class _Unavailable:
    def __init__(self, *a, **k):
        raise RuntimeError("native onnxruntime is not available in this stub")


class SessionOptions:
    def __init__(self, *a, **k):
        pass


class InferenceSession(_Unavailable):
    pass


class OrtValue(_Unavailable):
    pass


class GraphOptimizationLevel:
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


def get_available_providers():
    return ["CPUExecutionProvider"]
'''


def quantizer_modules(cache, deb_path):
    """Import path of a stub onnxruntime package holding the quantizer sources of DEB_PATH."""
    root = os.path.join(cache, "ortquant")
    pkg = os.path.join(root, "onnxruntime")
    stamp = os.path.join(root, "from-" + os.path.basename(deb_path))
    if not os.path.exists(stamp):
        shutil.rmtree(root, ignore_errors=True)
        ex = os.path.join(cache, "ortquant-deb")
        shutil.rmtree(ex, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", deb_path, ex], check=True)
        src = os.path.join(ex, "usr", "lib", "python3", "dist-packages", "onnxruntime")
        os.makedirs(pkg)
        for sub in ("quantization", "tools", "transformers"):
            shutil.copytree(os.path.join(src, sub), os.path.join(pkg, sub))
        with open(os.path.join(pkg, "__init__.py"), "w") as f:
            f.write(STUB_INIT)
        open(stamp, "w").close()
    return root


def _shim_onnx():
    ref = types.ModuleType("onnx.reference")
    ref.ReferenceEvaluator = object
    sys.modules.setdefault("onnx.reference", ref)
    for name, v in (("FLOAT8E4M3FN", 17), ("FLOAT8E4M3FNUZ", 18), ("FLOAT8E5M2", 19), ("FLOAT8E5M2FNUZ", 20),
                    ("UINT4", 21), ("INT4", 22), ("FLOAT4E2M1", 23)):
        if not hasattr(onnx.TensorProto, name):
            setattr(onnx.TensorProto, name, v)
    helper = sys.modules["onnx.helper"]
    mapping = __import__("onnx.mapping", fromlist=["mapping"])
    if not hasattr(helper, "tensor_dtype_to_np_dtype"):
        helper.tensor_dtype_to_np_dtype = lambda t: mapping.TENSOR_TYPE_TO_NP_TYPE[t]
    if not hasattr(helper, "np_dtype_to_tensor_dtype"):
        helper.np_dtype_to_tensor_dtype = lambda d: mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(d)]


class _Reader:
    def __init__(self, feeds_text, n, seed):
        rng = np.random.default_rng(seed)
        self._data = [random_feeds(feeds_text, rng) for _ in range(n)]
        self._i = 0

    def get_next(self):
        if self._i >= len(self._data):
            return None
        self._i += 1
        return self._data[self._i - 1]

    def rewind(self):
        self._i = 0


def onnx_opset(model):
    return max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [1])


def quantize(cache, deb_path, src, mode, feeds_text):
    """Bytes of SRC quantized in MODE (dynamic|qdq|qoperator) by the pinned quantizer."""
    root = quantizer_modules(cache, deb_path)
    if root not in sys.path:
        sys.path.insert(0, root)
    _shim_onnx()
    import onnxruntime
    onnxruntime.InferenceSession = _ShimSession
    onnxruntime.SessionOptions = _Options
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType, quantize_dynamic,
                                          quantize_static)
    import onnxruntime.quantization.calibrate as calibrate
    calibrate.onnxruntime.InferenceSession = _ShimSession
    calibrate.onnxruntime.SessionOptions = _Options
    import logging
    logging.getLogger().setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as d:
        dst = os.path.join(d, "q.onnx")
        # The quantizer's own pre-processing (quant_pre_process) optimizes the model with ONNX
        # Runtime at level basic first: constant folding, Constant nodes -> initializers (which
        # the quantizer requires: paddle2onnx and spox keep weights in Constant nodes).
        pre = os.path.join(d, "pre.onnx")
        with open(pre, "wb") as f:
            f.write(ort_optimize(src, "basic"))
        # Per-channel QDQ needs opset 13, and the quantizer silently moves older models to opset
        # 11 without converting their nodes (an invalid model); convert older models to opset 13
        # first, as the quantizer's documentation asks.
        m = onnx.load(pre)
        if onnx_opset(m) < 13:

            m = onnx.version_converter.convert_version(m, 13)
            onnx.save(m, pre)
        src = pre
        cwd = os.getcwd()
        os.chdir(d)  # the calibrator writes its augmented model into the working directory
        try:
            if mode == "dynamic":
                quantize_dynamic(src, dst, weight_type=QuantType.QInt8)
            elif mode in ("qdq", "qoperator"):
                fmt = QuantFormat.QDQ if mode == "qdq" else QuantFormat.QOperator
                quantize_static(src, dst, _Reader(feeds_text, CALIBRATION_SAMPLES, 1), quant_format=fmt,
                                per_channel=True, weight_type=QuantType.QInt8,
                                activation_type=QuantType.QUInt8, calibrate_method=CalibrationMethod.MinMax)
            else:
                raise DeriveError("unknown quantization mode %r (dynamic, qdq, qoperator)" % mode)
        finally:
            os.chdir(cwd)
        with open(dst, "rb") as f:
            return f.read()
