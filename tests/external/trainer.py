"""A standard-library trainer for the agent's tests: a made-up loss that depends on the configured lr,
reported step by step with the Python client (clients/python), as a real training script does.

Environment: STEPS_PER_EPOCH (default 4), STEP_SLEEP seconds per step (default 0).
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))

import hypersweep  # noqa: E402

trial = hypersweep.Trial.from_env(flush_every=0.05)
config = trial.config
lr = config["optimizer"]["options"]["lr"]
epochs = config["training"]["epochs"]
per_epoch = int(os.environ.get("STEPS_PER_EPOCH", "4"))
pause = float(os.environ.get("STEP_SLEEP", "0"))


def loss_at(step):
    return abs(lr - 0.05) * 10 + 1.0 / step


step = trial.resume_from
for epoch in range(step // per_epoch + 1, epochs + 1):
    while step < epoch * per_epoch:
        step += 1
        trial.report(step, loss_at(step), lr)
        if pause:
            time.sleep(pause)
        if trial.should_stop:
            sys.exit(0)
    trial.report_epoch(epoch, train_loss=loss_at(step), val_loss=loss_at(step) + 0.01, val_accuracy=0.5)
    if trial.should_stop:
        print("trainer: stopped (%s) after epoch %d" % (trial.stop_reason, epoch), flush=True)
        sys.exit(0)
trial.finish()
