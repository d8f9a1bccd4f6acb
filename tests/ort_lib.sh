# Shared by the test scripts that run tools/ort with ONNX Runtime for node (run_nms_test.sh,
# value_sizes_test.sh): exit 77 (ctest: skipped) with one line naming what is missing.
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
