// Design-space exploration (`odonata compare`, `odonata explore`): Pareto
// marking and constraints on hand-made candidates, option units, the accuracy
// CSV and its errors, platform lists, and Explore on shipped models whose
// numbers must equal EstimateNetwork's.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/estimate.h"
#include "odonata/explore.h"
#include "odonata/network.h"
#include "odonata/onnx.h"
#include "odonata/platform.h"
#include "odonata/render.h"
#include "test_util.h"
#include "units.h"

namespace odonata {
namespace {

using testing::ErrorOf;

const std::string kRoot = ODONATA_SOURCE_DIR;

Candidate Make(const std::string& name, double ms, double mj, double usd, std::optional<double> accuracy = {}) {
  Candidate c;
  c.model = name;
  c.latency_ms = ms;
  c.energy_mj = mj;
  c.price_usd = usd;
  c.accuracy = accuracy;
  return c;
}

std::string Optimal(const std::vector<Candidate>& cs) {
  std::string names;
  for (const Candidate& c : cs) {
    if (c.pareto) names += c.model;
  }
  return names;
}

// (latency ms, energy mJ, price USD), hand-checked:
//   A (10, 5, 100)  optimal
//   B (20, 4, 100)  optimal: less energy than A
//   C (20, 6, 100)  dominated by A (faster, leaner, same price)
//   D (10, 5, 100)  optimal: a duplicate of A; equal rows do not dominate each other
//   E ( 5,10, 500)  optimal: the fastest
//   F (30, 4, 100)  dominated by B (faster, same energy and price)
//   G (30, 3,  50)  optimal: the leanest and cheapest
std::vector<Candidate> Hand() {
  return {Make("A", 10, 5, 100), Make("B", 20, 4, 100), Make("C", 20, 6, 100), Make("D", 10, 5, 100),
          Make("E", 5, 10, 500), Make("F", 30, 4, 100), Make("G", 30, 3, 50)};
}

TEST(Pareto, HandMadeFrontWithTiesAndDuplicates) {
  std::vector<Candidate> cs = Hand();
  EXPECT_EQ(MarkPareto(cs, Objectives{}), 5u);
  EXPECT_EQ(Optimal(cs), "ABDEG");
}

TEST(Pareto, SingleAndNoCandidate) {
  std::vector<Candidate> one = {Make("A", 10, 5, 100)};
  EXPECT_EQ(MarkPareto(one, Objectives{}), 1u);
  EXPECT_TRUE(one[0].pareto);
  std::vector<Candidate> none;
  EXPECT_EQ(MarkPareto(none, Objectives{}), 0u);
}

TEST(Pareto, OnlyTheChosenObjectivesCount) {
  std::vector<Candidate> cs = Hand();
  Objectives latency_only{true, false, false, false};
  EXPECT_EQ(MarkPareto(cs, latency_only), 1u);
  EXPECT_EQ(Optimal(cs), "E");
  // Latency and price: A, D (10 ms, 100 USD) tie; E fastest; G cheapest; B, C, F dominated by A.
  cs = Hand();
  EXPECT_EQ(MarkPareto(cs, Objectives{true, false, true, false}), 4u);
  EXPECT_EQ(Optimal(cs), "ADEG");
  // A second call recomputes every flag.
  EXPECT_EQ(MarkPareto(cs, Objectives{}), 5u);
  EXPECT_EQ(Optimal(cs), "ABDEG");
}

TEST(Pareto, AccuracyIsMaximisedAndMissingAccuracyIsWorst) {
  std::vector<Candidate> cs = Hand();
  cs[0].accuracy = 0.70;  // A: now dominated by D (same cost, more accurate)
  cs[1].accuracy = 0.70;  // B
  cs[2].accuracy = 0.90;  // C: most accurate: optimal although A is faster and leaner
  cs[3].accuracy = 0.80;  // D
  cs[5].accuracy = 0.70;  // F: still dominated by B (faster, same energy, price, accuracy)
  // E and G have none: they stay optimal only by their latency / energy and price.
  Objectives with_accuracy;
  with_accuracy.accuracy = true;
  EXPECT_EQ(MarkPareto(cs, with_accuracy), 5u);
  EXPECT_EQ(Optimal(cs), "BCDEG");
  // Without the objective the accuracies are ignored.
  EXPECT_EQ(MarkPareto(cs, Objectives{}), 5u);
  EXPECT_EQ(Optimal(cs), "ABDEG");

  std::vector<Candidate> twins = {Make("H", 10, 5, 100), Make("I", 10, 5, 100, 0.5)};
  EXPECT_EQ(MarkPareto(twins, with_accuracy), 1u);
  EXPECT_EQ(Optimal(twins), "I");
}

TEST(Constraints, FilterCountsAndInclusiveLimits) {
  std::vector<Candidate> cs = Hand();
  Constraints k;
  k.max_latency_ms = 20;  // F and G (30 ms) out; B and C at exactly 20 ms stay
  EXPECT_EQ(ApplyConstraints(cs, k), 2u);
  ASSERT_EQ(cs.size(), 5u);
  EXPECT_EQ(cs[1].model, "B");
  EXPECT_EQ(cs[2].model, "C");

  cs = Hand();
  k.max_price_usd = 100;  // and E (500 USD)
  EXPECT_EQ(ApplyConstraints(cs, k), 3u);
  std::string kept;
  for (const Candidate& c : cs) kept += c.model;
  EXPECT_EQ(kept, "ABCD");

  cs = Hand();
  Constraints energy;
  energy.max_energy_mj = 4.5;  // A, C, D, E out
  EXPECT_EQ(ApplyConstraints(cs, energy), 4u);
  // The front is marked on what is left: B, F, G; F is dominated by B.
  EXPECT_EQ(MarkPareto(cs, Objectives{}), 2u);
  EXPECT_EQ(Optimal(cs), "BG");

  cs = Hand();
  EXPECT_EQ(ApplyConstraints(cs, Constraints{}), 0u);
  EXPECT_EQ(cs.size(), 7u);
}

TEST(Constraints, MinAccuracySparesCandidatesWithoutAccuracy) {
  std::vector<Candidate> cs = {Make("A", 1, 1, 1, 0.5), Make("B", 1, 1, 1, 0.3), Make("C", 1, 1, 1)};
  Constraints k;
  k.min_accuracy = 0.5;
  EXPECT_EQ(ApplyConstraints(cs, k), 1u);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].model, "A");
  EXPECT_EQ(cs[1].model, "C");
}

TEST(Units, DurationsEnergiesPrices) {
  EXPECT_DOUBLE_EQ(ParseDurationMs("100ms"), 100);
  EXPECT_DOUBLE_EQ(ParseDurationMs("0.1s"), 100);
  EXPECT_DOUBLE_EQ(ParseDurationMs("250us"), 0.25);
  EXPECT_DOUBLE_EQ(ParseDurationMs("100"), 100);
  EXPECT_DOUBLE_EQ(ParseDurationMs(" 2.5 ms "), 2.5);
  EXPECT_DOUBLE_EQ(ParseEnergyMj("5mJ"), 5);
  EXPECT_DOUBLE_EQ(ParseEnergyMj("1J"), 1000);
  EXPECT_DOUBLE_EQ(ParseEnergyMj("800uJ"), 0.8);
  EXPECT_DOUBLE_EQ(ParsePriceUsd("$100"), 100);
  EXPECT_DOUBLE_EQ(ParsePriceUsd("100"), 100);
  EXPECT_DOUBLE_EQ(ParsePriceUsd("99.5USD"), 99.5);
}

TEST(Units, ErrorsNameTheTextAndTheForms) {
  EXPECT_EQ(ErrorOf([] { ParseDurationMs("100 fortnights"); }),
            "'100 fortnights' has an unknown unit 'fortnights' (a duration, e.g. 100ms, 0.1s, 250us; no unit: ms)");
  EXPECT_EQ(ErrorOf([] { ParseDurationMs("fast"); }),
            "'fast' is not a number with a unit (a duration, e.g. 100ms, 0.1s, 250us; no unit: ms)");
  EXPECT_EQ(ErrorOf([] { ParseDurationMs("-5ms"); }),
            "'-5ms' is negative (a duration, e.g. 100ms, 0.1s, 250us; no unit: ms)");
  EXPECT_EQ(ErrorOf([] { ParseDurationMs("inf"); }),
            "'inf' is not a finite number (a duration, e.g. 100ms, 0.1s, 250us; no unit: ms)");
  // Megajoules are not a thing here: "MJ" is a typo, not 1e9 mJ.
  EXPECT_EQ(ErrorOf([] { ParseEnergyMj("5MJ"); }),
            "'5MJ' has an unknown unit 'MJ' (an energy, e.g. 5mJ, 1J, 800uJ; no unit: mJ)");
  EXPECT_EQ(ErrorOf([] { ParsePriceUsd("100EUR"); }),
            "'100EUR' has an unknown unit 'EUR' (a price in USD, e.g. $100, 100, 100USD)");
  try {
    ParseDurationMs("x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
}

TEST(Units, Resolutions) {
  EXPECT_EQ(ParseResolution("1280x720"), (Resolution{1280, 720}));
  EXPECT_EQ(ParseResolution("1280x720").height, 720);
  EXPECT_EQ(ParseResolution("720x1280").Label(), "720x1280");
  for (const char* bad : {"640", "640x", "x640", "0x640", "640x640x3", "64.5x64", "-1x8"}) {
    EXPECT_EQ(ErrorOf([&] { ParseResolution(bad); }),
              "resolution '" + std::string(bad) + "' is not WIDTHxHEIGHT (e.g. 640x640, 1280x720)")
        << bad;
  }
}

TEST(Accuracy, ParsesAndResolutionOverridesTheModelDefault) {
  const AccuracyTable t = AccuracyTable::Parse(
      "model,accuracy,resolution\n"
      "yolo,0.40,\n"
      "yolo,0.52,1280x720\n"
      "# a comment\n"
      "resnet50,76.13,\n",
      "acc.csv");
  EXPECT_EQ(t.Find("yolo", "640x640"), 0.40);
  EXPECT_EQ(t.Find("yolo", "1280x720"), 0.52);
  EXPECT_EQ(t.Find("yolo", ""), 0.40);
  EXPECT_EQ(t.Find("resnet50", "224x224"), 76.13);
  EXPECT_FALSE(t.Find("resnet18", "224x224").has_value());
  EXPECT_TRUE(t.HasModel("yolo"));
  EXPECT_FALSE(t.HasModel("yol"));

  // Without a resolution column, columns in any order.
  const AccuracyTable u = AccuracyTable::Parse("accuracy,model\n0.5,m\n", "u.csv");
  EXPECT_EQ(u.Find("m", "320x320"), 0.5);
  // A resolution given only at one size: the model at other sizes has none.
  const AccuracyTable v = AccuracyTable::Parse("model,accuracy,resolution\nm,0.5,320x320\n", "v.csv");
  EXPECT_FALSE(v.Find("m", "640x640").has_value());
  EXPECT_TRUE(v.HasModel("m"));
}

TEST(Accuracy, ErrorsNameFileAndLine) {
  auto parse = [](const std::string& text) { return ErrorOf([&] { AccuracyTable::Parse(text, "acc.csv"); }); };
  EXPECT_EQ(parse(""), "acc.csv:1: no header row (the file is empty); expected model,accuracy[,resolution]");
  EXPECT_EQ(parse("model,acuracy\nm,1\n"), "acc.csv:1: unknown column 'acuracy' (did you mean 'accuracy'?)");
  EXPECT_EQ(parse("model,top1\n"), "acc.csv:1: unknown column 'top1' (columns: model, accuracy, resolution)");
  EXPECT_EQ(parse("model\nm\n"), "acc.csv:1: missing required column 'accuracy'");
  EXPECT_EQ(parse("model,accuracy,model\n"), "acc.csv:1: duplicate column 'model'");
  EXPECT_EQ(parse("model;accuracy\n"),
            "acc.csv:1: the header has one column; is the file ';'- or tab-separated? odonata reads ',' only");
  EXPECT_EQ(parse("model,accuracy\nm,0.5\nn,high\n"), "acc.csv:3: accuracy: 'high' is not a number");
  EXPECT_EQ(parse("model,accuracy\nm,nan\n"), "acc.csv:2: accuracy: 'nan' is not a finite number");
  EXPECT_EQ(parse("model,accuracy\nm,\n"), "acc.csv:2: accuracy: empty");
  EXPECT_EQ(parse("model,accuracy\n,0.5\n"), "acc.csv:2: model: empty");
  EXPECT_EQ(parse("model,accuracy\nm,0.5,1\n"), "acc.csv:2: expected 2 fields, got 3");
  EXPECT_EQ(parse("model,accuracy,resolution\nm,0.5,big\n"),
            "acc.csv:2: resolution: resolution 'big' is not WIDTHxHEIGHT (e.g. 640x640, 1280x720)");
  EXPECT_EQ(parse("model,accuracy,resolution\nm,0.5,\n\nm,0.6,\nm,0.7,64x64\n"),
            "acc.csv:4: model 'm' already has an accuracy (line 2)");
  EXPECT_EQ(ErrorOf([] { AccuracyTable::Load("/nonexistent/acc.csv"); }),
            "/nonexistent/acc.csv: cannot open: no such file or not readable");
}

// The shipped accuracy table: torchvision's published top-1 of every
// classification model in models/ (and none of the others).
TEST(Accuracy, ShippedTorchvisionTableCoversTheClassifiers) {
  const AccuracyTable t = AccuracyTable::Load(kRoot + "/data/accuracy/torchvision-imagenet.csv");
  EXPECT_EQ(t.Find("resnet50", ""), 76.13);
  EXPECT_EQ(t.Find("mobilenet_v3_large", "320x320"), 74.042);  // no resolution: every size
  EXPECT_EQ(t.Find("inception_v3", ""), 77.294);
  int classifiers = 0;
  for (const char* m : {"alexnet", "vgg16", "resnet18", "resnet50", "squeezenet1_1", "mobilenet_v2",
                        "mobilenet_v3_large", "googlenet", "inception_v3"}) {
    EXPECT_TRUE(t.HasModel(m)) << m;
    classifiers += t.HasModel(m) ? 1 : 0;
  }
  EXPECT_EQ(classifiers, 9);
  for (const char* m : {"fcn_resnet50", "lraspp_mobilenet_v3_large", "ssdlite320_mobilenet_v3_large"}) {
    EXPECT_FALSE(t.HasModel(m)) << m;
  }
}

TEST(Platforms, ListsModesAndAll) {
  const std::vector<std::string> path = {kRoot + "/platforms"};
  std::vector<Platform> ps = LoadPlatforms("ncs2, jetson-tx2:*,ncs2", path);
  ASSERT_EQ(ps.size(), 5u);  // the second ncs2 is dropped
  EXPECT_EQ(ps[0].DisplayName(), "ncs2");
  EXPECT_EQ(ps[1].DisplayName(), "jetson-tx2:maxn");
  EXPECT_EQ(ps[2].DisplayName(), "jetson-tx2:maxp");
  EXPECT_EQ(ps[3].DisplayName(), "jetson-tx2:maxq");
  EXPECT_EQ(ps[4].DisplayName(), "jetson-tx2:trt3");  // issue 16: TensorRT 3.0.4, NVIDIA's tf_to_trt table
  EXPECT_EQ(LoadPlatforms("all", path).size(), ListPlatforms(path).size());
  EXPECT_EQ(LoadPlatforms("ncs2:*", path).size(), 1u);  // no modes: the profile itself
  EXPECT_EQ(LoadPlatforms("jetson-tx2:maxq", path)[0].DisplayName(), "jetson-tx2:maxq");
  EXPECT_EQ(ErrorOf([&] { LoadPlatforms("ncs2,,zcu102", path); }), "--platform: empty name in 'ncs2,,zcu102'");
  EXPECT_NE(ErrorOf([&] { LoadPlatforms("jetson-nan", path); }).find("did you mean 'jetson-nano'?"), std::string::npos);
}

// --- Explore on shipped models and profiles -----------------------------------

class ExploreShipped : public ::testing::Test {
 protected:
  const std::vector<std::string> path_ = {kRoot + "/platforms"};
  const std::string squeezenet_ = kRoot + "/models/squeezenet1_1.onnx";
  const std::string resnet18_ = kRoot + "/models/resnet18.onnx";
};

TEST_F(ExploreShipped, NumbersEqualEstimateNetwork) {
  ExploreSpec spec;
  spec.models = {squeezenet_, resnet18_};
  spec.platforms = LoadPlatforms("ncs2,jetson-nano", path_);
  std::vector<std::pair<std::size_t, std::size_t>> ticks;
  const ExploreResult r = Explore(spec, [&](std::size_t done, std::size_t total) { ticks.emplace_back(done, total); });
  EXPECT_EQ(r.combinations, 4u);
  ASSERT_EQ(r.candidates.size(), 4u);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.filtered, 0u);
  ASSERT_EQ(ticks.size(), 4u);
  EXPECT_EQ(ticks.back(), std::make_pair(std::size_t{4}, std::size_t{4}));

  std::size_t i = 0;
  for (const std::string& model : spec.models) {
    const Network net = LoadOnnx(model);
    for (const Platform& p : spec.platforms) {
      const Report expected = EstimateNetwork(net, p);
      const Candidate& c = r.candidates[i++];
      SCOPED_TRACE(c.model + " on " + c.platform);
      EXPECT_EQ(c.model, net.name);
      EXPECT_EQ(c.platform, p.name);
      EXPECT_EQ(c.precision, p.default_precision);
      EXPECT_EQ(c.resolution, "224x224");
      EXPECT_EQ(c.batch, 1);
      EXPECT_EQ(c.latency_ms, expected.total_ms);
      EXPECT_EQ(c.energy_mj, expected.energy_mj);
      EXPECT_EQ(c.avg_power_w, expected.avg_power_w);
      EXPECT_DOUBLE_EQ(c.throughput_ips, 1000.0 / expected.total_ms);
      EXPECT_EQ(c.price_usd, 99.0);  // both USD 99 (sources in the profiles)
    }
  }
  // The front over latency, energy, price, checked with the definition.
  std::size_t optimal = 0;
  for (const Candidate& a : r.candidates) {
    bool dominated = false;
    for (const Candidate& b : r.candidates) {
      dominated =
          dominated || (b.latency_ms <= a.latency_ms && b.energy_mj <= a.energy_mj && b.price_usd <= a.price_usd &&
                        (b.latency_ms < a.latency_ms || b.energy_mj < a.energy_mj || b.price_usd < a.price_usd));
    }
    EXPECT_EQ(a.pareto, !dominated) << a.model << " " << a.platform;
    optimal += dominated ? 0 : 1;
  }
  EXPECT_EQ(r.pareto_count, optimal);
}

TEST_F(ExploreShipped, UnsupportedPrecisionIsSkippedUnlessNoPlatformHasIt) {
  ExploreSpec spec;
  spec.models = {squeezenet_};
  spec.platforms = LoadPlatforms("ncs2,jetson-nano", path_);
  spec.precisions = {Precision::kFp32, Precision::kFp16};
  const ExploreResult r = Explore(spec);
  EXPECT_EQ(r.combinations, 4u);
  EXPECT_EQ(r.candidates.size(), 3u);  // ncs2 fp16, nano fp32 and fp16
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].platform, "ncs2");
  EXPECT_EQ(r.skipped[0].precision, "fp32");
  EXPECT_EQ(r.skipped[0].reason, "ncs2 has no fp32 (it has fp16)");

  spec.precisions = {Precision::kInt8};
  EXPECT_EQ(ErrorOf([&] { Explore(spec); }),
            "precision int8 is supported by none of the platforms (ncs2: fp16; jetson-nano: fp32, fp16)");
}

TEST_F(ExploreShipped, ResolutionsReloadTheModelAndConstraintsFilter) {
  ExploreSpec spec;
  spec.models = {resnet18_};
  spec.platforms = LoadPlatforms("jetson-nano", path_);
  spec.resolutions = {Resolution{320, 320}, Resolution{1280, 720}};
  ExploreResult r = Explore(spec);
  ASSERT_EQ(r.candidates.size(), 2u);
  const Platform nano = LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  const Network own = LoadOnnx(resnet18_);
  LoadOptions at;
  at.input_shapes[own.inputs[0].name] = {1, 3, 720, 1280};
  const double ms_720p = EstimateNetwork(LoadOnnx(resnet18_, at), nano).total_ms;
  EXPECT_EQ(r.candidates[1].resolution, "1280x720");
  EXPECT_EQ(r.candidates[1].latency_ms, ms_720p);
  EXPECT_LT(r.candidates[0].latency_ms, ms_720p);
  // Both on one platform: the faster one is also the leaner; the front is the 320x320 row.
  EXPECT_EQ(r.pareto_count, 1u);
  EXPECT_TRUE(r.candidates[0].pareto);

  // A limit between the two keeps the smaller input only.
  spec.constraints.max_latency_ms = (r.candidates[0].latency_ms + ms_720p) / 2;
  r = Explore(spec);
  EXPECT_EQ(r.filtered, 1u);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].resolution, "320x320");

  // A size too small for AlexNet's 11x11 stride-4 first convolution: the loader
  // gives empty tensors, explore skips the size for every platform and precision.
  spec.models = {kRoot + "/models/alexnet.onnx"};
  spec.platforms = LoadPlatforms("ncs2,jetson-nano", path_);
  spec.constraints = {};
  spec.resolutions = {Resolution{1, 1}, Resolution{224, 224}};
  r = Explore(spec);
  EXPECT_EQ(r.combinations, 4u);
  EXPECT_EQ(r.candidates.size(), 2u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].platform, "");
  EXPECT_EQ(r.skipped[0].resolution, "1x1");
  EXPECT_EQ(r.skipped[0].combinations, 2u);
  EXPECT_EQ(r.skipped[0].reason, "input too small: node '/features/features.0/Conv' (Conv) outputs 1x64x0x0");
}

TEST_F(ExploreShipped, RankThreeImageInputsTakeResolutionsToo) {
  // SSDlite takes a list of CHW images (3x320x320): height and width are its last two dimensions.
  ExploreSpec spec;
  spec.models = {kRoot + "/models/ssdlite320_mobilenet_v3_large.onnx"};
  spec.platforms = LoadPlatforms("jetson-nano", path_);
  spec.resolutions = {Resolution{640, 640}};
  const ExploreResult r = Explore(spec);
  ASSERT_EQ(r.candidates.size(), 1u) << (r.skipped.empty() ? "" : r.skipped[0].reason);
  EXPECT_EQ(r.candidates[0].resolution, "640x640");
  EXPECT_EQ(r.candidates[0].batch, 1);
  LoadOptions at;
  at.input_shapes[LoadOnnx(spec.models[0]).inputs[0].name] = {3, 640, 640};
  const Platform nano = LoadPlatform(kRoot + "/platforms/jetson-nano.json");
  EXPECT_EQ(r.candidates[0].latency_ms, EstimateNetwork(LoadOnnx(spec.models[0], at), nano).total_ms);
}

TEST_F(ExploreShipped, AccuracyTableAddsTheObjectiveAndWarnsAboutMissingModels) {
  const AccuracyTable acc = AccuracyTable::Parse("model,accuracy\nresnet18,69.76\n", "acc.csv");
  ExploreSpec spec;
  spec.models = {squeezenet_, resnet18_};
  spec.platforms = LoadPlatforms("jetson-nano", path_);
  spec.accuracy = &acc;
  spec.constraints.min_accuracy = 70;
  const ExploreResult r = Explore(spec);
  // resnet18 (69.76) is below 70; squeezenet has no accuracy and is kept.
  EXPECT_EQ(r.filtered, 1u);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].model, "squeezenet1_1");
  EXPECT_TRUE(r.objectives.accuracy);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "squeezenet1_1: no accuracy in the accuracy table; not held to --min-accuracy");
}

TEST_F(ExploreShipped, ModelThatCannotLoadIsAnError) {
  ExploreSpec spec;
  spec.models = {kRoot + "/models/no_such_model.onnx"};
  spec.platforms = LoadPlatforms("ncs2", path_);
  EXPECT_NE(ErrorOf([&] { Explore(spec); }).find("no_such_model.onnx"), std::string::npos);
}

TEST(RenderExplore, JsonKeysAndCsvRows) {
  ExploreResult r;
  r.combinations = 3;
  r.candidates = {Make("A", 10, 5, 100, 0.5), Make("B", 20, 4, 100)};
  r.candidates[0].platform = "ncs2";
  r.candidates[0].resolution = "320x320";
  r.filtered = 1;
  r.skipped.push_back({"A", "zcu102", "fp16", "320x320", "zcu102 has no fp16 (it has int8)", 1});
  r.pareto_count = MarkPareto(r.candidates, r.objectives);

  std::ostringstream json;
  RenderExplore(r, Format::kJson, json);
  const nlohmann::json j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["combinations"], 3);
  EXPECT_EQ(j["filtered"], 1);
  EXPECT_EQ(j["pareto_count"], 2);
  ASSERT_EQ(j["candidates"].size(), 2u);
  EXPECT_EQ(j["candidates"][0]["pareto"], true);
  EXPECT_EQ(j["candidates"][0]["latency_ms"], 10.0);
  EXPECT_EQ(j["candidates"][0]["accuracy"], 0.5);
  EXPECT_TRUE(j["candidates"][1]["accuracy"].is_null());
  EXPECT_TRUE(j["candidates"][1]["resolution"].is_null());
  EXPECT_EQ(j["skipped"][0]["reason"], "zcu102 has no fp16 (it has int8)");
  EXPECT_EQ(j["objectives"], nlohmann::json({"latency_ms", "energy_mj", "price_usd"}));

  std::ostringstream csv;
  RenderExplore(r, Format::kCsv, csv);
  EXPECT_EQ(csv.str(),
            "model,model_path,platform,precision,resolution,batch,latency_ms,energy_mj,avg_power_w,throughput_ips,"
            "price_usd,accuracy,pareto,interval_low_ms,interval_high_ms,validated_mape\n"
            "A,,ncs2,fp32,320x320,1,10,5,0,0,100,0.5,true,,,\n"
            "B,,,fp32,,1,20,4,0,0,100,,true,,,\n");

  std::ostringstream table;
  RenderExplore(r, Format::kTable, table);
  EXPECT_NE(table.str().find("3 combinations: 3 estimated, 1 outside the constraints, 1 skipped; 2 Pareto-optimal (*) "
                             "over latency, energy, price"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("skipped:\n  zcu102 has no fp16 (it has int8): 1 combination (A at 320x320)\n"),
            std::string::npos);
  // Skipped combinations with the same reason are one line, with their models.
  r.skipped.push_back({"B", "zcu102", "fp16", "", "zcu102 has no fp16 (it has int8)", 1});
  r.skipped.push_back({"C", "", "", "1x1", "input too small", 2});
  r.combinations = 6;
  table.str("");
  RenderExplore(r, Format::kTable, table);
  EXPECT_NE(table.str().find("skipped:\n"
                             "  zcu102 has no fp16 (it has int8): 2 combinations (A at 320x320, B)\n"
                             "  input too small: 2 combinations (C at 1x1)\n"),
            std::string::npos)
      << table.str();
}

TEST(RenderExplore, HtmlHasTheChartsTheFrontAndTheTable) {
  ExploreResult r;
  r.candidates = Hand();
  for (Candidate& c : r.candidates) c.platform = "p-" + c.model;
  r.combinations = r.candidates.size();
  r.pareto_count = MarkPareto(r.candidates, r.objectives);
  std::ostringstream out;
  RenderExplore(r, Format::kHtml, out);
  const std::string page = out.str();
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("Latency vs energy"), std::string::npos);
  EXPECT_NE(page.find("Latency vs price"), std::string::npos);
  EXPECT_EQ(page.find("Accuracy vs latency"), std::string::npos);  // no accuracies
  EXPECT_NE(page.find("front (latency, energy)"), std::string::npos);
  EXPECT_NE(page.find("<table"), std::string::npos);
  // With accuracies the third chart appears.
  r.candidates[0].accuracy = 0.5;
  out.str("");
  RenderExplore(r, Format::kHtml, out);
  EXPECT_NE(out.str().find("Accuracy vs latency"), std::string::npos);
}

TEST_F(ExploreShipped, RepeatedPrecisionsAreTriedOnce) {
  ExploreSpec spec;
  spec.models = {squeezenet_};
  spec.platforms = LoadPlatforms("jetson-nano", path_);
  spec.precisions = {Precision::kFp16, Precision::kFp32, Precision::kFp16};
  const ExploreResult r = Explore(spec);
  EXPECT_EQ(r.combinations, 2u);
  ASSERT_EQ(r.candidates.size(), 2u);
  EXPECT_EQ(r.candidates[0].precision, Precision::kFp16);
  EXPECT_EQ(r.candidates[1].precision, Precision::kFp32);
}

TEST(Units, FiniteNumbers) {
  EXPECT_EQ(ParseFiniteNumber("70"), 70);
  EXPECT_EQ(ParseFiniteNumber("0.5e2"), 50);
  EXPECT_EQ(ParseFiniteNumber("-1.5"), -1.5);
  EXPECT_EQ(ParseFiniteNumber(" 7"), 7);  // leading blanks, as std::stod
  for (const char* bad : {"x", "", "70%", "7 ", "inf", "nan"}) {
    EXPECT_EQ(ErrorOf([&] { ParseFiniteNumber(bad); }), "'" + std::string(bad) + "' is not a number") << bad;
  }
}

}  // namespace
}  // namespace odonata
