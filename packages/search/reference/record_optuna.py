#!/usr/bin/python3
"""Records reference decisions of Optuna (Debian's python3-optuna, 3.1) for @hypersweep/search.

Run: /usr/bin/python3 packages/search/reference/record_optuna.py > packages/search/reference/optuna-reference.json

What it records, each on a fixed history so the TypeScript ports can be checked decision by decision:
- random: RandomSampler(seed) values for a mixed search space, trial after trial.
- tpe_studies: whole TPESampler(seed) studies (minimize and maximize, a conditional parameter, pruned
  and failed trials): every trial's state, value, last intermediate (step, value) and parameters, in
  order. Replaying the history through a port seeded alike must propose the same parameters.
- tpe_internals: for one history and each parameter: the below/above split, both Parzen estimators'
  weights, mus and sigmas (or categorical weights), the 24 candidates Optuna drew with a fresh
  RandomState(seed), their log l(x), log g(x) and the chosen candidate.
- tpe_seed_means: hypersweep's TPE under several seeds per config (packages/core's seed-observations.ts):
  config k is sampled by a fresh TPESampler(seed=trial_seed(sweep seed, k)) (each config's own stream,
  as packages/search's trialSeed) on a study that holds ONE trial per config, told the mean of the
  config's seeds once all of them ended (pruned at the earliest pruned seed's step with the mean of the
  seeds pruned there; failed seeds left out; all seeds failed: a failed trial). Configs run two at a
  time: config k is asked while config k-1 is still running (one of its seeds already ended). Each
  config's seed trials are recorded as the database would hold them (index, status, best value, last
  epoch and value), so the TypeScript replay groups them itself and must propose Optuna's parameters.
- argsort: numpy.argsort on arrays with many equal values (its order is not stable).
- successive_halving / hyperband: per trial, its learning curve and the step Optuna's pruner stopped
  it at (or null), in the order trials ran; for Hyperband also each trial's bracket.
"""

import json
import math
import sys

import numpy as np
import optuna
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator
from optuna.samplers._tpe.sampler import _get_observation_pairs, _split_observation_pairs, default_gamma
from optuna.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)

SPACE = [
    ("x", optuna.distributions.FloatDistribution(-5.0, 5.0)),
    ("lr", optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True)),
    ("units", optuna.distributions.IntDistribution(1, 8)),
    ("batch", optuna.distributions.IntDistribution(1, 64, log=True)),
    ("opt", optuna.distributions.CategoricalDistribution(["sgd", "adam", "rmsprop"])),
]
MOMENTUM = optuna.distributions.FloatDistribution(0.0, 0.99)


def dist_json(d):
    if isinstance(d, optuna.distributions.CategoricalDistribution):
        return {"kind": "categorical", "choices": list(d.choices)}
    kind = "int" if isinstance(d, optuna.distributions.IntDistribution) else "float"
    out = {"kind": kind, "low": d.low, "high": d.high, "log": d.log}
    if kind == "int":
        out["step"] = d.step
    return out


def suggest_all(trial):
    params = {}
    for name, d in SPACE:
        params[name] = trial._suggest(name, d)
    if params["opt"] == "sgd":
        params["momentum"] = trial._suggest("momentum", MOMENTUM)
    return params


def loss(p):
    opt_penalty = {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.15}[p["opt"]]
    return (
        (p["x"] - 1.3) ** 2
        + (math.log10(p["lr"]) + 3) ** 2
        + 0.1 * (p["units"] - 5) ** 2
        + 0.2 * (math.log2(p["batch"]) - 4) ** 2
        + opt_penalty
        + (0.5 * (p["momentum"] - 0.9) ** 2 if "momentum" in p else 0.0)
    )


def trial_json(t):
    steps = sorted(t.intermediate_values.items())
    return {
        "number": t.number,
        "state": t.state.name.lower(),
        "value": t.value,
        "last_step": steps[-1][0] if steps else None,
        "last_value": steps[-1][1] if steps else None,
        "params": t.params,
    }


def tpe_study(seed, direction, n_trials):
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(sampler=sampler, direction=direction)
    sign = 1 if direction == "minimize" else -1

    def objective(trial):
        p = suggest_all(trial)
        value = loss(p)
        if trial.number % 9 == 4:  # a failure: left out of the history by Optuna
            raise ValueError("synthetic failure")
        if trial.number % 7 == 5:  # pruned after two steps (a bad-looking curve)
            trial.report(sign * (value + 2.0), 1)
            trial.report(sign * (value + 1.0), 2)
            raise optuna.TrialPruned()
        if trial.number % 11 == 10:  # pruned before reporting anything
            raise optuna.TrialPruned()
        return sign * value

    study.optimize(objective, n_trials=n_trials, catch=(ValueError,))
    return {
        "seed": seed,
        "direction": direction,
        "space": [[name, dist_json(d)] for name, d in SPACE],
        "conditional": {"name": "momentum", "when": {"opt": "sgd"}, "distribution": dist_json(MOMENTUM)},
        "trials": [trial_json(t) for t in study.trials],
    }


def trial_seed(seed, number):
    """packages/search's trialSeed (a 32-bit hash of the sweep's seed and the config's number)."""
    m = 0xFFFFFFFF
    h = (seed & m) ^ (((number + 1) * 0x9E3779B1) & m)
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & m
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & m
    return (h ^ (h >> 16)) & m


def seed_outcomes(k, p, seeds, sign):
    """The seed trials of config k as the database holds them (values as reported: signed by direction)."""
    rows = []
    for s in range(seeds):
        # each seed lands off the config's loss by its own amount, which depends on the config too
        value = loss(p) + 0.4 * math.sin(3.0 * s + 1.7 * k) + 0.2 * s
        row = {"seed": s, "status": "completed", "best_value": sign * value, "last_epoch": 5,
               "last_value": sign * (value + 0.05)}
        if k % 5 == 3 and s == seeds - 1:
            row = {"seed": s, "status": "failed", "best_value": None, "last_epoch": 1, "last_value": sign * value}
        if k % 7 == 5 and s >= 1:  # two seeds pruned, at epochs 2 and 3: the config is pruned at 2
            step = 1 + s
            row = {"seed": s, "status": "pruned", "best_value": sign * (value + 1.0), "last_epoch": step,
                   "last_value": sign * (value + 1.0 + s)}
        if k % 11 == 9 and s == 0:  # pruned before reporting anything
            row = {"seed": s, "status": "pruned", "best_value": None, "last_epoch": None, "last_value": None}
        if k % 13 == 12:  # every seed failed: the config is left out
            row = {"seed": s, "status": "failed" if s % 2 == 0 else "cancelled", "best_value": None,
                   "last_epoch": None, "last_value": None}
        rows.append(row)
    return rows


def tell_config(study, trial, rows):
    """Tells Optuna the config's observation by seed-observations.ts's rule."""
    pruned = [r for r in rows if r["status"] == "pruned"]
    completed = [r for r in rows if r["status"] == "completed"]
    if pruned:
        if all(r["last_value"] is not None for r in pruned):
            step = min(r["last_epoch"] for r in pruned)
            trial.report(float(np.mean([r["last_value"] for r in pruned if r["last_epoch"] == step])), step)
        study.tell(trial, state=TrialState.PRUNED)
    elif completed:
        study.tell(trial, float(np.mean([r["best_value"] for r in completed])))
    else:
        study.tell(trial, state=TrialState.FAIL)


def tpe_seed_means(seed, direction, n_configs, seeds):
    study = optuna.create_study(direction=direction)
    sign = 1 if direction == "minimize" else -1
    configs = []
    running = None  # (trial, rows) of the config still running when the next is asked
    for k in range(n_configs):
        study.sampler = optuna.samplers.TPESampler(seed=trial_seed(seed, k))
        trial = study.ask()
        p = suggest_all(trial)
        rows = seed_outcomes(k, p, seeds, sign)
        configs.append({"number": k, "sampler_seed": trial_seed(seed, k), "params": p, "seeds": rows})
        if running is not None:
            tell_config(study, *running)
        running = (trial, rows)
    tell_config(study, *running)
    return {
        "seed": seed,
        "direction": direction,
        "seeds": seeds,
        "space": [[name, dist_json(d)] for name, d in SPACE],
        "conditional": {"name": "momentum", "when": {"opt": "sgd"}, "distribution": dist_json(MOMENTUM)},
        "configs": configs,
    }


def tpe_internals(seed, n_trials):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(lambda t: loss(suggest_all(t)), n_trials=n_trials)
    sampler = study.sampler
    out = {"seed": seed, "trials": [trial_json(t) for t in study.trials], "params": {}}
    for name, d in SPACE + [("momentum", MOMENTUM)]:
        values, scores, _ = _get_observation_pairs(study, [name], False, False)
        n = sum(s < float("inf") for s, v in scores)
        below_idx, above_idx = _split_observation_pairs(scores, default_gamma(n), None)
        config = np.asarray(values[name], dtype=float)
        mask = ~np.isnan(config)
        below_idx = below_idx[mask[below_idx]]
        above_idx = above_idx[mask[above_idx]]
        params = sampler._parzen_estimator_parameters
        mpe_below = _ParzenEstimator({name: config[below_idx]}, {name: d}, params)
        mpe_above = _ParzenEstimator({name: config[above_idx]}, {name: d}, params)
        rng = np.random.RandomState(seed)
        samples = mpe_below.sample(rng, 24)
        log_l = mpe_below.log_pdf(samples)
        log_g = mpe_above.log_pdf(samples)

        def estimator(mpe):
            e = {"weights": mpe._weights.tolist()}
            if mpe._mus[name] is not None:
                e["mus"] = mpe._mus[name].tolist()
                e["sigmas"] = mpe._sigmas[name].tolist()
            else:
                e["categorical_weights"] = mpe._categorical_weights[name].tolist()
            return e

        score = log_l - log_g
        out["params"][name] = {
            "distribution": dist_json(d),
            "n": int(n),
            "below": below_idx.tolist(),
            "above": above_idx.tolist(),
            "below_estimator": estimator(mpe_below),
            "above_estimator": estimator(mpe_above),
            "candidates": samples[name].tolist(),
            "log_l": log_l.tolist(),
            "log_g": log_g.tolist(),
            "chosen_index": int(np.argmax(score)),
            "chosen": samples[name][int(np.argmax(score))].item(),
        }
    return out


def random_values(seed, n_trials):
    sampler = optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: loss(suggest_all(t)), n_trials=n_trials)
    return {
        "seed": seed,
        "space": [[name, dist_json(d)] for name, d in SPACE],
        "conditional": {"name": "momentum", "when": {"opt": "sgd"}, "distribution": dist_json(MOMENTUM)},
        "trials": [t.params for t in study.trials],
    }


def curve(number, n_steps, seed):
    """A noisy decreasing learning curve per trial: final quality differs between trials."""
    rng = np.random.RandomState(seed * 1000 + number)
    quality = rng.uniform(0.0, 1.0)
    noise = rng.normal(0.0, 0.02, size=n_steps)
    return [float(quality + 1.0 / (step + 1) + noise[step - 1]) for step in range(1, n_steps + 1)]


def pruner_study(pruner, n_trials, n_steps, direction, seed, study_name=None):
    study = optuna.create_study(
        pruner=pruner,
        direction=direction,
        study_name=study_name,
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    sign = 1 if direction == "minimize" else -1
    records = []

    def objective(trial):
        values = [sign * v for v in curve(trial.number, n_steps, seed)]
        record = {"number": trial.number, "curve": values, "pruned_at": None}
        records.append(record)
        for step, value in enumerate(values, start=1):
            trial.report(value, step)
            if trial.should_prune():
                record["pruned_at"] = step
                if isinstance(pruner, optuna.pruners.HyperbandPruner):
                    record["bracket"] = pruner._get_bracket_id(study, trial)
                raise optuna.TrialPruned()
        if isinstance(pruner, optuna.pruners.HyperbandPruner):
            record["bracket"] = pruner._get_bracket_id(study, trial)
        return values[-1]

    study.optimize(objective, n_trials=n_trials)
    return records


def argsort_cases():
    """numpy.argsort's order of equal values (the Parzen estimator's widths depend on it)."""
    rng = np.random.RandomState(3)
    cases = []
    for n in range(2, 400, 7):
        values = rng.randint(0, 4, size=n).astype(float)
        cases.append({"values": values.tolist(), "order": np.argsort(values).tolist()})
    return cases


def main():
    sh_cases = []
    for options, direction, seed in [
        ({"min_resource": 1, "reduction_factor": 3, "min_early_stopping_rate": 0, "bootstrap_count": 0}, "minimize", 1),
        ({"min_resource": 1, "reduction_factor": 2, "min_early_stopping_rate": 1, "bootstrap_count": 0}, "maximize", 2),
        ({"min_resource": 2, "reduction_factor": 3, "min_early_stopping_rate": 0, "bootstrap_count": 3}, "minimize", 3),
        ({"min_resource": 1, "reduction_factor": 4, "min_early_stopping_rate": 0, "bootstrap_count": 0}, "minimize", 4),
    ]:
        pruner = optuna.pruners.SuccessiveHalvingPruner(**options)
        sh_cases.append(
            {
                "options": options,
                "direction": direction,
                "n_steps": 27,
                "trials": pruner_study(pruner, 60, 27, direction, seed),
            }
        )
    hb_cases = []
    for options, direction, seed in [
        ({"min_resource": 1, "max_resource": 27, "reduction_factor": 3}, "minimize", 5),
        ({"min_resource": 1, "max_resource": 16, "reduction_factor": 2}, "maximize", 6),
    ]:
        pruner = optuna.pruners.HyperbandPruner(**options)
        study_name = f"hyperband-{seed}"
        hb_cases.append(
            {
                "options": options,
                "direction": direction,
                "study_name": study_name,
                "n_steps": options["max_resource"],
                "trials": pruner_study(pruner, 80, options["max_resource"], direction, seed, study_name),
            }
        )
    data = {
        "tool": "optuna",
        "optuna_version": optuna.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "random": [random_values(seed, 25) for seed in (0, 7)],
        "tpe_studies": [
            tpe_study(0, "minimize", 40),
            tpe_study(1, "maximize", 40),
            tpe_study(42, "minimize", 60),
        ],
        "tpe_internals": [tpe_internals(3, 30), tpe_internals(11, 45)],
        "tpe_seed_means": [tpe_seed_means(5, "minimize", 40, 3), tpe_seed_means(9, "maximize", 36, 2)],
        "argsort": argsort_cases(),
        "successive_halving": sh_cases,
        "hyperband": hb_cases,
    }
    json.dump(data, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
