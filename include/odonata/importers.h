// Importers: real runtime reports and ANNETTE graphs into odonata's types.
// Each reads one file format; parsers record facts only (bloaty's rule), and
// matching runtime rows to layers is a separate step.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "odonata/measurements.h"
#include "odonata/network.h"

namespace odonata {

// One row of a runtime's per-layer report.
struct RuntimeLayerTime {
  std::string name;        // layer name as the runtime reports it (may join fused names with ',')
  std::string status;      // OpenVINO: EXECUTED, OPTIMIZED_OUT, NOT_RUN; others: "EXECUTED"
  std::string layer_type;  // runtime's layer type (OpenVINO layerType, ORT op_name)
  std::string exec_type;   // OpenVINO execType (MyriadXHwOp, Copy, ...); TensorRT: ""
  double ms = 0;           // average real time per inference
  std::string origin;      // "file:line" (JSON reports: "file: event N")
};

// The runtimes whose reports odonata reads.
enum class Runtime { kOpenVino, kOnnxRuntime, kTensorRt };
const char* RuntimeName(Runtime runtime);  // "openvino", "onnxruntime", "tensorrt"
bool ParseRuntime(const std::string& text, Runtime* out);
const std::vector<Runtime>& AllRuntimes();

struct RuntimeReport {
  std::string format;  // RuntimeName of the runtime: "openvino", "onnxruntime", "tensorrt"
  std::vector<RuntimeLayerTime> layers;
  double total_ms = 0;  // the report's total (OpenVINO "Total" row; ORT mean model_run; TensorRT sum)
  int runs = 0;         // inferences averaged (ORT model_run events, TensorRT "count")
};

// OpenVINO benchmark_app --report_type average_counters / detailed_counters CSV (';'-separated).
RuntimeReport ReadOpenVinoReport(const std::string& path);
// ONNX Runtime profiling JSON (array of trace events); node times averaged over runs.
RuntimeReport ReadOrtProfile(const std::string& path);
// TensorRT trtexec --exportProfile JSON.
RuntimeReport ReadTensorRtProfile(const std::string& path);
// The reader of `runtime`'s report format.
RuntimeReport ReadRuntimeReport(const std::string& path, Runtime runtime);

// ANNETTE graph JSON (NHWC shapes, batch -1) as a Network whose layer names are
// ANNETTE's (which match the OpenVINO report names of the same network).
Network LoadAnnetteGraph(const std::string& path);

// Measurements from a report and the network it was run on: each report row
// is matched to the network's layer(s) by name (for fused rows, by their
// comma-separated names); rows that are not EXECUTED or cannot be matched, and
// layers that do not describe a single-layer configuration, are listed in
// `unmatched` with the reason. Origins are the report's.
struct ImportResult {
  std::vector<Measurement> rows;
  std::vector<std::string> unmatched;
  // The entries of `unmatched` for rows the runtime did execute: time the
  // measurements miss. (Rows not executed, fused away or free, are expected.)
  std::vector<std::string> executed_unmatched;
  std::size_t report_rows = 0;        // rows of the report
  std::vector<std::string> warnings;  // the network's (ImportRuntimeReport)
};
ImportResult MatchReport(const RuntimeReport& report, const Network& network, Precision precision);

// `odonata import`: read the report (ReadRuntimeReport), load the network it
// was run on (LoadModel: ONNX or ANNETTE graph) and match them. Throws Error
// naming both files when no row matches (another network's report).
ImportResult ImportRuntimeReport(const std::string& report_path, Runtime runtime, const std::string& network_path,
                                 Precision precision);

// The single-layer configuration of a network layer, when it has one
// (Conv, depthwise Conv, Gemm/MatMul on 2-D, pools, element-wise, ...).
std::optional<LayerConfig> ConfigOf(const Layer& layer, Precision precision);

}  // namespace odonata
