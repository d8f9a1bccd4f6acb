#!/usr/bin/python3
"""Turn the iCAS-Lab Jetson Nano data set (shared/data/icas_nano, see its MANIFEST.md) into odonata's
network measurement rows, with the calibration/validation split declared in data/jetson-nano/README.md.

Usage: /usr/bin/python3 tools/icas_nano.py SHARED_ICAS_DIR OUT_DIR

Writes OUT_DIR/icas_networks.csv (every usable network, with its split; the input of `odonata fit` after
filtering) and OUT_DIR/icas_calibration.csv (the calibration rows only, the file `odonata fit` reads), and
data/validation/jetson-nano-icas.csv (the validation rows as an `odonata check` suite). Deterministic.

Split (declared before any error was looked at): FNV-1a 64-bit hash of the network name (UTF-8, without
"icas:") mod 4 == 0 -> validation, else calibration.
"""
import csv
import glob
import os
import sys

SOURCE = ("iCAS-Lab/NAS-Performance-Modeling@50e6709 data/{folder}/{file} (Juneja et al., IEEE OLIS 2025); "
          "Jetson Nano 4GB, MAXN, TensorRT FP32 from ONNX via the Python API, Python loop of copy to pinned host, "
          "H2D, execute_async, D2H, synchronize; mean of 100 runs; power: tegrastats ~1 Hz over a 60 s run")


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def split_of(name):
    return "validation" if fnv1a64(name) % 4 == 0 else "calibration"


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    src, out = sys.argv[1], sys.argv[2]
    folders = sorted({os.path.basename(p).split("__")[0] for p in glob.glob(os.path.join(src, "*__big_latency.csv"))})
    rows, seen = [], {}
    stats = {"latency_rows": 0, "duplicates": 0, "power_dropped_shifted": 0, "no_power": 0}
    for folder in folders:
        lat_file = "%s__big_latency.csv" % folder
        info_files = [p for p in glob.glob(os.path.join(src, folder + "__*.csv"))
                      if not p.endswith("__big_latency.csv") and not p.endswith("__big_power.csv")]
        assert len(info_files) == 1, info_files
        info = {}
        for r in read(info_files[0]):
            info.setdefault(r["Model Name"], r)
        for line, r in enumerate(read(os.path.join(src, lat_file)), start=2):
            stats["latency_rows"] += 1
            name = r["Model Name"].strip()
            if name in seen:
                stats["duplicates"] += 1
                continue
            ms = float(r["Average Inference Time (seconds)"]) * 1000.0
            power_in = power_gpu = power_cpu = ""
            i = info.get(name)
            if i is None:
                stats["no_power"] += 1
            else:
                try:
                    n_in = float(i["Total_POM_5V_IN"]) / float(i["Avrg_POM_5V_IN"])
                    n_gpu = float(i["Total_POM_5V_GPU"]) / float(i["Avrg_POM_5V_GPU"])
                    ok = abs(n_in - n_gpu) <= 0.01 * max(n_in, n_gpu)
                except (ValueError, ZeroDivisionError, KeyError):
                    ok = False
                if ok:
                    power_in = "%.4f" % (float(i["Avrg_POM_5V_IN"]) / 1000.0)
                    power_gpu = "%.4f" % (float(i["Avrg_POM_5V_GPU"]) / 1000.0)
                    power_cpu = "%.4f" % (float(i["Avrg_POM_5V_CPU"]) / 1000.0)
                else:
                    stats["power_dropped_shifted"] += 1
            seen[name] = True
            rows.append({
                "model": "icas:" + name, "precision": "fp32", "latency_ms": "%.6g" % ms,
                "overhead": "icas-python-loop", "power_w": power_in, "gpu_power_w": power_gpu,
                "cpu_power_w": power_cpu, "split": split_of(name), "folder": folder,
                "source": "%s line %d" % (lat_file, line),
            })
    rows.sort(key=lambda r: (r["folder"], r["model"]))
    cols = ["model", "precision", "latency_ms", "overhead", "power_w", "gpu_power_w", "cpu_power_w", "split",
            "folder", "source"]
    os.makedirs(out, exist_ok=True)
    for path, keep in ((os.path.join(out, "icas_networks.csv"), lambda r: True),
                       (os.path.join(out, "icas_calibration.csv"), lambda r: r["split"] == "calibration")):
        with open(path, "w", newline="") as f:
            f.write("# " + SOURCE.format(folder="<folder>", file="<folder>/big_latency.csv") + "\n")
            f.write("# power_w: board input (POM_5V_IN), gpu_power_w / cpu_power_w: the GPU / CPU rails (W); "
                    "split and rules: data/jetson-nano/README.md; written by tools/icas_nano.py\n")
            w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            for r in rows:
                if keep(r):
                    w.writerow(r)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    suite = os.path.join(root, "data", "validation", "jetson-nano-icas.csv")
    with open(suite, "w", newline="") as f:
        f.write("# Jetson Nano, TensorRT FP32, iCAS-Lab synthetic CNNs (validation rows of data/jetson-nano/icas_networks.csv)\n")
        f.write("# Written by tools/icas_nano.py; split rule and measurement: data/jetson-nano/README.md. "
                "measured_power_w is board input power (POM_5V_IN).\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "network", "platform", "precision", "input_shape", "measured_ms", "measures", "split",
                    "source", "note", "measured_power_w"])
        for r in rows:
            if r["split"] != "validation":
                continue
            w.writerow([r["model"], r["model"][5:], "jetson-nano", "fp32", "", r["latency_ms"],
                        "e2e Python loop (pinned copy, H2D, execute_async, D2H, sync)", "validation",
                        "shared/data/icas_nano/" + r["source"], "folder " + r["folder"], r["power_w"]])
    nval = sum(r["split"] == "validation" for r in rows)
    print("rows %d (calibration %d, validation %d); %s" % (len(rows), len(rows) - nval, nval, stats))


if __name__ == "__main__":
    main()
