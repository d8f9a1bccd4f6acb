#!/usr/bin/env bash
# The installed C++ library: `cmake --install` into a fresh prefix, then the consumer project
# (examples/cpp-consumer, the README's C++ example) built against it with find_package(odonata) and,
# the same source, with pkg-config; both must print the CLI's totals. Usage:
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER
set -euo pipefail
BUILD=$(realpath "$1") SRC=$(realpath "$2") WORK=$(realpath -m "$3") CXX=$4
rm -rf "$WORK"
mkdir -p "$WORK"
PREFIX=$WORK/prefix
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log"
for f in include/odonata/estimate.h include/odonata/render.h bin/odonata share/odonata/platforms/ncs2.json; do
  [[ -e $PREFIX/$f ]] || fail "$f not installed"
done
LIB=$(find "$PREFIX" -name libodonata.a | head -1)
[[ -n $LIB ]] || fail "libodonata.a not installed"
CONFIG=$(find "$PREFIX" -name odonataConfig.cmake | head -1)
PC=$(find "$PREFIX" -name odonata.pc | head -1)
[[ -n $CONFIG && -n $PC ]] || fail "no CMake package or odonata.pc"
# Internal headers and build flags stay private.
[[ -z $(find "$PREFIX/include" -type f ! -path '*/odonata/*.h') ]] || fail "files besides include/odonata/*.h"
! grep -q -- '-Wall\|-Wextra\|odonata_warnings\|nlohmann\|Eigen' "$(dirname "$CONFIG")"/odonataTargets*.cmake ||
  fail "warnings or header-only build dependencies leak into the exported target"

# The README's C++ example is this consumer, verbatim.
/usr/bin/python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' \
  "$SRC/examples/cpp-consumer/main.cc" "$SRC/README.md" || fail "README.md does not hold examples/cpp-consumer/main.cc verbatim"

MODEL=$SRC/models/resnet50.onnx
expected=$("$PREFIX/bin/odonata" estimate "$MODEL" --platform jetson-nano --format json |
  /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print("%s on %s (%s): %.17g ms, %.17g mJ" % (r["model"], r["platform"], r["precision"], r["total_ms"], r["energy_mj"]))')

# CMake: find_package(odonata CONFIG), target odonata::odonata.
cmake -S "$SRC/examples/cpp-consumer" -B "$WORK/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=Release >"$WORK/configure.log" || { cat "$WORK/configure.log"; fail "configure"; }
cmake --build "$WORK/cmake-build" >"$WORK/build.log" || { cat "$WORK/build.log"; fail "build"; }
out=$(ODONATA_PLATFORMS=$PREFIX/share/odonata/platforms "$WORK/cmake-build/consumer" "$MODEL" jetson-nano)
[[ $out == "$expected" ]] || fail "cmake consumer printed '$out', expected '$expected'"
echo "cmake consumer: $out"

# pkg-config, the same source.
flags=$(PKG_CONFIG_PATH=$(dirname "$PC") pkg-config --cflags --libs odonata)
"$CXX" -std=c++20 "$SRC/examples/cpp-consumer/main.cc" $flags -o "$WORK/consumer-pc" || fail "pkg-config build"
out=$(ODONATA_PLATFORMS=$PREFIX/share/odonata/platforms "$WORK/consumer-pc" "$MODEL" jetson-nano)
[[ $out == "$expected" ]] || fail "pkg-config consumer printed '$out', expected '$expected'"
echo "pkg-config consumer: $out"

# Errors come through as odonata::Error.
if ODONATA_PLATFORMS=$PREFIX/share/odonata/platforms "$WORK/cmake-build/consumer" "$MODEL" jetson-nan 2>"$WORK/err"; then
  fail "an unknown platform did not fail"
fi
grep -q "did you mean 'jetson-nano'" "$WORK/err" || fail "error message: $(cat "$WORK/err")"
echo "install_test: ok"
