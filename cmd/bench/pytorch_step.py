#!/usr/bin/env python3
"""Times the lesson's PyTorch training step, the yardstick of `make bench-pytorch`.

cmd/bench runs it, alternating with the Go nets, so that both frameworks see
the same machine. Never run in CI (needs PyTorch). By hand:

    .venv-torch/bin/python cmd/bench/pytorch_step.py --net inception --out /tmp/inception.json

The net is the lesson's (InceptionNet or ResidualNet of
lib/models/testdata/pytorch/gen_fixtures.py, the same classes the parity
fixtures and plots/pytorch/lesson_run.py use), and so is the step:
zero_grad, forward, CrossEntropyLoss, backward, SGD(lr=0.01, momentum=0.5)
step, loss.item(). Each step takes a fresh batch of random MNIST-shaped
images (normalised pixels, mean 0 and standard deviation 1) with random
labels, cycling through a few made beforehand, as cmd/bench does for Go. The
JSON it writes holds every step's wall time in milliseconds, and the
processor time of all of them (cpu_ms).
"""

import argparse
import json
import os
import platform
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib", "models", "testdata", "pytorch"))
from gen_fixtures import NETS  # noqa: E402


def main():
    nets = {name: cls for name, cls, _ in NETS}
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=sorted(nets), required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.batch < 1 or args.threads < 1:
        sys.exit("--steps, --batch and --threads must be at least 1, --warmup at least 0")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    model = nets[args.net]()
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    batches = [(torch.randn(args.batch, 1, 28, 28), torch.randint(0, 10, (args.batch,))) for _ in range(4)]

    def step(i):
        inputs, target = batches[i % len(batches)]
        inputs = inputs.clone()  # a fresh tensor each step, as a DataLoader gives
        optimizer.zero_grad()
        loss = criterion(model(inputs), target)
        loss.backward()
        optimizer.step()
        return loss.item()

    for i in range(args.warmup):
        step(i)
    times = []
    cpu0 = time.process_time()
    for i in range(args.steps):
        start = time.perf_counter()
        step(i)
        times.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu0) * 1000

    result = {
        "framework": "pytorch",
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "net": args.net,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "warmup": args.warmup,
        "step_ms": times,
        "median_ms": sorted(times)[len(times) // 2],
        "cpu_ms": cpu_ms,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
