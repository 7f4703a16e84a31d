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
        "argsort": argsort_cases(),
        "successive_halving": sh_cases,
        "hyperband": hb_cases,
    }
    json.dump(data, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
