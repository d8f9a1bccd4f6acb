#!/usr/bin/python3
"""Export the two iCAS-Lab real networks that torchvision lacks as weight-stripped ONNX (models/icas/).

    /usr/bin/python3 tools/export_icas_real_models.py [names...]     # --list shows names

iCAS-Lab/NAS-Performance-Modeling@50e6709 data/real_data/real_models.csv measured nine real networks on a
Jetson Nano with the scripts of its synthetic networks (data/jetson-nano/README.md). Seven are torchvision
models (tools/export_models.py); the two below come from elsewhere (model_generation/real_model_generator.py)
and are rebuilt in PyTorch layer for layer, at the file's input of 1x3x224x224:

  unet_carvana   milesial/Pytorch-UNet hubconf `unet_carvana` (scale 0.5 is a pre-processing argument):
                 UNet(n_channels=3, n_classes=2, bilinear=False): DoubleConv = 2 x (3x3 conv without bias,
                 BatchNorm, ReLU), 4 x (2x2 max pool, DoubleConv) to 1024 channels, 4 x (2x2 stride-2
                 transposed conv halving the channels, pad to the skip's size, concat, DoubleConv), 1x1 conv
  xception       Cadene/pretrained-models.pytorch `xception` (Chollet 2017): 3x3/2 and 3x3 convs without
                 padding, entry blocks 128/256/728 (stride 2 by a 3x3 max pool, 1x1/2 shortcut conv), 8 middle
                 blocks of 3 separable convs, exit block 728->1024, separable convs to 1536 and 2048, Linear

Each export is checked against the file's own counts (torchinfo: parameters; multiply-adds per kernel size,
counted as (weight + bias elements) x output pixels, the file's convention); a mismatch stops the script.
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

SUBDIR = "icas"


# ----------------------------------------------------------------------------- UNet (milesial)

class DoubleConv(nn.Module):
    def __init__(self, cin, cout, mid=None):
        super().__init__()
        mid = mid or cout
        self.double_conv = nn.Sequential(
            nn.Conv2d(cin, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
            nn.Conv2d(mid, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(cin, cout))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cin // 2, kernel_size=2, stride=2)
        self.conv = DoubleConv(cin, cout)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        dy = x2.size()[2] - x1.size()[2]
        dx = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(torch.cat([x2, x1], dim=1))


class UNet(nn.Module):
    def __init__(self, n_channels=3, n_classes=2):
        super().__init__()
        self.inc = DoubleConv(n_channels, 64)
        self.down1, self.down2, self.down3, self.down4 = Down(64, 128), Down(128, 256), Down(256, 512), Down(512, 1024)
        self.up1, self.up2, self.up3, self.up4 = Up(1024, 512), Up(512, 256), Up(256, 128), Up(128, 64)
        self.outc = nn.Conv2d(64, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        x = self.up1(x5, x4)
        x = self.up2(x, x3)
        x = self.up3(x, x2)
        x = self.up4(x, x1)
        return self.outc(x)


# ----------------------------------------------------------------------------- Xception (Cadene)

class SeparableConv2d(nn.Module):
    def __init__(self, cin, cout, k=1, stride=1, padding=0):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cin, k, stride, padding, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, 1, 0, bias=False)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class Block(nn.Module):
    def __init__(self, cin, cout, reps, stride=1, start_with_relu=True, grow_first=True):
        super().__init__()
        if cout != cin or stride != 1:
            self.skip = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.skipbn = nn.BatchNorm2d(cout)
        else:
            self.skip = None
        rep = []
        filters = cin
        if grow_first:
            rep += [nn.ReLU(inplace=True), SeparableConv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout)]
            filters = cout
        for _ in range(reps - 1):
            rep += [nn.ReLU(inplace=True), SeparableConv2d(filters, filters, 3, 1, 1), nn.BatchNorm2d(filters)]
        if not grow_first:
            rep += [nn.ReLU(inplace=True), SeparableConv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout)]
        if not start_with_relu:
            rep = rep[1:]
        else:
            rep[0] = nn.ReLU(inplace=False)
        if stride != 1:
            rep.append(nn.MaxPool2d(3, stride, 1))
        self.rep = nn.Sequential(*rep)

    def forward(self, inp):
        x = self.rep(inp)
        skip = self.skipbn(self.skip(inp)) if self.skip is not None else inp
        return x + skip


class Xception(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 2, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        blocks = [Block(64, 128, 2, 2, start_with_relu=False), Block(128, 256, 2, 2), Block(256, 728, 2, 2)]
        blocks += [Block(728, 728, 3, 1) for _ in range(8)]
        blocks += [Block(728, 1024, 2, 2, grow_first=False)]
        self.blocks = nn.Sequential(*blocks)
        self.conv3 = SeparableConv2d(1024, 1536, 3, 1, 1)
        self.bn3 = nn.BatchNorm2d(1536)
        self.conv4 = SeparableConv2d(1536, 2048, 3, 1, 1)
        self.bn4 = nn.BatchNorm2d(2048)
        self.last_linear = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.blocks(x)
        x = F.relu(self.bn3(self.conv3(x)))
        x = F.relu(self.bn4(self.conv4(x)))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        return self.last_linear(torch.flatten(x, 1))


# ----------------------------------------------------------------------------- checks and export

# The file's counts (data/real_data/real_models.csv @ 50e6709): total parameters, and {kernel: MACs} of Conv2d.
EXPECTED = {
    "unet_carvana": (31037698, {1: 6522880, 3: 35230777344}),
    "xception": (22855952, {1: 4248749312, 3: 302081760}),
}

MODELS = OrderedDict([("unet_carvana", UNet), ("xception", Xception)])


def conv_macs_by_kernel(model, x):
    """torchinfo's count for Conv2d modules: (weight + bias elements) x output pixels, per kernel size."""
    out = {}

    def hook(m, inp, o):
        n = m.weight.numel() + (m.bias.numel() if m.bias is not None else 0)
        out[m.kernel_size[0]] = out.get(m.kernel_size[0], 0) + n * o.shape[2] * o.shape[3]

    hs = [m.register_forward_hook(hook) for m in model.modules() if type(m) is nn.Conv2d]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return out


COUNTER_TRANSPOSED = "torch_forward_hooks_conv2d_convtranspose2d_linear_v1"


def count_macs(model, x):
    """tools/export_models.py's Conv2d/Linear hooks, plus ConvTranspose2d: every input pixel of every input
    channel is multiplied into a kh x kw patch of out_channels / groups outputs. (The aten counter of
    export_models.py takes a transposed weight's first dimension for the output channels and counts these
    layers twice.)"""
    if not any(isinstance(m, nn.ConvTranspose2d) for m in model.modules()):
        return em.count_macs(model, x), em.COUNTER_NAME
    total = [0]

    def conv_hook(m, inp, out):
        kh, kw = m.kernel_size
        total[0] += out.numel() * (m.in_channels // m.groups) * kh * kw

    def transposed_hook(m, inp, out):
        kh, kw = m.kernel_size
        total[0] += inp[0].numel() * (m.out_channels // m.groups) * kh * kw

    def linear_hook(m, inp, out):
        total[0] += (out.numel() // m.out_features) * m.in_features * m.out_features

    hooks = {nn.Conv2d: conv_hook, nn.ConvTranspose2d: transposed_hook, nn.Linear: linear_hook}
    handles = [m.register_forward_hook(hooks[type(m)]) for m in model.modules() if type(m) in hooks]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return total[0], COUNTER_TRANSPOSED


def export(name):
    spec = em.Spec("icas:" + name, (1, 3, 224, 224), subdir=SUBDIR)
    torch.manual_seed(0)
    model = MODELS[name]()
    em.decorrelate_params(model)
    model.eval()
    x = em.example_input(spec)
    params = em.count_params(model)
    by_kernel = conv_macs_by_kernel(model, x)
    want_params, want_kernel = EXPECTED[name]
    if params != want_params or by_kernel != want_kernel:
        sys.exit("%s: params %d, MACs by kernel %s; real_models.csv says %d, %s"
                 % (name, params, by_kernel, want_params, want_kernel))
    os.makedirs(os.path.join(em.MODELS_DIR, SUBDIR), exist_ok=True)
    path = os.path.join(em.MODELS_DIR, SUBDIR, name + ".onnx")
    macs, counter = count_macs(model, x)
    em.export_onnx(name, spec, model, x, path)
    mp = em.onnx.load(path)
    em.fix_names_and_docs(mp, "tools/export_icas_real_models.py " + name)
    mp = em.strip_weights(path, mp)
    rel = os.path.join(SUBDIR, name + ".onnx")
    return rel, dict(model_file=rel, input_shape="1x3x224x224", params=params, conv_linear_macs=macs,
                     counter=counter)


def main(argv):
    return em.exporter_main(MODELS, export, argv, 16)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
