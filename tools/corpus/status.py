#!/usr/bin/python3
"""Run odonata and ONNX Runtime on every corpus model and write models/third-party/status.csv.

    /usr/bin/python3 tools/corpus/status.py --odonata BUILD/odonata [--cache DIR] [IDS...]

Per model of models/third-party/MANIFEST.csv:
  * `odonata estimate models/third-party/ID.onnx --platform P` for every platform of PLATFORMS,
    with `--input-shape NAME=DIMS` (DIMS from the manifest's feeds) for each graph input whose
    shape in the model is not fully static; scalar inputs cannot be given a value by this odonata
    (no --input-value yet), so none is passed. Records the exit code (or the signal of a crash)
    and the first line of stderr;
  * the same on the full original (CACHE/full/ID.onnx) for host-ort-cpu, and whether the stripped
    model and its original give the same total, layers, MACs, parameters and node count (JSON);
  * ONNX Runtime (tools/corpus/ort_check.js, onnxruntime-node of tools/ort) on the full original
    with the manifest's feeds, and on `odonata materialize` of the stripped model.

status.csv has one row per model; tools/corpus/status_md.py turns it into STATUS.md.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "models", "third-party")
MANIFEST = os.path.join(OUT_DIR, "MANIFEST.csv")
STATUS = os.path.join(OUT_DIR, "status.csv")
ORT_CHECK = os.path.join(ROOT, "tools", "corpus", "ort_check.js")
PLATFORMS = ["host-ort-cpu", "host-ort-cpu-2t", "jetson-nano", "jetson-tx2", "ncs2", "zcu102"]
DEFAULT_CACHE = os.environ.get("ODONATA_CORPUS_CACHE", "/work/.cache/corpus")
TIMEOUT = 120
COLUMNS = ["id"] + PLATFORMS + ["error", "full_host_exit", "full_host_error", "stripped_vs_full", "host_ms",
                                "host_layers", "host_macs", "host_params", "host_warnings", "ort_full",
                                "ort_full_error", "ort_materialized", "ort_materialized_error", "input_shapes"]


def summary(stdout):
    """(total_ms, layers, macs, params, nodes, warnings) of an odonata JSON report, or None."""
    try:
        d = json.loads(stdout)
    except ValueError:
        return None
    t = d.get("totals", {})
    return (d.get("total_ms"), len(d.get("layers", [])), t.get("macs"), t.get("params"), d.get("nodes"),
            d.get("warnings", []))


def compare(a, b):
    if a is None or b is None:
        return ""
    diffs = []
    for k, x, y in (("total_ms", a[0], b[0]), ("layers", a[1], b[1]), ("macs", a[2], b[2]),
                    ("params", a[3], b[3]), ("nodes", a[4], b[4])):
        if x != y and not (isinstance(x, float) and isinstance(y, float) and abs(x - y) <= 1e-9 * max(1, abs(y))):
            diffs.append("%s %s vs %s" % (k, round(x, 6) if isinstance(x, float) else x,
                                          round(y, 6) if isinstance(y, float) else y))
    return "same" if not diffs else "differs: " + "; ".join(diffs)


def first_line(text, limit=300):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def clean(text, cache, tmp=None):
    """Paths of this checkout, of the cache and of temporary files made relative/neutral, so that
    status.csv does not depend on where it was made."""
    if tmp:
        text = text.replace(tmp + "/", "TMP/")
    return text.replace(ROOT + "/", "").replace(cache.rstrip("/") + "/", "CACHE/")


def run(cmd, timeout=TIMEOUT):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", ""
    code = str(p.returncode) if p.returncode >= 0 else "signal %d" % -p.returncode
    return code, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def parse_feeds(text):
    out = {}
    for item in text.split():
        name, _, rest = item.partition(":")
        # names may contain ':' (onnx::Flatten_0): split at the last ':' before the type
        head, _, tail = item.rpartition("[")
        name, _, _ = head.rpartition(":")
        dims = tail.split("]")[0]
        out[name] = [d for d in dims.split(";") if d]
    return out


def parse_inputs(text):
    out = {}
    for item in text.split():
        head, _, tail = item.rpartition("[")
        name, _, _ = head.rpartition(":")
        out[name] = [d for d in tail.split("]")[0].split(";") if d]
    return out


def shape_args(row):
    feeds = parse_feeds(row["feeds"])
    args = []
    for name, dims in parse_inputs(row["inputs"]).items():
        if not dims or all(d.isdigit() for d in dims):
            continue
        if name in feeds and feeds[name]:
            args += ["--input-shape", "%s=%s" % (name, "x".join(feeds[name]))]
    return args


def ort(model, feeds):
    code, out, err = run(["node", ORT_CHECK, model, feeds], timeout=300)
    try:
        res = json.loads(first_line(out, limit=None))
    except ValueError:
        return "no", "ort_check.js exit %s: %s" % (code, first_line(err))
    return ("yes", "") if res.get("ok") else ("no", res.get("error", "")[:300])


def status_one(odonata, cache, row):
    model = os.path.join(OUT_DIR, row["file"])
    shapes = shape_args(row)
    out = {"id": row["id"], "input_shapes": " ".join(a for a in shapes if a != "--input-shape")}
    errors = []
    stripped = None
    for p in PLATFORMS:
        fmt = ["--format", "json"] if p == "host-ort-cpu" else []
        code, stdout, err = run([odonata, "estimate", model, "--platform", p] + fmt + shapes)
        out[p] = code
        if code != "0":
            errors.append(first_line(err) or "(no message)")
        elif p == "host-ort-cpu":
            stripped = summary(stdout)
    out["error"] = clean(errors[0], cache) if errors else ""
    if stripped:
        out["host_ms"] = "%.4f" % stripped[0]
        out["host_layers"], out["host_macs"], out["host_params"] = (str(x) for x in stripped[1:4])
        out["host_warnings"] = clean(" | ".join(str(w) for w in stripped[5])[:300], cache)
    full = os.path.join(cache, "full", row["id"] + ".onnx")
    code, stdout, err = run([odonata, "estimate", full, "--platform", "host-ort-cpu", "--format", "json"] + shapes)
    out["full_host_exit"] = code
    out["full_host_error"] = clean(first_line(err), cache) if code != "0" else ""
    out["stripped_vs_full"] = compare(stripped, summary(stdout) if code == "0" else None)
    out["ort_full"], out["ort_full_error"] = ort(full, row["feeds"])
    out["ort_full_error"] = clean(out["ort_full_error"], cache)
    with tempfile.TemporaryDirectory() as d:
        mat = os.path.join(d, "m.onnx")
        code, _, err = run([odonata, "materialize", model, "-o", mat])
        if code != "0":
            out["ort_materialized"] = "no"
            out["ort_materialized_error"] = clean("materialize exit %s: %s" % (code, first_line(err)), cache, d)
        else:
            out["ort_materialized"], out["ort_materialized_error"] = ort(mat, row["feeds"])
            out["ort_materialized_error"] = clean(out["ort_materialized_error"], cache, d)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--odonata", required=True, help="odonata binary")
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    args = ap.parse_args()
    with open(MANIFEST, newline="") as f:
        rows = list(csv.DictReader(f))
    old = {}
    if os.path.exists(STATUS):
        with open(STATUS, newline="") as f:
            old = {r["id"]: r for r in csv.DictReader(f)}
    wanted = set(args.ids) or {r["id"] for r in rows}
    results = []
    for row in rows:
        if row["id"] not in wanted:
            if row["id"] in old:
                results.append(old[row["id"]])
            continue
        r = status_one(args.odonata, args.cache, row)
        sys.stderr.write("%-32s %s ort=%s mat=%s %s\n" % (row["id"], " ".join(r[p] for p in PLATFORMS),
                                                         r["ort_full"], r["ort_materialized"], r["error"][:80]))
        results.append(r)
    tmp = STATUS + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in results:
            w.writerow({k: r.get(k, "") for k in COLUMNS})
    os.replace(tmp, STATUS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
