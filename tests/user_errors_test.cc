// Errors and conventions a new user meets first (issue 14), at the library
// level: a directory as a model, models in a folder, output into a missing
// folder, runtime reports that are not JSON or match nothing, and the report
// of several models.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "io.h"
#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/importers.h"
#include "odonata/model.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace odonata {
namespace {

using testing::ErrorOf;

const std::string kModels = ODONATA_SOURCE_DIR "/models";

class Folder {
 public:
  Folder() : path_(fs::temp_directory_path() / ("odonata_user_test_" + std::to_string(std::random_device()()))) {
    fs::create_directories(path_);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream((path_ / name).string(), std::ios::binary) << text;
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

TEST(UserErrors, ADirectoryIsNotAModel) {
  Folder dir;
  EXPECT_EQ(ErrorOf([&] { LoadModel(dir.path()); }), dir.path() + ": is a directory, not a model file");
  EXPECT_EQ(ErrorOf([&] { OpenOnnxModel(dir.path()); }), dir.path() + ": is a directory, not a model file");
}

TEST(UserErrors, ModelFilesListsAFoldersOnnxFilesSorted) {
  Folder dir;
  dir.Write("b.onnx", "x");
  dir.Write("a.onnx", "x");
  dir.Write("notes.txt", "x");
  fs::create_directories(fs::path(dir.path()) / "sub.onnx");  // a folder, not a model
  EXPECT_EQ(ModelFiles({"m.onnx", dir.path(), "-"}),
            (std::vector<std::string>{"m.onnx", dir.path() + "/a.onnx", dir.path() + "/b.onnx", "-"}));
  Folder empty;
  EXPECT_EQ(ErrorOf([&] { ModelFiles({empty.path()}); }), empty.path() + ": no .onnx files in this folder");
}

TEST(UserErrors, WritingIntoAMissingFolderNamesTheFolder) {
  Folder dir;
  const std::string missing = dir.path() + "/no/such/r.json";
  EXPECT_EQ(ErrorOf([&] { WriteFileAtomic(missing, "{}"); }),
            "cannot write '" + missing + "': folder '" + dir.path() + "/no/such' does not exist");
  const std::string file = dir.Write("f", "x");
  EXPECT_EQ(ErrorOf([&] { WriteFileAtomic(file + "/r.json", "{}"); }),
            "cannot write '" + file + "/r.json': '" + file + "' is not a folder");
  EXPECT_EQ(ErrorOf([&] { WriteFileAtomic(dir.path(), "{}"); }), "cannot write '" + dir.path() + "': it is a directory");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);  // no temporary left
}

TEST(UserErrors, ABrokenTensorRtProfileNamesLineAndColumn) {
  Folder dir;
  const std::string bad = dir.Write("bad.json", "[{\"count\": 10},\n {\"name\": \"conv1\", \"averageMs\": 1.0,]\n");
  EXPECT_EQ(ErrorOf([&] { ReadTensorRtProfile(bad); }),
            bad + ": invalid JSON at line 2, column 37: syntax error while parsing object key - unexpected ']'; "
                  "expected string literal");
  const std::string empty = dir.Write("empty.json", " \n");
  EXPECT_EQ(ErrorOf([&] { ReadTensorRtProfile(empty); }), empty + ": empty file, expected JSON");
}

TEST(UserErrors, AnImportMatchingNoRowIsAnError) {
  const std::string report = ODONATA_SOURCE_DIR "/tests/data/import/trt_profile.json";
  const std::string network = kModels + "/resnet18.onnx";
  const std::string error =
      ErrorOf([&] { ImportRuntimeReport(report, Runtime::kTensorRt, network, Precision::kFp16); });
  EXPECT_TRUE(error.starts_with(report + ": none of its 3 rows matches a layer of " + network +
                                " (the report of another network or runtime?); e.g. "))
      << error;
}

TEST(UserErrors, SeveralModelsGiveEveryReportAndASummary) {
  const Platform nano = LoadPlatform(ODONATA_SOURCE_DIR "/platforms/jetson-nano.json");
  std::vector<Report> reports;
  for (const char* m : {"resnet18", "squeezenet1_1"}) {
    reports.push_back(EstimateNetwork(LoadModel(kModels + "/" + m + ".onnx"), nano));
  }
  // One model: Render's output, byte for byte.
  std::ostringstream one, alone;
  RenderEstimates({reports[0]}, Format::kJson, one);
  Render(reports[0], Format::kJson, alone);
  EXPECT_EQ(one.str(), alone.str());

  std::ostringstream json;
  RenderEstimates(reports, Format::kJson, json);
  const nlohmann::json j = nlohmann::json::parse(json.str());
  ASSERT_EQ(j["reports"].size(), 2u);
  ASSERT_EQ(j["summary"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(j["reports"][i], nlohmann::json::parse([&] {
                std::ostringstream r;
                Render(reports[i], Format::kJson, r);
                return r.str();
              }()));
    EXPECT_EQ(j["summary"][i]["model"], reports[i].model);
    EXPECT_EQ(j["summary"][i]["total_ms"].get<double>(), reports[i].total_ms);
    EXPECT_EQ(j["summary"][i]["layers"].get<std::size_t>(), reports[i].rows.size());
  }
  std::ostringstream csv;
  RenderEstimates(reports, Format::kCsv, csv);
  std::string header;
  std::istringstream lines(csv.str());
  std::getline(lines, header);
  EXPECT_EQ(header, "model,model_path,platform,precision,layers,total_ms,energy_mj");
  std::ostringstream html;
  EXPECT_EQ(ErrorOf([&] { RenderEstimates(reports, Format::kHtml, html); }),
            "--format html takes one model; give --output-dir DIR for one page per model");
}

}  // namespace
}  // namespace odonata
