# Shared by the test scripts that run tools/ort with ONNX Runtime for node (run_nms_test.sh,
# value_sizes_test.sh, nms_compares_test.sh, ...): exit 77 (ctest: skipped) with one line naming what is missing.
#
#   . "$(dirname "$0")/ort_lib.sh"
#   skip_without_onnxruntime_node TEST_NAME SOURCE_DIR
skip_without_onnxruntime_node() {
  if ! command -v node >/dev/null; then
    echo "$1: SKIPPED: node not installed"
    exit 77
  fi
  if ! (cd "$2/tools/ort" && node -e "require('onnxruntime-node')" >/dev/null 2>&1); then
    echo "$1: SKIPPED: onnxruntime-node not installed in tools/ort (ONNXRUNTIME_NODE_INSTALL=skip npm ci)"
    exit 77
  fi
}

# Exit 77 (skipped) without Debian's python3-onnx (the scripts that write their models in Python).
#   skip_without_python_onnx TEST_NAME
skip_without_python_onnx() {
  if ! /usr/bin/python3 -c "import onnx" 2>/dev/null; then
    echo "$1: SKIPPED: python3-onnx not installed"
    exit 77
  fi
}

# A fresh WORK_DIR, failures=0 and fail MESSAGE..., which prints "TEST_NAME: FAIL: MESSAGE" and counts.
#   start_checks TEST_NAME WORK_DIR
start_checks() {
  ort_test_name=$1
  rm -rf "$2"
  mkdir -p "$2"
  failures=0
}
fail() {
  echo "$ort_test_name: FAIL: $*"
  failures=$((failures + 1))
}
