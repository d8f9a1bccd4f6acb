"""The Python package odonata, built by scikit-build (python3-skbuild): CMake builds the library and
python/ (the module odonata._odonata) and installs the module and the platform profiles into the
package (python/CMakeLists.txt). See pyproject.toml and README "Python"."""
import re
from pathlib import Path

from skbuild import setup

HERE = Path(__file__).resolve().parent
VERSION = re.search(r"project\(odonata VERSION ([0-9.]+)", (HERE / "CMakeLists.txt").read_text()).group(1)

cmake_args = ["-DODONATA_TESTS=OFF", "-DODONATA_PYTHON=ON", "-DODONATA_BENCHMARKS=OFF"]
try:  # pybind11's CMake package: Debian's is found anyway; a pip-installed one needs pointing at
    import pybind11

    cmake_args.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
except ImportError:
    pass

setup(
    name="odonata",
    version=VERSION,
    description="Latency and energy of neural networks (ONNX) on edge platforms",
    long_description=(HERE / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0],
    long_description_content_type="text/markdown",
    license="See the repository",
    packages=["odonata"],
    package_dir={"": "python"},
    package_data={"odonata": ["py.typed", "_odonata.pyi"]},
    cmake_args=cmake_args,
    cmake_install_dir="python",
    python_requires=">=3.8",
)
