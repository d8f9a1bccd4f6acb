"""odonata.load / platform / estimate / estimate_total / totals / estimate_grid, against the CLI."""
import json
import math
import pathlib
import threading
import time

import pytest

import odonata
from conftest import MODELS, PLATFORMS, SRC, cli_json, run_cli


@pytest.mark.parametrize("model_path", MODELS, ids=lambda p: p.stem)
def test_every_shipped_model_on_every_platform_equals_the_cli_to_the_last_bit(model_path):
    code, _, err = run_cli("inspect", model_path, "--format", "json", check=False)
    if code != 0:  # a model the loader cannot resolve yet: the same error, word for word
        with pytest.raises(odonata.Error) as e:
            odonata.load(model_path)
        assert "odonata: error: " + str(e.value) == err.strip().splitlines()[-1]
        return
    model = odonata.load(model_path)
    for platform_path in PLATFORMS:
        platform = odonata.platform(platform_path)
        report = odonata.estimate(model, platform)
        _, out, _ = run_cli("estimate", model_path, "--platform", platform_path, "--format", "json")
        # The whole JSON, byte for byte; so total_ms and energy_mj to the last bit.
        assert report.to_json() == out, (model_path.stem, platform_path.stem)
        cli = json.loads(out)
        assert report.total_ms == cli["total_ms"] and report.energy_mj == cli["energy_mj"]
        # The fast path and the grid give the report's floats, at every precision.
        for precision in platform.precisions:
            full = odonata.estimate(model, platform, precision)
            assert odonata.estimate_total(model, platform, precision) == full.total_ms
            t = odonata.totals(model, platform, precision)
            assert (t.total_ms, t.energy_mj, t.overhead_ms, t.avg_power_w) == (
                full.total_ms, full.energy_mj, full.overhead_ms, full.avg_power_w)


def test_the_nchwc_reorder_term_equals_the_cli():
    """host-ort-cpu prices ONNX Runtime's NCHWc reorders (its nchwc has both fitted costs):
    report.reorder_ms / reorders are the CLI's JSON `reorders`, in the total, in no layer, and the
    fast path adds the same; a board profile has no term (0.0, 0, no JSON key)."""
    model_path = SRC / "models" / "regnet_y_400mf.onnx"
    host = odonata.platform(SRC / "platforms" / "host-ort-cpu.json")
    report = odonata.estimate(str(model_path), host)
    cli = cli_json("estimate", model_path, "--platform", SRC / "platforms" / "host-ort-cpu.json")
    assert report.to_dict() == cli
    assert report.reorders == cli["reorders"]["count"] > 0
    assert report.reorder_ms == cli["reorders"]["ms"] > 0
    assert math.isclose(cli["total_ms"], sum(l.ms for l in report.layers) + report.overhead_ms + report.reorder_ms,
                        rel_tol=1e-12)
    t = odonata.totals(odonata.load(model_path), host)
    assert (t.total_ms, t.reorder_ms) == (report.total_ms, report.reorder_ms)
    assert math.isclose(t.layers_ms + t.overhead_ms + t.reorder_ms, t.total_ms, rel_tol=1e-15)
    board = odonata.estimate(str(model_path), "jetson-nano")
    assert (board.reorder_ms, board.reorders) == (0.0, 0)
    assert "reorders" not in cli_json("estimate", model_path, "--platform", "jetson-nano")


def test_a_mode_and_a_precision_equal_the_cli():
    model_path = SRC / "models" / "mobilenet_v2.onnx"
    report = odonata.estimate(str(model_path), "jetson-tx2:maxq", "fp16")
    cli = cli_json("estimate", model_path, "--platform", "jetson-tx2:maxq", "--precision", "fp16")
    assert report.to_dict() == cli
    # MobileNet v2 has depthwise layers: the TX2 profile's precision_fallback runs it at fp32 (issue 16)
    assert report.platform == "jetson-tx2:maxq" and report.precision == "fp32"
    assert any("precision_fallback" in w for w in report.warnings)
    assert report.total_ms == cli["total_ms"]


def test_bytes_load_like_the_file(resnet50):
    data = (SRC / "models" / "resnet50.onnx").read_bytes()
    from_bytes = odonata.load(data)
    nano = odonata.platform("jetson-nano")
    assert from_bytes.name == "" and odonata.load(bytearray(data), name="r50").name == "r50"
    assert odonata.estimate_total(from_bytes, nano) == odonata.estimate_total(resnet50, nano)
    assert from_bytes.macs == resnet50.macs


def test_model_counts_and_inputs(resnet50):
    # torchvision's ResNet-50 at 224x224: 4.09 GMAC, 25,557,032 parameters.
    assert resnet50.name == "resnet50"
    assert list(resnet50.inputs.values()) == [(1, 3, 224, 224)]
    # models/reference_counts.csv (PyTorch's counts)
    assert resnet50.params == 25557032 and resnet50.macs == 4089184256
    assert "resnet50" in repr(resnet50)


def test_layers_hold_the_rows(resnet50):
    report = odonata.estimate(resnet50, "ncs2")
    layers = report.layers
    first = layers[0]
    # conv1: 7x7 kernel, 3 -> 64 channels, 112x112 output: 7*7*3*64*112*112 MACs.
    assert first.op == "Conv" and first.macs == 7 * 7 * 3 * 64 * 112 * 112
    assert first.estimator and first.ms > 0 and first.energy_mj > 0 and first.flags == []
    assert len(layers) == len(report.to_dict()["layers"])
    layers_ms = 0.0
    for layer in layers:
        layers_ms += layer.ms
    assert layers_ms + report.overhead_ms == report.total_ms
    assert sum(l.macs for l in layers) == report.macs == resnet50.macs
    assert report.render("csv").startswith(run_cli("estimate", SRC / "models/resnet50.onnx", "--platform", "ncs2",
                                                   "--format", "csv")[1].splitlines()[0])


def test_input_shapes_as_the_cli(resnet50):
    name = next(iter(resnet50.inputs))
    big = odonata.load(SRC / "models" / "resnet50.onnx", input_shapes={name: (1, 3, 448, 448)})
    also = resnet50.with_shapes({name: "1x3x448x448"})
    assert big.inputs[name] == (1, 3, 448, 448) == also.inputs[name]
    cli = cli_json("estimate", SRC / "models" / "resnet50.onnx", "--platform", "jetson-nano",
                   "--input-shape", f"{name}=1x3x448x448")
    nano = odonata.platform("jetson-nano")
    assert odonata.estimate_total(big, nano) == cli["total_ms"] == odonata.estimate_total(also, nano)
    batched = odonata.load(SRC / "models" / "mobilenet_v2.onnx", batch=4)
    assert next(iter(batched.inputs.values()))[0] == 4


def test_stated_size_of_a_value_dependent_output_as_the_cli():
    # 300 of Faster R-CNN's 13,500 candidate boxes above the score threshold, in place of the bound.
    path = SRC / "models" / "fasterrcnn_mobilenet_v3_large_320_fpn.onnx"
    stated = "/roi_heads/NonZero_1_output_0"
    model = odonata.load(path, input_shapes={stated: (1, 300)})
    assert any("estimated with the stated 1x300 (upper bound 1x13500)" in w for w in model.warnings)
    host = odonata.platform("host-ort-cpu")
    cli = cli_json("estimate", path, "--platform", "host-ort-cpu", "--input-shape", f"{stated}=1x300")
    assert odonata.estimate_total(model, host) == cli["total_ms"] < odonata.estimate_total(odonata.load(path), host)
    with pytest.raises(odonata.Error, match="is at most 1x13500"):
        odonata.load(path, input_shapes={stated: (1, 20000)})


def test_platforms_and_search_path():
    names = [p.name for p in odonata.platforms()]
    assert names == sorted(p.stem for p in PLATFORMS)
    with_modes = [p.name for p in odonata.platforms(modes=True)]
    tx2 = odonata.platform("jetson-tx2")
    assert [f"jetson-tx2:{m}" for m in tx2.modes] == [n for n in with_modes if n.startswith("jetson-tx2")]
    assert tx2.with_mode(tx2.modes[0]).name == "jetson-tx2:" + tx2.modes[0]
    # ctest empties $ODONATA_PLATFORMS; the build tree's package has no profiles of its own: the source tree's.
    assert [pathlib.Path(p.path).parent.resolve() for p in odonata.platforms()] == [
        (SRC / "platforms").resolve()] * len(PLATFORMS)
    assert (SRC / "platforms").resolve() in [pathlib.Path(d).resolve() for d in odonata.search_path()]
    assert tx2.default_precision in tx2.precisions and tx2.price_usd > 0
    assert json.loads(tx2.to_json())["name"] == "jetson-tx2"


def test_grid_equals_estimate_total():
    models = [odonata.load(SRC / "models" / n) for n in ("resnet18.onnx", "mobilenet_v3_small.onnx")]
    plats = odonata.platforms()
    grid = odonata.estimate_grid(models, plats, ["fp32", "fp16", "int8"])
    energy = odonata.estimate_grid(models, plats, ["fp32", "fp16", "int8"], field="energy_mj")
    for i, m in enumerate(models):
        for j, p in enumerate(plats):
            for k, q in enumerate(["fp32", "fp16", "int8"]):
                if q in p.precisions:
                    assert grid[i][j][k] == odonata.estimate_total(m, p, q)
                    assert energy[i][j][k] == odonata.totals(m, p, q).energy_mj
                else:
                    assert math.isnan(grid[i][j][k])
    def flat(g):
        return ["nan" if math.isnan(x) else x for row in g for cell in row for x in cell]

    assert flat(odonata.estimate_grid(models, plats, ["fp32", "fp16", "int8"], threads=3)) == flat(grid)
    default = odonata.estimate_grid(models, plats)
    assert [[c[0] for c in row] for row in default] == [[odonata.estimate_total(m, p) for p in plats] for m in models]


def test_the_gil_is_released_while_estimating():
    model = odonata.load(SRC / "models" / "resnet50.onnx")
    plats = odonata.platforms(modes=True)
    odonata.estimate_grid([model], plats)  # fuse once, outside the timing
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    t = threading.Thread(target=tick)
    t.start()
    time.sleep(0.01)
    start = time.perf_counter()
    grid = odonata.estimate_grid([model] * 10000, plats, ["fp32", "fp16", "int8"])  # one C++ call
    end = time.perf_counter()
    stop.set()
    t.join()
    assert len(grid) == 10000
    # Were the GIL held for the call, the other thread could not tick while it runs.
    during = [x for x in ticks if start < x < end]
    assert end - start > 0.05 and len(during) >= 5, (end - start, len(during))


def test_input_values_equal_the_cli_and_pick_one_branch():
    # Silero VAD v5 branches on its sample rate (an If on input 'sr'): with a value, one branch is
    # counted, as the CLI's --input-value does; without one, both (an upper bound).
    vad = SRC / "models" / "third-party" / "silero_vad_v5.onnx"
    shapes = {"input": (1, 576), "state": (2, 1, 128)}
    nano = odonata.platform("jetson-nano")
    args = ["estimate", vad, "--platform", "jetson-nano", "--input-shape", "input=1x576",
            "--input-shape", "state=2x1x128"]
    # sr=16000 (sr=8000 does not resolve at 1x576 in the CLI either: nested Ifs of the 8 kHz branch).
    report = odonata.estimate(odonata.load(vad, shapes, {"sr": 16000}), "jetson-nano")
    _, out, _ = run_cli(*args, "--input-value", "sr=16000", "--format", "json")
    assert report.to_json() == out
    # A one-element list is the same value.
    assert odonata.estimate_total(odonata.load(vad, shapes, {"sr": [16000]}), nano) == report.total_ms
    both = odonata.estimate(odonata.load(vad, shapes), "jetson-nano")
    _, out, _ = run_cli(*args, "--format", "json")
    assert both.to_json() == out
    assert both.total_ms > report.total_ms
    with pytest.raises(odonata.Error, match=r"input_values\['sr'\]: expected a number or a list of numbers, got 'fast'"):
        odonata.load(vad, shapes, {"sr": "fast"})
    with pytest.raises(odonata.Error, match="expected a dict"):
        odonata.load(vad, shapes, [("sr", 16000)])


# One model per quantization form (docs/report-format.md "Quantized models"): the Python report's
# quantization fields and per-layer precision equal the CLI's JSON, on a platform with int8
# (host-ort-cpu) and one without (jetson-nano: the quantized layers at fp16, with a warning).
@pytest.mark.parametrize("name", ["yunet_n_320_int8_qdq", "ultraface_slim_320_int8_qop", "magika_v3_3_int8_dynamic"])
def test_quantized_models_agree_with_the_cli(name):
    path = SRC / "models" / "third-party" / (name + ".onnx")
    model = odonata.load(path)
    for platform in ("host-ort-cpu", "jetson-nano"):
        report = odonata.estimate(model, odonata.platform(platform))
        cli = cli_json("estimate", path, "--platform", platform)
        assert report.quantization == cli["quantization"]
        assert report.quantization["layers"] > 0
        assert report.params == cli["totals"]["params"]
        assert report.param_bytes == cli["totals"]["param_bytes"]
        assert [(l.precision, l.quantized, l.param_bytes) for l in report.layers] == \
            [(l["precision"], l["quantized"], l["param_bytes"]) for l in cli["layers"]]
        want = "int8" if platform == "host-ort-cpu" else "fp16"
        assert report.quantization["precision"] == want
        assert {l.precision for l in report.layers if l.quantized} == {want}
        assert report.warnings == cli["warnings"]
        no_int8 = [w for w in report.warnings if "has no int8 precision" in w]
        assert len(no_int8) == (platform == "jetson-nano")


def _host_profile_with_half_conv_warm(name):
    """host-ort-cpu renamed, with a synthetic warm factor of one half on conv."""
    profile = json.loads((SRC / "platforms" / "host-ort-cpu.json").read_text())
    profile["name"] = name
    profile["classes"]["conv"]["warm"] = {
        "precision": "fp32", "c0": math.log(0.5), "c_bytes": 0, "c_ms": 0, "bytes_range": [1, 1e12],
        "ms_range": [1e-9, 1e9], "rows": 4, "source": "synthetic (test)"}
    return profile


def test_the_cache_state_equals_the_cli(tmp_path):
    # host-ort-cpu with a synthetic warm factor of one half on conv and a cache capacity of 10 MB:
    # SqueezeNet 1.1 (4.9 MB of weights) is warm under auto.
    profile = _host_profile_with_half_conv_warm("warmtest")
    profile["cache"] = {"capacity_bytes": 10000000, "source": "synthetic (test)"}
    path = tmp_path / "warmtest.json"
    path.write_text(json.dumps(profile))
    platform = odonata.platform(path)
    model_path = SRC / "models" / "squeezenet1_1.onnx"
    model = odonata.load(model_path)
    for cache in ("auto", "warm", "cold"):
        report = odonata.estimate(model, platform, cache=cache)
        _, out, _ = run_cli("estimate", model_path, "--platform", path, "--cache", cache, "--format", "json")
        assert report.to_json() == out, cache
        assert report.cache == json.loads(out)["cache"]
    warm, cold = odonata.estimate(model, platform), odonata.estimate(model, platform, cache="cold")
    assert warm.cache["state"] == "warm" and not warm.cache["forced"]
    assert cold.cache == {"state": "cold", "forced": True, "weight_bytes": warm.cache["weight_bytes"],
                          "capacity_bytes": 10000000}
    assert warm.total_ms < cold.total_ms
    # A profile without warm models: no cache state, and `warm` is the CLI's error.
    plain = odonata.platform(SRC / "platforms" / "jetson-nano.json")
    assert odonata.estimate(model, plain).cache is None
    with pytest.raises(odonata.Error, match="has no warm class models"):
        odonata.estimate(model, plain, cache="warm")
    with pytest.raises(odonata.Error, match="unknown cache state 'hot'"):
        odonata.estimate(model, plain, cache="hot")


def test_the_partial_cache_state_equals_the_cli(tmp_path):
    # The same synthetic warm factor of one half on conv, and a partial cache state whose share is
    # 1/2 at SqueezeNet 1.1's own weights (slope 1): its conv layers at 3/4 of their cold estimate.
    profile = _host_profile_with_half_conv_warm("partialtest")
    model_path = SRC / "models" / "squeezenet1_1.onnx"
    model = odonata.load(model_path)
    weights = odonata.estimate(model, odonata.platform("host-ort-cpu"), cache="cold").param_bytes
    profile["cache"] = {"source": "synthetic (test)",
                        "share": {"half_bytes": weights, "slope": 1, "rows": 24, "source": "synthetic (test)"}}
    path = tmp_path / "partialtest.json"
    path.write_text(json.dumps(profile))
    platform = odonata.platform(path)
    for cache in ("auto", "warm", "cold"):
        report = odonata.estimate(model, platform, cache=cache)
        _, out, _ = run_cli("estimate", model_path, "--platform", path, "--cache", cache, "--format", "json")
        assert report.to_json() == out, cache
        assert report.cache == json.loads(out)["cache"]
    mid = odonata.estimate(model, platform)
    cold = odonata.estimate(model, platform, cache="cold")
    warm = odonata.estimate(model, platform, cache="warm")
    assert mid.cache == {"state": "partial", "forced": False, "weight_bytes": weights, "capacity_bytes": None,
                         "share": 0.5}
    assert warm.cache["state"] == "warm" and cold.cache["state"] == "cold" and "share" not in cold.cache
    for m, c, w in zip(mid.layers, cold.layers, warm.layers):
        assert m.ms == pytest.approx(0.5 * (c.ms + w.ms), rel=1e-12)  # cold - (cold - warm) / 2
    _, text, _ = run_cli("estimate", model_path, "--platform", path)
    assert "partial 0.50" in text


def test_a_partial_cache_state_of_activations_equals_the_cli(tmp_path):
    # A profile whose cache.share names its size variable (run 19 on): h from the bytes the executed
    # layers write, here 1/2 at SqueezeNet 1.1's own (read from the CLI's report): the API agrees.
    profile = _host_profile_with_half_conv_warm("activationstest")
    model_path = SRC / "models" / "squeezenet1_1.onnx"
    model = odonata.load(model_path)
    profile["cache"] = {"source": "synthetic (test)",
                        "share": {"half_bytes": 1e6, "slope": 1, "rows": 24, "source": "synthetic (test)",
                                  "size": "activations"}}
    path = tmp_path / "activationstest.json"
    path.write_text(json.dumps(profile))
    _, out, _ = run_cli("estimate", model_path, "--platform", path, "--format", "json")
    acts = json.loads(out)["cache"]["share_size_bytes"]
    assert acts == sum(4 * math.prod(l["output_shape"]) for l in json.loads(out)["layers"] if l["estimator"] != "free")
    profile["cache"]["share"]["half_bytes"] = acts
    path.write_text(json.dumps(profile))
    platform = odonata.platform(path)
    report = odonata.estimate(model, platform)
    _, out, _ = run_cli("estimate", model_path, "--platform", path, "--format", "json")
    assert report.to_json() == out
    assert report.cache == json.loads(out)["cache"]
    assert report.cache["share"] == 0.5 and report.cache["share_size"] == "activations"
    cold = odonata.estimate(model, platform, cache="cold")
    warm = odonata.estimate(model, platform, cache="warm")
    for m, c, w in zip(report.layers, cold.layers, warm.layers):
        assert m.ms == pytest.approx(0.5 * (c.ms + w.ms), rel=1e-12)
