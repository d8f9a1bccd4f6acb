// How far to trust an estimate (src/trust.cc): a profile's validated error
// (`validation`), its 90% intervals (`interval`, per profile and per op
// class) and, for host profiles, the machine they were measured on
// (`machine`). Profile schema: docs/platform-profile.md "Trust"; how reports
// show it: docs/report-format.md "Trust".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace odonata {

// A prediction interval written as ratios measured / estimated: an estimate
// e stands for [e x low, e x high] at coverage `level`. Profile key
// `interval` (whole networks, from calibration rows) and
// `classes.<class>.interval` (per layer, from a fit's cross-validated
// residuals); written by tools, never by hand.
struct RatioInterval {
  double level = 0.9;     // nominal coverage, (0, 1)
  double low = 1;         // > 0
  double high = 1;        // >= low
  std::int64_t rows = 0;  // residuals it was computed from, >= 1
  std::string method;     // e.g. "split-conformal, log(measured/estimated)"
  std::string source;     // the rows and the tool

  bool operator==(const RatioInterval&) const = default;
};

// Profile key `validation`: the whole-network latency error of the profile on
// the validation rows of its suite (data/validation/<name>.csv), written by
// `odonata check --write-validation`. Never typed by hand.
struct Validation {
  double mape = 0;                 // %, mean |estimated - measured| / measured
  std::int64_t networks = 0;       // validation rows (networks x modes), >= 1
  double within10 = 0;             // % of them within +/-10%
  double max_abs_error = 0;        // %
  std::optional<double> coverage;  // % of them inside the estimate's interval (absent: no interval)
  std::string suite;               // the suite file(s)
  std::string measured;            // what was measured where ("model_run median, 1 thread; Intel Xeon ...")
  std::string date;                // YYYY-MM-DD the check ran
  std::string source;              // the tool and its version

  bool operator==(const Validation&) const = default;
};

// The CPU a host profile was measured on (profile key `machine`; schema
// odonata-host-identity/1 of tools/ort/run.js's FILE.machine.json). Unknown
// numbers are absent, unknown text empty.
struct HostMachine {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD"
  std::optional<int> family;
  std::optional<int> model;
  std::optional<int> stepping;
  std::string model_name;          // "AMD EPYC"
  std::vector<std::string> flags;  // the KernelFlags() present, in that order
  // The flags that were looked for (absent from `flags`: not present); empty
  // means KernelFlags(). Older measurements recorded only some.
  std::vector<std::string> flags_checked;
  std::int64_t logical_cpus = 0;  // 0: unknown
  std::int64_t threads = 0;       // intra-op threads measured with; 0: unknown
  std::string runtime;            // "onnxruntime-node 1.30.0 CPU"
  std::string os;
  std::string source;  // the file(s) it was read from, and how

  bool operator==(const HostMachine&) const = default;
};

// The CPU flags that select ONNX Runtime's MLAS kernels (avx2/fma, avx512*,
// vnni, amx, fp16/bf16), as tools/ort/run.js's kKernelFlags without
// "hypervisor".
const std::vector<std::string>& KernelFlags();

// The machine described by a /proc/cpuinfo text (first processor block;
// logical CPUs = number of processor blocks). threads and runtime stay unset.
HostMachine ParseCpuInfo(const std::string& cpuinfo_text);
// The machine odonata runs on: `cpuinfo_path`, else $ODONATA_CPUINFO, else
// /proc/cpuinfo. nullopt when it cannot be read (not Linux): no warning then.
std::optional<HostMachine> CurrentMachine(const std::string& cpuinfo_path = "");
// The machine of a measurement's FILE.machine.json (tools/ort/run.js): its
// `identity` object when present, else the older top-level cpu_model /
// cpu_flags (avx*, fma*, amx* only) / logical_cpus / threads /
// onnxruntime_node / os. Errors name `origin`.
HostMachine MachineFromProvenance(const std::string& machine_json_text, const std::string& origin);

// One line when `here` is not the CPU `profile` was measured on (vendor,
// family, model, model name, or a kernel flag both looked for differ), else
// nullopt. Unknown fields are not compared.
std::optional<std::string> MachineMismatch(const std::string& platform_name, const HostMachine& profile,
                                           const HostMachine& here);
// "GenuineIntel family 6 model 143 "Intel Xeon" [avx2 avx512f ...]".
std::string DescribeMachine(const HostMachine& machine);

// Split-conformal interval at `level` from residual ratios measured /
// estimated (each > 0), on log ratios: with n sorted values r(1..n), low =
// r(floor((n+1)(1-level)/2)) and high = r(ceil((n+1)(1+level)/2)), ranks
// clamped to [1, n] (with fewer than 2/(1-level) - 1 rows, 19 at 90%, the
// interval is the range of the rows and its coverage below nominal).
// Throws Error when `ratios` is empty or holds a value <= 0.
RatioInterval ConformalInterval(std::vector<double> ratios, double level, const std::string& method,
                                const std::string& source);

// The decimal place (power of ten) a value with relative error `rel_error`
// (e.g. 0.27 for a MAPE of 27%) is rounded to: that of the first significant
// digit of rel_error x |value|, but never coarser than the first significant
// digit of the value itself. Rule: docs/report-format.md "Trust".
int TrustDecimalPlace(double value, double rel_error);
// `value` rounded to that place as text: (12.3456, 0.27) -> "12",
// (12.3456, 0.05) -> "12.3", (1626.04, 0.27) -> "1600", (0.0123, 0.05) -> "0.0123".
std::string RoundToError(double value, double rel_error);
// `value` rounded to decimal place `place` as text (no exponent).
std::string RoundToPlace(double value, int place);

}  // namespace odonata
