"""Model, Platform, Report and Totals pickle: multiprocessing and Dask ship them."""
import multiprocessing
import pickle

import odonata
from conftest import SRC


def roundtrip(x):
    return pickle.loads(pickle.dumps(x))


def test_model_platform_report_totals_roundtrip(resnet50):
    tx2 = odonata.platform("jetson-tx2:maxq")
    report = odonata.estimate(resnet50, tx2, "fp16")
    m, p, r = roundtrip(resnet50), roundtrip(tx2), roundtrip(report)
    assert (m.name, m.inputs, m.macs) == (resnet50.name, resnet50.inputs, resnet50.macs)
    assert (p.name, p.path, p.to_json()) == (tx2.name, tx2.path, tx2.to_json())
    assert r.to_json() == report.to_json()
    assert odonata.estimate(m, p, "fp16").to_json() == report.to_json()
    t = odonata.totals(resnet50, tx2)
    assert roundtrip(t).total_ms == t.total_ms and roundtrip(t).energy_mj == t.energy_mj
    # A host profile's reorder term survives the trip (resnet50 has NCHWc reorders on it).
    host = odonata.totals(resnet50, odonata.platform(SRC / "platforms" / "host-ort-cpu.json"))
    assert host.reorder_ms > 0 and roundtrip(host).reorder_ms == host.reorder_ms


def test_models_from_bytes_and_with_shapes_roundtrip(resnet50):
    name = next(iter(resnet50.inputs))
    nano = odonata.platform("jetson-nano")
    for m in (odonata.load((SRC / "models" / "resnet18.onnx").read_bytes(), name="r18"),
              resnet50.with_shapes({name: (1, 3, 320, 320)}),
              odonata.load(SRC / "models" / "mobilenet_v2.onnx", batch=2)):
        back = roundtrip(m)
        assert (back.name, back.inputs) == (m.name, m.inputs)
        assert odonata.estimate_total(back, nano) == odonata.estimate_total(m, nano)


def _total(args):
    model, platform = args
    return odonata.estimate_total(model, platform)


def test_multiprocessing_pool(resnet50):
    plats = odonata.platforms()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        totals = pool.map(_total, [(resnet50, p) for p in plats])
    assert totals == [odonata.estimate_total(resnet50, p) for p in plats]
