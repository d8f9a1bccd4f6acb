"""Errors: odonata.Error (a ValueError) with the CLI's message and exit status."""
import pytest

import odonata
from conftest import SRC, cli_error


def test_error_is_a_value_error():
    assert issubclass(odonata.Error, ValueError)


def test_unknown_platform_says_what_the_cli_says():
    message, code = cli_error("estimate", SRC / "models" / "resnet18.onnx", "--platform", "jetson-nan")
    with pytest.raises(odonata.Error) as e:
        odonata.platform("jetson-nan")
    assert str(e.value) == message and "did you mean 'jetson-nano'" in message
    assert e.value.exit_code == code == 1


def test_unknown_mode():
    message, _ = cli_error("estimate", SRC / "models" / "resnet18.onnx", "--platform", "jetson-tx2:turbo")
    with pytest.raises(odonata.Error, match="unknown mode 'turbo'") as e:
        odonata.platform("jetson-tx2:turbo")
    assert str(e.value) == message


def test_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not protobuf\xff\xff")
    message, code = cli_error("estimate", bad, "--platform", "ncs2")
    with pytest.raises(odonata.Error) as e:
        odonata.load(bad)
    assert str(e.value) == message and str(bad) in message
    assert e.value.exit_code == code
    with pytest.raises(odonata.Error, match="^<bytes>: "):
        odonata.load(b"\xff\xff not a model")
    with pytest.raises(odonata.Error, match="cannot open|No such file|does not exist"):
        odonata.load(tmp_path / "missing.onnx")


def test_a_precision_the_platform_lacks():
    model = odonata.load(SRC / "models" / "resnet18.onnx")
    ncs2 = odonata.platform("ncs2")
    missing = next(p for p in ("fp32", "fp16", "int8") if p not in ncs2.precisions)
    message, _ = cli_error("estimate", SRC / "models" / "resnet18.onnx", "--platform", "ncs2", "--precision", missing)
    for call in (odonata.estimate, odonata.estimate_total, odonata.totals):
        with pytest.raises(odonata.Error) as e:
            call(model, ncs2, missing)
        assert str(e.value) == message
    with pytest.raises(odonata.Error, match="unknown precision 'fp64'") as e:
        odonata.estimate_total(model, ncs2, "fp64")
    assert e.value.exit_code == 2


def test_bad_input_shapes():
    path = SRC / "models" / "resnet18.onnx"
    with pytest.raises(odonata.Error, match="input_shapes: 'input': "):
        odonata.load(path, input_shapes={"input": "1x3xbig"})
    with pytest.raises(odonata.Error) as e:
        odonata.load(path, input_shapes={"nope": (1, 3, 224, 224)})
    message, _ = cli_error("estimate", path, "--platform", "ncs2", "--input-shape", "nope=1x3x224x224")
    assert str(e.value) == message
    with pytest.raises(odonata.Error, match="batch"):
        odonata.load(path, batch=0)


def test_wrong_argument_types_are_type_errors():
    model = odonata.load(SRC / "models" / "resnet18.onnx")
    with pytest.raises(TypeError):
        odonata.estimate_total("models/resnet18.onnx", odonata.platform("ncs2"))
    with pytest.raises(TypeError):
        odonata.estimate_total(model, "ncs2")


def test_functions_raise_the_cli_errors():
    with pytest.raises(odonata.Error, match="max_latency: "):
        odonata.compare([SRC / "models" / "resnet18.onnx"], "ncs2", max_latency="soon")
    message, _ = cli_error("check", SRC / "tests" / "nothing.csv")
    with pytest.raises(odonata.Error) as e:
        odonata.check(SRC / "tests" / "nothing.csv")
    assert str(e.value) == message
