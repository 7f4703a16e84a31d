"""Train one trial of an external hypersweep sweep with PyTorch, reporting every step.

Run it under the agent, which claims trials and starts this script once per trial:

    npx hypersweep agent SWEEP_ID --parallel 2 -- python3 examples/pytorch/train.py

The sweep's workload is {"external": {"model": "TwoLayerNet" | "DigitsMLP", ...}}: the torch tutorials'
TwoLayerNet on random data ("Learning PyTorch with Examples"), or an MNIST-style MLP on scikit-learn's
8x8 digits (MNIST itself needs a download). The optimizer and scheduler come from the trial's config in
torch's own names (hypersweep.torch_optimizer / torch_scheduler).

A trial resumed after its agent died (resumeFrom > 0) trains again from step 1 with the same seed: the
steps already stored are ignored by the server, so each step is stored once.
"""

import os
import sys

try:
    import hypersweep
except ImportError:  # not pip-installed: use the client next to this repository's examples
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
    import hypersweep

import torch

trial = hypersweep.Trial.from_env()
config = trial.config
options = config["workload"]["options"]
training = config["training"]
torch.manual_seed(config["seed"])


class TwoLayerNet(torch.nn.Module):
    """The torch tutorial's two-layer network: linear1 -> ReLU -> linear2."""

    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.linear1 = torch.nn.Linear(d_in, hidden)
        self.linear2 = torch.nn.Linear(hidden, d_out)

    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


class DigitsMLP(torch.nn.Module):
    """The MNIST tutorial's MLP, sized for 8x8 digits: fc1 -> ReLU -> fc2 -> ReLU -> fc3."""

    def __init__(self, hidden=128):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, hidden)
        self.fc2 = torch.nn.Linear(hidden, hidden)
        self.fc3 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def two_layer_data():
    n, d_in, d_out = options.get("n", 512), options.get("d_in", 100), options.get("d_out", 10)
    generator = torch.Generator().manual_seed(0)  # the same data for every trial
    x = torch.randn(n, d_in, generator=generator)
    y = torch.randn(n, d_out, generator=generator)
    split = int(n * 0.8)
    model = TwoLayerNet(d_in, options.get("hidden", 100), d_out)
    return model, torch.nn.MSELoss(), (x[:split], y[:split]), (x[split:], y[split:])


def digits_data():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    x, y = x[order], y[order]
    split = int(len(x) * 0.8)
    model = DigitsMLP(options.get("hidden", 128))
    return model, torch.nn.CrossEntropyLoss(), (x[:split], y[:split]), (x[split:], y[split:])


builders = {"TwoLayerNet": two_layer_data, "DigitsMLP": digits_data}
model, loss_fn, (x_train, y_train), (x_val, y_val) = builders[options.get("model", "DigitsMLP")]()
optimizer = hypersweep.torch_optimizer(config, model)
scheduler = hypersweep.torch_scheduler(config, optimizer)
batch_size = training["batchSize"]
max_steps = training.get("maxSteps") or float("inf")
classifying = isinstance(loss_fn, torch.nn.CrossEntropyLoss)

step = 0
for epoch in range(1, training["epochs"] + 1):
    model.train()
    order = torch.randperm(len(x_train))
    total, seen = 0.0, 0
    for start in range(0, len(x_train), batch_size):
        if step >= max_steps:
            break
        index = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[index]), y_train[index])
        loss.backward()
        lrs = [group["lr"] for group in optimizer.param_groups]
        optimizer.step()
        step += 1
        total += loss.item() * len(index)
        seen += len(index)
        trial.report(step, loss.item(), lrs[0], lrs)
        hypersweep.scheduler_step(config, scheduler, "step")
        if trial.should_stop:
            sys.exit(0)
    model.eval()
    with torch.no_grad():
        output = model(x_val)
        metrics = {"train_loss": total / max(seen, 1), "val_loss": loss_fn(output, y_val).item()}
        if classifying:
            metrics["val_accuracy"] = (output.argmax(1) == y_val).float().mean().item()
    hypersweep.scheduler_step(config, scheduler, "epoch", metrics)
    trial.report_epoch(epoch, **metrics)
    print("trial %s epoch %d: %s" % (trial.index, epoch, " ".join("%s=%.4f" % kv for kv in metrics.items())), flush=True)
    if trial.should_stop:
        print("trial %s: %s" % (trial.index, trial.stop_reason), flush=True)
        sys.exit(0)
    if step >= max_steps:
        break
trial.finish()
