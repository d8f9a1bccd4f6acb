"""compare, explore, fit and check return the data of the CLI's JSON."""
import json

import odonata
from conftest import SRC, cli_json, run_cli

MODELS = [SRC / "models" / "resnet18.onnx", SRC / "models" / "mobilenet_v2.onnx"]


def test_compare_equals_the_cli():
    data = odonata.compare(MODELS, "ncs2,jetson-tx2:*", ["fp32", "fp16"], max_latency="200ms")
    assert data == cli_json("compare", *MODELS, "--platform", "ncs2,jetson-tx2:*", "--precision", "fp32,fp16",
                            "--max-latency", "200ms")
    assert data["pareto_count"] == sum(c["pareto"] for c in data["candidates"]) > 0
    nano = odonata.platform("jetson-nano")
    assert odonata.compare(MODELS, [nano, "ncs2"], max_energy=1e9, max_price=1e9) == cli_json(
        "compare", *MODELS, "--platform", f"{nano.path},ncs2", "--max-energy", "1e9", "--max-price", "1e9")


def test_compare_latencies_are_estimate_totals():
    data = odonata.compare(MODELS[:1], "all")
    model = odonata.load(MODELS[0])
    for c in data["candidates"]:
        assert c["latency_ms"] == odonata.estimate_total(model, odonata.platform(c["platform"]), c["precision"])


def test_explore_equals_the_cli():
    model = SRC / "models" / "ssdlite320_mobilenet_v3_large.onnx"
    data = odonata.explore([model], "ncs2,jetson-nano", resolutions=["320x320", "640x480"], max_latency=500)
    assert data == cli_json("explore", model, "--platform", "ncs2,jetson-nano", "--resolutions", "320x320,640x480",
                            "--max-latency", "500")
    assert {c["resolution"] for c in data["candidates"]} <= {"320x320", "640x480"}


def test_fit_equals_the_cli(tmp_path):
    csv = SRC / "tests" / "data" / "fit" / "research_conv.csv"
    (tmp_path / "py").mkdir()
    (tmp_path / "cli").mkdir()
    data = odonata.fit(csv, "jetson-nano", out=tmp_path / "py" / "fitted.json")
    assert data == cli_json("fit", csv, "--base", "jetson-nano", "--report", "--out", tmp_path / "cli" / "fitted.json")
    assert odonata.fit([csv], odonata.platform("jetson-nano"), folds=3) == cli_json(
        "fit", csv, "--base", "jetson-nano", "--report", "--folds", "3")
    assert (tmp_path / "py" / "fitted.json").read_bytes() == (tmp_path / "cli" / "fitted.json").read_bytes()
    assert odonata.platform(tmp_path / "py" / "fitted.json").name == "fitted"


def test_check_equals_the_cli():
    suite = SRC / "data" / "validation" / "ncs2.csv"
    baseline = SRC / "data" / "validation" / "baseline.json"
    data = odonata.check(suite, baseline=baseline)
    code, out, _ = run_cli("check", suite, "--baseline", baseline, "--format", "json", check=False)
    assert data == json.loads(out)
    calibration = odonata.check([suite], split="calibration", max_mape=1000)
    assert calibration == json.loads(run_cli("check", suite, "--split", "calibration", "--max-mape", "1000",
                                             "--format", "json", check=False)[1])
