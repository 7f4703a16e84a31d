#!/usr/bin/python3
"""Records the PyTorch reference trajectories in this folder (format: README.md).

    /usr/bin/python3 packages/optim/test/reference/record.py [OUT_DIR]

Needs PyTorch 1.13 (Debian: `apt-get install python3-torch`); OUT_DIR defaults to this folder.
Every file records `torch.__version__`. The problems' inputs come from `torch.manual_seed(0)`, so a
run with the same torch build rewrites the same numbers.
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# optim/<case>.json: (case, problem kind, negate, optimizer, scheduler, steps)

SGD_M = {'lr': 0.1, 'momentum': 0.9}
OPTIM_CASES = [
    ('adadelta_default', 'mlp', False, {'type': 'Adadelta', 'options': {}}, None, 25),
    ('adadelta_full', 'mlp', False,
     {'type': 'Adadelta', 'options': {'lr': 0.5, 'rho': 0.95, 'eps': 1e-05, 'weight_decay': 0.01}}, None, 25),
    ('adagrad_default', 'mlp', False, {'type': 'Adagrad', 'options': {}}, None, 25),
    ('adagrad_full', 'mlp', False,
     {'type': 'Adagrad',
      'options': {'lr': 0.1, 'lr_decay': 0.01, 'weight_decay': 0.01, 'initial_accumulator_value': 0.1}},
     None, 25),
    ('adam_amsgrad', 'mlp', False, {'type': 'Adam', 'options': {'lr': 0.01, 'amsgrad': True}}, None, 25),
    ('adam_default', 'mlp', False, {'type': 'Adam', 'options': {}}, None, 25),
    ('adam_lr', 'mlp', False, {'type': 'Adam', 'options': {'lr': 0.02, 'betas': [0.8, 0.99]}}, None, 25),
    ('adam_maximize', 'mlp', True, {'type': 'Adam', 'options': {'lr': 0.01, 'maximize': True}}, None, 25),
    ('adam_param_groups_steplr', 'mlp', False,
     {'type': 'Adam', 'options': {'lr': 0.01},
      'param_groups': [{'params': ['w1', 'b1'], 'weight_decay': 0.01}, {'params': ['w2', 'b2'], 'lr': 0.001}]},
     {'type': 'StepLR', 'options': {'step_size': 5, 'gamma': 0.5}}, 25),
    ('adam_rosenbrock', 'rosenbrock', False, {'type': 'Adam', 'options': {'lr': 0.05}}, None, 60),
    ('adam_weight_decay', 'mlp', False, {'type': 'Adam', 'options': {'lr': 0.01, 'weight_decay': 0.05}}, None, 25),
    ('adamax_default', 'mlp', False, {'type': 'Adamax', 'options': {}}, None, 25),
    ('adamax_wd', 'mlp', False,
     {'type': 'Adamax', 'options': {'lr': 0.01, 'weight_decay': 0.01, 'betas': [0.85, 0.995]}}, None, 25),
    ('adamw_amsgrad', 'mlp', False,
     {'type': 'AdamW', 'options': {'lr': 0.01, 'weight_decay': 0.1, 'amsgrad': True}}, None, 25),
    ('adamw_default', 'mlp', False, {'type': 'AdamW', 'options': {'lr': 0.01}}, None, 25),
    ('asgd_averaging', 'mlp', False,
     {'type': 'ASGD', 'options': {'lr': 0.05, 'lambd': 0.001, 'alpha': 0.75, 't0': 5, 'weight_decay': 0.01}},
     None, 25),
    ('asgd_default', 'mlp', False, {'type': 'ASGD', 'options': {}}, None, 25),
    ('lbfgs_default', 'rosenbrock', False, {'type': 'LBFGS', 'options': {'lr': 1}}, None, 5),
    ('lbfgs_mlp_history', 'mlp', False,
     {'type': 'LBFGS', 'options': {'lr': 0.5, 'max_iter': 5, 'history_size': 3}}, None, 6),
    ('lbfgs_strong_wolfe', 'rosenbrock', False,
     {'type': 'LBFGS', 'options': {'lr': 1, 'line_search_fn': 'strong_wolfe'}}, None, 5),
    ('nadam_default', 'mlp', False, {'type': 'NAdam', 'options': {}}, None, 25),
    ('nadam_full', 'mlp', False,
     {'type': 'NAdam', 'options': {'lr': 0.01, 'weight_decay': 0.01, 'momentum_decay': 0.008}}, None, 25),
    ('radam_default', 'mlp', False, {'type': 'RAdam', 'options': {'lr': 0.01}}, None, 30),
    ('radam_wd', 'mlp', False,
     {'type': 'RAdam', 'options': {'lr': 0.005, 'weight_decay': 0.01, 'betas': [0.9, 0.99]}}, None, 30),
    ('rmsprop_centered', 'mlp', False,
     {'type': 'RMSprop', 'options': {'lr': 0.005, 'centered': True, 'alpha': 0.9}}, None, 25),
    ('rmsprop_centered_momentum_wd', 'mlp', False,
     {'type': 'RMSprop', 'options': {'lr': 0.003, 'centered': True, 'momentum': 0.8, 'weight_decay': 0.01}},
     None, 25),
    ('rmsprop_default', 'mlp', False, {'type': 'RMSprop', 'options': {}}, None, 25),
    ('rmsprop_momentum', 'mlp', False, {'type': 'RMSprop', 'options': {'lr': 0.005, 'momentum': 0.9}}, None, 25),
    ('rprop_default', 'mlp', False, {'type': 'Rprop', 'options': {}}, None, 25),
    ('rprop_rosenbrock', 'rosenbrock', False,
     {'type': 'Rprop', 'options': {'lr': 0.01, 'etas': [0.4, 1.3], 'step_sizes': [1e-05, 1.0]}}, None, 40),
    ('sgd_cosine', 'mlp', False, {'type': 'SGD', 'options': SGD_M},
     {'type': 'CosineAnnealingLR', 'options': {'T_max': 10, 'eta_min': 0.001}}, 25),
    ('sgd_dampening', 'mlp', False,
     {'type': 'SGD', 'options': {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.5}}, None, 25),
    ('sgd_maximize', 'mlp', True,
     {'type': 'SGD', 'options': {'lr': 0.1, 'momentum': 0.9, 'maximize': True}}, None, 25),
    ('sgd_momentum', 'mlp', False, {'type': 'SGD', 'options': {'lr': 0.05, 'momentum': 0.9}}, None, 25),
    ('sgd_nesterov', 'mlp', False,
     {'type': 'SGD', 'options': {'lr': 0.05, 'momentum': 0.9, 'nesterov': True}}, None, 25),
    ('sgd_onecycle', 'mlp', False, {'type': 'SGD', 'options': SGD_M},
     {'type': 'OneCycleLR', 'options': {'max_lr': 0.2, 'total_steps': 25}}, 25),
    ('sgd_param_groups', 'mlp', False,
     {'type': 'SGD', 'options': {'lr': 0.05, 'momentum': 0.9},
      'param_groups': [{'params': ['w1', 'b1']}, {'params': ['w2', 'b2'], 'lr': 0.01, 'momentum': 0.5}]},
     None, 25),
    ('sgd_plain', 'mlp', False, {'type': 'SGD', 'options': {'lr': 0.1}}, None, 25),
    ('sgd_rosenbrock', 'rosenbrock', False,
     {'type': 'SGD', 'options': {'lr': 0.0001, 'momentum': 0.9}}, None, 40),
    ('sgd_weight_decay', 'mlp', False,
     {'type': 'SGD', 'options': {'lr': 0.1, 'momentum': 0.5, 'weight_decay': 0.01}}, None, 25),
    ('sparseadam_embedding', 'embedding', False, {'type': 'SparseAdam', 'options': {'lr': 0.01}}, None, 25),
]


def problem_inputs(kind):
    """The problem's data and initial parameters (float32), drawn from seed 0."""
    if kind == 'rosenbrock':
        return {}, {'xy': torch.tensor([-1.5, 2.0])}
    torch.manual_seed(0)
    if kind == 'mlp':
        params = {'w1': torch.randn(4, 8) * 0.5, 'b1': torch.randn(8) * 0.1}
        params['w2'] = torch.randn(8, 3) * 0.5
        params['b2'] = torch.randn(3) * 0.1
        x = torch.randn(16, 4)
        y = torch.randint(0, 3, (16,))
        return {'x': x, 'y': y}, params
    if kind == 'embedding':
        params = {'emb': torch.randn(10, 4) * 0.5, 'w': torch.randn(4) * 0.5}
        t = torch.randn(6)
        return {'idx': torch.tensor([3, 7, 3, 1, 8, 0]), 't': t}, params
    raise ValueError(kind)


def objective(kind, data, params, sparse):
    if kind == 'rosenbrock':
        x, y = params['xy'][0], params['xy'][1]
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    if kind == 'mlp':
        hidden = torch.relu(data['x'] @ params['w1'] + params['b1'])
        return F.cross_entropy(hidden @ params['w2'] + params['b2'], data['y'])
    if kind == 'embedding':
        rows = F.embedding(data['idx'], params['emb'], sparse=sparse)
        return ((rows @ params['w'] - data['t']) ** 2).mean()
    raise ValueError(kind)


def torch_options(options):
    """JSON keyword arguments to torch's (lists of numbers become tuples, as torch documents them)."""
    return {key: tuple(value) if isinstance(value, list) and key in ('betas', 'etas', 'step_sizes') else value
            for key, value in options.items()}


def state_value(value):
    if isinstance(value, torch.Tensor):
        return value.item() if value.dim() == 0 else value.detach().flatten().tolist()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None  # LBFGS's history lists, SGD's momentum_buffer None


def run_optim(kind, negate, optimizer, scheduler, steps, dtype):
    data, inits = problem_inputs(kind)
    data = {name: value.to(dtype) if value.is_floating_point() else value for name, value in data.items()}
    params = {name: value.to(dtype).clone().requires_grad_() for name, value in inits.items()}
    groups = ([{**group, 'params': [params[name] for name in group['params']]} for group in optimizer['param_groups']]
              if 'param_groups' in optimizer else list(params.values()))
    opt = getattr(torch.optim, optimizer['type'])(groups, **torch_options(optimizer['options']))
    sched = build_scheduler(opt, scheduler) if scheduler is not None else None
    sparse = optimizer['type'] == 'SparseAdam'

    def evaluate():
        loss = objective(kind, data, params, sparse)
        return -loss if negate else loss

    def closure():
        opt.zero_grad()
        loss = evaluate()
        loss.backward()
        if sparse:
            for name, param in params.items():
                if not param.grad.is_sparse:  # `w`: its dense gradient as sparse over all its entries
                    param.grad = param.grad.to_sparse()
        return loss

    def run_step(step):
        if optimizer['type'] == 'LBFGS':
            loss = opt.step(closure)
        else:
            loss = closure()
            opt.step()
        if sched is not None:
            sched.step()
        return {
            'step': step,
            'loss': loss.item(),
            'lrs': [group['lr'] for group in opt.param_groups],
            'params': {name: param.detach().flatten().tolist() for name, param in params.items()},
        }

    trajectory = []
    # torch's own scalars (ASGD's eta and mu, ...) follow the default dtype: the float64 run keeps them in float64
    torch.set_default_dtype(dtype)
    try:
        for step in range(1, steps + 1):
            trajectory.append(run_step(step))
    finally:
        torch.set_default_dtype(torch.float32)

    final_state = {}
    for name, param in params.items():
        state = {}
        for key, value in opt.state[param].items():
            recorded = state_value(value)
            if recorded is not None:
                state[key] = recorded
        final_state[name] = state
    return data, inits, trajectory, final_state


def two_digits(x):
    return float(f'{x:.2g}')


def rtol_by_step(run32, run64):
    """Ten times the float32-vs-float64 gap of torch itself at each step, never below 1e-4."""
    rtols = []
    for row32, row64 in zip(run32, run64):
        gap = 0.0
        for name, values in row64['params'].items():
            for a, b in zip(row32['params'][name], values):
                gap = max(gap, abs(a - b) / max(1e-3, abs(b)))
        rtols.append(max(1e-4, two_digits(10 * gap)))
    return rtols


def record_optim(case, kind, negate, optimizer, scheduler, steps):
    data, inits, trajectory, final_state = run_optim(kind, negate, optimizer, scheduler, steps, torch.float32)
    _, _, trajectory64, _ = run_optim(kind, negate, optimizer, scheduler, steps, torch.float64)
    return {
        'case': case,
        'torch_version': torch.__version__,
        'dtype': 'float32',
        'problem': {'kind': kind, 'negate': negate, 'data': {name: value.tolist() for name, value in data.items()}},
        'params': {name: {'shape': list(value.shape), 'init': value.flatten().tolist()} for name, value in inits.items()},
        'optimizer': optimizer,
        'scheduler': scheduler,
        'steps': steps,
        'trajectory': trajectory,
        'final_state': final_state,
        'rtol_by_step': rtol_by_step(trajectory, trajectory64),
    }


# ---------------------------------------------------------------------------------------------
# schedulers/<case>.json: (case, optimizer, group_lrs, scheduler, epochs, metrics)

EXPRESSION_NAMES = {name: getattr(math, name) for name in ('exp', 'log', 'sqrt', 'cos', 'sin', 'floor', 'ceil', 'pi', 'e')}
EXPRESSION_NAMES.update({'min': min, 'max': max, 'abs': abs})


def expression(source, variable):
    """`lr_lambda` / `scale_fn` as the files write them: a Python expression in one variable."""
    code = compile(source, source, 'eval')
    return lambda value: eval(code, {'__builtins__': {}, **EXPRESSION_NAMES}, {variable: value})


def build_scheduler(opt, spec):
    kind = getattr(torch.optim.lr_scheduler, spec['type'])
    options = dict(spec['options'])
    if 'schedulers' in options:
        options['schedulers'] = [build_scheduler(opt, inner) for inner in options['schedulers']]
        if spec['type'] == 'ChainedScheduler':
            return kind(options['schedulers'])
    if 'lr_lambda' in options:
        lr_lambda = options['lr_lambda']
        options['lr_lambda'] = ([expression(source, 'epoch') for source in lr_lambda] if isinstance(lr_lambda, list)
                                else expression(lr_lambda, 'epoch'))
    if 'scale_fn' in options:
        options['scale_fn'] = expression(options['scale_fn'], 'x')
    return kind(opt, **options)


def record_scheduler(case, optimizer, group_lrs, scheduler, epochs, metrics):
    if group_lrs is None:
        params = [torch.zeros(1, requires_grad=True)]
    else:
        params = [{'params': [torch.zeros(1, requires_grad=True)], 'lr': lr} for lr in group_lrs]
    opt = getattr(torch.optim, optimizer['type'])(params, **torch_options(optimizer['options']))
    sched = build_scheduler(opt, scheduler)
    rows = []
    for epoch in range(epochs):
        opt.step()
        row = {'epoch': epoch, 'lrs': [group['lr'] for group in opt.param_groups]}
        if 'momentum' in opt.defaults:
            row['momentum'] = [group['momentum'] for group in opt.param_groups]
        if 'betas' in opt.defaults:
            row['beta1'] = [group['betas'][0] for group in opt.param_groups]
        rows.append(row)
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
    return {
        'case': case,
        'torch_version': torch.__version__,
        'optimizer': optimizer,
        'group_lrs': group_lrs,
        'scheduler': scheduler,
        'epochs': epochs,
        'metrics': metrics,
        'rows': rows,
    }


SGD_09 = {'type': 'SGD', 'options': {'lr': 0.1, 'momentum': 0.9}}
SGD_SEED = {'type': 'SGD', 'options': {'lr': 0.05}}
ADAM = {'type': 'Adam', 'options': {'lr': 0.001}}


def sched(kind, **options):
    return {'type': kind, 'options': options}


SCHEDULER_CASES = [
    ('chained_constant_exponential', SGD_09, None,
     sched('ChainedScheduler', schedulers=[sched('ConstantLR', factor=0.1, total_iters=2), sched('ExponentialLR', gamma=0.9)]),
     20, None),
    ('constantlr', SGD_09, None, sched('ConstantLR', factor=0.5, total_iters=4), 10, None),
    ('cosine_eta_min', SGD_09, None, sched('CosineAnnealingLR', T_max=50, eta_min=0.001), 100, None),
    ('cosine_tmax10_cycles', SGD_09, None, sched('CosineAnnealingLR', T_max=10), 100, None),
    ('cycliclr_exp_range', SGD_09, None,
     sched('CyclicLR', base_lr=0.001, max_lr=0.1, step_size_up=5, mode='exp_range', gamma=0.97), 100, None),
    ('cycliclr_no_momentum_adam', ADAM, None,
     sched('CyclicLR', base_lr=0.0001, max_lr=0.01, step_size_up=3, cycle_momentum=False), 30, None),
    ('cycliclr_triangular', SGD_09, None, sched('CyclicLR', base_lr=0.001, max_lr=0.1, step_size_up=5), 100, None),
    ('cycliclr_triangular2_asym', SGD_09, None,
     sched('CyclicLR', base_lr=0.001, max_lr=0.1, step_size_up=4, step_size_down=6, mode='triangular2'), 100, None),
    ('exponentiallr_seed', SGD_SEED, None, sched('ExponentialLR', gamma=0.9), 100, None),
    ('lambdalr_seed_two_groups', {'type': 'SGD', 'options': {'lr': 0.001, 'momentum': 0.9, 'weight_decay': 0.0001}},
     [0.001, 0.1], sched('LambdaLR', lr_lambda=['epoch // 3', '0.95 ** epoch']), 10, None),
    ('lambdalr_warmup', SGD_09, None, sched('LambdaLR', lr_lambda='min(1.0, (epoch + 1) / 5)'), 20, None),
    ('linearlr', SGD_09, None, sched('LinearLR', start_factor=0.25, total_iters=8), 20, None),
    ('multiplicativelr', SGD_09, None, sched('MultiplicativeLR', lr_lambda='0.95'), 50, None),
    ('multisteplr_seed', SGD_SEED, None, sched('MultiStepLR', milestones=[30, 80], gamma=0.1), 100, None),
    ('onecycle_adam_betas', ADAM, None, sched('OneCycleLR', max_lr=0.01, total_steps=50, pct_start=0.25), 50, None),
    ('onecycle_cos', SGD_09, None, sched('OneCycleLR', max_lr=0.1, total_steps=100), 100, None),
    ('onecycle_linear_three_phase', SGD_09, None,
     sched('OneCycleLR', max_lr=0.1, epochs=10, steps_per_epoch=10, anneal_strategy='linear', three_phase=True),
     100, None),
    ('plateau_max_abs_cooldown', SGD_09, None,
     sched('ReduceLROnPlateau', mode='max', factor=0.1, patience=2, threshold=0.01, threshold_mode='abs',
           cooldown=3, min_lr=0.0001),
     100, [min(0.9, 0.5 + 0.02 * epoch) for epoch in range(100)]),
    ('plateau_min_rel', SGD_09, None, sched('ReduceLROnPlateau', mode='min', factor=0.5, patience=3),
     100, [1 / (1 + 0.1 * epoch) if epoch < 20 else 0.33 + 0.001 * math.sin(epoch) for epoch in range(100)]),
    ('polynomiallr', SGD_09, None, sched('PolynomialLR', total_iters=20, power=2.0), 30, None),
    ('sequential_warmup_cosine', SGD_09, None,
     sched('SequentialLR', schedulers=[sched('LinearLR', start_factor=0.1, total_iters=5), sched('CosineAnnealingLR', T_max=45)],
           milestones=[5]),
     50, None),
    ('steplr_groups', SGD_09, [0.1, 0.01], sched('StepLR', step_size=7, gamma=0.5), 40, None),
    ('steplr_seed', SGD_SEED, None, sched('StepLR', step_size=30, gamma=0.1), 100, None),
    ('warm_restarts', SGD_09, None, sched('CosineAnnealingWarmRestarts', T_0=10, T_mult=2, eta_min=0.001), 100, None),
]


# schedulers-extra/<case>.json: more combinations (nested schedulers, custom scale_fn, per-group
# options, edge cases), recorded while building the schedulers; same format as schedulers/.

# the objective the ReduceLROnPlateau case watches: a noisy rise that stalls (fixed inputs)
PLATEAU_MAX_REL_METRICS = [
    -0.9634364244112401, -0.5347433736937233, -0.3597107952309947, -0.22550690257394218, -0.1995435087091941,
    -0.1616157731455405, -0.15801644012941915, -0.1538723351135513, -0.0704970697885346, -0.052834747652200635,
    -0.12448560130107789, -0.07661004012383867, -0.10315108516887113, -0.02163917676368249, -0.06120538607214681,
    -0.08465400323407826, -0.03169975153880997, -0.10008262511094779, -0.09277432470851678, -0.003058998303355355,
    -0.00016363371839369506, -0.04959579273389511, -0.08739317714741628, -0.029787090435487905,
    -0.011659939713061337, -0.030673196019810195, 0.010058884205476175, -0.007883452341589214,
    -0.028271517985746862, -0.0329145574715184, -0.0055665095418862935, -0.004336654154098427,
    -0.002181134036799162, -0.02537211127965571, -0.007549590030477126, 0.020073251695631338, -0.06078482459328431,
    -0.031961221738927556, -0.03987046193427019, 0.0064093734105282255
]

EXTRA_SCHEDULER_CASES = [
    ('chain_of_sequential', SGD_09, [0.1, 0.05],
     sched('ChainedScheduler', schedulers=[
         sched('SequentialLR', schedulers=[sched('LinearLR', start_factor=0.25, total_iters=4), sched('CosineAnnealingLR', T_max=12)],
               milestones=[4]),
         sched('MultiplicativeLR', lr_lambda='0.99')]),
     24, None),
    ('seq_warm_restarts', SGD_09, None,
     sched('SequentialLR', schedulers=[sched('LinearLR', start_factor=0.2, total_iters=4),
                                       sched('CosineAnnealingWarmRestarts', T_0=5, T_mult=2)], milestones=[4]),
     40, None),
    ('seq_lambda_onecycle', SGD_09, None,
     sched('SequentialLR', schedulers=[sched('LambdaLR', lr_lambda='(epoch + 1) / 4'),
                                       sched('OneCycleLR', max_lr=0.5, total_steps=30)], milestones=[4]),
     32, None),
    ('chain_cyclic', SGD_09, None,
     sched('ChainedScheduler', schedulers=[sched('CyclicLR', base_lr=0.01, max_lr=0.1, step_size_up=3),
                                           sched('ExponentialLR', gamma=0.98)]),
     40, None),
    ('cyclic_scale_fn', SGD_09, [0.1, 0.1],
     sched('CyclicLR', base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4, scale_fn='1 / (1.5 ** (x - 1))',
           base_momentum=[0.7, 0.75], max_momentum=0.95),
     40, None),
    ('cyclic_scale_iter', SGD_09, None,
     sched('CyclicLR', base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=7, scale_fn='0.99 ** x',
           scale_mode='iterations'),
     40, None),
    ('multistep_unsorted', SGD_09, None, sched('MultiStepLR', milestones=[30, 5, 17]), 40, None),
    ('constant_zero_iters', SGD_09, None, sched('ConstantLR', factor=0.25, total_iters=0), 6, None),
    ('plateau_max_rel', SGD_09, [0.1, 0.05],
     sched('ReduceLROnPlateau', mode='max', factor=0.5, patience=2, threshold=0.05, cooldown=1, min_lr=[0.001, 0.0005]),
     40, PLATEAU_MAX_REL_METRICS),
    ('lambda_floor_ceil', SGD_09, [0.1, 0.2, 0.3],
     sched('LambdaLR', lr_lambda=['floor(epoch / 4) / 10 + 0.1', 'ceil(log(epoch + 1) * 2) / 7 + e / 100',
                                  '-2 ** -1 + 1 + 2 ** 3 ** 0.5 / 10']),
     40, None),
    ('onecycle_three_cos', ADAM, None, sched('OneCycleLR', max_lr=0.05, epochs=7, steps_per_epoch=9, three_phase=True),
     40, None),
    ('warm_t3', SGD_09, None, sched('CosineAnnealingWarmRestarts', T_0=2, T_mult=3, eta_min=0.01), 40, None),
    ('cos_t1', SGD_09, None, sched('CosineAnnealingLR', T_max=1), 20, None),
    ('mult_groups', SGD_09, [0.1, 0.01], sched('MultiplicativeLR', lr_lambda=['0.97', '1 - epoch / 200']), 40, None),
    ('linear_down', SGD_09, None, sched('LinearLR', start_factor=1.0, end_factor=0.1, total_iters=13), 30, None),
]


def write(folder, document):
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    with open(os.path.join(OUT, folder, document['case'] + '.json'), 'w') as file:
        json.dump(document, file)


def main():
    for case in OPTIM_CASES:
        write('optim', record_optim(*case))
    for case in SCHEDULER_CASES:
        write('schedulers', record_scheduler(*case))
    for case in EXTRA_SCHEDULER_CASES:
        write('schedulers-extra', record_scheduler(*case))
    print(f'recorded {len(OPTIM_CASES)} optim, {len(SCHEDULER_CASES)} + {len(EXTRA_SCHEDULER_CASES)} scheduler cases'
          f' with torch {torch.__version__} in {OUT}')


if __name__ == '__main__':
    main()
