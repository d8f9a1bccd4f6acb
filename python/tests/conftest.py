"""Fixtures of the Python tests (run by ctest: tests python_*; see python/CMakeLists.txt).

ODONATA_SOURCE_DIR: the repository; ODONATA_CLI: the odonata command built with the module.
Both are set by ctest; run by hand as
  PYTHONPATH=build/python ODONATA_CLI=build/odonata ODONATA_SOURCE_DIR=. /usr/bin/python3 -m pytest python/tests
"""
import json
import os
import pathlib
import subprocess

import pytest

SRC = pathlib.Path(os.environ.get("ODONATA_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLI = os.environ.get("ODONATA_CLI", str(SRC / "build" / "odonata"))
MODELS = sorted((SRC / "models").glob("*.onnx"))
PLATFORMS = sorted((SRC / "platforms").glob("*.json"))


def run_cli(*args, check=True):
    """The odonata command's (exit status, stdout, stderr)."""
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=SRC)
    if check and p.returncode != 0:
        raise AssertionError(f"odonata {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    return json.loads(run_cli(*args, "--format", "json")[1])


def cli_error(*args):
    """The message the CLI prints after 'odonata: error: ', and its exit status."""
    code, _, err = run_cli(*args, check=False)
    assert code != 0, err
    line = err.strip().splitlines()[-1]
    assert line.startswith("odonata: error: "), err
    return line[len("odonata: error: "):], code


@pytest.fixture(scope="session")
def src():
    return SRC


@pytest.fixture(scope="session")
def resnet50():
    import odonata
    return odonata.load(SRC / "models" / "resnet50.onnx")
