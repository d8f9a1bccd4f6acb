// The iCAS-Lab Jetson Nano synthetic CNNs, rebuilt from their names
// (odonata/generators.h). The rules follow the data set's generators
// (iCAS-Lab/NAS-Performance-Modeling@0adb0ec model_generation/big_conv_model.py,
// depthwise_sep_model.py, mixed_kernel_conv_model.py): Conv2d(stride 1, bias),
// ReLU, x.view(1, -1), Linear(-> 10), exported by torch.onnx.export.
#include <cstdint>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/generators.h"
#include "odonata/onnx.h"

namespace odonata {
namespace {

constexpr const char* kIcasPrefix = "icas:";

struct ConvSpec {
  std::int64_t in_c, out_c, kernel, pad, groups;
  bool relu;
};

struct IcasSpec {
  std::int64_t width = 0;
  std::vector<ConvSpec> convs;
  std::int64_t out_c = 0;
};

std::int64_t ToInt(const std::string& s) { return std::stoll(s); }

IcasSpec Describe(const std::string& name) {
  static const std::regex plain(R"(convnet_L(\d+)_F(\d+)_K(\d+)x(\d+)_W(\d+)(_DWS)?)");
  static const std::regex mixed(R"(convnet_L(\d+)_F(\d+)_K(\d+)x(\d+)_(\d+)_K(\d+)x(\d+)_(\d+)_W(\d+))");
  const std::string origin = std::string(kIcasPrefix).append(name);
  std::smatch m;
  IcasSpec spec;
  std::vector<std::int64_t> kernels;
  std::int64_t layers = 0, filters = 0;
  bool dws = false, mixed_kernels = false;
  if (std::regex_match(name, m, plain)) {
    layers = ToInt(m[1]);
    filters = ToInt(m[2]);
    if (m[3] != m[4]) throw Error(origin + ": kernels are square (K" + m[3].str() + "x" + m[4].str() + ")");
    kernels.assign(static_cast<std::size_t>(std::min<std::int64_t>(layers, 1000)), ToInt(m[3]));
    spec.width = ToInt(m[5]);
    dws = m[6].matched;
  } else if (std::regex_match(name, m, mixed)) {
    layers = ToInt(m[1]);
    filters = ToInt(m[2]);
    if (m[3] != m[4] || m[6] != m[7]) throw Error(origin + ": kernels are square");
    const std::int64_t a = ToInt(m[3]), b = ToInt(m[6]);
    if (ToInt(m[5]) != (layers + 1) / 2 || ToInt(m[8]) != layers / 2) {
      throw Error(origin + ": kernel counts " + m[5].str() + " and " + m[8].str() + " do not alternate over " +
                  std::to_string(layers) + " layers");
    }
    for (std::int64_t i = 0; i < layers && i < 1000; ++i) kernels.push_back(i % 2 == 0 ? a : b);
    spec.width = ToInt(m[9]);
    mixed_kernels = true;
  } else {
    throw Error(origin + ": not an iCAS network name (convnet_L{L}_F{F}_K{k}x{k}_W{W}[_DWS] or "
                         "convnet_L{L}_F{F}_K{a}x{a}_{n}_K{b}x{b}_{m}_W{W})");
  }
  if (layers < 1 || layers > 100 || filters < 1 || filters > 65536 || spec.width < 1 || spec.width > 100000) {
    throw Error(origin + ": L must be 1-100, F 1-65536 and W 1-100000");
  }
  std::int64_t pad = 2, size = spec.width, in_c = 3;
  for (const std::int64_t k : kernels) {
    if (k < 1 || k > 64) throw Error(origin + ": kernel " + std::to_string(k) + " is not 1-64");
    if (dws) {
      pad = k == 3 ? 1 : 2;  // depthwise_sep_model.py: padding=1 only for (3, 3), and it sticks
      spec.convs.push_back({in_c, in_c, k, pad, in_c, false});
      spec.convs.push_back({in_c, filters, 1, 0, 1, true});
    } else {
      if (mixed_kernels ? k % 2 == 1 : (k == 1 || k == 3)) pad = 1;  // sticky once set
      spec.convs.push_back({in_c, filters, k, pad, 1, true});
    }
    size = size - k + 2 * pad + 1;
    if (size < 1) throw Error(origin + ": the feature map shrinks below 1x1 at a " + std::to_string(k) + "x" +
                              std::to_string(k) + " layer");
    in_c = filters;
  }
  spec.out_c = filters;
  return spec;
}

}  // namespace

bool IsGeneratorDescription(const std::string& text) { return text.rfind(kIcasPrefix, 0) == 0; }

std::string IcasOnnxText(const std::string& name) {
  const IcasSpec spec = Describe(name);
  std::ostringstream inits, body;
  std::string x = "input";
  std::int64_t size = spec.width;
  for (std::size_t i = 0; i < spec.convs.size(); ++i) {
    const ConvSpec& c = spec.convs[i];
    const std::string w = std::string("w").append(std::to_string(i)), b = std::string("b").append(std::to_string(i));
    inits << (i ? ", " : "") << "float[" << c.out_c << "," << c.in_c / c.groups << "," << c.kernel << "," << c.kernel
          << "] " << w << " = {0.0}, float[" << c.out_c << "] " << b << " = {0.0}";
    const std::string y = "conv" + std::to_string(i);
    body << "  " << y << " = Conv<dilations=[1,1], group=" << c.groups << ", kernel_shape=[" << c.kernel << ","
         << c.kernel << "], pads=[" << c.pad << "," << c.pad << "," << c.pad << "," << c.pad
         << "], strides=[1,1]>(" << x << ", " << w << ", " << b << ")\n";
    x = y;
    if (c.relu) {
      body << "  relu" << i << " = Relu(" << x << ")\n";
      x = "relu" + std::to_string(i);
    }
    size = size - c.kernel + 2 * c.pad + 1;
  }
  const std::int64_t flat = spec.out_c * size * size;
  inits << ", int64[2] flat_shape = {1, -1}, float[10," << flat << "] fc_w = {0.0}, float[10] fc_b = {0.0}";
  body << "  flat = Reshape(" << x << ", flat_shape)\n";
  body << "  output = Gemm<alpha=1.0, beta=1.0, transB=1>(flat, fc_w, fc_b)\n";
  std::ostringstream text;
  text << "<ir_version: 8, opset_import: [\"\" : 13]>\n"
       << "icas (float[1,3," << spec.width << "," << spec.width << "] input) => (float[1,10] output)\n<"
       << inits.str() << ">\n{\n"
       << body.str() << "}\n";
  return text.str();
}

Network GenerateNetwork(const std::string& description) {
  if (!IsGeneratorDescription(description)) {
    throw Error(description + ": not a generator description (known: icas:<name>)");
  }
  const std::string name = description.substr(std::string(kIcasPrefix).size());
  Network net = ParseOnnxText(IcasOnnxText(name), {}, description);
  net.name = name;
  net.source = description;
  return net;
}

}  // namespace odonata
