"""odonata: latency and energy of neural networks (ONNX) on edge platforms.

The Python face of the odonata C++ library: the same estimates as the
``odonata`` command, bit for bit, without a subprocess.

    >>> import odonata
    >>> model = odonata.load("models/resnet50.onnx")
    >>> nano = odonata.platform("jetson-nano")
    >>> report = odonata.estimate(model, nano)
    >>> report.total_ms, report.energy_mj
    >>> odonata.estimate_total(model, nano, "fp16")      # the fast path for loops

Errors raise :class:`odonata.Error` (a ``ValueError``) with the CLI's message.
``Model``, ``Platform``, ``Report`` and ``Totals`` pickle, so ``multiprocessing``
and Dask can ship them; the GIL is released while estimating.
"""

from __future__ import annotations

import json as _json
import os as _os
import warnings as _warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _odonata
from ._odonata import (  # noqa: F401  (re-exported)
    Error,
    Layer,
    Model,
    Platform,
    Report,
    Totals,
    estimate_grid,
    estimate_total,
    search_path,
    totals,
)

__all__ = [
    "Error", "Layer", "Model", "Platform", "Report", "Totals",
    "load", "platform", "platforms", "estimate", "estimate_total", "totals", "estimate_grid",
    "compare", "explore", "fit", "check", "search_path", "__version__",
]

__version__: str = _odonata.version()

# Profiles installed with the package live in <package>/share/odonata/platforms.
_odonata._set_package_dir(_os.path.dirname(_os.path.abspath(__file__)))

PathLike = Union[str, "_os.PathLike[str]"]
Shapes = Mapping[str, Union[Sequence[int], str]]

Error.__module__ = __name__
Error.__doc__ = ("An error of odonata (bad model, unknown platform, bad argument): a ValueError whose message "
                 "is the one the odonata command prints after 'odonata: error: '; exit_code is the command's "
                 "exit status for it (1: input, 2: usage).")


def load(path_or_bytes: Union[PathLike, bytes, bytearray, memoryview],
         input_shapes: Optional[Shapes] = None,
         input_values: Optional[Mapping[str, Any]] = None,
         *, batch: Optional[int] = None, name: Optional[str] = None) -> Model:
    """Load a model: an ONNX file, an ANNETTE graph (``.json``), or the bytes of an ONNX model.

    path_or_bytes: a path, or a serialized ONNX model in memory (for example
        ``onnx.ModelProto.SerializeToString()`` or a ``torch.onnx.export`` into ``io.BytesIO``).
    input_shapes: static shapes of graph inputs, ``{"input": (1, 3, 448, 448)}`` or ``{"input": "1x3x448x448"}``
        (the CLI's ``--input-shape``).
    input_values: values of scalar or small integer inputs, folded like constants (the CLI's
        ``--input-value``), ``{"sr": 16000}`` or ``{"axes": [0, 1]}``: an ``If`` on such an input then
        counts only the branch taken.
    batch: value for symbolic batch dimensions (``--batch``; default 1).
    name: the model's name in reports (default: the file's stem; ``""`` for bytes).
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        source: Any = bytes(path_or_bytes)
    else:
        source = _os.fspath(path_or_bytes)
    return _odonata._load(source, input_shapes, input_values, batch, name)


def platform(name_or_path: Union[PathLike, Platform]) -> Platform:
    """A platform profile: a name from :func:`platforms` or a ``.json`` file, optionally ``name:mode``
    (``"jetson-tx2:maxq"``), as the CLI's ``--platform`` takes it."""
    if isinstance(name_or_path, Platform):
        return name_or_path
    return _odonata._platform(_os.fspath(name_or_path))


def platforms(modes: bool = False) -> List[Platform]:
    """Every profile on the search path (:func:`search_path`), sorted by name, as ``odonata platforms``
    lists them. ``modes=True``: each profile once per operating mode (``jetson-tx2:maxn``, ...;
    the profile itself when it has none). A profile that cannot be loaded is skipped with a warning."""
    found, errors = _odonata._platforms(bool(modes))
    for message in errors:
        _warnings.warn(message, RuntimeWarning, stacklevel=2)
    return list(found)


def _model(model: Union[Model, PathLike, bytes]) -> Model:
    return model if isinstance(model, Model) else load(model)


def estimate(model: Union[Model, PathLike, bytes], platform: Union[Platform, str],
             precision: Optional[str] = None, cache: str = "auto") -> Report:
    """Estimate a model on a platform: the report of ``odonata estimate``.

    model: a :class:`Model` or anything :func:`load` takes; platform: a :class:`Platform` or a name;
    precision: ``"fp32"``, ``"fp16"`` or ``"int8"`` (default: the platform's); cache: ``"auto"``,
    ``"warm"`` or ``"cold"``, the CLI's ``--cache`` (profiles with warm class models; ``report.cache``).
    ``report.to_json()`` is the CLI's ``--format json`` output byte for byte; ``report.to_dict()`` parses it.
    """
    if not isinstance(platform, Platform):
        platform = _odonata._platform(_os.fspath(platform))
    return _odonata._estimate(_model(model), platform, precision, cache)


def _report_to_dict(self: Report) -> Dict[str, Any]:
    """The report as a dict: ``json.loads(report.to_json())``."""
    return _json.loads(self.to_json())


Report.to_dict = _report_to_dict  # type: ignore[attr-defined]


def _paths(items: Union[PathLike, Sequence[PathLike]]) -> List[str]:
    if isinstance(items, (str, _os.PathLike)):
        return [_os.fspath(items)]
    return [_os.fspath(i) for i in items]


def _names(items: Union[None, str, Sequence[str]]) -> List[str]:
    if items is None:
        return []
    if isinstance(items, str):
        return [s for s in items.split(",") if s]
    return [str(i) for i in items]


def _platform_spec(platforms: Union[str, Sequence[Union[str, Platform]]]) -> str:
    if isinstance(platforms, str):
        return platforms
    parts = []
    for p in platforms:
        if isinstance(p, Platform):
            parts.append(p.path + (":" + p.mode if p.mode else ""))
        else:
            parts.append(_os.fspath(p))
    return ",".join(parts)


Number = Union[int, float, str]


def compare(models: Union[PathLike, Sequence[PathLike]],
            platforms: Union[str, Sequence[Union[str, Platform]]],
            precisions: Union[None, str, Sequence[str]] = None, *, batch: Optional[int] = None,
            max_latency: Optional[Number] = None, max_energy: Optional[Number] = None,
            max_price: Optional[Number] = None) -> Dict[str, Any]:
    """``odonata compare --format json``: models x platforms x precisions, the Pareto front marked.

    platforms: ``"all"``, ``"ncs2,jetson-tx2:*"`` or a list of names/Platforms.
    Limits are numbers in ms, mJ and USD, or the CLI's text (``"100ms"``, ``"5mJ"``, ``"$100"``).
    Returns the CLI's JSON as a dict (``candidates``, ``skipped``, ``pareto_count``, ...).
    """
    return _json.loads(_odonata._explore(_paths(models), _platform_spec(platforms), _names(precisions), [], batch,
                                         max_latency, max_energy, max_price, None, None))


def explore(models: Union[PathLike, Sequence[PathLike]],
            platforms: Union[str, Sequence[Union[str, Platform]]] = "all",
            precisions: Union[None, str, Sequence[str]] = None, *,
            resolutions: Union[None, str, Sequence[str]] = None, batch: Optional[int] = None,
            max_latency: Optional[Number] = None, max_energy: Optional[Number] = None,
            max_price: Optional[Number] = None, accuracy: Optional[PathLike] = None,
            min_accuracy: Optional[Number] = None) -> Dict[str, Any]:
    """``odonata explore --format json``: models x resolutions (``"640x640"``, width first) x platforms x
    precisions under constraints, with the Pareto front (and accuracy from a CSV ``model,accuracy[,resolution]``).
    Returns the CLI's JSON as a dict."""
    return _json.loads(_odonata._explore(_paths(models), _platform_spec(platforms), _names(precisions),
                                         _names(resolutions), batch, max_latency, max_energy, max_price,
                                         None if accuracy is None else _os.fspath(accuracy), min_accuracy))


def fit(measurements: Union[PathLike, Sequence[PathLike]], base: Union[Platform, str], *, folds: int = 5,
        name: Optional[str] = None, out: Optional[PathLike] = None) -> Dict[str, Any]:
    """``odonata fit MEASUREMENTS --base BASE --report --format json``: per op class the chosen model, its
    parameters and errors, as a dict. ``out``: also write the fitted profile there (``--out``; load it with
    :func:`platform`)."""
    return _json.loads(_odonata._fit(_paths(measurements), platform(base), folds, name,
                                     None if out is None else _os.fspath(out)))


def check(suites: Union[PathLike, Sequence[PathLike]], *, split: str = "validation",
          max_mape: Optional[float] = None, max_error: Optional[float] = None,
          max_energy_mape: Optional[float] = None, baseline: Optional[PathLike] = None,
          margin: float = 1.0) -> Dict[str, Any]:
    """``odonata check SUITES --format json``: every row of the validation suites estimated and compared with
    its measurement, per-platform summaries, failures against the tolerances and the baseline, as a dict.
    Unlike the CLI, tolerance failures and unusable rows are data here (see the dict), not an exception."""
    return _json.loads(_odonata._check(_paths(suites), split, max_mape, max_error, max_energy_mape,
                                       None if baseline is None else _os.fspath(baseline), float(margin)))
