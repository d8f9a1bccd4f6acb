#include "odonata/platform.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>

#include "odonata/errors.h"
#include "odonata/fusion.h"
#include "json_reader.h"
#include "test_util.h"

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace odonata {
namespace {

const std::string kPlatformsDir = ODONATA_SOURCE_DIR "/platforms";

// A directory of its own under the system temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("odonata_platform_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    fs::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

Json Src(double value, const std::string& source = "test") { return {{"value", value}, {"source", source}}; }

// The smallest valid profile; tests break one thing at a time.
Json Minimal() {
  return {
      {"schema", "odonata-platform/1"},
      {"name", "tiny"},
      {"description", "a minimal test profile"},
      {"default_precision", "fp16"},
      {"precisions", {{"fp16", {{"peak_gops", Src(100)}, {"bandwidth_gbps", Src(10)}}}}},
      {"overhead_ms", Src(0.5)},
      {"power", {{"idle_w", Src(1)}, {"typical_w", Src(2)}}},
      {"price_usd", Src(99)},
  };
}

using testing::ErrorOf;

std::string TextError(const std::string& text, const std::string& origin = "tiny.json") {
  return ErrorOf([&] { ParsePlatform(text, origin); });
}

std::string ParseError(const Json& doc, const std::string& origin = "tiny.json") {
  return TextError(doc.dump(2), origin);
}

void ExpectSourced(const Sourced& s, const std::string& what) {
  EXPECT_FALSE(s.source.empty()) << what;
  EXPECT_TRUE(s.source.find("TODO") == std::string::npos) << what;
}

TEST(PlatformTest, MinimalProfileParses) {
  Platform p = ParsePlatform(Minimal().dump(), "tiny.json");
  EXPECT_EQ(p.name, "tiny");
  EXPECT_EQ(p.default_precision, Precision::kFp16);
  ASSERT_EQ(p.precisions.count(Precision::kFp16), 1u);
  EXPECT_DOUBLE_EQ(p.precisions.at(Precision::kFp16).peak_gops.value, 100);
  EXPECT_DOUBLE_EQ(p.overhead_ms.value, 0.5);
  EXPECT_EQ(p.default_class.estimator, "roofline");
  EXPECT_DOUBLE_EQ(p.default_class.compute_efficiency.value, 1.0);
  EXPECT_TRUE(p.classes.empty());
  EXPECT_TRUE(p.fusion.rules.empty());
}

TEST(PlatformTest, DocumentedExampleParses) {
  std::ifstream in(ODONATA_SOURCE_DIR "/docs/platform-profile.md");
  ASSERT_TRUE(in) << "docs/platform-profile.md";
  std::stringstream doc;
  doc << in.rdbuf();
  std::string text = doc.str();
  std::size_t section = text.find("## Minimal example");
  ASSERT_NE(section, std::string::npos);
  std::size_t begin = text.find("```json\n", section);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  std::size_t end = text.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  Platform p = ParsePlatform(text.substr(begin, end - begin), "docs example");
  EXPECT_EQ(p.name, "my-board");
}

TEST(PlatformTest, PrecisionNames) {
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kInt8}) {
    Precision back;
    ASSERT_TRUE(ParsePrecision(PrecisionName(p), &back));
    EXPECT_EQ(back, p);
  }
  Precision unused;
  EXPECT_FALSE(ParsePrecision("fp64", &unused));
  EXPECT_EQ(PrecisionBytes(Precision::kFp32), 4);
  EXPECT_EQ(PrecisionBytes(Precision::kFp16), 2);
  EXPECT_EQ(PrecisionBytes(Precision::kInt8), 1);
}

TEST(PlatformTest, ShippedProfilesLoad) {
  std::vector<std::string> names = ListPlatforms({kPlatformsDir});
  for (const char* expected : {"jetson-nano", "jetson-tx2", "ncs2", "zcu102"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    Platform p = LoadPlatform(kPlatformsDir + "/" + name + ".json");
    EXPECT_EQ(p.name, name);
    EXPECT_FALSE(p.description.empty());
    EXPECT_EQ(p.precisions.count(p.default_precision), 1u);
    for (const auto& [prec, spec] : p.precisions) {
      ExpectSourced(spec.peak_gops, std::string(PrecisionName(prec)) + " peak_gops");
      ExpectSourced(spec.bandwidth_gbps, std::string(PrecisionName(prec)) + " bandwidth_gbps");
    }
    ExpectSourced(p.overhead_ms, "overhead_ms");
    ExpectSourced(p.idle_power_w, "idle_w");
    ExpectSourced(p.typical_power_w, "typical_w");
    ExpectSourced(p.price_usd, "price_usd");
    std::vector<const ClassModel*> models = {&p.default_class};
    for (const auto& [cls, model] : p.classes) models.push_back(&model);
    for (const ClassModel* m : models) {
      ExpectSourced(m->compute_efficiency, m->estimator + " compute_efficiency");
      ExpectSourced(m->memory_efficiency, m->estimator + " memory_efficiency");
      for (const auto& par : m->parallelism) EXPECT_FALSE(par.source.empty()) << par.dim;
    }
    for (const auto& rule : p.fusion.rules) EXPECT_FALSE(rule.source.empty());
    if (!p.fusion.free_ops.empty()) {
      EXPECT_FALSE(p.fusion.free_source.empty());
    }
  }
}

TEST(PlatformTest, Ncs2CarriesAnnetteFit) {
  // The analytic seed profile carries ANNETTE's values; platforms/ncs2.json is fitted from it.
  Platform p = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/seed-profiles/ncs2.json");
  ASSERT_EQ(p.precisions.size(), 1u);
  EXPECT_EQ(p.default_precision, Precision::kFp16);
  // QuTiBench device peak: 0.5 TOPS FP16, 12.8 GB/s.
  EXPECT_DOUBLE_EQ(p.precisions.at(Precision::kFp16).peak_gops.value, 500);
  EXPECT_DOUBLE_EQ(p.precisions.at(Precision::kFp16).bandwidth_gbps.value, 12.8);
  const ClassModel& conv = p.ModelFor(OpClass::kConv);
  EXPECT_EQ(conv.estimator, "refined_roofline");
  // Effective throughput = ANNETTE's fitted 319.5 GOP/s.
  EXPECT_NEAR(500 * conv.compute_efficiency.value, 319.54, 0.01);
  ASSERT_EQ(conv.parallelism.size(), 2u);
  EXPECT_EQ(conv.parallelism[0].dim, "in_c");
  EXPECT_EQ(conv.parallelism[0].p, 32);
  EXPECT_EQ(conv.parallelism[1].dim, "out_c");
  EXPECT_EQ(conv.parallelism[1].p, 32);
  EXPECT_NEAR(conv.parallelism[1].alpha, 0.7047, 1e-4);
  EXPECT_NEAR(p.overhead_ms.value, 1.306, 1e-9);
}

TEST(PlatformTest, Zcu102SeedIsOneB4096Core) {
  // Issue 16: PG338's B4096 (8 x 16 x 16 MACs per cycle) at the zoo board's 281 MHz, one core.
  Platform p = LoadPlatform(std::string(ODONATA_SOURCE_DIR) + "/data/seed-profiles/zcu102.json");
  EXPECT_EQ(p.default_precision, Precision::kInt8);
  const auto& spec = p.precisions.at(Precision::kInt8);
  EXPECT_NEAR(spec.peak_gops.value, 2.0 * 8 * 16 * 16 * 0.281, 1e-9);  // 1150.976 GOP/s
  EXPECT_NEAR(spec.bandwidth_gbps.value, 19.2, 1e-12);
  const ClassModel& conv = p.ModelFor(OpClass::kConv);
  EXPECT_EQ(conv.estimator, "refined_roofline");
  EXPECT_NEAR(spec.bandwidth_gbps.value * conv.memory_efficiency.value, 15.11, 0.01);  // ANNETTE's DNNDK bandwidth
  ASSERT_EQ(conv.parallelism.size(), 3u);
  const std::vector<std::pair<std::string, std::int64_t>> want = {{"out_w", 8}, {"in_c", 16}, {"out_c", 16}};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(conv.parallelism[i].dim, want[i].first);
    EXPECT_EQ(conv.parallelism[i].p, want[i].second);
    EXPECT_EQ(conv.parallelism[i].alpha, 1.0);
  }
  const ClassModel& dw = p.ModelFor(OpClass::kDepthwiseConv);
  ASSERT_EQ(dw.parallelism.size(), 2u);
  EXPECT_EQ(dw.parallelism[0].dim, "out_w");
  EXPECT_EQ(dw.parallelism[0].p, 4);  // half the pixel parallelism
  const auto& free_ops = p.fusion.free_ops;
  EXPECT_NE(std::find(free_ops.begin(), free_ops.end(), "Concat"), free_ops.end());
}

TEST(PlatformTest, ModelForFallsBackToDefault) {
  Json doc = Minimal();
  doc["classes"] = {
      {"default", {{"estimator", "memory"}}},
      {"conv",
       {{"estimator", "refined_roofline"},
        {"compute_efficiency", Src(0.5)},
        {"parallelism", {{{"dim", "in_c"}, {"p", 16}, {"alpha", 1.0}, {"source", "test"}}}}}},
  };
  Platform p = ParsePlatform(doc.dump(), "tiny.json");
  EXPECT_EQ(p.ModelFor(OpClass::kConv).estimator, "refined_roofline");
  EXPECT_DOUBLE_EQ(p.ModelFor(OpClass::kConv).compute_efficiency.value, 0.5);
  EXPECT_DOUBLE_EQ(p.ModelFor(OpClass::kConv).memory_efficiency.value, 1.0);
  EXPECT_EQ(p.ModelFor(OpClass::kConv).parallelism.at(0).p, 16);
  EXPECT_EQ(p.ModelFor(OpClass::kPool).estimator, "memory");
  EXPECT_EQ(&p.ModelFor(OpClass::kSoftmax), &p.default_class);
}

TEST(PlatformTest, FusionAndNotesParse) {
  Json doc = Minimal();
  doc["fusion"] = {
      {"rules", {{{"into", {"Conv"}}, {"absorb", {"BatchNormalization", "Relu"}}, {"source", "s"}}}},
      {"free", {{"ops", {"Reshape"}}, {"source", "f"}}},
  };
  doc["notes"] = {"one", "two"};
  Platform p = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_EQ(p.fusion.rules.size(), 1u);
  EXPECT_EQ(p.fusion.rules[0].into, std::vector<std::string>{"Conv"});
  EXPECT_EQ(p.fusion.rules[0].absorb.size(), 2u);
  EXPECT_EQ(p.fusion.free_ops, std::vector<std::string>{"Reshape"});
  EXPECT_EQ(p.fusion.free_source, "f");
  EXPECT_EQ(p.notes.size(), 2u);
}

TEST(PlatformTest, GateRulesParseAndRoundTrip) {
  Json doc = Minimal();
  doc["fusion"] = {{"rules",
                    {{{"into", {"Conv"}}, {"absorb", {"Relu"}}, {"source", "a"}},
                     {{"into", {"Conv"}}, {"gate", {"HardSigmoid", "Sigmoid"}}, {"source", "g"}}}}};
  Platform p = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_EQ(p.fusion.rules.size(), 2u);
  EXPECT_TRUE(p.fusion.rules[0].gate.empty());
  EXPECT_TRUE(p.fusion.rules[1].absorb.empty());
  EXPECT_EQ(p.fusion.rules[1].gate, (std::vector<std::string>{"HardSigmoid", "Sigmoid"}));
  EXPECT_EQ(p.fusion.rules[1].source, "g");
  std::ostringstream out;
  WritePlatform(p, out);
  // Written as read: no empty "absorb" or "gate" appears.
  const Json written = Json::parse(out.str());
  EXPECT_EQ(written["fusion"]["rules"], doc["fusion"]["rules"]);
  Platform back = ParsePlatform(out.str(), "tiny.json");
  EXPECT_EQ(back.fusion.rules[1].gate, p.fusion.rules[1].gate);
  EXPECT_TRUE(back.fusion.rules[1].absorb.empty());

  // A rule needs something to absorb; an empty list and an unknown key are errors.
  doc["fusion"]["rules"] = {{{"into", {"Conv"}}, {"source", "s"}}};
  EXPECT_THROW(
      {
        try {
          ParsePlatform(doc.dump(), "tiny.json");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("a fusion rule needs 'absorb', 'gate' or both"), std::string::npos)
              << e.what();
          throw;
        }
      },
      Error);
  doc["fusion"]["rules"] = {{{"into", {"Conv"}}, {"gate", Json::array()}, {"source", "s"}}};
  EXPECT_THROW(ParsePlatform(doc.dump(), "tiny.json"), Error);
  doc["fusion"]["rules"] = {{{"into", {"Conv"}}, {"gates", {"HardSigmoid"}}, {"source", "s"}}};
  EXPECT_THROW(ParsePlatform(doc.dump(), "tiny.json"), Error);

  // A decomposition rule: only ops whose decomposed form odonata knows, no other keys;
  // written back as read.
  doc["fusion"]["rules"] = {{{"into", {"LayerNormalization", "Gelu"}}, {"decomposed", true}, {"source", "s"}}};
  const Platform d = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_EQ(d.fusion.rules.size(), 1u);
  EXPECT_TRUE(d.fusion.rules[0].decomposed);
  std::ostringstream dout;
  WritePlatform(d, dout);
  EXPECT_EQ(Json::parse(dout.str())["fusion"]["rules"], doc["fusion"]["rules"]);
  doc["fusion"]["rules"] = {{{"into", {"Softmax"}}, {"decomposed", true}, {"source", "s"}}};
  EXPECT_NE(ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); })
                .find("no decomposed form of 'Softmax' is known (known: Gelu, LayerNormalization, QuickGelu)"),
            std::string::npos);
  doc["fusion"]["rules"] = {{{"into", {"Gelu"}}, {"decomposed", true}, {"absorb", {"Mul"}}, {"source", "s"}}};
  EXPECT_NE(ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); }).find("a 'decomposed' rule has only 'into' and 'source'"),
            std::string::npos);
  doc["fusion"]["rules"] = {{{"into", {"Gelu"}}, {"decomposed", "yes"}, {"source", "s"}}};
  EXPECT_THROW(ParsePlatform(doc.dump(), "tiny.json"), Error);
}

TEST(PlatformTest, QdqRulesParseRoundTripAndComeInPairs) {
  Json doc = Minimal();
  doc["fusion"] = {{"rules",
                    {{{"into", {"Conv"}},
                      {"dequantize", {"DequantizeLinear"}},
                      {"quantize", {"QuantizeLinear"}},
                      {"source", "q"}}}}};
  Platform p = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_EQ(p.fusion.rules.size(), 1u);
  EXPECT_TRUE(p.fusion.rules[0].absorb.empty());
  EXPECT_EQ(p.fusion.rules[0].dequantize, std::vector<std::string>{"DequantizeLinear"});
  EXPECT_EQ(p.fusion.rules[0].quantize, std::vector<std::string>{"QuantizeLinear"});
  std::ostringstream out;
  WritePlatform(p, out);
  EXPECT_EQ(Json::parse(out.str())["fusion"]["rules"], doc["fusion"]["rules"]);
  doc["fusion"]["rules"][0].erase("quantize");
  const std::string e = ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); });
  EXPECT_NE(e.find("a QDQ fusion rule needs both 'dequantize' and 'quantize'"), std::string::npos) << e;
  // The int8 classes are op classes of a profile.
  doc = Minimal();
  doc["classes"] = {{"conv_int8", {{"estimator", "roofline"}}}, {"dwconv_int8", {{"estimator", "roofline"}}}};
  Platform c = ParsePlatform(doc.dump(), "tiny.json");
  EXPECT_EQ(c.classes.count(OpClass::kConvInt8), 1u);
  EXPECT_EQ(c.classes.count(OpClass::kDepthwiseConvInt8), 1u);
}

TEST(PlatformTest, ConstantWeightsParseRoundTripAndNameTheirRule) {
  Json doc = Minimal();
  doc["fusion"] = {{"rules",
                    {{{"into", {"Conv"}},
                      {"absorb", {"BatchNormalization", "Relu"}},
                      {"constant_weights", {"BatchNormalization"}},
                      {"source", "a"}}}}};
  Platform p = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_EQ(p.fusion.rules.size(), 1u);
  EXPECT_EQ(p.fusion.rules[0].constant_weights, std::vector<std::string>{"BatchNormalization"});
  std::ostringstream out;
  WritePlatform(p, out);
  EXPECT_EQ(Json::parse(out.str())["fusion"]["rules"], doc["fusion"]["rules"]);
  // Changing it changes the fusion's fingerprint (cached fusions are not reused).
  Platform q = p;
  q.fusion.rules[0].constant_weights.clear();
  EXPECT_NE(FusionFingerprint(p.fusion), FusionFingerprint(q.fusion));
  // An op that the rule does not absorb: named, with the key path.
  doc["fusion"]["rules"][0]["constant_weights"] = {"Add"};
  const std::string e = ErrorOf([&] { ParsePlatform(doc.dump(), "tiny.json"); });
  EXPECT_NE(e.find("'Add' is not in the rule's 'absorb' or 'gate'"), std::string::npos) << e;
  EXPECT_NE(e.find("constant_weights"), std::string::npos) << e;
}

TEST(PlatformTest, PowerExtensionsParseAndValidate) {
  Json doc = Minimal();
  doc["power"]["active_w"] = Src(3.5, "measured");
  doc["classes"] = {{"conv", {{"estimator", "roofline"}, {"active_w", Src(4)}}}};
  Platform p = ParsePlatform(doc.dump(), "tiny.json");
  ASSERT_TRUE(p.active_power_w.has_value());
  EXPECT_EQ(p.active_power_w->source, "measured");
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kConv), 4);
  EXPECT_DOUBLE_EQ(p.ActivePowerW(OpClass::kGemm), 3.5);
  doc["power"]["active_w"] = Src(-1);
  EXPECT_EQ(ParseError(doc), "tiny.json: power.active_w.value: must be >= 0, got -1");
  doc["power"]["active_w"] = 3;
  EXPECT_EQ(ParseError(doc), "tiny.json: power.active_w: expected an object {value, source}, got number");
  doc["power"].erase("active_w");
  doc["power"]["activ_w"] = Src(1);
  EXPECT_EQ(ParseError(doc), "tiny.json: power.activ_w: unknown key (did you mean 'active_w'?)");
  doc = Minimal();
  doc["power"].erase("typical_w");
  EXPECT_EQ(ParseError(doc), "tiny.json: power.typical_w: missing required field");
}

Json ModesDoc() {
  Json doc = Minimal();
  doc["power"]["active_w"] = Src(1.5);
  doc["classes"] = {{"conv", {{"estimator", "roofline"}, {"active_w", Src(4)}}}};
  doc["modes"] = {
      {"fast",
       {{"description", "all clocks up"},
        {"compute_scale", Src(1)},
        {"bandwidth_scale", Src(1)},
        {"power_scale", Src(1)},
        {"source", "s"}}},
      {"slow",
       {{"description", "half clocks"},
        {"compute_scale", Src(0.5)},
        {"bandwidth_scale", Src(0.25)},
        {"power_scale", Src(0.5)},
        {"idle_scale", Src(0.75)},
        {"overhead_scale", Src(2)},
        {"source", "s"}}},
  };
  return doc;
}

TEST(PlatformTest, ModesScaleTheProfile) {
  TempDir dir;
  const std::string path = dir.Write("tiny.json", ModesDoc().dump());
  Platform base = LoadPlatform(path);
  ASSERT_EQ(base.modes.size(), 2u);
  EXPECT_EQ(base.DisplayName(), "tiny");
  Platform slow = LoadPlatform(path + ":slow");
  EXPECT_EQ(slow.mode, "slow");
  EXPECT_EQ(slow.DisplayName(), "tiny:slow");
  EXPECT_TRUE(slow.modes.empty());
  EXPECT_DOUBLE_EQ(slow.precisions.at(Precision::kFp16).peak_gops.value, 50);
  EXPECT_DOUBLE_EQ(slow.precisions.at(Precision::kFp16).bandwidth_gbps.value, 2.5);
  EXPECT_DOUBLE_EQ(slow.idle_power_w.value, 0.75);
  EXPECT_DOUBLE_EQ(slow.typical_power_w.value, 1);
  EXPECT_DOUBLE_EQ(slow.ActivePowerW(OpClass::kGemm), 0.75);
  EXPECT_DOUBLE_EQ(slow.ActivePowerW(OpClass::kConv), 2);
  EXPECT_DOUBLE_EQ(slow.overhead_ms.value, 1.0);
  // overhead_scale also scales the per-node dispatch (a host-side cost like the overhead).
  Json with_dispatch = ModesDoc();
  with_dispatch["dispatch_ms"] = Src(0.25);
  with_dispatch["name"] = "tiny2";
  const std::string dpath = dir.Write("tiny2.json", with_dispatch.dump());
  EXPECT_DOUBLE_EQ(LoadPlatform(dpath + ":slow").dispatch_ms->value, 0.5);
  EXPECT_DOUBLE_EQ(LoadPlatform(dpath + ":fast").dispatch_ms->value, 0.25);
  EXPECT_EQ(slow.precisions.at(Precision::kFp16).peak_gops.source, "test; x 0.5 for mode slow");
  // Resolving "name:mode" keeps the mode for LoadPlatform.
  EXPECT_EQ(ResolvePlatform("tiny:slow", {dir.path()}), (fs::path(dir.path()) / "tiny.json").string() + ":slow");
  EXPECT_EQ(ResolvePlatform(path + ":fast", {}), path + ":fast");
  EXPECT_EQ(ErrorOf([&] { LoadPlatform(path + ":slwo"); }),
            "unknown mode 'slwo' of tiny (did you mean 'slow'? modes: fast, slow)");
  EXPECT_EQ(ErrorOf([&] { LoadPlatform(path + ":zzzzzz"); }), "unknown mode 'zzzzzz' of tiny (modes: fast, slow)");
  EXPECT_EQ(ErrorOf([&] { WithMode(ParsePlatform(Minimal().dump(), "x"), "a"); }),
            "unknown mode 'a' of tiny (it declares no modes)");
  // Round trip keeps the modes.
  std::ostringstream out;
  WritePlatform(base, out);
  Platform back = ParsePlatform(out.str(), "tiny.json");
  ASSERT_EQ(back.modes.size(), 2u);
  EXPECT_DOUBLE_EQ(back.modes.at("slow").overhead_scale->value, 2);
  EXPECT_DOUBLE_EQ(back.modes.at("slow").idle_scale->value, 0.75);
  EXPECT_FALSE(back.modes.at("fast").idle_scale.has_value());
  std::ostringstream again;
  WritePlatform(back, again);
  EXPECT_EQ(out.str(), again.str());
}

TEST(PlatformTest, ModesValidate) {
  Json doc = ModesDoc();
  doc["modes"]["slow"]["compute_scale"] = Src(0);
  EXPECT_EQ(ParseError(doc), "tiny.json: modes.slow.compute_scale.value: must be > 0, got 0");
  doc = ModesDoc();
  doc["modes"]["slow"].erase("power_scale");
  EXPECT_EQ(ParseError(doc), "tiny.json: modes.slow.power_scale: missing required field");
  doc = ModesDoc();
  doc["modes"]["slow"]["power_scal"] = Src(1);
  EXPECT_EQ(ParseError(doc), "tiny.json: modes.slow.power_scal: unknown key (did you mean 'power_scale'?)");
  doc = ModesDoc();
  doc["modes"]["a:b"] = doc["modes"]["slow"];
  EXPECT_EQ(ParseError(doc), "tiny.json: modes.a:b: mode names must contain only letters, digits, '-', '_' and '.'");
  doc["modes"] = Json::object();
  EXPECT_EQ(ParseError(doc), "tiny.json: modes: must list at least one mode (or be left out)");
}

TEST(PlatformTest, UnknownTopLevelKey) {
  Json doc = Minimal();
  doc["overhaed_ms"] = Src(1);
  EXPECT_EQ(ParseError(doc), "tiny.json: overhaed_ms: unknown key (did you mean 'overhead_ms'?)");
  doc.erase("overhaed_ms");
  doc["zzzzzzzzzz"] = 1;
  std::string msg = ParseError(doc);
  EXPECT_EQ(msg.rfind("tiny.json: zzzzzzzzzz: unknown key (expected one of: schema, ", 0), 0u) << msg;
}

TEST(PlatformTest, UnknownNestedKey) {
  Json doc = Minimal();
  doc["precisions"]["fp16"]["peak_gops"]["unit"] = "GOP/s";
  EXPECT_EQ(ParseError(doc),
            "tiny.json: precisions.fp16.peak_gops.unit: unknown key "
            "(expected one of: value, source)");
  doc = Minimal();
  doc["classes"] = {{"conv", {{"estimator", "roofline"}, {"compute_eff", Src(0.5)}}}};
  EXPECT_EQ(ParseError(doc),
            "tiny.json: classes.conv.compute_eff: unknown key "
            "(expected one of: estimator, compute_efficiency, "
            "memory_efficiency, parallelism, fitted, trees, cv_residuals, fallback, active_w, kernel_terms, "
            "interval, warm, host_fallback, constant_ms, gemm_tiles, winograd, overlap_p, group_waves)");
  doc["classes"] = {{"conv", {{"estimator", "roofline"}, {"compute_eficiency", Src(0.5)}}}};
  EXPECT_EQ(ParseError(doc),
            "tiny.json: classes.conv.compute_eficiency: unknown key "
            "(did you mean 'compute_efficiency'?)");
}

TEST(PlatformTest, WrongType) {
  Json doc = Minimal();
  doc["precisions"]["fp16"]["peak_gops"] = 471.6;
  EXPECT_EQ(ParseError(doc, "platforms/ncs2.json"),
            "platforms/ncs2.json: precisions.fp16.peak_gops: expected an object {value, source}, "
            "got number");
  doc = Minimal();
  doc["overhead_ms"]["value"] = "1.3";
  EXPECT_EQ(ParseError(doc), "tiny.json: overhead_ms.value: expected a number, got string");
  doc = Minimal();
  doc["notes"] = "not a list";
  EXPECT_EQ(ParseError(doc), "tiny.json: notes: expected an array, got string");
  doc = Minimal();
  doc["classes"] = {{"conv",
                     {{"estimator", "refined_roofline"},
                      {"parallelism", {{{"dim", "in_c"}, {"p", 32.5}, {"alpha", 1}, {"source", "s"}}}}}}};
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.conv.parallelism[0].p: expected an integer, got 32.5");
  EXPECT_EQ(TextError("[1, 2]"), "tiny.json: (top level): expected an object, got array");
}

TEST(PlatformTest, MissingRequiredField) {
  Json doc = Minimal();
  doc.erase("price_usd");
  EXPECT_EQ(ParseError(doc), "tiny.json: price_usd: missing required field");
  doc = Minimal();
  doc["power"].erase("typical_w");
  EXPECT_EQ(ParseError(doc), "tiny.json: power.typical_w: missing required field");
  doc = Minimal();
  doc["precisions"]["fp16"]["bandwidth_gbps"].erase("source");
  EXPECT_EQ(ParseError(doc), "tiny.json: precisions.fp16.bandwidth_gbps.source: missing required field");
  doc = Minimal();
  doc["classes"] = {{"default", Json::object()}};
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.default.estimator: missing required field");
}

TEST(PlatformTest, OutOfRange) {
  Json doc = Minimal();
  doc["classes"] = {{"conv", {{"estimator", "roofline"}, {"compute_efficiency", Src(1.5)}}}};
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.conv.compute_efficiency.value: must be in (0, 1], got 1.5");
  doc = Minimal();
  doc["precisions"]["fp16"]["bandwidth_gbps"]["value"] = 0;
  EXPECT_EQ(ParseError(doc), "tiny.json: precisions.fp16.bandwidth_gbps.value: must be > 0, got 0");
  doc = Minimal();
  doc["overhead_ms"]["value"] = -1;
  EXPECT_EQ(ParseError(doc), "tiny.json: overhead_ms.value: must be >= 0, got -1");
  doc = Minimal();
  doc["dispatch_ms"] = Src(-1);
  EXPECT_EQ(ParseError(doc), "tiny.json: dispatch_ms.value: must be >= 0, got -1");
  doc = Minimal();
  doc["classes"] = {{"conv",
                     {{"estimator", "refined_roofline"},
                      {"parallelism", {{{"dim", "in_c"}, {"p", 0}, {"alpha", 1.2}, {"source", "s"}}}}}}};
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.conv.parallelism[0].p: must be >= 1, got 0");
  doc["classes"]["conv"]["parallelism"][0]["p"] = 8;
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.conv.parallelism[0].alpha: must be in [0, 1], got 1.2");
  doc["classes"]["conv"]["parallelism"][0]["alpha"] = 1;
  doc["classes"]["conv"]["parallelism"][0]["dim"] = "c";
  EXPECT_EQ(ParseError(doc).rfind("tiny.json: classes.conv.parallelism[0].dim: unknown dimension 'c'", 0), 0u);
  doc["classes"]["conv"]["parallelism"][0]["dim"] = "in_c";
  doc["classes"]["conv"]["parallelism"][1] = doc["classes"]["conv"]["parallelism"][0];
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.conv.parallelism[1].dim: duplicate dimension 'in_c'");
  doc = Minimal();
  doc["precisions"]["fp16"]["peak_gops"]["source"] = "";
  EXPECT_EQ(ParseError(doc), "tiny.json: precisions.fp16.peak_gops.source: must not be empty");
}

TEST(PlatformTest, BadPrecisionAndClassNames) {
  Json doc = Minimal();
  doc["precisions"]["fp61"] = doc["precisions"]["fp16"];
  EXPECT_EQ(ParseError(doc), "tiny.json: precisions.fp61: unknown precision (did you mean 'fp16'?)");
  doc = Minimal();
  doc["precisions"]["bf16"] = doc["precisions"]["fp16"];
  EXPECT_EQ(ParseError(doc).rfind("tiny.json: precisions.bf16: unknown precision", 0), 0u);
  doc = Minimal();
  doc["default_precision"] = "int8";
  EXPECT_EQ(ParseError(doc), "tiny.json: default_precision: 'int8' is not a key of precisions");
  doc["default_precision"] = "double";
  EXPECT_EQ(ParseError(doc).rfind("tiny.json: default_precision: unknown precision 'double'", 0), 0u);
  doc = Minimal();
  doc["precisions"] = Json::object();
  EXPECT_EQ(ParseError(doc), "tiny.json: precisions: must list at least one precision");
  doc = Minimal();
  doc["classes"] = {{"convolution", {{"estimator", "roofline"}}}};
  EXPECT_EQ(ParseError(doc).rfind("tiny.json: classes.convolution: unknown op class", 0), 0u);
  doc["classes"] = {{"dwconvv", {{"estimator", "roofline"}}}};
  EXPECT_EQ(ParseError(doc), "tiny.json: classes.dwconvv: unknown op class (did you mean 'dwconv'?)");
  doc = Minimal();
  doc["schema"] = "odonata-platform/2";
  EXPECT_EQ(ParseError(doc),
            "tiny.json: schema: unsupported schema 'odonata-platform/2' "
            "(expected 'odonata-platform/1')");
}

TEST(PlatformTest, InvalidJsonNamesLineAndColumn) {
  // Line 3 lacks the ':' after "name"; the parser stops at the end of the
  // unexpected token, the closing quote of "tiny" in column 15.
  std::string text = "{\n  \"schema\": \"odonata-platform/1\",\n  \"name\" \"tiny\"\n}\n";
  std::string msg = TextError(text, "bad.json");
  EXPECT_EQ(msg.rfind("bad.json: invalid JSON at line 3, column 15: ", 0), 0u) << msg;
  EXPECT_EQ(msg.find("json.exception"), std::string::npos) << msg;

  msg = TextError("{\n\"a\": 1,\n", "cut.json");
  EXPECT_EQ(msg.rfind("cut.json: invalid JSON at line 3, column 1: ", 0), 0u) << msg;
}

// The reader parses a profile without the whitespace between its tokens
// (issue 13): the value is the text's, whitespace inside strings stays, two
// tokens never merge, and errors are located in the text as written.
TEST(PlatformTest, StrictJsonIgnoresLayoutOnly) {
  const std::string indented = "{\n  \"a\": [1, 2.5, -3e2, true, null],\n\t\"b\" :\r\n {\"c d\": \" x \\\" y \"},\n  \"e\" : \"q\\\\\" ,\n  \"f\": \"\\\\\\\"\"\n}\n";
  const Json j = json::ParseStrict(indented, "t.json");
  EXPECT_EQ(j, Json::parse(indented));
  EXPECT_EQ(j["b"]["c d"], " x \" y ");
  EXPECT_EQ(j["e"], "q\\");
  EXPECT_EQ(j["f"], "\\\"");
  EXPECT_TRUE(j["a"][0].is_number_unsigned());
  EXPECT_TRUE(j["a"][2].is_number_float());
  EXPECT_EQ(json::ParseStrict("  [12]  ", "t.json"), Json::parse("[12]"));
  // Whitespace between two numbers or literals separates tokens: errors, not [12] or [truefalse].
  for (const char* text : {"[1 2]", "[1\n\n2]", "[true false]", "[1 -2]", "[1 .5]", "- 1"}) {
    EXPECT_EQ(ErrorOf([&] { json::ParseStrict(text, "t.json"); }).rfind("t.json: invalid JSON at line ", 0), 0u)
        << text;
  }
  // The same message as nlohmann's own parse of the text as written.
  for (const std::string text : {"[1,\n   2 3]", "{\n  \"a\": 1\n  \"b\": 2\n}", "  \n [1,\n\n  ]"}) {
    std::string expected;
    try {
      (void)Json::parse(text);
    } catch (const Json::parse_error& e) {
      expected = "t.json: " + json::DescribeParseError(text, e);
    }
    EXPECT_EQ(ErrorOf([&] { json::ParseStrict(text, "t.json"); }), expected);
  }
}

TEST(PlatformTest, DuplicateKeyRejected) {
  std::string text = Minimal().dump(2);
  // Repeat a nested key: the second "idle_w" would silently win otherwise.
  std::string dup = "\"idle_w\": {\"value\": 5, \"source\": \"x\"},\n";
  std::size_t at = text.find("\"idle_w\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, dup);
  EXPECT_EQ(TextError(text), "tiny.json: power.idle_w: duplicate key");
  std::string arr = R"({"notes": ["a", {"k": 1, "k": 2}]})";
  EXPECT_EQ(TextError(arr), "tiny.json: notes[1].k: duplicate key");
  // Arrays in arrays, a document that is an array, a key repeated after a nested object.
  EXPECT_EQ(TextError(R"([{"a": [[0, {}], {"x": {"y": 1}, "z": [], "x": 2}]}])"),
            "tiny.json: [0].a[1].x: duplicate key");
  // The same key in different objects is no duplicate: the error is a later one.
  EXPECT_EQ(TextError(R"({"a": {"k": 1}, "b": {"k": 1}, "a": 3})"), "tiny.json: a: duplicate key");
  // Syntax errors and numbers out of range are still nlohmann's, with line and column.
  EXPECT_EQ(TextError("{\"a\": 1e999}").rfind("tiny.json: invalid JSON", 0), 0u) << TextError("{\"a\": 1e999}");
  EXPECT_EQ(TextError("{\"a\": 1} x").rfind("tiny.json: invalid JSON at line 1, column 10: ", 0), 0u)
      << TextError("{\"a\": 1} x");
}

TEST(PlatformTest, LoadChecksNameAgainstFileName) {
  TempDir dir;
  std::string path = dir.Write("other.json", Minimal().dump());
  EXPECT_EQ(ErrorOf([&] { LoadPlatform(path); }),
            path + ": name: 'tiny' does not match the file name (expected 'other')");
  Platform p = LoadPlatform(dir.Write("tiny.json", Minimal().dump()));
  EXPECT_EQ(p.path, dir.path() + "/tiny.json");

  std::string missing = ErrorOf([&] { LoadPlatform(dir.path() + "/missing.json"); });
  EXPECT_NE(missing.find("missing.json: cannot open"), std::string::npos) << missing;
}

TEST(PlatformTest, ResolvePlatform) {
  TempDir first, second;
  first.Write("jetson-nano.json", "{}");
  second.Write("jetson-nano.json", "{}");
  second.Write("ncs2.json", "{}");
  second.Write("readme.txt", "");
  std::vector<std::string> path = {first.path(), second.path()};

  EXPECT_EQ(ListPlatforms(path), (std::vector<std::string>{"jetson-nano", "ncs2"}));
  // First directory wins.
  EXPECT_EQ(ResolvePlatform("jetson-nano", path), first.path() + "/jetson-nano.json");
  EXPECT_EQ(ResolvePlatform("ncs2", path), second.path() + "/ncs2.json");

  // Path forms are taken as given.
  std::string file = second.path() + "/ncs2.json";
  EXPECT_EQ(ResolvePlatform(file, {}), file);
  EXPECT_EQ(ErrorOf([&] { ResolvePlatform("nowhere/x.json", path); }), "platform file 'nowhere/x.json' not found");

  EXPECT_EQ(ErrorOf([&] { ResolvePlatform("jetsn-nano", path); }),
            "unknown platform 'jetsn-nano' (did you mean 'jetson-nano'?)");
  EXPECT_EQ(ErrorOf([&] { ResolvePlatform("coral", path); }),
            "unknown platform 'coral' (available: jetson-nano, ncs2)");
}

TEST(PlatformTest, ShippedProfilesResolveByName) {
  std::vector<std::string> path = PlatformSearchPath("");
  ASSERT_FALSE(path.empty());
  std::string file = ResolvePlatform("ncs2", path);
  EXPECT_EQ(LoadPlatform(file).name, "ncs2");
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  void Set(const char* name, const std::optional<std::string>& value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(PlatformTest, SearchOrderIsCurrentFolderEnvironmentUserInstalledSourceTree) {
  TempDir env_dir, xdg;
  ScopedEnv env;
  env.Set("ODONATA_PLATFORMS", "/definitely/not/here:" + env_dir.path() + "::" + env_dir.path());
  env.Set("XDG_DATA_HOME", xdg.path());
  const std::string user = xdg.path() + "/odonata/platforms";
  fs::create_directories(user);

  // An installed binary: no source tree.
  EXPECT_EQ(PlatformSearchOrder("/opt/odonata/bin/odonata"),
            (std::vector<PlatformDir>{{(fs::current_path() / "platforms").string(), "current folder", fs::is_directory("platforms")},
                                      {"/definitely/not/here", "$ODONATA_PLATFORMS", false},
                                      {env_dir.path(), "$ODONATA_PLATFORMS", true},
                                      {env_dir.path(), "$ODONATA_PLATFORMS", true},
                                      {user, "user", true},
                                      {"/opt/odonata/share/odonata/platforms", "installed", false}}));
  // A binary of this build tree (uninstalled): the source tree comes last.
  const std::vector<PlatformDir> build = PlatformSearchOrder(ODONATA_BINARY_DIR "/odonata");
  ASSERT_FALSE(build.empty());
  EXPECT_EQ(build.back(), (PlatformDir{ODONATA_SOURCE_DIR "/platforms", "source tree", true}));
  // No executable (a library user): no installed entry; the source tree.
  const std::vector<PlatformDir> library = PlatformSearchOrder("");
  ASSERT_GE(library.size(), 2u);
  EXPECT_EQ(library.end()[-2], (PlatformDir{user, "user", true}));
  EXPECT_EQ(library.back(), (PlatformDir{ODONATA_SOURCE_DIR "/platforms", "source tree", true}));
}

TEST(PlatformTest, SearchDirsDropMissingAndRepeatedDirectories) {
  TempDir env_dir;
  ScopedEnv env;
  env.Set("ODONATA_PLATFORMS", "/definitely/not/here:" + env_dir.path() + "::" + env_dir.path());
  env.Set("XDG_DATA_HOME", std::nullopt);
  env.Set("HOME", "/definitely/not/home");
  // The tests run in the source tree, whose platforms/ is "./platforms".
  ASSERT_TRUE(fs::is_directory("platforms"));
  const std::vector<PlatformDir> dirs = PlatformSearchDirs(ODONATA_BINARY_DIR "/odonata");
  // The source tree is the current folder: listed once, as the current folder.
  const std::string here = (fs::current_path() / "platforms").string();
  EXPECT_EQ(dirs, (std::vector<PlatformDir>{{here, "current folder", true},
                                            {fs::path(env_dir.path()).lexically_normal().string(),
                                             "$ODONATA_PLATFORMS", true}}));
  EXPECT_EQ(PlatformSearchPath(ODONATA_BINARY_DIR "/odonata"),
            (std::vector<std::string>{here, fs::path(env_dir.path()).lexically_normal().string()}));
}

TEST(PlatformTest, UserFolderIsXdgDataHomeElseHome) {
  ScopedEnv env;
  env.Set("XDG_DATA_HOME", "/x/data");
  env.Set("HOME", "/home/u");
  EXPECT_EQ(UserPlatformDir(), "/x/data/odonata/platforms");
  env.Set("XDG_DATA_HOME", "relative/ignored");  // the XDG spec: relative paths are invalid
  EXPECT_EQ(UserPlatformDir(), "/home/u/.local/share/odonata/platforms");
  env.Set("XDG_DATA_HOME", std::nullopt);
  EXPECT_EQ(UserPlatformDir(), "/home/u/.local/share/odonata/platforms");
  env.Set("HOME", std::nullopt);
  EXPECT_EQ(UserPlatformDir(), "");
}

TEST(PlatformTest, AProfileInTheCurrentFolderShadowsTheShippedOne) {
  TempDir dir;
  fs::create_directories(fs::path(dir.path()) / "platforms");
  std::string nano;
  {
    std::ifstream in(kPlatformsDir + "/jetson-nano.json");
    nano.assign(std::istreambuf_iterator<char>(in), {});
  }
  dir.Write("platforms/jetson-nano.json", nano);
  dir.Write("platforms/myboard.json", nano.replace(nano.find("\"jetson-nano\""), 13, "\"myboard\""));
  const fs::path saved = fs::current_path();
  fs::current_path(dir.path());
  const std::vector<std::string> path = PlatformSearchPath(ODONATA_BINARY_DIR "/odonata");
  const std::string nano_file = ResolvePlatform("jetson-nano", path);
  const std::string myboard = ResolvePlatform("myboard", path);
  const std::string here = (fs::current_path() / "platforms").string();
  fs::current_path(saved);
  EXPECT_EQ(nano_file, here + "/jetson-nano.json");
  EXPECT_EQ(myboard, here + "/myboard.json");
}

TEST(PlatformTest, LoadByNameAndProfileNames) {
  const Platform nano = LoadPlatform("jetson-nano", {kPlatformsDir});
  EXPECT_EQ(nano.name, "jetson-nano");
  EXPECT_EQ(nano.path, kPlatformsDir + "/jetson-nano.json");
  EXPECT_EQ(LoadPlatform("jetson-tx2:maxq", {kPlatformsDir}).DisplayName(), "jetson-tx2:maxq");
  EXPECT_EQ(ErrorOf([] { LoadPlatform("jetsn-nano", {kPlatformsDir}); }),
            "unknown platform 'jetsn-nano' (did you mean 'jetson-nano'?)");
  EXPECT_EQ(ProfileNameOf("boards/myboard.json"), "myboard");
  EXPECT_EQ(ProfileNameOf("myboard.json"), "myboard");
  EXPECT_EQ(ProfileNameOf("/tmp/a.b.json"), "a.b");
}

TEST(PlatformTest, PlatformJsonIsWritePlatformCheckedToReadBack) {
  Platform p = LoadPlatform(kPlatformsDir + "/jetson-nano.json");
  std::ostringstream direct;
  WritePlatform(p, direct);
  const std::string text = PlatformJson(p, "out.json");
  EXPECT_EQ(text, direct.str());
  std::ostringstream again;
  WritePlatform(ParsePlatform(text, "out.json"), again);
  EXPECT_EQ(again.str(), text);
  p.description.clear();  // WritePlatform writes it; ParsePlatform refuses it
  const std::string error = ErrorOf([&] { PlatformJson(p, "out.json"); });
  EXPECT_EQ(error.rfind("out.json: ", 0), 0u) << error;
}

}  // namespace
}  // namespace odonata
