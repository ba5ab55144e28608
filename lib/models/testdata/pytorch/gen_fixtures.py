#!/usr/bin/env python3
"""Writes the PyTorch parity fixtures that lib/models/parity_test.go checks.

Run by hand, never in CI (see README.md in this folder):

    python gen_fixtures.py --data ../../../../data

For each of the lesson's two nets it builds the net exactly as the lesson
does (torch.manual_seed(0) first, so PyTorch's default initialisation gives
fixed weights), takes the first BATCH images of the MNIST test set, normalised
as the lesson's transforms do, and records:

  initial/<state_dict key>   the weights before training
  input                      the batch, [BATCH, 1, 28, 28] float32
  labels                     the digits, [BATCH] int32
  logits                     the net's output on the batch, [BATCH, 10] float32
  loss                       CrossEntropyLoss (mean over the batch), [] float32
  updated/<state_dict key>   the weights after exactly one
                             SGD(lr=0.01, momentum=0.5) step on that batch

into <net>.bin (the tensors' raw little-endian bytes, one after the other)
and <net>.json (the index: name, dtype, shape, byte offset and length of
each tensor, plus the versions and settings used), so that Go reads them
with encoding/json and encoding/binary only.
"""

import argparse
import gzip
import hashlib
import json
import os
import platform
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

BATCH = 8
SEED = 0
LR = 0.01
MOMENTUM = 0.5
MEAN, STD = 0.1307, 0.3081


# ---------------------------------------------------------------------------
# The lesson's code, verbatim apart from the class names: the lesson calls
# both nets `Net`; here they are InceptionNet and ResidualNet. Layer names,
# construction order (which fixes the random initialisation) and forward
# passes are the lesson's.
# ---------------------------------------------------------------------------

class InceptionA(nn.Module):
    def __init__(self, in_channels):
        super(InceptionA, self).__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_1(x)
        branch5x5 = self.branch5x5_2(branch5x5)
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = self.branch3x3_2(branch3x3)
        branch3x3 = self.branch3x3_3(branch3x3)
        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)
        outputs = [branch1x1, branch5x5, branch3x3, branch_pool]
        return torch.cat(outputs, dim=1)


class InceptionNet(nn.Module):
    def __init__(self):
        super(InceptionNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(88, 20, kernel_size=5)  # 88 = 24x3 + 16
        self.incep1 = InceptionA(in_channels=10)
        self.incep2 = InceptionA(in_channels=20)
        self.mp = nn.MaxPool2d(2)
        self.fc = nn.Linear(1408, 10)

    def forward(self, x):
        in_size = x.size(0)
        x = F.relu(self.mp(self.conv1(x)))
        x = self.incep1(x)
        x = F.relu(self.mp(self.conv2(x)))
        x = self.incep2(x)
        x = x.view(in_size, -1)
        x = self.fc(x)
        return x


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super(ResidualBlock, self).__init__()
        self.channels = channels
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(x + y)


class ResidualNet(nn.Module):
    def __init__(self):
        super(ResidualNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        self.rblock1 = ResidualBlock(16)
        self.rblock2 = ResidualBlock(32)
        self.mp = nn.MaxPool2d(2)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        in_size = x.size(0)
        x = self.mp(F.relu(self.conv1(x)))
        x = self.rblock1(x)
        x = self.mp(F.relu(self.conv2(x)))
        x = self.rblock2(x)
        x = x.view(in_size, -1)
        x = self.fc(x)
        return x


# Names as the Go side knows them (models.ByName) and the lesson's parameter counts.
NETS = [("inception", InceptionNet, 97298), ("resnet", ResidualNet, 41514)]


# ---------------------------------------------------------------------------
# MNIST, read without torchvision.
# ---------------------------------------------------------------------------

def read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = int.from_bytes(data[0:4], "big")
    if got != magic:
        sys.exit(f"{path}: magic {got:#x}, want {magic:#x}")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        sys.exit(f"{path}: {body.size} bytes of data for dimensions {dims}")
    return body.reshape(dims)


def load_batch(data_dir, n):
    """The first n test images, as the lesson's ToTensor + Normalize give them, and their labels."""
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), 0x00000803, 3)[:n]
    labels = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), 0x00000801, 1)[:n]
    # transforms.ToTensor: uint8 -> float32 / 255, adding the channel axis.
    x = torch.from_numpy(images.copy()).to(torch.float32).div(255).unsqueeze(1)
    # transforms.Normalize((0.1307,), (0.3081,)): in place, sub then div, in float32.
    mean = torch.as_tensor([MEAN], dtype=torch.float32).view(-1, 1, 1)
    std = torch.as_tensor([STD], dtype=torch.float32).view(-1, 1, 1)
    x = x.sub_(mean).div_(std)
    return x.contiguous(), torch.from_numpy(labels.astype(np.int64))


# ---------------------------------------------------------------------------
# Fixture files.
# ---------------------------------------------------------------------------

class Writer:
    def __init__(self):
        self.blob = bytearray()
        self.index = []

    def add(self, name, t):
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.float32:
            dtype, arr = "float32", t.numpy().astype("<f4")
        elif t.dtype in (torch.int32, torch.int64):
            dtype, arr = "int32", t.numpy().astype("<i4")
        else:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        raw = arr.tobytes(order="C")
        self.index.append({"name": name, "dtype": dtype, "shape": list(t.shape),
                           "offset": len(self.blob), "bytes": len(raw)})
        self.blob += raw


def make_fixture(name, cls, params, x, y):
    torch.manual_seed(SEED)
    model = cls()
    n = sum(p.numel() for p in model.parameters())
    if n != params:
        sys.exit(f"{name}: {n} parameters, the lesson's net has {params}")
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    w = Writer()
    for key, v in model.state_dict().items():
        w.add("initial/" + key, v)
    w.add("input", x)
    w.add("labels", y)

    # One step of the lesson's training loop.
    model.train()
    optimizer.zero_grad()
    outputs = model(x)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()

    w.add("logits", outputs)
    w.add("loss", loss)
    for key, v in model.state_dict().items():
        w.add("updated/" + key, v)

    # Float64 references, only for the report below: how far float32 PyTorch is from exact.
    torch.manual_seed(SEED)
    m64 = cls().double()
    opt64 = optim.SGD(m64.parameters(), lr=LR, momentum=MOMENTUM)
    out64 = m64(x.double())
    loss64 = criterion(out64, y)
    loss64.backward()
    opt64.step()
    sd64 = m64.state_dict()
    wdiff = max((v.double() - sd64[k]).abs().max().item() for k, v in model.state_dict().items())
    print(f"{name}: loss {loss.item():.8f} (float64 {loss64.item():.8f}), "
          f"max |float32 - float64|: logits {(outputs.double() - out64).abs().max().item():.3g}, "
          f"updated weights {wdiff:.3g}")

    bin_name = name + ".bin"
    index = {
        "model": name,
        "description": "PyTorch parity fixture written by gen_fixtures.py; see README.md",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "seed": SEED,
        "batch": BATCH,
        "data": f"first {BATCH} images of the MNIST test set (t10k), normalised (x/255-{MEAN})/{STD}",
        "optimizer": f"torch.optim.SGD(lr={LR}, momentum={MOMENTUM}), one step",
        "learning_rate": LR,
        "momentum": MOMENTUM,
        "loss": loss.item(),
        "params": n,
        "bin": bin_name,
        "bin_bytes": len(w.blob),
        "bin_sha256": hashlib.sha256(w.blob).hexdigest(),
        "tensors": w.index,
    }
    return index, bytes(w.blob)


def to_json(index):
    """The index as JSON, one line per tensor so that diffs stay readable."""
    head = {k: v for k, v in index.items() if k != "tensors"}
    lines = json.dumps(head, indent=1)[:-2] + ',\n "tensors": [\n'
    lines += ",\n".join("  " + json.dumps(t) for t in index["tensors"])
    return lines + "\n ]\n}\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join("..", "..", "..", "..", "data"),
                    help="folder with the MNIST .gz files (default: the repository's data/)")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="where to write the fixtures (default: this script's folder)")
    args = ap.parse_args()

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # one fixed summation order
    x, y = load_batch(args.data, BATCH)
    for name, cls, params in NETS:
        index, blob = make_fixture(name, cls, params, x, y)
        with open(os.path.join(args.out, index["bin"]), "wb") as f:
            f.write(blob)
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            f.write(to_json(index))
        print(f"{name}: wrote {name}.json and {index['bin']} ({len(blob)} bytes) with torch {torch.__version__}")


if __name__ == "__main__":
    main()
