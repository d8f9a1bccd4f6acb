#!/usr/bin/python3
"""Export TF-slim classifier architectures that torchvision lacks as weight-stripped ONNX (models/slim/).

    /usr/bin/python3 tools/export_slim_models.py [names...]     # --list shows names

The Jetson TX2 TensorRT table (shared/data/peers2/nvidia_tf_to_trt_tx2.csv) and the Vitis AI model zoo
rows (ZCU102) measured TensorFlow-slim networks (tensorflow/models research/slim/nets). Where torchvision
has the same architecture (VGG-16/19, Inception v1 as googlenet, Inception v3) the torchvision export in
models/ is used; the networks below are rebuilt in PyTorch layer for layer from the slim definitions:

  mobilenet_v1_<dm>_<res>   slim mobilenet_v1.py: 3x3/2 conv then 13 depthwise-separable blocks,
                            depth max(int(d * dm), 8), BatchNorm + ReLU6, 1001 classes as a 1x1 conv
  resnet_v1_{50,101,152}    slim resnet_v1.py: bottleneck units, the stride on the 3x3 conv of the LAST
                            unit of blocks 1-3, 1x1/stride max-pool shortcut where depth is unchanged
                            ("subsample"), 1000 classes as a 1x1 conv
  resnet_v2_{50,101,152}    slim resnet_v2.py: pre-activation units (BN + ReLU before each unit), same
                            block layout and strides as v1, conv1 without BN, postnorm, 1001 classes;
                            exported at 299x299 as in the TX2 table and the Vitis AI zoo
  inception_v4              slim inception_v4.py (Szegedy et al. 2016): stem, 4 x A, reduction A,
                            7 x B, reduction B, 3 x C; VALID paddings as slim; 1001 classes
  facenet_inception_resnet_v1  davidsandberg/facenet src/models/inception_resnet_v1.py at 160x160 (Open Model Zoo
                            facenet-20180408-102900): stem, 5 x block35 (0.17), reduction A, 10 x block17 (0.10),
                            reduction B, 5 x block8 (0.20) + 1 without ReLU, Bottleneck Linear 512 + BatchNorm, L2
  inception_resnet_v2       slim inception_resnet_v2.py: stem, Mixed_5b, 10 x block35 (scale 0.17),
                            Mixed_6a, 20 x block17 (0.10), Mixed_7a, 9 x block8 (0.20) + 1 without ReLU,
                            Conv2d_7b_1x1 (1536), 1001 classes

TF's SAME padding of strided convolutions is asymmetric; these exports pad symmetrically (k // 2), which
gives the same output sizes and MACs. Export settings, weight stripping and the counts are those of
tools/export_models.py (imported from it); rows go to models/reference_counts.csv.
"""

import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_models as em  # noqa: E402

SUBDIR = "slim"


class ConvBN(nn.Module):
    """slim conv2d with batch_norm and an activation (relu, relu6 or none)."""

    def __init__(self, cin, cout, k, stride=1, padding=None, groups=1, act="relu", bn=True):
        super().__init__()
        kh, kw = (k, k) if isinstance(k, int) else k
        if padding is None:  # SAME
            padding = (kh // 2, kw // 2)
        elif padding == 0:  # VALID
            padding = (0, 0)
        self.conv = nn.Conv2d(cin, cout, (kh, kw), stride, padding, groups=groups, bias=not bn)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3) if bn else None
        self.act = act

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.act == "relu":
            x = F.relu(x)
        elif self.act == "relu6":
            x = F.relu6(x)
        return x


# ----------------------------------------------------------------------------- MobileNet v1

class MobileNetV1(nn.Module):
    BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]

    def __init__(self, dm=1.0, classes=1001):
        super().__init__()
        d = lambda c: max(int(c * dm), 8)  # noqa: E731
        layers = [ConvBN(3, d(32), 3, 2, act="relu6")]
        cin = d(32)
        for c, s in self.BLOCKS:
            layers.append(ConvBN(cin, cin, 3, s, groups=cin, act="relu6"))
            layers.append(ConvBN(cin, d(c), 1, act="relu6"))
            cin = d(c)
        self.features = nn.Sequential(*layers)
        self.logits = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1)
        return torch.flatten(self.logits(x), 1)


# ----------------------------------------------------------------------------- ResNet v1 / v2 (slim)

class BottleneckV1(nn.Module):
    def __init__(self, cin, depth, bottleneck, stride):
        super().__init__()
        self.stride = stride
        self.shortcut = None if cin == depth else ConvBN(cin, depth, 1, stride, act=None)
        self.conv1 = ConvBN(cin, bottleneck, 1)
        self.conv2 = ConvBN(bottleneck, bottleneck, 3, stride)
        self.conv3 = ConvBN(bottleneck, depth, 1, act=None)

    def forward(self, x):
        if self.shortcut is not None:
            sc = self.shortcut(x)
        else:
            sc = x if self.stride == 1 else F.max_pool2d(x, 1, self.stride)
        return F.relu(sc + self.conv3(self.conv2(self.conv1(x))))


class BottleneckV2(nn.Module):
    def __init__(self, cin, depth, bottleneck, stride):
        super().__init__()
        self.stride = stride
        self.preact = nn.BatchNorm2d(cin, eps=1e-3)
        self.shortcut = None if cin == depth else nn.Conv2d(cin, depth, 1, stride, bias=True)
        self.conv1 = ConvBN(cin, bottleneck, 1)
        self.conv2 = ConvBN(bottleneck, bottleneck, 3, stride)
        self.conv3 = nn.Conv2d(bottleneck, depth, 1, bias=True)

    def forward(self, x):
        pre = F.relu(self.preact(x))
        if self.shortcut is not None:
            sc = self.shortcut(pre)
        else:
            sc = x if self.stride == 1 else F.max_pool2d(x, 1, self.stride)
        return sc + self.conv3(self.conv2(self.conv1(pre)))


class SlimResNet(nn.Module):
    UNITS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}

    def __init__(self, depth, v2=False, classes=1000):
        super().__init__()
        self.v2 = v2
        unit = BottleneckV2 if v2 else BottleneckV1
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=True) if v2 else ConvBN(3, 64, 7, 2)
        units, cin = [], 64
        for i, (n, base) in enumerate(zip(self.UNITS[depth], (64, 128, 256, 512))):
            for j in range(n):
                stride = 2 if (j == n - 1 and i < 3) else 1
                units.append(unit(cin, base * 4, base, stride))
                cin = base * 4
        self.units = nn.Sequential(*units)
        self.postnorm = nn.BatchNorm2d(cin, eps=1e-3) if v2 else None
        self.logits = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 3, 2, 1)
        x = self.units(x)
        if self.postnorm is not None:
            x = F.relu(self.postnorm(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return torch.flatten(self.logits(x), 1)


# ----------------------------------------------------------------------------- Inception v4 (slim)

def cat(*xs):
    return torch.cat(xs, 1)


class Stem(nn.Module):  # slim inception_v4 base up to Mixed_5a: 299 -> 35x35x384
    def __init__(self):
        super().__init__()
        self.c1 = ConvBN(3, 32, 3, 2, 0)
        self.c2 = ConvBN(32, 32, 3, 1, 0)
        self.c3 = ConvBN(32, 64, 3)
        self.m3a = ConvBN(64, 96, 3, 2, 0)
        self.m4a_0 = nn.Sequential(ConvBN(160, 64, 1), ConvBN(64, 96, 3, 1, 0))
        self.m4a_1 = nn.Sequential(ConvBN(160, 64, 1), ConvBN(64, 64, (1, 7)), ConvBN(64, 64, (7, 1)),
                                   ConvBN(64, 96, 3, 1, 0))
        self.m5a = ConvBN(192, 192, 3, 2, 0)

    def forward(self, x):
        x = self.c3(self.c2(self.c1(x)))
        x = cat(F.max_pool2d(x, 3, 2), self.m3a(x))
        x = cat(self.m4a_0(x), self.m4a_1(x))
        return cat(self.m5a(x), F.max_pool2d(x, 3, 2))


class BlockA(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0 = ConvBN(384, 96, 1)
        self.b1 = nn.Sequential(ConvBN(384, 64, 1), ConvBN(64, 96, 3))
        self.b2 = nn.Sequential(ConvBN(384, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3))
        self.b3 = ConvBN(384, 96, 1)

    def forward(self, x):
        return cat(self.b0(x), self.b1(x), self.b2(x), self.b3(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)))


class ReductionA(nn.Module):
    def __init__(self, cin, k, l, m, n):
        super().__init__()
        self.b0 = ConvBN(cin, n, 3, 2, 0)
        self.b1 = nn.Sequential(ConvBN(cin, k, 1), ConvBN(k, l, 3), ConvBN(l, m, 3, 2, 0))

    def forward(self, x):
        return cat(self.b0(x), self.b1(x), F.max_pool2d(x, 3, 2))


class BlockB(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0 = ConvBN(1024, 384, 1)
        self.b1 = nn.Sequential(ConvBN(1024, 192, 1), ConvBN(192, 224, (1, 7)), ConvBN(224, 256, (7, 1)))
        self.b2 = nn.Sequential(ConvBN(1024, 192, 1), ConvBN(192, 192, (7, 1)), ConvBN(192, 224, (1, 7)),
                                ConvBN(224, 224, (7, 1)), ConvBN(224, 256, (1, 7)))
        self.b3 = ConvBN(1024, 128, 1)

    def forward(self, x):
        return cat(self.b0(x), self.b1(x), self.b2(x), self.b3(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)))


class ReductionB(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0 = nn.Sequential(ConvBN(1024, 192, 1), ConvBN(192, 192, 3, 2, 0))
        self.b1 = nn.Sequential(ConvBN(1024, 256, 1), ConvBN(256, 256, (1, 7)), ConvBN(256, 320, (7, 1)),
                                ConvBN(320, 320, 3, 2, 0))

    def forward(self, x):
        return cat(self.b0(x), self.b1(x), F.max_pool2d(x, 3, 2))


class BlockC(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0 = ConvBN(1536, 256, 1)
        self.b1 = ConvBN(1536, 384, 1)
        self.b1a = ConvBN(384, 256, (1, 3))
        self.b1b = ConvBN(384, 256, (3, 1))
        self.b2 = nn.Sequential(ConvBN(1536, 384, 1), ConvBN(384, 448, (3, 1)), ConvBN(448, 512, (1, 3)))
        self.b2a = ConvBN(512, 256, (1, 3))
        self.b2b = ConvBN(512, 256, (3, 1))
        self.b3 = ConvBN(1536, 256, 1)

    def forward(self, x):
        y1 = self.b1(x)
        y2 = self.b2(x)
        return cat(self.b0(x), self.b1a(y1), self.b1b(y1), self.b2a(y2), self.b2b(y2),
                   self.b3(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)))


class InceptionV4(nn.Module):
    def __init__(self, classes=1001):
        super().__init__()
        self.features = nn.Sequential(Stem(), *[BlockA() for _ in range(4)], ReductionA(384, 192, 224, 256, 384),
                                      *[BlockB() for _ in range(7)], ReductionB(), *[BlockC() for _ in range(3)])
        self.fc = nn.Linear(1536, classes)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.fc(torch.flatten(x, 1))


# ----------------------------------------------------------------------------- Inception-ResNet v2 (slim)

class Block35(nn.Module):
    def __init__(self, scale=0.17):
        super().__init__()
        self.scale = scale
        self.b0 = ConvBN(320, 32, 1)
        self.b1 = nn.Sequential(ConvBN(320, 32, 1), ConvBN(32, 32, 3))
        self.b2 = nn.Sequential(ConvBN(320, 32, 1), ConvBN(32, 48, 3), ConvBN(48, 64, 3))
        self.up = nn.Conv2d(128, 320, 1, bias=True)

    def forward(self, x):
        return F.relu(x + self.scale * self.up(cat(self.b0(x), self.b1(x), self.b2(x))))


class Block17(nn.Module):
    def __init__(self, scale=0.10):
        super().__init__()
        self.scale = scale
        self.b0 = ConvBN(1088, 192, 1)
        self.b1 = nn.Sequential(ConvBN(1088, 128, 1), ConvBN(128, 160, (1, 7)), ConvBN(160, 192, (7, 1)))
        self.up = nn.Conv2d(384, 1088, 1, bias=True)

    def forward(self, x):
        return F.relu(x + self.scale * self.up(cat(self.b0(x), self.b1(x))))


class Block8(nn.Module):
    def __init__(self, scale=0.20, relu=True):
        super().__init__()
        self.scale, self.relu = scale, relu
        self.b0 = ConvBN(2080, 192, 1)
        self.b1 = nn.Sequential(ConvBN(2080, 192, 1), ConvBN(192, 224, (1, 3)), ConvBN(224, 256, (3, 1)))
        self.up = nn.Conv2d(448, 2080, 1, bias=True)

    def forward(self, x):
        y = x + self.scale * self.up(cat(self.b0(x), self.b1(x)))
        return F.relu(y) if self.relu else y


class Mixed5b(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0 = ConvBN(192, 96, 1)
        self.b1 = nn.Sequential(ConvBN(192, 48, 1), ConvBN(48, 64, 5))
        self.b2 = nn.Sequential(ConvBN(192, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3))
        self.b3 = ConvBN(192, 64, 1)

    def forward(self, x):
        return cat(self.b0(x), self.b1(x), self.b2(x), self.b3(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)))


class Mixed7a(nn.Module):
    def __init__(self):
        super().__init__()
        self.b0 = nn.Sequential(ConvBN(1088, 256, 1), ConvBN(256, 384, 3, 2, 0))
        self.b1 = nn.Sequential(ConvBN(1088, 256, 1), ConvBN(256, 288, 3, 2, 0))
        self.b2 = nn.Sequential(ConvBN(1088, 256, 1), ConvBN(256, 288, 3), ConvBN(288, 320, 3, 2, 0))

    def forward(self, x):
        return cat(self.b0(x), self.b1(x), self.b2(x), F.max_pool2d(x, 3, 2))


class InceptionResNetV2(nn.Module):
    def __init__(self, classes=1001):
        super().__init__()
        self.stem = nn.Sequential(ConvBN(3, 32, 3, 2, 0), ConvBN(32, 32, 3, 1, 0), ConvBN(32, 64, 3),
                                  nn.MaxPool2d(3, 2), ConvBN(64, 80, 1, 1, 0), ConvBN(80, 192, 3, 1, 0),
                                  nn.MaxPool2d(3, 2))
        self.features = nn.Sequential(Mixed5b(), *[Block35() for _ in range(10)], ReductionA(320, 256, 256, 384, 384),
                                      *[Block17() for _ in range(20)], Mixed7a(), *[Block8() for _ in range(9)],
                                      Block8(relu=False), ConvBN(2080, 1536, 1))
        self.fc = nn.Linear(1536, classes)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(self.stem(x)), 1)
        return self.fc(torch.flatten(x, 1))


# ----------------------------------------------------------------------------- Inception-ResNet v1 (facenet)

class ResBlock(nn.Module):
    """davidsandberg/facenet src/models/inception_resnet_v1.py block35 / block17 / block8: branches of
    slim conv2d (BatchNorm, ReLU), concat, a 1x1 conv with bias back to the input width, scaled residual add."""

    def __init__(self, c, branches, scale, relu=True):
        super().__init__()
        self.scale, self.relu = scale, relu
        self.branches = nn.ModuleList(nn.Sequential(*[ConvBN(a, b, k) for a, b, k in br]) for br in branches)
        self.up = nn.Conv2d(sum(br[-1][1] for br in branches), c, 1, bias=True)

    def forward(self, x):
        y = x + self.scale * self.up(cat(*[b(x) for b in self.branches]))
        return F.relu(y) if self.relu else y


class FacenetInceptionResNetV1(nn.Module):
    """facenet 20180408-102900 (Open Model Zoo facenet-20180408-102900) at 160x160: Inception-ResNet v1 as in
    src/models/inception_resnet_v1.py, then the Bottleneck fully connected layer to 512 (BatchNorm, no bias)
    and the L2 normalisation of the embeddings."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(
            ConvBN(3, 32, 3, 2, padding=0), ConvBN(32, 32, 3, padding=0), ConvBN(32, 64, 3),
            nn.MaxPool2d(3, 2), ConvBN(64, 80, 1, padding=0), ConvBN(80, 192, 3, padding=0),
            ConvBN(192, 256, 3, 2, padding=0))
        a = [[(256, 32, 1)], [(256, 32, 1), (32, 32, 3)], [(256, 32, 1), (32, 32, 3), (32, 32, 3)]]
        self.block35 = nn.Sequential(*[ResBlock(256, a, 0.17) for _ in range(5)])
        self.red_a = nn.ModuleList([ConvBN(256, 384, 3, 2, padding=0),
                                    nn.Sequential(ConvBN(256, 192, 1), ConvBN(192, 192, 3),
                                                  ConvBN(192, 256, 3, 2, padding=0))])
        b = [[(896, 128, 1)], [(896, 128, 1), (128, 128, (1, 7)), (128, 128, (7, 1))]]
        self.block17 = nn.Sequential(*[ResBlock(896, b, 0.10) for _ in range(10)])
        self.red_b = nn.ModuleList([nn.Sequential(ConvBN(896, 256, 1), ConvBN(256, 384, 3, 2, padding=0)),
                                    nn.Sequential(ConvBN(896, 256, 1), ConvBN(256, 256, 3, 2, padding=0)),
                                    nn.Sequential(ConvBN(896, 256, 1), ConvBN(256, 256, 3),
                                                  ConvBN(256, 256, 3, 2, padding=0))])
        c = [[(1792, 192, 1)], [(1792, 192, 1), (192, 192, (1, 3)), (192, 192, (3, 1))]]
        self.block8 = nn.Sequential(*[ResBlock(1792, c, 0.20) for _ in range(5)], ResBlock(1792, c, 1.0, relu=False))
        self.bottleneck = nn.Linear(1792, 512, bias=False)
        self.bottleneck_bn = nn.BatchNorm1d(512, eps=1e-3)

    def forward(self, x):
        x = self.block35(self.stem(x))
        x = self.block17(cat(*[m(x) for m in self.red_a], F.max_pool2d(x, 3, 2)))
        x = self.block8(cat(*[m(x) for m in self.red_b], F.max_pool2d(x, 3, 2)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return F.normalize(self.bottleneck_bn(self.bottleneck(x)), dim=1)


# ----------------------------------------------------------------------------- registry and export

MODELS = OrderedDict([
    ("mobilenet_v1_0.25_128", (lambda: MobileNetV1(0.25), 128)),
    ("mobilenet_v1_0.5_160", (lambda: MobileNetV1(0.5), 160)),
    ("mobilenet_v1_1.0_224", (lambda: MobileNetV1(1.0), 224)),
    ("resnet_v1_50", (lambda: SlimResNet(50), 224)),
    ("resnet_v1_101", (lambda: SlimResNet(101), 224)),
    ("resnet_v1_152", (lambda: SlimResNet(152), 224)),
    ("resnet_v2_50", (lambda: SlimResNet(50, v2=True, classes=1001), 299)),
    ("resnet_v2_101", (lambda: SlimResNet(101, v2=True, classes=1001), 299)),
    ("resnet_v2_152", (lambda: SlimResNet(152, v2=True, classes=1001), 299)),
    ("inception_v4", (InceptionV4, 299)),
    ("inception_resnet_v2", (InceptionResNetV2, 299)),
    ("facenet_inception_resnet_v1", (FacenetInceptionResNetV1, 160)),
])


def export(name):
    builder, res = MODELS[name]
    spec = em.Spec("slim:" + name, (1, 3, res, res), subdir=SUBDIR)
    torch.manual_seed(0)
    model = builder()
    em.decorrelate_params(model)
    model.eval()
    os.makedirs(os.path.join(em.MODELS_DIR, SUBDIR), exist_ok=True)
    path = os.path.join(em.MODELS_DIR, SUBDIR, name + ".onnx")
    x = em.example_input(spec)
    params = em.count_params(model)
    macs = em.count_macs(model, x)
    em.export_onnx(name, spec, model, x, path)
    mp = em.onnx.load(path)
    em.fix_names_and_docs(mp, "tools/export_slim_models.py " + name)
    mp = em.strip_weights(path, mp)
    rel = os.path.join(SUBDIR, name + ".onnx")
    return rel, dict(model_file=rel, input_shape="1x3x%dx%d" % (res, res), params=params,
                     conv_linear_macs=macs, counter=em.COUNTER_NAME)


def main(argv):
    return em.exporter_main(MODELS, export, argv, 24)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
