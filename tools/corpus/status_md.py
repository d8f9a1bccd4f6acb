#!/usr/bin/python3
"""Write models/third-party/STATUS.md from MANIFEST.csv and status.csv (tools/corpus/status.py).

    /usr/bin/python3 tools/corpus/status_md.py --odonata-version TEXT --date YYYY-MM-DD

Groups the failures by cause (CAUSES: a regular expression on the first error line, or a test on
the manifest row) and points at the minimal reproduction of each (models/third-party/repro/).
"""

import argparse
import csv
import os
import re
from collections import OrderedDict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "models", "third-party")
PLATFORMS = ["host-ort-cpu", "host-ort-cpu-2t", "jetson-nano", "jetson-tx2", "ncs2", "zcu102"]

# cause id -> (title, explanation, repro files, test(error, manifest row) -> bool); first match wins
CAUSES = OrderedDict([
    ("opset18", ("Opset 18 schemas unknown to ONNX 1.12",
                 "ONNX 1.12 knows opsets up to 17; attributes new in opset 18 are rejected "
                 "(Split num_outputs, Resize antialias, and the rest of the 18-21 changelog).",
                 ["split_num_outputs_opset18.onnx", "resize_antialias_opset18.onnx"],
                 lambda e, m: "Unrecognized attribute" in e and "opset=18" in m.get("opsets", "")
                 or re.search(r"ai\.onnx=(18|19|20|21)\b", m.get("opsets", "")) is not None)),
    ("contrib", ("com.microsoft operators without shape functions",
                 "ONNX Runtime's saved graphs and the quantizer's outputs use com.microsoft ops "
                 "(QLinearConcat, QLinearSoftmax, QLinearConv's neighbours, DynamicQuantizeLSTM, "
                 "QuickGelu, FusedConv, ...) and LayerNormalization in the ONNX domain at opset 9; "
                 "odonata guesses their outputs from their first input (a scale for QLinearConcat, "
                 "the input of a Conv for FusedConv), which is wrong and makes later nodes fail or "
                 "conflict with the file's value_info.",
                 ["com_microsoft_qlinear.onnx", "dynamic_quantize_lstm.onnx", "com_microsoft_fusedconv.onnx",
                  "layernorm_opset9.onnx"],
                 lambda e, m: "com.microsoft" in m.get("domains", "") or "com.microsoft" in e)),
    ("if_input", ("If on a scalar input value",
                  "The If condition depends on a graph input (Silero VAD: sr == 16000); its branches "
                  "give different shapes, so the output shapes stay unknown; odonata has no "
                  "--input-value and does not fall back to the larger branch.",
                  ["if_on_input.onnx"],
                  lambda e, m: "(If)" in e)),
    ("dropout", ("Unused Dropout mask of unknown shape",
                 "Opset-9 Dropout with its optional mask output declared (onnx-caffe2 models): ONNX "
                 "1.12 infers no shape for the mask, and odonata rejects the model although nothing "
                 "reads the mask.",
                 ["dropout_mask_opset9.onnx"],
                 lambda e, m: "(Dropout)" in e)),
    ("onehot", ("OneHot depth given as a one-element rank-1 tensor",
                "tf2onnx writes OneHot's depth as [257] (shape [1]), which the spec allows; the "
                "depth is not folded, so the one-hot axis and everything after it stay unknown.",
                ["onehot_depth_rank1.onnx"],
                lambda e, m: "(OneHot)" in e)),
    ("no_opset", ("No opset_import (IR 3)",
                  "ONNX Runtime rejects it too (expected: a clear error); odonata's message is ONNX's "
                  "shape-inference text.",
                  ["no_opset_import.onnx"],
                  lambda e, m: "No opset import" in e or m.get("opsets") == "(none)")),
    ("other", ("Other", "", [], lambda e, m: True)),
])


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def cause_of(err, man):
    for cid, (_, _, _, test) in CAUSES.items():
        if test(err, man):
            return cid
    return "other"


def short(err):
    err = re.sub(r"^odonata: error: ", "", err)
    err = re.sub(r"(/\S*/)?models/third-party/", "", err)
    err = err.replace("|", "\\|")
    return err[:140] + ("..." if len(err) > 140 else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--odonata-version", required=True, help="what odonata was run (commit, path)")
    ap.add_argument("--date", required=True)
    ap.add_argument("--machine", default="2-core AMD EPYC VM (this project's machine)")
    args = ap.parse_args()
    man = {r["id"]: r for r in read(os.path.join(OUT_DIR, "MANIFEST.csv"))}
    st = read(os.path.join(OUT_DIR, "status.csv"))
    ids = [i for i in man if any(s["id"] == i for s in st)]
    st = {s["id"]: s for s in st}

    ok_all = [i for i in ids if all(st[i][p] == "0" for p in PLATFORMS)]
    fail = [i for i in ids if i not in ok_all]
    ort_full = [i for i in ids if st[i]["ort_full"] == "yes"]
    ort_any = [i for i in ids if st[i]["ort_full"] == "yes" or st[i]["ort_materialized"] == "yes"]
    target = [i for i in ids if man[i]["expect"] == "estimate"]
    target_ok = [i for i in target if i in ok_all]
    same = [i for i in ids if st[i]["stripped_vs_full"] == "same"]
    differs = [i for i in ids if st[i]["stripped_vs_full"].startswith("differs")]
    zero_params = [i for i in ok_all if st[i]["host_params"] == "0"]
    guessed = [i for i in ok_all if "without an ONNX schema" in st[i]["host_warnings"]]
    unknown = OrderedDict()
    for i in ok_all:
        m = re.search(r"does not know were estimated as memory-bound copies and flagged: ([^|]*)",
                      st[i]["host_warnings"])
        if m:
            unknown[i] = m.group(1).strip()
    quant_ok = [i for i in ok_all if "quantized" in man[i]["family"]]

    by_cause = OrderedDict((c, []) for c in CAUSES)
    for i in fail:
        by_cause[cause_of(st[i]["error"], man[i])].append(i)

    L = []
    w = L.append
    w("# Third-party corpus: status of the current odonata")
    w("")
    w("Generated by `tools/corpus/status.py` + `tools/corpus/status_md.py` on %s, %s; odonata: %s; "
      "ONNX Runtime: onnxruntime-node of tools/ort (CPU, 1 thread). This file is the work list of the "
      "loader (issue 13); `status.csv` beside it has every column." % (args.date, args.machine,
                                                                    args.odonata_version))
    w("")
    w("How each model was run: `odonata estimate models/third-party/ID.onnx --platform P` on the six "
      "shipped platforms, with `--input-shape` for every graph input whose shape is not static (shapes "
      "from the manifest's `feeds`; scalar inputs such as Silero's `sr` cannot be given: odonata has no "
      "`--input-value`). The same on the full original (host-ort-cpu, JSON) to compare stripped and "
      "full. ONNX Runtime ran the full original and `odonata materialize` of the stripped file with the "
      "manifest's feeds.")
    w("")
    w("## Summary")
    w("")
    w("| | count |")
    w("|---|---|")
    w("| models | %d |" % len(ids))
    w("| estimated (exit 0) on all 6 platforms | %d |" % len(ok_all))
    w("| failing (exit != 0) | %d |" % len(fail))
    w("| target set (`expect=estimate`) estimated on all platforms | %d of %d |" % (len(target_ok), len(target)))
    w("| ONNX Runtime runs the full original | %d |" % len(ort_full))
    w("| ONNX Runtime runs the full original or the materialized stripped file | %d |" % len(ort_any))
    w("| stripped and full give the same total, layers, MACs, params, nodes | %d (differ: %d; "
      "not comparable, a run failed: %d) |" % (len(same), len(differs), len(ids) - len(same) - len(differs)))
    w("| platforms disagree (a model fails on some platforms only) | %d |"
      % sum(1 for i in ids if len({st[i][p] for p in PLATFORMS}) > 1))
    w("")
    w("## Failures by cause")
    w("")
    w("Every failure is the same on all six platforms (the loader fails before any platform is "
      "used). Minimal reproductions (hand-built, a few nodes, run by ONNX Runtime unless said): "
      "`models/third-party/repro/`, written by `tools/corpus/repros.py`.")
    w("")
    w("| cause | models | reproduction | what happens |")
    w("|---|---|---|---|")
    for cid, ms in by_cause.items():
        if not ms:
            continue
        title, expl, repros, _ = CAUSES[cid]
        w("| %s | %d: %s | %s | %s |" % (title, len(ms), ", ".join(ms), ", ".join("`%s`" % r for r in repros) or "-",
                                         expl))
    w("")
    w("## Estimated, but not right yet")
    w("")
    w("- **Parameters 0** (weights in Constant nodes or ConstantOfShape, not counted): %d models: %s."
      % (len(zero_params), ", ".join(zero_params) or "none"))
    w("- **Ops without an ONNX schema guessed from their first input** (warning, exit 0; shapes after "
      "them may be wrong, e.g. FusedConv 1x3x32x32 instead of 1x8x32x32 in `repro/com_microsoft_fusedconv.onnx`): "
      "%d models: %s." % (len(guessed), ", ".join(guessed) or "none"))
    w("- **Ops odonata has no cost model for, costed as memory-bound copies** (warning, exit 0): "
      + ("; ".join("%s (%s)" % kv for kv in unknown.items()) or "none") + ".")
    w("- **Quantized models estimated at the platform's default precision** (no int8 chosen, no "
      "warning): %d models: %s." % (len(quant_ok), ", ".join(quant_ok) or "none"))
    if differs:
        w("- **Stripped and full differ**: " + "; ".join("%s (%s)" % (i, st[i]["stripped_vs_full"][9:])
                                                       for i in differs) + ".")
    w("")
    w("## Per model")
    w("")
    w("Exit codes per platform (host = host-ort-cpu, 2t = host-ort-cpu-2t, nano, tx2, ncs2, zcu102); "
      "`full`: stripped vs full original on host; ORT: full original / materialized stripped.")
    w("")
    w("| model | family | exporter | opsets | host | 2t | nano | tx2 | ncs2 | zcu102 | host ms | full | ORT | first error |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for i in ids:
        s, m = st[i], man[i]
        full = s["stripped_vs_full"] if s["stripped_vs_full"] in ("same", "") else "differs"
        if not full:
            full = "exit %s" % s["full_host_exit"] if s["full_host_exit"] != "0" else "-"
        ortc = "%s/%s" % (s["ort_full"], s["ort_materialized"])
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            i, m["family"], m["exporter"], m["opsets"].replace(";", " "),
            *[s[p] for p in PLATFORMS], s["host_ms"] or "-", full, ortc, short(s["error"]) or "-"))
    w("")
    w("ORT failures: " + "; ".join("%s: %s" % (i, short(st[i]["ort_full_error"])) for i in ids
                                 if st[i]["ort_full"] != "yes") + ".")
    w("")
    with open(os.path.join(OUT_DIR, "STATUS.md.tmp"), "w") as f:
        f.write("\n".join(L))
    os.replace(os.path.join(OUT_DIR, "STATUS.md.tmp"), os.path.join(OUT_DIR, "STATUS.md"))


if __name__ == "__main__":
    main()
