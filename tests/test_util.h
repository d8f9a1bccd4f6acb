// Helpers shared by the tests: inline ONNX text models, configurations, a temporary directory.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "odonata/errors.h"
#include "odonata/measurements.h"
#include "odonata/network.h"
#include "odonata/render.h"

namespace odonata::testing {

// A model around `body` with opset 13: `signature` is "(inputs) => (outputs)",
// `inits` the initializer list ("<float[4,3,3,3] w = {0.0}, ...>" or "").
inline std::string Model(const std::string& signature, const std::string& body, const std::string& inits = "",
                         int opset = 13) {
  return "<ir_version: 8, opset_import: [\"\" : " + std::to_string(opset) + "]>\ng " + signature + "\n" + inits +
         "\n{\n" + body + "\n}\n";
}

inline const Layer& Find(const Network& net, const std::string& op) {
  for (const Layer& l : net.layers) {
    if (l.op_type == op) return l;
  }
  throw std::runtime_error("no layer with op " + op);
}

// Multiplicative noise, uniform in [1 - r, 1 + r], from a seeded engine with our own mapping to
// [0, 1), so that the data is the same on every standard library (fit, host-CPU and roofline tests).
class Noise {
 public:
  Noise(double r, std::uint64_t seed) : r_(r), rng_(seed) {}
  double operator()() {
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    return 1.0 + r_ * (2.0 * u - 1.0);
  }

 private:
  double r_;
  std::mt19937_64 rng_;
};

// A 3x3 convolution sweep configuration (fit and warm-fit tests).
inline LayerConfig ConvConfig(std::int64_t in_c, std::int64_t out_c, std::int64_t h = 32) {
  LayerConfig c;
  c.op = "Conv";
  c.in_c = in_c;
  c.out_c = out_c;
  c.in_h = c.in_w = h;
  c.kernel_h = c.kernel_w = 3;
  return c;
}

// The message of the odonata::Error `f` throws, or "<no error>".
inline std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Every value's name parses back to the value; `bad` parses to nothing and
// leaves the output alone.
template <typename E>
void ExpectNamesParse(std::initializer_list<E> values, const char* (*name)(E), bool (*parse)(const std::string&, E*),
                      const std::string& bad) {
  for (E value : values) {
    E back = *values.begin() == value ? *(values.end() - 1) : *values.begin();
    EXPECT_TRUE(parse(name(value), &back)) << name(value);
    EXPECT_TRUE(back == value) << name(value);
  }
  E untouched = *values.begin();
  EXPECT_FALSE(parse(bad, &untouched)) << bad;
  EXPECT_TRUE(untouched == *values.begin());
}

// A single-layer configuration: square input `hw`, square kernel `k`, stride `s`.
inline LayerConfig Config(const std::string& op, std::int64_t in_c, std::int64_t hw, std::int64_t out_c,
                          std::int64_t k = 1, std::int64_t s = 1) {
  LayerConfig c;
  c.op = op;
  c.in_c = in_c;
  c.in_h = c.in_w = hw;
  c.out_c = out_c;
  c.kernel_h = c.kernel_w = k;
  c.stride_h = c.stride_w = s;
  return c;
}

// A report in every format, one after the other (byte-identity checks).
inline std::string AllFormats(const Report& r) {
  std::ostringstream out;
  RenderTable(r, out);
  RenderJson(r, out);
  RenderCsv(r, out);
  RenderHtml(r, out);
  return out.str();
}

// A fresh directory, odonata_NAME_PID under the system's temporary directory, removed with
// everything in it at the end of the scope.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("odonata_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace odonata::testing
