#!/usr/bin/python3
"""Export darknet architectures as weight-stripped ONNX (models/darknet/), for the NCS2 rank check.

    /usr/bin/python3 tools/export_darknet_models.py [names...]     # --list shows names

  yolo_v3_tiny   pjreddie/darknet cfg/yolov3-tiny.cfg at 416x416 (Open Model Zoo `yolo-v3-tiny-tf`, the Keras
                 conversion of the same network, whose outputs are the two detection convolutions: no region
                 layer): 6 x (3x3 conv + BatchNorm + LeakyReLU 0.1, 2x2 max pool; the sixth pool with stride 1 and
                 'same' padding), 3x3 conv 1024, 1x1 conv 256, 3x3 conv 512, 1x1 conv 255 (head at 13x13); from the
                 1x1 conv 256: 1x1 conv 128, 2x nearest up-sampling, concat with the 26x26 conv 256, 3x3 conv 256,
                 1x1 conv 255 (head at 26x26). 2,782,480,896 MACs, summed by hand layer by layer (checked below;
                 darknet's own count for this cfg is about 5.57 BFLOPs, 2 x MACs).

Export settings, weight stripping and models/reference_counts.csv rows as in tools/export_models.py.
"""

import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_models as em  # noqa: E402

SUBDIR = "darknet"


class ConvBNLeaky(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, 1, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.leaky_relu(self.bn(self.conv(x)), 0.1)


class YoloV3Tiny(nn.Module):
    def __init__(self, classes=80):
        super().__init__()
        widths = [16, 32, 64, 128, 256, 512]
        self.convs = nn.ModuleList()
        cin = 3
        for w in widths:
            self.convs.append(ConvBNLeaky(cin, w, 3))
            cin = w
        self.conv1024 = ConvBNLeaky(512, 1024, 3)
        self.conv256 = ConvBNLeaky(1024, 256, 1)
        self.conv512 = ConvBNLeaky(256, 512, 3)
        self.head1 = nn.Conv2d(512, 3 * (classes + 5), 1)
        self.conv128 = ConvBNLeaky(256, 128, 1)
        self.conv256b = ConvBNLeaky(384, 256, 3)
        self.head2 = nn.Conv2d(256, 3 * (classes + 5), 1)

    def forward(self, x):
        route = None
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i == 4:
                route = x  # 26x26x256
            if i < 5:
                x = F.max_pool2d(x, 2, 2)
            else:  # darknet's size-2 stride-1 pool keeps 13x13 ('same' padding on the right and bottom)
                x = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode="replicate"), 2, 1)
        x = self.conv256(self.conv1024(x))
        out1 = self.head1(self.conv512(x))
        y = F.interpolate(self.conv128(x), scale_factor=2, mode="nearest")
        out2 = self.head2(self.conv256b(torch.cat([y, route], 1)))
        return out1, out2


MODELS = OrderedDict([("yolo_v3_tiny", (YoloV3Tiny, 416, 2782480896))])


def export(name):
    builder, res, want_macs = MODELS[name]
    spec = em.Spec("darknet:" + name, (1, 3, res, res), kind="seg", subdir=SUBDIR)
    torch.manual_seed(0)
    model = builder()
    em.decorrelate_params(model)
    model.eval()
    x = em.example_input(spec)
    params = em.count_params(model)
    macs = em.count_macs(model, x)
    if macs != want_macs:
        sys.exit("%s: %d MACs counted, %d expected" % (name, macs, want_macs))
    os.makedirs(os.path.join(em.MODELS_DIR, SUBDIR), exist_ok=True)
    path = os.path.join(em.MODELS_DIR, SUBDIR, name + ".onnx")
    em.export_onnx(name, spec, model, x, path)
    mp = em.onnx.load(path)
    em.fix_names_and_docs(mp, "tools/export_darknet_models.py " + name)
    mp = em.strip_weights(path, mp)
    rel = os.path.join(SUBDIR, name + ".onnx")
    return rel, dict(model_file=rel, input_shape="1x3x%dx%d" % (res, res), params=params, conv_linear_macs=macs,
                     counter=em.COUNTER_NAME)


def main(argv):
    return em.exporter_main(MODELS, export, argv, 16)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
