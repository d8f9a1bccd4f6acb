// Every shipped model: loads with static shapes, and its counts match
// independent references (PyTorch forward hooks; onnx-tool's published MACs).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <fstream>
#include <sstream>

#include "odonata/errors.h"
#include "odonata/network.h"
#include "odonata/onnx.h"

namespace odonata {
namespace {

const std::string kRoot = ODONATA_SOURCE_DIR;

struct Reference {
  std::string file;
  std::int64_t params = 0;
  std::int64_t macs = 0;
};

// models/reference_counts.csv, written by tools/export_models.py from PyTorch
// forward hooks on Conv2d/Linear modules (independent of the ONNX graph).
std::vector<Reference> ReadReferences() {
  std::ifstream in(kRoot + "/models/reference_counts.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "model_file,input_shape,params,conv_linear_macs,counter");
  std::vector<Reference> refs;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string file, shape, params, macs;
    std::getline(ss, file, ',');
    std::getline(ss, shape, ',');
    std::getline(ss, params, ',');
    std::getline(ss, macs, ',');
    refs.push_back({file, std::stoll(params), std::stoll(macs)});
  }
  return refs;
}

TEST(Models, EveryShippedModelMatchesPyTorchCounts) {
  std::vector<Reference> refs = ReadReferences();
  // 12 networks, 2 count-reference variants, 25 validation networks of the host suite (issue 12),
  // 11 TF-slim networks (models/slim/, issue 16) and 8 Jetson Nano validation networks (issue 16: resnet152,
  // densenet161/169/201, vgg11/13, vgg13_bn, vgg16_bn), and 5 iCAS-Lab real networks for the Nano (issue 16:
  // vgg19, efficientnet_b4, efficientnet_v2_m, icas/unet_carvana with its transposed convolutions, icas/xception),
  // and darknet/yolo_v3_tiny and slim/facenet_inception_resnet_v1 for the NCS2 rank check.
  ASSERT_EQ(refs.size(), 65u);
  for (const Reference& r : refs) {
    SCOPED_TRACE(r.file);
    Network net = LoadOnnx(kRoot + "/models/" + r.file);
    Counts c = net.Totals();
    // Faster R-CNN: odonata also counts RoiAlign's bilinear MACs (2 levels x 75 rois x 256 x 7x7
    // outputs x 4 points x 4 taps = 2 x 15,052,800: the two FPN levels share the 150 rois,
    // MultiScaleRoIAlign's rule), which PyTorch's Conv2d/Linear hooks do not see.
    const std::int64_t extra_macs = r.file == "fasterrcnn_mobilenet_v3_large_320_fpn.onnx" ? 2 * 15052800 : 0;
    EXPECT_EQ(c.macs, r.macs + extra_macs);
    // Swin-T: the exporter folds each block's relative position bias (a gather of the
    // 169 x heads table over the 49 x 49 window positions) into a constant, so the ONNX
    // file holds 49 x 49 x heads values per block instead of the table:
    // 2401 x 138 - 169 x 138 = 308,016 more parameters than the PyTorch module.
    // Faster R-CNN: the RPN head (3x3 conv 256->256 590,080, objectness 1x1 256->15 3,855, box deltas
    // 1x1 256->60 15,420: 609,355 parameters) runs on each of the 3 FPN levels, one node per level
    // reading the same initializers; odonata counts a layer's weights per layer, so twice more.
    const std::int64_t extra = r.file == "swin_t.onnx"                                  ? 308016
                               : r.file == "fasterrcnn_mobilenet_v3_large_320_fpn.onnx" ? 2 * 609355
                                                                                          : 0;
    EXPECT_EQ(c.params, r.params + extra);
    // All shapes static: every tensor of every layer has a known, non-negative shape.
    for (const Layer& l : net.layers) {
      for (const auto* list : {&l.inputs, &l.outputs}) {
        for (const TensorInfo& t : *list) {
          if (t.name.empty()) continue;
          EXPECT_NE(t.dtype, DataType::kUnknown) << l.name << " " << t.name;
          for (std::int64_t d : t.shape) EXPECT_GE(d, 0) << l.name << " " << t.name;
        }
      }
    }
  }
}

TEST(Models, ClassifiersHaveSymbolicBatch) {
  LoadOptions o;
  o.batch = 4;
  Network net = LoadOnnx(kRoot + "/models/resnet50.onnx", o);
  EXPECT_EQ(net.inputs[0].shape, (Shape{4, 3, 224, 224}));
  EXPECT_EQ(net.outputs[0].shape, (Shape{4, 1000}));
  EXPECT_EQ(net.Totals().macs, 4 * 4089184256LL);
}

TEST(Models, DetectionPostProcessingIsBoundedAndFlagged) {
  Network net = LoadOnnx(kRoot + "/models/ssdlite320_mobilenet_v3_large.onnx");
  int nms = 0, flagged = 0;
  for (const Layer& l : net.layers) {
    nms += l.op_type == "NonMaxSuppression";
    flagged += l.data_dependent;
  }
  // torchvision's batched NMS sits in an If whose condition follows from the
  // bounded shapes; the taken branch (with NonMaxSuppression) is inlined.
  EXPECT_EQ(nms, 1);
  EXPECT_GT(flagged, 0);
  // The backbone and heads do not depend on input values.
  for (const Layer& l : net.layers) {
    if (l.op_type == "Conv") {
      EXPECT_FALSE(l.data_dependent) << l.name;
    }
  }
  EXPECT_FALSE(net.warnings.empty());
}

// torchvision's Faster R-CNN MobileNetV3-Large 320 FPN with its post-processing (issue 12's
// suite network): the RPN keeps the top 150 anchors of each of 3 levels (rpn_pre_nms_top_n_test),
// its NMS keeps at most those 450, then 150 proposals (rpn_post_nms_top_n_test); the RoI head's
// NMS runs on 150 proposals x 90 classes, then at most 100 detections (detections_per_img).
// With these bounds the MACs are those of PyTorch's forward hooks on the export's run, which
// kept 150 proposals (models/reference_counts.csv; the test above).
TEST(Models, FasterRcnnPostProcessingIsBoundedAndFlagged) {
  Network net = LoadOnnx(kRoot + "/models/fasterrcnn_mobilenet_v3_large_320_fpn.onnx");
  EXPECT_EQ(net.Totals().macs, 2872931200LL + 2 * 15052800);  // + RoiAlign's MACs (the test above)
  std::map<std::string, Shape> nms;
  std::map<std::string, int> convs;
  std::map<std::string, std::int64_t> macs;  // Conv MACs by part
  std::int64_t gemm_macs = 0;
  int gemms = 0;
  for (const Layer& l : net.layers) {
    if (l.op_type == "NonMaxSuppression") nms[l.name] = l.outputs[0].shape;
    if (l.op_type == "Conv") {
      EXPECT_FALSE(l.data_dependent) << l.name;  // backbone, FPN and RPN head see the image only
      const std::string part = l.name.substr(0, l.name.find('/', l.name.find('/', 1) + 1));
      ++convs[part];
      macs[part] += l.counts.macs;
    }
    if (l.op_type == "Gemm") {
      ++gemms;
      gemm_macs += l.counts.macs;
      // The box head runs on the 150 proposals: bounded and flagged.
      EXPECT_TRUE(l.data_dependent) << l.name;
      EXPECT_EQ(l.outputs[0].shape[0], 150) << l.name;
    }
  }
  // By hand. FPN on two 10x10 maps (160 and 960 channels) to 256: 1x1 inner convs
  // 100 x 256 x (160 + 960), 3x3 output convs 2 x 100 x 256 x 256 x 9.
  EXPECT_EQ(convs["/backbone/fpn"], 4);
  EXPECT_EQ(macs["/backbone/fpn"], 100LL * 256 * (160 + 960) + 2LL * 100 * 256 * 256 * 9);  // 146,636,800
  // RPN head (3x3 256->256, 1x1 to 15 objectness and 60 deltas: 5 sizes x 3 ratios) on
  // 10x10, 10x10 and the 5x5 max-pooled level: 225 positions.
  EXPECT_EQ(convs["/rpn/head"], 9);
  EXPECT_EQ(macs["/rpn/head"], 225LL * 256 * (256 * 9 + 15 + 60));  // 137,030,400
  // Box head and predictor on 150 proposals: 12544 (256x7x7) -> 1024 -> 1024 -> 91 classes, 364 deltas.
  EXPECT_EQ(gemms, 4);
  EXPECT_EQ(gemm_macs, 150LL * (12544 * 1024 + 1024 * 1024 + 1024 * 91 + 1024 * 364));  // 2,153,932,800
  // MobileNetV3-Large's 62 convolutions: the rest of PyTorch's total.
  EXPECT_EQ(convs["/backbone/body"], 62);
  EXPECT_EQ(macs["/backbone/body"], 2872931200LL - 146636800 - 137030400 - 2153932800);  // 435,331,200
  // The RPN's NMS on 450 boxes of 1 class; the RoI head's on 150 boxes of 90 classes.
  std::vector<Shape> shapes;
  for (const auto& [name, s] : nms) shapes.push_back(s);
  std::sort(shapes.begin(), shapes.end());
  EXPECT_EQ(shapes, (std::vector<Shape>{{450, 3}, {13500, 3}}));
  ASSERT_EQ(net.outputs.size(), 3u);
  EXPECT_EQ(net.outputs[0].shape, (Shape{100, 4}));  // boxes: at most detections_per_img
  EXPECT_TRUE(net.outputs[0].data_dependent);
  // MultiScaleRoIAlign (box_roi_pool): the 150 proposals go to 2 FPN levels (NonZero of
  // Equal(levels, 0) and of Equal(levels, 1)), one RoiAlign each (256 channels, 7x7 bins, ratio 2),
  // merged by 2 ScatterElements into one 150 x 256 x 7x7 tensor: each level at ceil(150 / 2) = 75
  // rois, 75 x 256 x 49 = 940,800 outputs x 16 = 15,052,800 MACs.
  int roi_align = 0, scatters = 0;
  for (const Layer& l : net.layers) {
    if (l.op_type == "RoiAlign") {
      ++roi_align;
      EXPECT_EQ(l.outputs[0].shape, (Shape{75, 256, 7, 7})) << l.name;
      EXPECT_EQ(l.inputs[1].shape, (Shape{75, 4})) << l.name;
      EXPECT_EQ(l.counts.macs, 15052800) << l.name;
    }
    if (l.op_type == "ScatterElements") {
      ++scatters;
      EXPECT_EQ(l.inputs[0].shape, (Shape{150, 256, 7, 7})) << l.name;  // the merged tensor: all rois
      EXPECT_EQ(l.inputs[1].shape, (Shape{75, 256, 7, 7})) << l.name;
      EXPECT_EQ(l.inputs[2].shape, (Shape{75, 256, 7, 7})) << l.name;
      EXPECT_EQ(l.outputs[0].shape, (Shape{150, 256, 7, 7})) << l.name;
    }
  }
  EXPECT_EQ(roi_align, 2);
  EXPECT_EQ(scatters, 2);
  bool roi_warning = false;
  for (const std::string& w : net.warnings) {
    roi_warning |= w.starts_with("MultiScaleRoIAlign: 2 RoiAlign ('/roi_heads/box_roi_pool/RoiAlign', "
                                 "'/roi_heads/box_roi_pool/RoiAlign_1') take disjoint selections of the 150 rois of "
                                 "'/roi_heads/box_roi_pool/Concat_2_output_0' (one level each); each is estimated at "
                                 "ceil(150 / 2) = 75 rois, as are the updates of the 2 ScatterElements");
  }
  EXPECT_TRUE(roi_warning);
  bool nms_warning = false;
  for (const std::string& w : net.warnings) {
    nms_warning |= w == "2 outputs of NonMaxSuppression nodes depend on input values; estimated with upper bounds (first: "
                        "'1507' (from node 'If_1111/else_branch/NonMaxSuppression_1129' (NonMaxSuppression)), 450x3); "
                        "--input-shape TENSOR=DIMS states the expected size";
  }
  EXPECT_TRUE(nms_warning);
}

// onnx-tool's published MACs for ONNX Model Zoo networks
// (shared/data/peers/onnx_tool_modelzoo_macs_reference.csv, input shapes from
// onnx-tool data/public/config.py). odonata counts Conv/Gemm MACs only;
// onnx-tool adds a little for other ops, so odonata is at or just below.
double RelativeError(double ours, double ref) { return (ours - ref) / ref; }

TEST(Models, OnnxToolReferenceResNet50V1) {
  // Zoo resnet50-v1-12 (MXNet layout: stride on the first 1x1 conv): 3868 M MACs, 25 M params.
  Network net = LoadOnnx(kRoot + "/models/reference/resnet50_v1.onnx");
  EXPECT_LT(std::fabs(RelativeError(net.Totals().macs, 3868e6)), 0.01);
  EXPECT_LT(std::fabs(RelativeError(net.Totals().params, 25.0e6)), 0.03);  // reference rounded to 25
}

TEST(Models, OnnxToolReferenceFcnResNet50At256) {
  // Zoo fcn-resnet50-12 is a torchvision export; onnx-tool ran it at 1x3x256x256: 37056 M MACs, 35.29 M params.
  LoadOptions o;
  o.input_shapes["input"] = {1, 3, 256, 256};
  Network net = LoadOnnx(kRoot + "/models/fcn_resnet50.onnx", o);
  EXPECT_LT(std::fabs(RelativeError(net.Totals().macs, 37056e6)), 0.01);
  EXPECT_LT(std::fabs(RelativeError(net.Totals().params, 35.29e6)), 0.01);
}

TEST(Models, OnnxToolReferenceSqueezeNet) {
  // onnx-tool's row "SqueezeNet 1.0" (zoo squeezenet1.0-12 at 224x224) gives 351 M MACs and 1.23 M
  // params, the size of the SqueezeNet 1.1 architecture (1.0 has about 820 M MACs at 224x224).
  Network net = LoadOnnx(kRoot + "/models/squeezenet1_1.onnx");
  EXPECT_LT(std::fabs(RelativeError(net.Totals().macs, 351e6)), 0.01);
  EXPECT_LT(std::fabs(RelativeError(net.Totals().params, 1.23e6)), 0.01);
}

TEST(Models, OnnxToolReferenceGoogLeNetBvlcIsOneAndAHalfPercentLow) {
  // Zoo googlenet-12 (BVLC: 5x5 convs in the third branch): 1606 M MACs, 6.99 M params.
  // odonata's Conv/Gemm MACs are 1.45% lower: onnx-tool also counts the BVLC
  // model's LRN, pooling, ReLU and bias work, which this convention excludes.
  Network net = LoadOnnx(kRoot + "/models/reference/googlenet_bvlc.onnx");
  double e = RelativeError(net.Totals().macs, 1606e6);
  EXPECT_LT(e, -0.010);
  EXPECT_GT(e, -0.020);
  EXPECT_LT(std::fabs(RelativeError(net.Totals().params, 6.99e6)), 0.01);
}

}  // namespace
}  // namespace odonata
