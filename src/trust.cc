#include "odonata/trust.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "json_reader.h"
#include "odonata/errors.h"
#include "text.h"

namespace odonata {

namespace {

using Json = nlohmann::json;

// The "key : value" fields of the first processor block.
std::string CpuField(const std::string& block, const std::string& key) {
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (text::Trim(std::string_view(line).substr(0, colon)) == key) {
      return std::string(text::Trim(std::string_view(line).substr(colon + 1)));
    }
  }
  return "";
}

std::optional<int> CpuInt(const std::string& block, const std::string& key) {
  const std::string v = CpuField(block, key);
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str()) return std::nullopt;
  return static_cast<int>(n);
}

std::vector<std::string> KernelFlagsIn(const std::set<std::string>& present) {
  std::vector<std::string> out;
  for (const std::string& f : KernelFlags()) {
    if (present.count(f)) out.push_back(f);
  }
  return out;
}

std::string StringOr(const Json& j, const char* key) {
  return j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string();
}

std::optional<int> IntOr(const Json& j, const char* key) {
  if (j.contains(key) && j.at(key).is_number_integer()) return j.at(key).get<int>();
  return std::nullopt;
}

std::int64_t CountOr(const Json& j, const char* key) {
  return j.contains(key) && j.at(key).is_number_integer() ? j.at(key).get<std::int64_t>() : 0;
}

std::set<std::string> FlagSet(const Json& j, const char* key) {
  std::set<std::string> out;
  if (j.contains(key) && j.at(key).is_array()) {
    for (const Json& f : j.at(key)) {
      if (f.is_string()) out.insert(f.get<std::string>());
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& KernelFlags() {
  static const std::vector<std::string> flags = {
      "sse4_1",      "sse4_2",     "avx",      "f16c",          "fma",      "avx2",     "avx512f",  "avx512dq",
      "avx512cd",    "avx512bw",   "avx512vl", "avx512_vnni",   "avx512_bf16", "avx512_fp16", "avx512vbmi",
      "avx_vnni",    "avx_vnni_int8", "amx_tile", "amx_bf16",   "amx_int8", "amx_fp16"};
  return flags;
}

HostMachine ParseCpuInfo(const std::string& cpuinfo_text) {
  HostMachine m;
  // Blocks are separated by blank lines; the first one describes CPU 0.
  std::vector<std::string> blocks;
  std::string block, line;
  std::istringstream in(cpuinfo_text);
  while (std::getline(in, line)) {
    if (text::IsBlank(line)) {
      if (!block.empty()) blocks.push_back(block);
      block.clear();
    } else {
      block += line + "\n";
    }
  }
  if (!block.empty()) blocks.push_back(block);
  if (blocks.empty()) return m;
  const std::string& first = blocks.front();
  m.vendor = CpuField(first, "vendor_id");
  m.family = CpuInt(first, "cpu family");
  m.model = CpuInt(first, "model");
  m.stepping = CpuInt(first, "stepping");
  m.model_name = CpuField(first, "model name");
  std::set<std::string> flags;
  std::istringstream words(CpuField(first, "flags"));
  for (std::string w; words >> w;) flags.insert(w);
  m.flags = KernelFlagsIn(flags);
  for (const std::string& b : blocks) {
    if (!CpuField(b, "processor").empty()) ++m.logical_cpus;
  }
  return m;
}

std::optional<HostMachine> CurrentMachine(const std::string& cpuinfo_path) {
  std::string path = cpuinfo_path;
  if (path.empty()) {
    const char* env = std::getenv("ODONATA_CPUINFO");
    path = env != nullptr && *env != '\0' ? env : "/proc/cpuinfo";
  }
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  HostMachine m = ParseCpuInfo(text.str());
  if (m.vendor.empty() && m.model_name.empty()) return std::nullopt;
  m.source = path;
  return m;
}

HostMachine MachineFromProvenance(const std::string& machine_json_text, const std::string& origin) {
  const Json doc = json::ParseStrict(machine_json_text, origin);
  if (!doc.is_object()) throw Error(origin + ": expected a JSON object (a FILE.machine.json of tools/ort/run.js)");
  HostMachine m;
  if (doc.contains("identity") && doc.at("identity").is_object()) {
    const Json& id = doc.at("identity");
    m.vendor = StringOr(id, "cpu_vendor");
    m.family = IntOr(id, "cpu_family");
    m.model = IntOr(id, "cpu_model");
    m.stepping = IntOr(id, "cpu_stepping");
    m.model_name = StringOr(id, "cpu_model_name");
    m.flags = KernelFlagsIn(FlagSet(id, "cpu_flags"));
    m.logical_cpus = CountOr(id, "logical_cpus");
    m.threads = CountOr(id, "threads");
    m.runtime = StringOr(id, "onnxruntime");
    m.os = StringOr(id, "os");
    m.source = origin + " (identity)";
    return m;
  }
  // Before run.js recorded `identity`: the model name, and only the flags
  // starting with avx, fma or amx.
  m.model_name = StringOr(doc, "cpu_model");
  if (m.model_name.find("Intel") != std::string::npos) m.vendor = "GenuineIntel";
  if (m.model_name.find("AMD") != std::string::npos) m.vendor = "AuthenticAMD";
  m.flags = KernelFlagsIn(FlagSet(doc, "cpu_flags"));
  for (const std::string& f : KernelFlags()) {
    if (f.rfind("avx", 0) == 0 || f.rfind("fma", 0) == 0 || f.rfind("amx", 0) == 0) m.flags_checked.push_back(f);
  }
  m.logical_cpus = CountOr(doc, "logical_cpus");
  m.threads = CountOr(doc, "threads");
  const std::string ort = StringOr(doc, "onnxruntime_node");
  if (!ort.empty()) m.runtime = "onnxruntime-node " + ort + " CPU";
  m.os = StringOr(doc, "os");
  m.source = origin +
             " (cpu_model, cpu_flags, logical_cpus, threads; no `identity` recorded: family and model unknown, "
             "vendor from the model name, flags other than avx*, fma*, amx* not recorded)";
  return m;
}

std::string DescribeMachine(const HostMachine& m) {
  std::string out = m.vendor.empty() ? "unknown vendor" : m.vendor;
  if (m.family) out += " family " + std::to_string(*m.family);
  if (m.model) out += " model " + std::to_string(*m.model);
  if (!m.model_name.empty()) out += " \"" + m.model_name + "\"";
  std::string flags;
  for (const std::string& f : m.flags) flags += (flags.empty() ? "" : " ") + f;
  out += " [" + flags + "]";
  return out;
}

std::optional<std::string> MachineMismatch(const std::string& platform_name, const HostMachine& profile,
                                           const HostMachine& here) {
  std::vector<std::string> differ;
  if (!profile.vendor.empty() && !here.vendor.empty() && profile.vendor != here.vendor) differ.push_back("vendor");
  if (profile.family && here.family && *profile.family != *here.family) differ.push_back("family");
  if (profile.model && here.model && *profile.model != *here.model) differ.push_back("model");
  if (!profile.model_name.empty() && !here.model_name.empty() && profile.model_name != here.model_name) {
    differ.push_back("model name");
  }
  const std::vector<std::string>& checked = profile.flags_checked.empty() ? KernelFlags() : profile.flags_checked;
  const std::set<std::string> a(profile.flags.begin(), profile.flags.end());
  const std::set<std::string> b(here.flags.begin(), here.flags.end());
  std::vector<std::string> only_profile, only_here;
  for (const std::string& f : checked) {
    if (a.count(f) && !b.count(f)) only_profile.push_back(f);
    if (!a.count(f) && b.count(f)) only_here.push_back(f);
  }
  if (!only_profile.empty() || !only_here.empty()) differ.push_back("flags");
  if (differ.empty()) return std::nullopt;
  std::string what;
  for (const std::string& d : differ) what += (what.empty() ? "" : ", ") + d;
  std::string here_text = here.vendor.empty() ? "unknown vendor" : here.vendor;
  if (here.family) here_text += " family " + std::to_string(*here.family);
  if (here.model) here_text += " model " + std::to_string(*here.model);
  if (!here.model_name.empty()) here_text += " \"" + here.model_name + "\"";
  std::string flag_text;
  if (!only_profile.empty()) {
    flag_text += "; lacks";
    for (const std::string& f : only_profile) flag_text += " " + f;
  }
  return "platform '" + platform_name + "' was measured on another CPU (" + what + " differ: profile " +
         (profile.vendor.empty() ? std::string("unknown vendor") : profile.vendor) +
         (profile.model_name.empty() ? "" : " \"" + profile.model_name + "\"") + ", this machine " + here_text +
         flag_text + "); its estimates describe that machine, recalibrate with tools/ort/calibrate.sh";
}

RatioInterval ConformalInterval(std::vector<double> ratios, double level, const std::string& method,
                                const std::string& source) {
  if (ratios.empty()) throw Error("interval: no residuals to compute it from");
  if (!(level > 0 && level < 1)) throw Error("interval: level must be in (0, 1)");
  for (double r : ratios) {
    if (!(r > 0) || !std::isfinite(r)) throw Error("interval: a ratio measured/estimated is not > 0");
  }
  std::sort(ratios.begin(), ratios.end());
  const auto n = static_cast<double>(ratios.size());
  // 1-based ranks of the lower and upper quantiles; the small epsilon keeps
  // (n+1)(1-level)/2 == 1 exact despite binary fractions.
  double lo_rank = std::floor((n + 1) * (1 - level) / 2 + 1e-9);
  double hi_rank = std::ceil((n + 1) * (1 + level) / 2 - 1e-9);
  lo_rank = std::clamp(lo_rank, 1.0, n);
  hi_rank = std::clamp(hi_rank, 1.0, n);
  RatioInterval iv;
  iv.level = level;
  iv.low = ratios[static_cast<std::size_t>(lo_rank) - 1];
  iv.high = ratios[static_cast<std::size_t>(hi_rank) - 1];
  iv.rows = static_cast<std::int64_t>(ratios.size());
  iv.method = method;
  iv.source = source;
  return iv;
}

int TrustDecimalPlace(double value, double rel_error) {
  const double v = std::fabs(value);
  if (!(v > 0) || !std::isfinite(v)) return 0;
  const int value_place = static_cast<int>(std::floor(std::log10(v)));
  const double err = rel_error * v;
  if (!(err > 0) || !std::isfinite(err)) return value_place - 14;
  const int err_place = static_cast<int>(std::floor(std::log10(err)));
  return std::min(err_place, value_place);
}

std::string RoundToPlace(double value, int place) {
  const double unit = std::pow(10.0, place);
  const double rounded = std::round(value / unit) * unit;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", place >= 0 ? 0 : -place, rounded);
  std::string s = buf;
  if (s == "-0" || s.rfind("-0.", 0) == 0) {
    if (s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  }
  return s;
}

std::string RoundToError(double value, double rel_error) {
  return RoundToPlace(value, TrustDecimalPlace(value, rel_error));
}

}  // namespace odonata
