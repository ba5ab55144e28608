#!/usr/bin/env python3
"""Runs the lesson's PyTorch training of one of its two nets, as a yardstick
for the Go reference runs in plots/. Run by hand, never in CI (needs PyTorch,
see `make bench-pytorch`):

    python plots/pytorch/lesson_run.py --net inception --data data --seed 1 > plots/pytorch/inception-seed1.log
    python plots/pytorch/lesson_run.py --net resnet --data data --seed 1 > plots/pytorch/resnet-seed1.log

The model (InceptionNet or ResidualNet of
lib/models/testdata/pytorch/gen_fixtures.py, the lesson's code), loss, optimiser, batch size, shuffling and log lines are the
lesson's (lesson-seed.txt). Two things differ, neither touching the
arithmetic: MNIST is read from the four .gz files with gzip and numpy instead
of torchvision (same normalisation), and the seed is set, so a run can be
repeated. It prints the lesson's log lines and the test accuracy per epoch.
"""

import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


# The lesson's nets, from the same file as the parity fixtures, so there is
# one copy of the lesson's PyTorch code in the repository.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib", "models", "testdata", "pytorch"))
from gen_fixtures import NETS  # noqa: E402


def load(data, prefix):
    with gzip.open(f"{data}/{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{data}/{prefix}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.from_numpy(images.astype(np.float32) / 255.0) - 0.1307) / 0.3081
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))


def main():
    nets = {name: cls for name, cls, _ in NETS}
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=sorted(nets), default="inception")
    ap.add_argument("--data", default="data")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_loader = DataLoader(load(args.data, "train"), shuffle=True, batch_size=64)
    test_loader = DataLoader(load(args.data, "t10k"), shuffle=False, batch_size=64)
    model = nets[args.net]()
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    print(f"torch {torch.__version__}, {args.net}, seed {args.seed}, {args.threads} thread(s)", flush=True)
    for epoch in range(args.epochs):
        start = time.time()
        running_loss = 0.0
        for batch_idx, (inputs, target) in enumerate(train_loader, 0):
            optimizer.zero_grad()
            loss = criterion(model(inputs), target)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if batch_idx % 300 == 299:
                print('[%d, %5d] loss: %.3f' % (epoch + 1, batch_idx + 1, running_loss / 300), flush=True)
                running_loss = 0.0
        correct = total = 0
        with torch.no_grad():
            for images, labels in test_loader:
                _, predicted = torch.max(model(images).data, dim=1)
                total += labels.size(0)
                correct += (predicted == labels).sum().item()
        print('accuracy on test set: %.2f %% (epoch %d, %.1f s)' % (100 * correct / total, epoch + 1, time.time() - start), flush=True)


if __name__ == '__main__':
    main()
