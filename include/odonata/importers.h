// Importers: real runtime reports and ANNETTE graphs into odonata's types.
// Each reads one file format; parsers record facts only (bloaty's rule), and
// matching runtime rows to layers is a separate step.
#pragma once

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

struct RuntimeReport {
  std::string format;  // "openvino", "onnxruntime", "tensorrt"
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
};
ImportResult MatchReport(const RuntimeReport& report, const Network& network, Precision precision);

// The single-layer configuration of a network layer, when it has one
// (Conv, depthwise Conv, Gemm/MatMul on 2-D, pools, element-wise, ...).
std::optional<LayerConfig> ConfigOf(const Layer& layer, Precision precision);

}  // namespace odonata
