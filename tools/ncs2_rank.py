#!/usr/bin/python3
"""Rank check of the NCS2 profile against OpenVINO 2022.1's official NCS2 throughput table.

    /usr/bin/python3 tools/ncs2_rank.py ODONATA PROFILE OUT_CSV

shared/data/peers2/openvino_2022_1_ncs2_throughput.csv gives MYRIAD FP16 throughput (fps, async, several infer
requests) of 19 Open Model Zoo networks: not latency, so only the ranking is compared. The networks odonata has a
model of (below) are estimated with PROFILE; Spearman's rank correlation between the measured fps and the
estimated 1 / total_ms is printed and written with the rows to OUT_CSV. Networks without a model file are listed
with the reason. No profile number is set from these rows.
"""

import csv
import json
import os
import subprocess
import sys

from scipy.stats import spearmanr

SRC = "/work/shared/data/peers2/openvino_2022_1_ncs2_throughput.csv"
MODELS = {
    "densenet-121-tf2": "models/densenet121.onnx",
    "inception-v3-TF": "models/inception_v3.onnx",
    "inception-v4-TF": "models/slim/inception_v4.onnx",
    "mobilenet-v2-1.0-224-TF": "models/mobilenet_v2.onnx",
    "mobilenet-v2-pytorch": "models/mobilenet_v2.onnx",
    "resnet-18-pytorch": "models/resnet18.onnx",
    "resnet-50-PYTORCH": "models/resnet50.onnx",
    "resnet-50-TF": "models/reference/resnet50_v1.onnx",
    "yolo-v3-tiny-tf": "models/darknet/yolo_v3_tiny.onnx",  # added 2026-12-04 (boards3), tools/export_darknet_models.py
    "facenet-20180408-102900-TF": "models/slim/facenet_inception_resnet_v1.onnx",  # added 2026-12-04 (boards3)
}
NOT_USED = {
    "deeplabv3-TF": "MobileNetV2 DeepLabv3 at 513: no model file (torchvision's is MobileNetV3)",
    "efficientdet-d0": "no model file",
    "faster_rcnn_resnet50_coco-TF": "TF Object Detection API graph: no model file",
    "mobilenet-ssd-CF": "Caffe SSD MobileNet v1: no model file",
    "ssd_mobilenet_v1_coco-TF": "no model file",
    "ssdlite_mobilenet_v2-TF": "no model file (torchvision's SSDlite is MobileNetV3 at 320)",
    "ssd-resnet34-1200-onnx": "no model file",
    "unet-camvid-onnx-0001": "no model file",
    "yolo_v4-tf": "no model file",
}


def main(argv):
    odonata, profile, out_path = argv
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = []
    reader = csv.DictReader(open(SRC, newline=""))
    for r in reader:
        i = reader.line_num  # physical line of the row in the shared file
        net = r["network"].replace(" (Open Model Zoo)", "")
        if net not in MODELS or not r["fps"]:
            continue
        est = json.loads(subprocess.run([odonata, "estimate", os.path.join(root, MODELS[net]), "--platform", profile,
                                         "--format", "json"], check=True, capture_output=True, text=True).stdout)
        rows.append((net, MODELS[net], float(r["fps"]), est["total_ms"], i))
    rho = spearmanr([r[2] for r in rows], [1.0 / r[3] for r in rows]).correlation
    tmp = out_path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["network", "model", "measured_fps", "estimated_ms", "estimated_fps", "source"])
        for net, model, fps, ms, line in rows:
            w.writerow([net, model, fps, "%.4f" % ms, "%.2f" % (1000.0 / ms),
                        "shared/data/peers2/openvino_2022_1_ncs2_throughput.csv line %d" % line])
    os.replace(tmp, out_path)
    for net, model, fps, ms, line in sorted(rows, key=lambda r: -r[2]):
        print("%-26s measured %6.2f fps  estimated %8.3f ms (%6.2f fps)" % (net, fps, ms, 1000.0 / ms))
    print("Spearman rank correlation %.3f over %d networks" % (rho, len(rows)))
    for net, why in NOT_USED.items():
        print("not used: %s (%s)" % (net, why))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
