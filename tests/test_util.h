// Helpers shared by the tests: inline ONNX text models.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "odonata/errors.h"
#include "odonata/network.h"

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

// The message of the odonata::Error `f` throws, or "<no error>".
inline std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace odonata::testing
