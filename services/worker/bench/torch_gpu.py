"""PyTorch peer of bench/gpu.ts: the same nets, batch sizes and optimizer on the same machine (the GPU where
torch sees one, else the CPU), so scripts/gpu/run.sh can put the two side by side.

    python3 torch_gpu.py [--json] [--packs=1,4]

Rows (as gpu.ts's): mnist-mlp 784-200-10 (Linear - ReLU - Linear, CrossEntropyLoss, Adam lr 1e-3) at batch 64
and 1024; packed K = 1, 4, 16, 64: K such MLPs (batch 64 each) as one program, their weights stacked [K, ...]
and multiplied with torch.bmm, the sum of the K losses back-propagated, one Adam over the stacked tensors
(Adam is elementwise, so that is K independent Adams); the CNN Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2)
- Flatten - Linear(1568, 10) at batch 64. The data are random, MNIST-shaped and held on the device (speed does
not depend on the values). Each row times TIMED steps after WARMUP, reading the loss back every LOSS_READ_EVERY
steps as the trainer does on a GPU, with torch.cuda.synchronize() around the timed span.
"""

import json
import sys
import time

import torch

WARMUP = 32
TIMED = 128
LOSS_READ_EVERY = 32
PACKS = [1, 4, 16, 64]

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


def data(batch, shape):
    generator = torch.Generator(device="cpu").manual_seed(0)
    x = torch.rand((batch, *shape), generator=generator).to(device)
    y = torch.randint(0, 10, (batch,), generator=generator).to(device)
    return x, y


def time_steps(step):
    """ms per step over TIMED steps after WARMUP, reading the loss every LOSS_READ_EVERY steps."""
    for i in range(WARMUP):
        loss = step()
        if (i + 1) % LOSS_READ_EVERY == 0:
            loss.item()
    sync()
    started = time.perf_counter()
    for i in range(TIMED):
        loss = step()
        if (i + 1) % LOSS_READ_EVERY == 0:
            loss.item()
    sync()
    return (time.perf_counter() - started) * 1000 / TIMED


def train_step(model, optimizer, x, y):
    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def mlp(batch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 200), torch.nn.ReLU(), torch.nn.Linear(200, 10)).to(device)
    x, y = data(batch, (784,))
    return time_steps(train_step(model, torch.optim.Adam(model.parameters(), lr=1e-3), x, y))


def packed(k, batch=64):
    torch.manual_seed(0)
    w1 = (torch.randn(k, 784, 200) * 784**-0.5).to(device).requires_grad_()
    b1 = torch.zeros(k, 1, 200, device=device, requires_grad=True)
    w2 = (torch.randn(k, 200, 10) * 200**-0.5).to(device).requires_grad_()
    b2 = torch.zeros(k, 1, 10, device=device, requires_grad=True)
    optimizer = torch.optim.Adam([w1, b1, w2, b2], lr=1e-3)
    x, y = data(k * batch, (784,))
    x, y = x.view(k, batch, 784), y.view(k * batch)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = torch.bmm(torch.relu(torch.bmm(x, w1) + b1), w2) + b2
        # the sum over trials of each trial's mean loss
        loss = torch.nn.functional.cross_entropy(logits.reshape(k * batch, 10), y, reduction="sum") / batch
        loss.backward()
        optimizer.step()
        return loss

    return time_steps(step)


def cnn(batch=64):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 14 * 14, 10),
    ).to(device)
    x, y = data(batch, (1, 28, 28))
    return time_steps(train_step(model, torch.optim.Adam(model.parameters(), lr=1e-3), x, y))


def main():
    as_json = "--json" in sys.argv[1:]
    # --packs=1,4 runs fewer packed rows (K = 64 takes minutes on a CPU), as gpu.ts's --packs
    packs = next((arg[len("--packs="):] for arg in sys.argv[1:] if arg.startswith("--packs=")), None)
    packs = PACKS if packs is None else [int(k) for k in packs.split(",")]
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(f"torch_gpu.py: torch {torch.__version__} on {name}", flush=True)
    rows = [("mlp batch 64", 1, lambda: mlp(64)), ("mlp batch 1024", 1, lambda: mlp(1024))]
    rows += [(f"packed K={k} (mlp batch 64)", k, lambda k=k: packed(k)) for k in packs]
    rows += [("cnn batch 64", 1, cnn)]
    results = []
    for row, trials, run in rows:
        ms = run()
        results.append((row, trials, ms))
        if as_json:
            print(json.dumps({"side": "torch", "device": name, "row": row, "trialsPerStep": trials, "msPerStep": ms}), flush=True)
    width = max(len(row) for row, _, _ in results)
    print(f"| {'row'.ljust(width)} | ms per step | trial-steps/s |")
    print(f"|{'-' * (width + 2)}|-------------|---------------|")
    for row, trials, ms in results:
        print(f"| {row.ljust(width)} | {ms:11.3f} | {1000 * trials / ms:13.0f} |")


if __name__ == "__main__":
    main()
