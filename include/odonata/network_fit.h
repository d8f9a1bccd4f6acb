// Fitting per-class latency and power models from whole-network measurements
// (src/fit/network_fit.cc): each measured network is the known sum of its
// fused layers plus an overhead, so the class models' coefficients are the
// solution of one least-squares problem over all networks (and, optionally,
// single-layer sweep rows). Pure and deterministic.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "odonata/layer.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/platform.h"

namespace odonata {

// One measured network: a row of a network measurement CSV. Columns:
//   model        path of an ONNX model or ANNETTE graph (relative to the CSV's
//                directory), or a generator description ("icas:NAME", generators.h)
//   precision    fp32 | fp16 | int8
//   latency_ms   the measured time of one inference, ms
// Optional:
//   overhead     the name of the row's overhead group (default ""): rows of one
//                group share one fitted per-inference overhead, ms (a source's
//                transfer or Python-loop cost); the group named by
//                NetworkFitOptions::platform_overhead becomes the profile's overhead_ms
//   power_w      mean power while measured (W), energy_mj energy of one inference
//                (mJ); with only power, energy = power_w x latency_ms
// Any other column is kept in `extra` (e.g. `name`, `split`, `source`).
struct NetworkMeasurement {
  std::string model;  // as written in the file
  std::string path;   // resolved against the file's directory (generator descriptions as is)
  Precision precision = Precision::kFp32;
  double latency_ms = 0;
  std::string overhead;
  std::optional<double> power_w, energy_mj;
  std::string origin;  // "file.csv:12"
  std::vector<std::pair<std::string, std::string>> extra;

  // energy_mj, else power_w x latency_ms, else nullopt.
  std::optional<double> EnergyMj() const;
};

// True when the CSV header at `path` has a `model` column and no `op` column
// (a network measurement file rather than a single-layer one).
bool IsNetworkMeasurementFile(const std::string& path);
// Parse a network measurement CSV. Errors name the file and line
// ("n.csv:4: latency_ms: 'x' is not a number"); missing columns, bad
// precisions and non-positive times are errors.
std::vector<NetworkMeasurement> ParseNetworkMeasurements(const std::string& text, const std::string& origin,
                                                         const std::string& directory = "");
std::vector<NetworkMeasurement> ReadNetworkMeasurements(const std::string& path);

// A measured network ready to fit: its fused layers on the base profile.
struct FitNetwork {
  NetworkMeasurement row;
  std::vector<Layer> layers;  // Fuse(network, base.fusion), free layers included
};
// Load (LoadModel, so generator descriptions too) and fuse every row's network
// with `fusion`; each model is loaded once. Errors name the row.
std::vector<FitNetwork> PrepareNetworks(const std::vector<NetworkMeasurement>& rows, const Fusion& fusion);

// The terms fitted per class: each a product of LayerDim factors (a constant
// when empty), as in FittedModel. Latency of a layer = sum of coef x term.
using TermShape = std::vector<FittedFactor>;
// Defaults: conv and gemm  1, macs, elems (output), in_c*in_h*in_w (input), in_c*out_c*kernel (weights);
//           dwconv         1, macs, elems, out_c*kernel (weights);
//           other classes  1, elems.
std::vector<TermShape> DefaultNetworkTerms(OpClass c);

// How fitted power is modelled (NetworkFitOptions::power_form). Energy of a
// fitted layer of time t (ms) at power W is W x t (mJ); the overhead's is idle_w x overhead.
//   kClass       one power per fitted class (written to the profile as active_w)
//   kKernel      one power per fitted class and value of its --split-by size
//   kThroughput  per class p0 x t + p1 x min(t, 2 x MACs / peak): active power
//                p0 + p1 x min(1, achieved ops/s / the base's peak_gops)
//   kBytes       one power per class + one energy per byte moved (input +
//                output + weight bytes at the precision), pJ/byte
// Only kClass fits the profile format; the others are reported (power_terms).
enum class PowerForm { kClass, kKernel, kThroughput, kBytes };
// "class", "kernel", "throughput", "bytes"; false when unknown.
bool ParsePowerForm(const std::string& name, PowerForm* form);

struct NetworkFitOptions {
  // Classes to fit (absent: every class with a non-free layer in at least
  // min_networks networks of a precision); their terms (absent: DefaultNetworkTerms).
  std::optional<std::vector<OpClass>> classes;
  std::map<OpClass, std::vector<TermShape>> terms;
  // Classes whose terms get one coefficient per distinct value of a size
  // (LayerDim name, e.g. "kernel"): every value seen (v_1 < v_2 < ... with
  // v_j > 1 for j > 1) gets its own non-negative cost, written back as
  // step factors (network_fit.cc). Values outside the fitted ones extrapolate.
  std::map<OpClass, std::string> split;
  std::int64_t min_networks = 4;
  // The overhead group written as the profile's overhead_ms ("" by default).
  std::string platform_overhead;
  // Relative weighting: each row's residual is divided by its measurement, so
  // the fit minimises squared relative error (what MAPE measures).
  bool relative = true;
  // Non-negative coefficients (NNLS). false: ordinary least squares, for term
  // sets that need signed combinations (e.g. a per-kernel cost spelled as
  // macs x floor((kernel-1)/s) for several s); the step_linear estimator
  // clamps a negative layer time to 0.
  bool nonnegative = true;
  // Fit power too (rows with power or energy): per fitted class active_w and
  // the overhead's idle_w, by non-negative least squares on energy.
  bool power = true;
  PowerForm power_form = PowerForm::kClass;
  // Rows only predicted, not fitted: network rows whose extra column
  // `holdout->first` equals `holdout->second` (a held-out part, e.g. an
  // extrapolation split inside calibration rows). Their latency and energy
  // MAPE are reported apart (held_out_*). A held-out layer whose split size
  // no fitted row has is an error.
  std::optional<std::pair<std::string, std::string>> holdout;
};

struct NetworkFitRow {
  std::string origin, model;
  Precision precision = Precision::kFp32;
  double measured_ms = 0, predicted_ms = 0;
  std::optional<double> measured_mj, predicted_mj;
  bool layer_row = false;  // a single-layer sweep row
  bool held_out = false;   // NetworkFitOptions::holdout: predicted, not fitted
};

struct NetworkClassFit {
  OpClass op_class = OpClass::kUnknown;
  Precision precision = Precision::kFp32;
  std::int64_t layers = 0;    // fused layers of this class over the rows
  std::int64_t networks = 0;  // networks that have one
  std::vector<FittedTerm> terms;
  std::optional<double> active_w;  // fitted power, W
};

struct NetworkFitReport {
  Platform platform;  // base with the fitted class models (step_linear) and overhead
  std::vector<NetworkClassFit> classes;
  std::map<std::string, double> overhead_ms;  // per overhead group
  std::optional<double> idle_w;               // fitted power during the overhead, W
  std::vector<NetworkFitRow> rows;            // every row fitted, in input order (networks, then layer rows)
  double mape = 0;                            // % over fitted network rows
  double energy_mape = 0;                     // % over fitted network rows with energy
  std::int64_t energy_rows = 0;
  // Over the held-out rows (NetworkFitOptions::holdout): latency and energy MAPE, %.
  double held_out_mape = 0, held_out_energy_mape = 0;
  std::int64_t held_out_rows = 0, held_out_energy_rows = 0;
  // The fitted power coefficients of the power form, named ("conv kernel=9 W",
  // "conv dynamic W", "energy per byte pJ", "idle W"), in column order.
  std::vector<std::pair<std::string, double>> power_terms;
  PowerForm power_form = PowerForm::kClass;  // of power_terms
  std::vector<std::string> warnings;
};

// Solve the per-class coefficients (non-negative least squares, Lawson-Hanson,
// columns scaled to unit norm) over `networks` and the single-layer `layer_rows`
// (may be empty), per precision; classes that are not fitted keep the base's
// estimate, which is subtracted from the measurement. Writes step_linear class
// models (fallback: the base's estimator) with a source naming `provenance`.
// Throws Error when there is nothing to fit or a precision is not in the base.
NetworkFitReport FitNetworks(const std::vector<FitNetwork>& networks, const std::vector<Measurement>& layer_rows,
                             const Platform& base, const std::string& provenance,
                             const NetworkFitOptions& options = {});

// The rows' networks predicted with a fitted profile, per row (total ms, energy mJ),
// using overhead group `group_overhead[row.overhead]` in place of the profile's
// overhead where given: for checking held-out rows.
std::vector<NetworkFitRow> PredictNetworks(const std::vector<FitNetwork>& networks, const Platform& platform,
                                           const std::map<std::string, double>& group_overhead = {});

// Parse a term list as the CLI takes it: terms separated by ';', each "1" (a
// constant) or factors joined by '*', each a LayerDim name optionally followed
// by ":STEP" (floor((x-1)/STEP)): "1;macs;in_c*out_c*kernel;macs*kernel:8".
// Throws Error (usage) naming the bad term.
std::vector<TermShape> ParseTerms(const std::string& text);

// Per row: origin, model, precision, measured_ms, predicted_ms, error_pct,
// measured_mj, predicted_mj, energy_error_pct (empty where not known). CSV.
void WriteNetworkFitRows(const std::vector<NetworkFitRow>& rows, std::ostream& out);
// Text: per class and precision the fitted terms and power, the overheads,
// the MAPE of latency and energy.
void WriteNetworkFitSummary(const NetworkFitReport& report, std::ostream& out);

// `odonata fit` on network measurement files (and single-layer ones): read,
// prepare and fit, with provenance "measured: a.csv, b.csv, odonata VERSION".
NetworkFitReport FitNetworkFiles(const std::vector<std::string>& network_files,
                                 const std::vector<std::string>& layer_files, const Platform& base,
                                 const NetworkFitOptions& options = {}, const std::optional<std::string>& name = {});

}  // namespace odonata
