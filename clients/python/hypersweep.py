"""hypersweep's Python client: train the trials of an external sweep in your own script.

Standard library only (Python 3.9+); usable as this one file or installed with
``pip install ./clients/python``. Run under ``npx hypersweep agent SWEEP_ID -- python train.py``,
``Trial.from_env()`` picks up the trial the agent claimed; on its own, ``Client(url).claim(sweep_id)``
claims one.

    trial = hypersweep.Trial.from_env()
    optimizer = hypersweep.torch_optimizer(trial.config, model)
    scheduler = hypersweep.torch_scheduler(trial.config, optimizer)
    for step ...:
        trial.report(step, loss.item(), optimizer.param_groups[0]["lr"])
        if trial.should_stop: break
    trial.report_epoch(epoch, train_loss=..., val_loss=..., val_accuracy=...)
    trial.finish()
"""

import json
import math
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request

__all__ = ["Client", "Trial", "HypersweepError", "torch_optimizer", "torch_scheduler", "scheduler_step"]


class HypersweepError(Exception):
    """An answer the client cannot go on from (a 4xx), with the API's message."""

    def __init__(self, status, body):
        self.status = status
        self.body = body
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__("HTTP %s: %s" % (status, message))


def _number(value):
    """JSON has no NaN or Infinity: the API takes them as the strings "NaN", "Infinity", "-Infinity"."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


class Client:
    """The REST API of a hypersweep server (HYPERSWEEP_URL, HYPERSWEEP_API_KEY by default)."""

    def __init__(self, url=None, api_key=None, retries=8, timeout=30.0):
        self.url = (url or os.environ.get("HYPERSWEEP_URL") or "http://localhost:3000").rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("HYPERSWEEP_API_KEY")
        self.retries = retries
        self.timeout = timeout

    def request(self, method, path, body=None):
        """(status, headers, parsed body). Retries 5xx and connection errors with backoff; raises on 4xx
        other than 409 (the caller decides what a conflict means)."""
        data = None if body is None else json.dumps(body, allow_nan=False).encode()
        headers = {"content-type": "application/json"} if data is not None else {}
        if self.api_key:
            headers["authorization"] = "Bearer " + self.api_key
        delay = 0.25
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    raw = res.read()
                    return res.status, dict(res.headers), (json.loads(raw) if raw else None)
            except urllib.error.HTTPError as error:
                raw = error.read()
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = raw.decode(errors="replace")
                if error.code < 500:
                    if error.code == 409:
                        return error.code, dict(error.headers), parsed
                    raise HypersweepError(error.code, parsed) from None
                if attempt == self.retries:
                    raise HypersweepError(error.code, parsed) from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError):
                if attempt == self.retries:
                    raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 10.0)
        raise AssertionError("unreachable")

    def claim(self, sweep_id, worker=None, wait=True):
        """Claims a trial of the sweep: a Trial, or None when the sweep has ended (or, with wait=False,
        when nothing can start now). Waits as Retry-After says while every trial is taken."""
        worker = worker or "%s/%d" % (socket.gethostname(), os.getpid())
        while True:
            status, headers, body = self.request("POST", "/v1/sweeps/%s/claim" % sweep_id, {"worker": worker})
            if status == 200:
                return Trial(self, body["trial"], body["lease"]["token"])
            if status == 409:
                return None
            if not wait:
                return None
            time.sleep(float(headers.get("Retry-After") or headers.get("retry-after") or 1))


class Trial:
    """A claimed trial: its config, and reports sent in the background.

    ``report`` queues a step and returns at once; a thread sends the queued steps every ``flush_every``
    seconds (at most ``max_pending`` wait: ``report`` blocks while the sender catches up). A report's
    answer may say stop (pruned, cancelled, or the lease was lost): ``should_stop`` turns true and later
    reports are dropped.
    """

    def __init__(self, client, trial, token, flush_every=1.0, max_pending=10000, keepalive=15.0):
        self.client = client
        self.id = trial["id"]
        self.index = trial.get("index")
        self.config = trial["config"]
        self.params = trial.get("params")
        #: The last step stored: train on from the step after it.
        self.resume_from = trial.get("resumeFrom", 0)
        self.token = token
        self.stop_reason = None
        self.finished = False
        self._flush_every = flush_every
        self._max_pending = max_pending
        self._keepalive = keepalive
        self._steps = []
        self._epochs = []
        self._lock = threading.Condition()
        self._closed = False
        self._error = None
        self._last_sent = time.monotonic()
        self._send_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="hypersweep-reporter", daemon=True)
        self._thread.start()

    @classmethod
    def from_env(cls, **kwargs):
        """The trial `hypersweep agent` claimed for this process (HYPERSWEEP_CONFIG, HYPERSWEEP_TRIAL_TOKEN)."""
        with open(os.environ["HYPERSWEEP_CONFIG"]) as handle:
            claimed = json.load(handle)
        token = os.environ.get("HYPERSWEEP_TRIAL_TOKEN") or claimed["lease"]["token"]
        return cls(Client(), claimed["trial"], token, **kwargs)

    @property
    def should_stop(self):
        return self.stop_reason is not None

    def report(self, step, loss, lr, lrs=None):
        """Queues optimizer step `step` (counted from 1): its loss, param group 0's lr, every group's lrs."""
        if self.stop_reason is not None:
            return
        row = {"step": int(step), "loss": _number(loss), "lr": float(lr)}
        if lrs is not None:
            row["lrs"] = [float(x) for x in lrs]
        with self._lock:
            while len(self._steps) >= self._max_pending and self._error is None and self.stop_reason is None:
                self._lock.notify_all()
                self._lock.wait(0.1)
            self._steps.append(row)
            if len(self._steps) >= 1000:
                self._lock.notify_all()

    def report_epoch(self, epoch, **metrics):
        """Sends epoch `epoch`'s metrics (train_loss, val_loss, val_accuracy, lr, and any of your own named
        like val_bleu, which a sweep's objective may name) with the steps before it,
        and waits for the answer: the pruner judges it, so ``should_stop`` is up to date on return."""
        if self.stop_reason is not None:
            return
        row = {"epoch": int(epoch)}
        for name, value in metrics.items():
            row[name] = float(value) if name == "lr" else _number(value)
        with self._lock:
            self._epochs.append(row)
        self.flush()

    def flush(self):
        """Sends what is queued now and waits for the answer."""
        self._send()
        if self._error is not None:
            raise self._error

    def finish(self, status="completed", error=None):
        """Sends what is queued and ends the trial (completed or failed). Nothing to do once it stopped."""
        try:
            self._send()
        finally:
            self._close()
        if self.stop_reason is not None or self.finished:
            return
        code, _, body = self.client.request(
            "POST", "/v1/trials/%s/finish" % self.id, {"token": self.token, "status": status, "error": error}
        )
        if code == 409:
            self.stop_reason = "lost"
            return
        self.finished = True

    def _close(self):
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def _take(self):
        with self._lock:
            steps, epochs = self._steps, self._epochs
            self._steps, self._epochs = [], []
            self._lock.notify_all()
            return steps, epochs

    def _send(self, keepalive=False):
        with self._send_lock:
            steps, epochs = self._take()
            if not steps and not epochs and not keepalive:
                return
            if self.stop_reason is not None or self.finished:
                return
            body = {"token": self.token}
            if steps:
                body["steps"] = steps
            if epochs:
                body["epochs"] = epochs
            try:
                code, _, answer = self.client.request("POST", "/v1/trials/%s/report" % self.id, body)
            except Exception as error:  # noqa: BLE001 - kept for the training thread to see
                self._error = error
                return
            self._last_sent = time.monotonic()
            if code == 409:
                self.stop_reason = "lost"
            elif answer.get("stop"):
                self.stop_reason = answer.get("reason") or "stopped"

    def _run(self):
        while True:
            with self._lock:
                if self._closed:
                    return
                self._lock.wait(self._flush_every)
                if self._closed:
                    return
            idle = time.monotonic() - self._last_sent > self._keepalive
            self._send(keepalive=idle)


# ---- torch: the configured optimizer and scheduler, in torch's own names (PyTorch 1.13) ----


def _named_groups(config, model):
    """torch param groups as the spec names them: params in no listed group first (when any), then each
    listed group with its options. A group names modules (``model.named_modules()``) or parameters."""
    groups = config["optimizer"].get("param_groups") or []
    named = list(model.named_parameters())
    claimed = set()
    listed = []
    for group in groups:
        names = group["params"] if isinstance(group["params"], list) else [group["params"]]
        params = []
        for name, param in named:
            if any(name == n or name.startswith(n + ".") for n in names) and name not in claimed:
                claimed.add(name)
                params.append(param)
        if not params:
            raise ValueError("param group %r matches no parameter of the model" % (names,))
        options = {k: v for k, v in group.items() if k != "params"}
        listed.append(dict(options, params=params))
    rest = [param for name, param in named if name not in claimed]
    return ([{"params": rest}] if rest else []) + listed


def torch_optimizer(config, model):
    """``torch.optim.<type>(param_groups, **options)`` for the trial's optimizer."""
    import torch

    optimizer = config["optimizer"]
    cls = getattr(torch.optim, optimizer["type"])
    options = {k: v for k, v in optimizer["options"].items() if v is not None}
    if "betas" in options:
        options["betas"] = tuple(options["betas"])
    if "etas" in options:
        options["etas"] = tuple(options["etas"])
    if "step_sizes" in options:
        options["step_sizes"] = tuple(options["step_sizes"])
    return cls(_named_groups(config, model), **options)


def _lr_lambda(source):
    namespace = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}
    namespace.update({"abs": abs, "min": min, "max": max, "pow": pow})
    code = compile(source, "<lr_lambda>", "eval")
    return lambda epoch: eval(code, {"__builtins__": {}}, dict(namespace, epoch=epoch))  # noqa: S307


def _scheduler(entry, optimizer):
    import torch

    kind = entry["type"]
    options = {k: v for k, v in entry["options"].items() if v is not None}
    cls = getattr(torch.optim.lr_scheduler, kind)
    if kind in ("SequentialLR", "ChainedScheduler"):
        options["schedulers"] = [_scheduler(inner, optimizer) for inner in options["schedulers"]]
        if kind == "ChainedScheduler":
            return cls(options["schedulers"])
    if kind in ("LambdaLR", "MultiplicativeLR"):
        source = options["lr_lambda"]
        options["lr_lambda"] = [_lr_lambda(s) for s in source] if isinstance(source, list) else _lr_lambda(source)
    return cls(optimizer, **options)


def torch_scheduler(config, optimizer):
    """``torch.optim.lr_scheduler.<type>(optimizer, **options)`` for the trial's scheduler, or None (constant
    lr). Call ``scheduler_step(config, scheduler, metrics)`` where the config's interval says: after every
    optimizer step ("step") or every epoch ("epoch")."""
    scheduler = config.get("scheduler")
    return None if scheduler is None else _scheduler(scheduler, optimizer)


def scheduler_step(config, scheduler, interval, metrics=None):
    """Steps the scheduler when `interval` ("step" or "epoch") is the one its config names;
    ReduceLROnPlateau gets the monitored metric from `metrics` (a dict of epoch metrics)."""
    entry = config.get("scheduler")
    if scheduler is None or entry.get("interval", "epoch") != interval:
        return
    if entry["type"] == "ReduceLROnPlateau":
        scheduler.step((metrics or {})[entry.get("monitor", "val_loss")])
    else:
        scheduler.step()
