#!/usr/bin/python3
"""Records the torch.nn reference cases in nn/ (format: README.md in this folder).

    /usr/bin/python3 packages/trainer/test/reference/record_nn.py [OUT_DIR]

Needs PyTorch 1.13 (Debian: `apt-get install python3-torch`); OUT_DIR defaults to nn/ beside this file.
Every case seeds torch with `torch.manual_seed(case index)`, so a run with the same torch build rewrites the
same numbers. Every file records `torch.__version__`.
"""

import copy
import json
import os
import sys

import torch
import torch.nn as nn

torch.set_num_threads(1)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'nn')


def conv(dim, cin, cout, k, stride=None, padding=None, dilation=None, groups=1, bias=True):
    return {'type': f'Conv{dim}d', 'in_channels': cin, 'out_channels': cout, 'kernel_size': k,
            'stride': stride or [1] * dim, 'padding': padding if padding is not None else [0] * dim,
            'dilation': dilation or [1] * dim, 'groups': groups, 'bias': bias, 'padding_mode': 'zeros'}


def maxpool(k, stride=None, padding=None, dilation=None, ceil_mode=False):
    return {'type': 'MaxPool2d', 'kernel_size': k, 'stride': stride or k, 'padding': padding or [0, 0],
            'dilation': dilation or [1, 1], 'ceil_mode': ceil_mode}


def avgpool(k, stride=None, padding=None, ceil_mode=False, count_include_pad=True, divisor_override=None):
    return {'type': 'AvgPool2d', 'kernel_size': k, 'stride': stride or k, 'padding': padding or [0, 0],
            'ceil_mode': ceil_mode, 'count_include_pad': count_include_pad, 'divisor_override': divisor_override}


def bn(dim, c, eps=1e-5, momentum=0.1, affine=True, track=True):
    return {'type': f'BatchNorm{dim}d', 'num_features': c, 'eps': eps, 'momentum': momentum, 'affine': affine,
            'track_running_stats': track}


# (case, resolved layer, input shape, input kind, pre-inputs: training forwards before the recorded one)
# input kinds: randn; zeros (randn with every 5th value 0); ties (integers -2..2, many equal); wide (randn * 4);
# indices:<n> (integers 0..n-1)
LAYER_CASES = [
    ('linear', {'type': 'Linear', 'in_features': 5, 'out_features': 3, 'bias': True}, [4, 5], 'randn', 0),
    ('linear_nobias_3d', {'type': 'Linear', 'in_features': 5, 'out_features': 3, 'bias': False}, [2, 3, 5],
     'randn', 0),
    ('conv1d', conv(1, 3, 4, [3], padding=[1]), [2, 3, 7], 'randn', 0),
    ('conv1d_stride_valid', conv(1, 3, 2, [2], stride=[2], padding='valid'), [2, 3, 9], 'randn', 0),
    ('conv1d_same_even_dilated', conv(1, 2, 3, [4], padding='same', dilation=[2]), [2, 2, 9], 'randn', 0),
    ('conv1d_groups', conv(1, 4, 6, [3], stride=[2], padding=[2], groups=2, bias=False), [2, 4, 8], 'randn', 0),
    ('conv2d', conv(2, 2, 3, [3, 3], padding=[1, 1]), [2, 2, 5, 5], 'randn', 0),
    ('conv2d_stride_dilation', conv(2, 2, 3, [3, 2], stride=[2, 1], padding=[1, 2], dilation=[2, 1]),
     [2, 2, 7, 6], 'randn', 0),
    ('conv2d_same_even', conv(2, 2, 2, [4, 3], padding='same'), [2, 2, 6, 5], 'randn', 0),
    ('conv2d_valid', conv(2, 3, 2, [2, 2], padding='valid'), [2, 3, 5, 4], 'randn', 0),
    ('conv2d_groups_nobias', conv(2, 4, 6, [3, 3], padding=[1, 0], groups=2, bias=False), [2, 4, 5, 5],
     'randn', 0),
    ('conv2d_depthwise_stride', conv(2, 3, 6, [3, 3], stride=[2, 2], padding=[1, 1], groups=3), [2, 3, 7, 7],
     'randn', 0),
    ('maxpool2d', maxpool([2, 2]), [2, 3, 6, 6], 'randn', 0),
    ('maxpool2d_ties_overlap', maxpool([2, 2], stride=[1, 1]), [2, 2, 5, 5], 'ties', 0),
    ('maxpool2d_pad_ceil', maxpool([3, 3], stride=[2, 2], padding=[1, 1], ceil_mode=True), [2, 2, 6, 7],
     'ties', 0),
    ('maxpool2d_dilation', maxpool([3, 2], stride=[2, 1], padding=[1, 0], dilation=[2, 1]), [2, 2, 8, 5],
     'randn', 0),
    ('maxpool2d_ceil_odd', maxpool([2, 2], ceil_mode=True), [1, 2, 7, 7], 'randn', 0),
    ('avgpool2d', avgpool([2, 2]), [2, 3, 6, 6], 'randn', 0),
    ('avgpool2d_pad_ceil', avgpool([3, 3], stride=[2, 2], padding=[1, 1], ceil_mode=True), [2, 2, 6, 7],
     'randn', 0),
    ('avgpool2d_exclude_pad', avgpool([3, 2], stride=[2, 1], padding=[1, 1], ceil_mode=True,
                                      count_include_pad=False), [2, 2, 6, 5], 'randn', 0),
    ('avgpool2d_divisor', avgpool([2, 3], stride=[1, 2], padding=[1, 1], divisor_override=3), [1, 2, 5, 6],
     'randn', 0),
    ('adaptiveavgpool2d_1x1', {'type': 'AdaptiveAvgPool2d', 'output_size': [1, 1]}, [2, 3, 5, 4], 'randn', 0),
    ('adaptiveavgpool2d_3x2', {'type': 'AdaptiveAvgPool2d', 'output_size': [3, 2]}, [2, 2, 7, 5], 'randn', 0),
    ('adaptiveavgpool2d_overlap', {'type': 'AdaptiveAvgPool2d', 'output_size': [4, 4]}, [1, 2, 5, 6], 'randn', 0),
    ('flatten', {'type': 'Flatten', 'start_dim': 1, 'end_dim': -1}, [2, 3, 4, 5], 'randn', 0),
    ('flatten_middle', {'type': 'Flatten', 'start_dim': 2, 'end_dim': 3}, [2, 3, 4, 5], 'randn', 0),
    ('flatten_batch', {'type': 'Flatten', 'start_dim': 0, 'end_dim': -3}, [2, 3, 4, 5], 'randn', 0),
    ('batchnorm1d', bn(1, 4), [6, 4], 'randn', 1),
    ('batchnorm1d_ncl', bn(1, 3), [4, 3, 5], 'randn', 1),
    ('batchnorm1d_cumulative', bn(1, 3, momentum=None), [5, 3], 'randn', 2),
    ('batchnorm1d_no_affine', bn(1, 3, affine=False), [5, 3, 2], 'randn', 0),
    ('batchnorm1d_untracked', bn(1, 3, track=False), [5, 3], 'randn', 0),
    ('batchnorm2d', bn(2, 3), [4, 3, 3, 3], 'randn', 1),
    ('batchnorm2d_momentum_eps', bn(2, 2, eps=1e-3, momentum=0.3), [3, 2, 4, 3], 'wide', 2),
    ('layernorm', {'type': 'LayerNorm', 'normalized_shape': [5], 'eps': 1e-5, 'elementwise_affine': True},
     [3, 4, 5], 'randn', 0),
    ('layernorm_2d', {'type': 'LayerNorm', 'normalized_shape': [4, 5], 'eps': 1e-3, 'elementwise_affine': True},
     [2, 4, 5], 'wide', 0),
    ('layernorm_no_affine', {'type': 'LayerNorm', 'normalized_shape': [6], 'eps': 1e-5,
                             'elementwise_affine': False}, [4, 6], 'randn', 0),
    ('embedding', {'type': 'Embedding', 'num_embeddings': 10, 'embedding_dim': 4, 'padding_idx': None}, [3, 5],
     'indices:10', 0),
    ('embedding_padding', {'type': 'Embedding', 'num_embeddings': 6, 'embedding_dim': 3, 'padding_idx': 2},
     [4, 5], 'indices:6', 0),
    ('relu', {'type': 'ReLU'}, [4, 10], 'zeros', 0),
    ('leakyrelu', {'type': 'LeakyReLU', 'negative_slope': 0.01}, [4, 10], 'zeros', 0),
    ('leakyrelu_02', {'type': 'LeakyReLU', 'negative_slope': 0.2}, [4, 10], 'zeros', 0),
    ('elu', {'type': 'ELU', 'alpha': 1.0}, [4, 10], 'zeros', 0),
    ('elu_alpha', {'type': 'ELU', 'alpha': 0.5}, [4, 10], 'wide', 0),
    ('gelu', {'type': 'GELU', 'approximate': 'none'}, [4, 10], 'wide', 0),
    ('gelu_tanh', {'type': 'GELU', 'approximate': 'tanh'}, [4, 10], 'wide', 0),
    ('silu', {'type': 'SiLU'}, [4, 10], 'wide', 0),
    ('tanh', {'type': 'Tanh'}, [4, 10], 'wide', 0),
    ('sigmoid', {'type': 'Sigmoid'}, [4, 10], 'wide', 0),
    ('softplus', {'type': 'Softplus', 'beta': 1, 'threshold': 20}, [4, 10], 'wide', 0),
    ('softplus_beta_threshold', {'type': 'Softplus', 'beta': 2, 'threshold': 3}, [4, 10], 'wide', 0),
    ('identity', {'type': 'Identity'}, [3, 4], 'randn', 0),
    # Added later: appended, so every earlier case keeps its seed.
    ('maxpool2d_ties_tiled', maxpool([2, 2]), [2, 2, 6, 6], 'ties', 0),
    ('maxpool2d_tiled_pad', maxpool([2, 2], padding=[1, 1]), [1, 2, 5, 5], 'ties', 0),
    ('maxpool2d_tiled_remainder', maxpool([3, 2], stride=[3, 2]), [2, 2, 7, 9], 'randn', 0),
    ('conv1d_stride_dilation', conv(1, 2, 3, [3], stride=[2], padding=[2], dilation=[3]), [2, 2, 11], 'randn', 0),
    ('conv2d_padding_past_kernel', conv(2, 2, 3, [2, 3], stride=[2, 3], padding=[3, 4]), [2, 2, 5, 7], 'randn', 0),
]


def torch_layer(layer):
    args = {key: value for key, value in layer.items() if key not in ('type', 'name')}
    for key, value in args.items():
        if isinstance(value, list):
            args[key] = tuple(value)
    return getattr(nn, layer['type'])(**args)


def make_input(kind, shape):
    if kind.startswith('indices:'):
        return torch.randint(0, int(kind.split(':')[1]), shape)
    if kind == 'ties':
        return torch.randint(-2, 3, shape).float()
    x = torch.randn(shape)
    if kind == 'zeros':
        x.view(-1)[::5] = 0
    if kind == 'wide':
        x = x * 4
    return x


def flat(t):
    return {'shape': list(t.shape), 'values': t.detach().flatten().tolist()}


def two_digits(x):
    return float(f'{x:.2g}')


def rtol(a32, a64):
    """Ten times torch's own float32-vs-float64 gap on one array, never below 1e-4 (README.md)."""
    gap = 0.0
    for a, b in zip(a32.detach().flatten().tolist(), a64.detach().flatten().tolist()):
        gap = max(gap, abs(a - b) / max(1e-3, abs(b)))
    return max(1e-4, two_digits(10 * gap))


def run_layer(module, x, pre_inputs, g, dtype):
    """The train forward (after the pre-inputs) and the eval forward after it, each with input and parameter grads."""
    module = module.to(dtype)
    floating = x.is_floating_point()
    result = {}
    module.train()
    with torch.no_grad():
        for pre in pre_inputs:
            module(pre.to(dtype))
    for mode in ('train', 'eval'):
        module.train(mode == 'train')
        module.zero_grad(set_to_none=True)
        xi = x.detach().clone().to(dtype).requires_grad_(True) if floating else x
        out = module(xi)
        (out * g.to(dtype)).sum().backward()
        result[mode] = {
            'output': out,
            'grad_input': xi.grad if floating else None,
            'grads': {name: p.grad for name, p in module.named_parameters()},
            'buffers': {name: b.clone() for name, b in module.named_buffers()},
        }
    return result


def record_layer(index, case, layer, shape, kind, pre_count):
    torch.manual_seed(index)
    module = nn.Sequential(torch_layer(layer))
    x = make_input(kind, shape)
    pre_inputs = [make_input(kind, shape) * (1 + k) + k for k in range(pre_count)]
    state = {name: t.clone() for name, t in module.state_dict().items()}
    with torch.no_grad():
        out_shape = module.eval()(x).shape
    g = torch.randn(out_shape)
    module64 = copy.deepcopy(module)
    run32 = run_layer(module, x, pre_inputs, g, torch.float32)
    run64 = run_layer(module64, x, pre_inputs, g, torch.float64)
    modes = {}
    for mode in ('train', 'eval'):
        r32, r64 = run32[mode], run64[mode]
        entry = {'output': flat(r32['output']), 'grads': {}, 'buffers': {}, 'rtol': {}}
        entry['rtol']['output'] = rtol(r32['output'], r64['output'])
        if r32['grad_input'] is not None:
            entry['grad_input'] = flat(r32['grad_input'])
            entry['rtol']['grad_input'] = rtol(r32['grad_input'], r64['grad_input'])
        for name, grad in r32['grads'].items():
            entry['grads'][name] = flat(grad)
            entry['rtol'][name] = rtol(grad, r64['grads'][name])
        for name, buffer in r32['buffers'].items():
            entry['buffers'][name] = flat(buffer)
            if buffer.is_floating_point():
                entry['rtol'][name] = rtol(buffer, r64['buffers'][name])
        modes[mode] = entry
    return {
        'case': case,
        'torch_version': torch.__version__,
        'dtype': 'float32',
        'layer': layer,
        'input': flat(x),
        'input_dtype': 'float32' if x.is_floating_point() else 'int32',
        'pre_inputs': [flat(pre) for pre in pre_inputs],
        'state_dict': {name: flat(t) for name, t in state.items()},
        'g': flat(g),
        'train': modes['train'],
        'eval': modes['eval'],
    }


def ce(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0):
    return {'type': 'CrossEntropyLoss', 'weight': weight, 'ignore_index': ignore_index, 'reduction': reduction,
            'label_smoothing': label_smoothing}


def bce(weight=None, reduction='mean', pos_weight=None):
    return {'type': 'BCEWithLogitsLoss', 'weight': weight, 'reduction': reduction, 'pos_weight': pos_weight}


# (case, resolved loss, output shape, target kind)
# target kinds: classes:<C> (int class indices, a few set to the ignore_index when it is in range -100 or 0..C-1);
# values (randn); near (randn, with every 4th target equal to its output: zero differences); labels (0/1);
# soft (uniform in [0, 1])
LOSS_CASES = [
    ('ce', ce(), [6, 4], 'classes'),
    ('ce_weight', ce(weight=[0.5, 1.0, 2.0, 0.25]), [6, 4], 'classes'),
    ('ce_ignore_index', ce(ignore_index=1), [7, 4], 'classes'),
    ('ce_ignore_default', ce(), [5, 3], 'classes_ignored'),
    ('ce_smoothing', ce(label_smoothing=0.1), [6, 4], 'classes'),
    ('ce_weight_smoothing_ignore', ce(weight=[0.5, 1.0, 2.0, 0.25], ignore_index=3, label_smoothing=0.2),
     [8, 4], 'classes'),
    ('ce_sum', ce(reduction='sum'), [6, 4], 'classes'),
    ('ce_sum_weight_smoothing', ce(weight=[1.5, 0.5, 1.0], reduction='sum', label_smoothing=0.3), [5, 3],
     'classes'),
    ('mse', {'type': 'MSELoss', 'reduction': 'mean'}, [5, 3], 'values'),
    ('mse_sum', {'type': 'MSELoss', 'reduction': 'sum'}, [4, 2], 'values'),
    ('l1', {'type': 'L1Loss', 'reduction': 'mean'}, [5, 3], 'near'),
    ('l1_sum', {'type': 'L1Loss', 'reduction': 'sum'}, [4, 3], 'near'),
    ('smoothl1', {'type': 'SmoothL1Loss', 'reduction': 'mean', 'beta': 1.0}, [6, 3], 'near'),
    ('smoothl1_beta_sum', {'type': 'SmoothL1Loss', 'reduction': 'sum', 'beta': 0.5}, [6, 3], 'near'),
    ('smoothl1_beta0', {'type': 'SmoothL1Loss', 'reduction': 'mean', 'beta': 0.0}, [6, 3], 'near'),
    ('huber', {'type': 'HuberLoss', 'reduction': 'mean', 'delta': 1.0}, [6, 3], 'near'),
    ('huber_delta_sum', {'type': 'HuberLoss', 'reduction': 'sum', 'delta': 2.0}, [6, 3], 'near'),
    ('bce', bce(), [5, 3], 'labels'),
    ('bce_weight', bce(weight=[0.5, 2.0, 1.0]), [5, 3], 'labels'),
    ('bce_pos_weight', bce(pos_weight=[3.0, 0.5, 1.0]), [5, 3], 'soft'),
    ('bce_both_sum', bce(weight=[0.5, 2.0, 1.0], reduction='sum', pos_weight=[3.0, 0.5, 1.0]), [5, 3], 'labels'),
    ('bce_extreme_logits', bce(), [4, 1], 'labels'),
]


def torch_loss(loss):
    args = {key: value for key, value in loss.items() if key != 'type'}
    for key in ('weight', 'pos_weight'):
        if args.get(key) is not None:
            args[key] = torch.tensor(args[key])
    return getattr(nn, loss['type'])(**args)


def run_loss(loss, output, target, dtype):
    module = torch_loss(loss).to(dtype)
    x = output.detach().clone().to(dtype).requires_grad_(True)
    t = target if not target.is_floating_point() else target.to(dtype)
    value = module(x, t)
    value.backward()
    return value, x.grad


def record_loss(index, case, loss, shape, kind):
    torch.manual_seed(1000 + index)
    output = torch.randn(shape)
    if case == 'bce_extreme_logits':
        output = torch.tensor([[60.0], [-60.0], [30.0], [-0.5]])
    if kind.startswith('classes'):
        target = torch.randint(0, shape[1], (shape[0],))
        if kind == 'classes_ignored':
            target[1] = -100
            target[3] = -100
    elif kind == 'values':
        target = torch.randn(shape)
    elif kind == 'near':
        target = output + torch.randn(shape) * 1.5
        target.view(-1)[::4] = output.view(-1)[::4]
    elif kind == 'labels':
        target = torch.randint(0, 2, shape).float()
        if case == 'bce_extreme_logits':
            target = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    else:
        target = torch.rand(shape)
    value32, grad32 = run_loss(loss, output, target, torch.float32)
    value64, grad64 = run_loss(loss, output, target, torch.float64)
    return {
        'case': case,
        'torch_version': torch.__version__,
        'dtype': 'float32',
        'loss': loss,
        'output': flat(output),
        'target': flat(target),
        'target_dtype': 'float32' if target.is_floating_point() else 'int32',
        'value': value32.item(),
        'grad_output': flat(grad32),
        'rtol': {'value': rtol(value32, value64), 'grad_output': rtol(grad32, grad64)},
    }


CNN_LAYERS = [
    conv(2, 1, 4, [3, 3], padding=[1, 1]),
    bn(2, 4),
    {'type': 'ReLU'},
    maxpool([2, 2]),
    {'type': 'Flatten', 'start_dim': 1, 'end_dim': -1},
    {'type': 'Linear', 'in_features': 64, 'out_features': 3, 'bias': True},
]


def run_cnn(model, x, y, steps, dtype):
    model = model.to(dtype)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x.to(dtype)), y)
        loss.backward()
        opt.step()
        losses.append(loss)
    return losses, dict(model.state_dict())


def record_cnn():
    torch.manual_seed(2000)
    model = nn.Sequential(*[torch_layer(layer) for layer in CNN_LAYERS])
    x = torch.randn(6, 1, 8, 8)
    y = torch.randint(0, 3, (6,))
    state = {name: t.clone() for name, t in model.state_dict().items()}
    model64 = copy.deepcopy(model)
    steps = 5
    losses32, final32 = run_cnn(model, x, y, steps, torch.float32)
    losses64, final64 = run_cnn(model64, x, y, steps, torch.float64)
    return {
        'case': 'cnn_adam',
        'torch_version': torch.__version__,
        'dtype': 'float32',
        'layers': CNN_LAYERS,
        'loss': ce(),
        'optimizer': {'type': 'Adam', 'options': {'lr': 1e-2}},
        'input': flat(x),
        'target': flat(y),
        'state_dict': {name: flat(t) for name, t in state.items()},
        'losses': [loss.item() for loss in losses32],
        'final_state_dict': {name: flat(t) for name, t in final32.items()},
        'rtol': {
            'losses': rtol(torch.stack(losses32), torch.stack(losses64)),
            **{name: rtol(t, final64[name]) for name, t in final32.items() if t.is_floating_point()},
        },
    }


def record_init():
    """torch's own draws for two layers: the sample moments an implementation of the same formula should match."""
    torch.manual_seed(3000)
    out = {'case': 'init', 'torch_version': torch.__version__, 'layers': []}
    for layer in ({'type': 'Linear', 'in_features': 256, 'out_features': 128, 'bias': True},
                  conv(2, 16, 32, [3, 3])):
        module = torch_layer(layer)
        fan_in = module.weight[0].numel()
        bound = 1 / fan_in ** 0.5
        moments = {}
        for name, p in module.named_parameters():
            moments[name] = {'count': p.numel(), 'mean': p.mean().item(), 'var': p.var(unbiased=False).item(),
                             'min': p.min().item(), 'max': p.max().item()}
        out['layers'].append({'layer': layer, 'bound': bound, 'moments': moments})
    return out


def write(name, data):
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    for index, (case, layer, shape, kind, pre) in enumerate(LAYER_CASES):
        write(f'layer_{case}', record_layer(index, case, layer, shape, kind, pre))
    for index, (case, loss, shape, kind) in enumerate(LOSS_CASES):
        write(f'loss_{case}', record_loss(index, case, loss, shape, kind))
    write('cnn_adam', record_cnn())
    write('init', record_init())


if __name__ == '__main__':
    main()
