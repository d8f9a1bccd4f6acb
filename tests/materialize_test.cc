// odonata materialize: a weight-stripped model becomes a self-contained,
// runnable one with the same graph and every tensor's data inline.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/onnx.h"

namespace odonata {
namespace {

namespace fs = std::filesystem;

const std::string kRoot = ODONATA_SOURCE_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class Materialize : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("odonata_materialize_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(Materialize, Resnet18LoadsWithTheSameGraphAndCarriesItsWeights) {
  const std::string stripped = kRoot + "/models/resnet18.onnx";
  const std::string out = Path("resnet18.onnx");
  // 62 tensors of 1 KiB or more were moved to the missing resnet18.weights (models/README.md).
  EXPECT_EQ(MaterializeOnnx(stripped, out), 62);

  const Network a = LoadOnnx(stripped);
  const Network b = LoadOnnx(out);
  EXPECT_EQ(a.layers.size(), b.layers.size());
  EXPECT_EQ(a.Totals(), b.Totals());
  for (std::size_t i = 0; i < a.layers.size() && i < b.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].name, b.layers[i].name);
    EXPECT_EQ(a.layers[i].counts, b.layers[i].counts) << a.layers[i].name;
  }

  // Every float parameter is stored once, as 4 bytes: the file is params * 4
  // plus BN statistics (weight_elems) and the graph itself.
  const Counts totals = b.Totals();
  const auto size = static_cast<std::int64_t>(fs::file_size(out));
  EXPECT_GE(size, totals.params * 4);
  EXPECT_LE(size, totals.weight_elems * 4 + static_cast<std::int64_t>(fs::file_size(stripped)));

  // No reference to the external file is left, and nothing is missing any more.
  EXPECT_EQ(ReadFile(out).find("resnet18.weights"), std::string::npos);
  EXPECT_EQ(MaterializeOnnx(out, Path("again.onnx")), 0);
  EXPECT_EQ(ReadFile(out), ReadFile(Path("again.onnx")));
}

TEST_F(Materialize, SameSeedSameBytesOtherSeedOtherValues) {
  const std::string stripped = kRoot + "/models/squeezenet1_1.onnx";
  MaterializeOnnx(stripped, Path("a.onnx"), 7);
  MaterializeOnnx(stripped, Path("b.onnx"), 7);
  MaterializeOnnx(stripped, Path("c.onnx"), 8);
  const std::string a = ReadFile(Path("a.onnx"));
  EXPECT_EQ(a, ReadFile(Path("b.onnx")));
  const std::string c = ReadFile(Path("c.onnx"));
  EXPECT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);
}

TEST_F(Materialize, EveryShippedNetworkMaterializesToTheSameCounts) {
  for (const char* name : {"mobilenet_v3_large", "googlenet", "ssdlite320_mobilenet_v3_large"}) {
    const std::string stripped = kRoot + "/models/" + name + ".onnx";
    const std::string out = Path(std::string(name) + ".onnx");
    EXPECT_GT(MaterializeOnnx(stripped, out), 0) << name;
    EXPECT_EQ(LoadOnnx(stripped).Totals(), LoadOnnx(out).Totals()) << name;
  }
}

TEST_F(Materialize, ErrorsNameTheFileAndLeaveNothingBehind) {
  try {
    MaterializeOnnx(Path("missing.onnx"), Path("out.onnx"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.onnx: cannot open file"), std::string::npos) << e.what();
  }
  { std::ofstream(Path("text.onnx")) << "not a model"; }
  try {
    MaterializeOnnx(Path("text.onnx"), Path("out.onnx"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text.onnx: not a valid ONNX model"), std::string::npos) << e.what();
  }
  const std::string nowhere = Path("no/such/dir/out.onnx");
  try {
    MaterializeOnnx(kRoot + "/models/squeezenet1_1.onnx", nowhere);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write '" + nowhere + "'"), std::string::npos) << e.what();
  }
  // Only the input written above: no output, no temporary file.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u);  // text.onnx
  EXPECT_FALSE(fs::exists(Path("out.onnx")));
}

}  // namespace
}  // namespace odonata
