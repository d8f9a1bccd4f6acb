#!/usr/bin/python3
"""Calibrate the ZCU102 DPU profile on the three calibration rows of data/validation/zcu102-dpu.csv.

    /usr/bin/python3 tools/calibrate_zcu102.py ODONATA SEED SUITE OUT

The seed (data/seed-profiles/zcu102.json) models one B4096 core from PG338 (parallelism, clock, DDR bandwidth);
three numbers are left to the measurements, each set from one row, in order:
  1. conv compute_efficiency: the layer sum of ResNet-50 v1 equals the DPU execution time of the
     Whole-App-Acceleration breakdown (the suite's `layers_sum` calibration row);
  2. overhead_ms: the zoo E2E latency of the same network (cf_resnet50) minus that DPU time
     (post-processing on the A53 and the runner);
  3. dwconv compute_efficiency: the total of tf_mobilenetv1_1.0 equals its zoo E2E latency.
Each is found by bisection (the estimate is monotone in an efficiency) on `odonata estimate --format json`.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile


def rows(path):
    return list(csv.DictReader(l for l in open(path) if not l.startswith("#") and l.strip()))


def estimate(odonata, profile, model):
    with tempfile.TemporaryDirectory() as d:
        name = os.path.join(d, profile["name"] + ".json")  # a profile's name is its file's stem
        with open(name, "w") as f:
            json.dump(profile, f)
        out = subprocess.run([odonata, "estimate", model, "--platform", name, "--format", "json"], check=True,
                             capture_output=True, text=True).stdout
    return json.loads(out)


def solve(f, target, lo=1e-3, hi=1.0, iters=40):
    """Efficiency e in [lo, hi] with f(e) = target, f decreasing; hi when even hi is too slow."""
    if f(hi) > target:
        return hi
    for _ in range(iters):
        mid = (lo * hi) ** 0.5
        if f(mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo * hi) ** 0.5


def main(argv):
    odonata, seed_path, suite_path, out_path = argv
    prof = json.load(open(seed_path))
    root = os.path.dirname(os.path.abspath(suite_path))
    cal = [r for r in rows(suite_path) if r["split"] == "calibration"]
    dpu = next(r for r in cal if r["measures"] == "layers_sum")
    e2e = next(r for r in cal if r["model"] == dpu["model"] and r["measures"] != "layers_sum")
    mnet = next(r for r in cal if "mobilenetv1_1.0" in r["network"])
    where = "data/validation/zcu102-dpu.csv"

    model = os.path.join(root, dpu["model"])
    target = float(dpu["measured_ms"])

    def conv_ms(e):
        prof["classes"]["conv"]["compute_efficiency"]["value"] = e
        return estimate(odonata, prof, model)["layers_ms"]

    e_conv = round(solve(conv_ms, target), 6)
    layers = conv_ms(e_conv)
    prof["classes"]["conv"]["compute_efficiency"] = {
        "value": e_conv,
        "source": "calibrated (tools/calibrate_zcu102.py): ResNet-50 v1 layer sum = %s ms, the DPU execution time of %s "
                  "(%s); the DPU reaches %.1f%% of its parallel units' peak on the work they are given" % (
                      dpu["measured_ms"], where, dpu["source"].split(";")[0], 100 * e_conv)}
    overhead = round(float(e2e["measured_ms"]) - layers, 4)
    prof["overhead_ms"] = {
        "value": overhead,
        "source": "calibrated (tools/calibrate_zcu102.py): zoo E2E latency of cf_resnet50 %s ms (%s) minus its DPU "
                  "execution time %s ms (%s): post-processing (softmax/top-k) on the A53, 0.70 ms in the breakdown, "
                  "and the runner" % (e2e["measured_ms"], e2e["source"].split(";")[0], dpu["measured_ms"],
                                      dpu["source"].split(";")[0])}

    mmodel = os.path.join(root, mnet["model"])
    mtarget = float(mnet["measured_ms"])

    def dw_ms(e):
        prof["classes"]["dwconv"]["compute_efficiency"]["value"] = e
        return estimate(odonata, prof, mmodel)["total_ms"]

    e_dw = round(solve(dw_ms, mtarget, lo=1e-4, hi=1.0), 6)
    prof["classes"]["dwconv"]["compute_efficiency"] = {
        "value": e_dw,
        "source": "calibrated (tools/calibrate_zcu102.py): %s total = its zoo E2E latency %s ms (%s), with the conv "
                  "efficiency and overhead above; relative to the core's 4096 ops per cycle (the depthwise engine's "
                  "PP/2 x 16 = 64 MACs per cycle is 1/32 of it)" % (mnet["network"], mnet["measured_ms"],
                                                                    mnet["source"].split(";")[0])}
    print("zcu102: conv efficiency %.4f (ResNet-50 layers %.3f ms), overhead %.4f ms, dwconv efficiency %.5f "
          "(mobilenet_v1_1.0 %.3f ms)" % (e_conv, layers, overhead, e_dw, dw_ms(e_dw)))
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(prof, f, indent=2)
        f.write("\n")
    os.replace(tmp, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
