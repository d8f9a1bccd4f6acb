#!/usr/bin/env bash
# README "Python": `python3 -m venv --system-site-packages V && V/bin/pip install --no-build-isolation .`
# from a clean copy of the tree (the files git tracks, plus new ones it does not ignore), offline
# (PIP_NO_INDEX), then the installed package, with the copy deleted, estimates a shipped model on a
# profile found by name (installed with the package) and agrees with the CLI. Usage:
#   pip_install_test.sh SOURCE_DIR WORK_DIR PYTHON CLI
set -euo pipefail
SRC=$(realpath "$1") WORK=$(realpath -m "$2") PYTHON=$3 CLI=$(realpath "$4")
fail() { echo "pip_install_test: FAIL: $*" >&2; exit 1; }
rm -rf "$WORK/src" "$WORK/venv"
mkdir -p "$WORK/src"
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done | xargs -0 cp --parents -t "$WORK/src")
else
  (cd "$SRC" && tar --exclude='./build*' --exclude=./_skbuild -cf - .) | tar -C "$WORK/src" -xf -
fi

"$PYTHON" -m venv --system-site-packages "$WORK/venv"
# Offline; two build jobs; ccache when there is one (the copy's path is stable between runs).
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 CMAKE_BUILD_PARALLEL_LEVEL=2
if command -v ccache >/dev/null; then export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$WORK/src; fi
(cd "$WORK/src" && "$WORK/venv/bin/pip" install --no-build-isolation . >"$WORK/pip.log" 2>&1) ||
  { tail -40 "$WORK/pip.log"; fail "pip install"; }
rm -rf "$WORK/src"  # the installed package must not need the tree

MODEL=$SRC/models/mobilenet_v3_large.onnx
expected=$("$CLI" estimate "$MODEL" --platform jetson-tx2:maxq --format json)
cd "$WORK"
ODONATA_PLATFORMS= EXPECTED=$expected MODEL=$MODEL "$WORK/venv/bin/python" - <<'PY' || fail "the installed package"
import json, os, pathlib
import odonata
here = pathlib.Path(odonata.__file__).parent
assert str(here).startswith(os.path.realpath(os.environ["PWD"])) or "venv" in str(here), here
names = [p.name for p in odonata.platforms()]
assert "jetson-tx2" in names and all(str(here) in p.path for p in odonata.platforms()), odonata.search_path()
report = odonata.estimate(os.environ["MODEL"], "jetson-tx2:maxq")
expected = json.loads(os.environ["EXPECTED"])
got = report.to_dict()
# Same numbers to the last bit; only the profile's path differs (the package's copy).
assert report.total_ms == expected["total_ms"] and report.energy_mj == expected["energy_mj"], (got, expected)
got.pop("platform_path"); expected.pop("platform_path")
assert got == expected
print(f"installed odonata {odonata.__version__} at {here}: {report!r}")
PY
echo "pip_install_test: ok"
