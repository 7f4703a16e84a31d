import { Adam, computeGradients } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import {
  buildLoss,
  buildNetwork,
  MAX_POOL_ON_FLAG,
  type ResolvedLayer,
  type ResolvedLoss,
} from '../src/nn/index.js';
import { Rng } from '../src/rng.js';
import {
  compare,
  type Flat,
  loadStateDict,
  readReference,
  referenceNames,
  tensorOf,
} from './nn-reference.js';

interface ModeRecord {
  output: Flat;
  grad_input?: Flat;
  grads: Record<string, Flat>;
  buffers: Record<string, Flat>;
  rtol: Record<string, number>;
}

interface LayerCase {
  case: string;
  torch_version: string;
  layer: ResolvedLayer;
  input: Flat;
  input_dtype: 'float32' | 'int32';
  pre_inputs: Flat[];
  state_dict: Record<string, Flat>;
  g: Flat;
  train: ModeRecord;
  eval: ModeRecord;
}

interface LossCase {
  case: string;
  loss: ResolvedLoss;
  output: Flat;
  target: Flat;
  target_dtype: 'float32' | 'int32';
  value: number;
  grad_output: Flat;
  rtol: { value: number; grad_output: number };
}

interface CnnCase {
  layers: ResolvedLayer[];
  loss: ResolvedLoss;
  optimizer: { type: 'Adam'; options: { lr: number } };
  input: Flat;
  target: Flat;
  state_dict: Record<string, Flat>;
  losses: number[];
  final_state_dict: Record<string, Flat>;
  rtol: Record<string, number>;
}

const layerCases = referenceNames('layer_');
const lossCases = referenceNames('loss_');

/** One layer case on the active backend: the problems found (empty when it matches torch). */
function runLayerCase(name: string): string[] {
  const ref = readReference<LayerCase>(name);
  const problems: string[] = [];
  const network = buildNetwork([ref.layer], ref.input.shape.slice(1), Rng.forStream(0, 'init'), 0);
  let before = 0;
  try {
    loadStateDict(network, ref.state_dict);
    before = tf.memory().numTensors;
    for (const pre of ref.pre_inputs) {
      tf.tidy(() => {
        network.forward(
          tensorOf(pre, ref.input_dtype),
          network.params.map((p) => p.variable),
          {
            training: true,
            step: 0,
          },
        );
      });
    }
    for (const mode of ['train', 'eval'] as const) {
      const want = ref[mode];
      const floating = ref.input_dtype === 'float32';
      const input = floating ? tf.tidy(() => tf.variable(tensorOf(ref.input))) : tensorOf(ref.input, 'int32');
      const g = tensorOf(ref.g);
      let output: tf.Tensor | null = null;
      const variables = network.params.map((p) => p.variable);
      const { value, grads } = tf.variableGrads(
        () => {
          const out = network.forward(input, variables, { training: mode === 'train', step: 0 });
          output = tf.keep(out);
          return tf.sum(tf.mul(out, g));
        },
        floating ? [input as tf.Variable, ...variables] : variables,
      );
      compare(problems, `${mode} output`, output!, want.output, want.rtol['output']!);
      if (want.grad_input !== undefined)
        compare(
          problems,
          `${mode} grad_input`,
          grads[(input as tf.Variable).name]!,
          want.grad_input,
          want.rtol['grad_input']!,
        );
      for (const param of network.params) {
        const grad = grads[param.variable.name];
        if (grad === undefined) problems.push(`${mode} ${param.name}: no gradient`);
        else
          compare(
            problems,
            `${mode} grad ${param.name}`,
            grad,
            want.grads[param.name]!,
            want.rtol[param.name]!,
          );
      }
      for (const [bufferName, buffer] of Object.entries(network.buffers)) {
        const rtol = want.rtol[bufferName];
        if (rtol === undefined) {
          const got = Array.from(buffer.dataSync());
          if (JSON.stringify(got) !== JSON.stringify(want.buffers[bufferName]!.values))
            problems.push(`${mode} ${bufferName}: got ${got}, want ${want.buffers[bufferName]!.values}`);
        } else compare(problems, `${mode} ${bufferName}`, buffer, want.buffers[bufferName]!, rtol);
      }
      tf.dispose([value, output!, input, g, ...Object.values(grads)]);
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) problems.push(`${leaked} tensors leaked`);
  } finally {
    network.dispose();
  }
  return problems;
}

function runLossCase(name: string): string[] {
  const ref = readReference<LossCase>(name);
  const problems: string[] = [];
  const loss = buildLoss(ref.loss);
  const output = tf.tidy(() => tf.variable(tensorOf(ref.output)));
  const target = tensorOf(ref.target, ref.target_dtype);
  const { value, grads } = tf.variableGrads(() => loss.loss(output, target), [output]);
  compare(problems, 'value', value, { shape: [], values: [ref.value] }, ref.rtol.value);
  compare(problems, 'grad_output', grads[output.name]!, ref.grad_output, ref.rtol.grad_output);
  tf.dispose([value, output, target, ...Object.values(grads)]);
  return problems;
}

describe.each(['cpu', 'wasm'] as const)('torch.nn parity (PyTorch 1.13) on %s', (backend) => {
  it('has the reference files', () => {
    expect(layerCases.length).toBeGreaterThan(40);
    expect(lossCases.length).toBeGreaterThan(15);
  });

  it.each(layerCases)('%s: outputs, gradients and buffers in train and eval mode', async (name) => {
    await selectBackend(backend);
    expect(runLayerCase(name)).toEqual([]);
  });

  it.each(layerCases.filter((name) => name.startsWith('layer_maxpool')))(
    '%s on tfjs ops only (the path of backends whose tensors are not in this process)',
    async (name) => {
      await selectBackend(backend);
      tf.env().set(MAX_POOL_ON_FLAG, 'device');
      try {
        expect(runLayerCase(name)).toEqual([]);
      } finally {
        tf.env().set(MAX_POOL_ON_FLAG, 'auto');
      }
    },
  );

  it.each(lossCases)('%s: value and gradient', async (name) => {
    await selectBackend(backend);
    expect(runLossCase(name)).toEqual([]);
  });

  it('trains the small CNN as torch does: 5 Adam steps from torch’s initial weights', async () => {
    await selectBackend(backend);
    const ref = readReference<CnnCase>('cnn_adam');
    const network = buildNetwork(ref.layers, ref.input.shape.slice(1), Rng.forStream(0, 'init'), 0);
    loadStateDict(network, ref.state_dict);
    const loss = buildLoss(ref.loss);
    const optimizer = new Adam(network.params, ref.optimizer.options);
    const x = tensorOf(ref.input);
    const y = tensorOf(ref.target, 'int32');
    const variables = network.params.map((p) => p.variable);
    const problems: string[] = [];
    const losses: number[] = [];
    for (let step = 0; step < ref.losses.length; step++) {
      losses.push(
        computeGradients(network.params, () =>
          loss.loss(network.forward(x, variables, { training: true, step }), y),
        ),
      );
      optimizer.step();
    }
    compare(
      problems,
      'losses',
      tf.tensor(losses),
      { shape: [ref.losses.length], values: ref.losses },
      ref.rtol['losses']!,
    );
    const current: Record<string, tf.Tensor> = {
      ...Object.fromEntries(network.params.map((p) => [p.name, p.variable])),
      ...network.buffers,
    };
    for (const [name, want] of Object.entries(ref.final_state_dict)) {
      const rtol = ref.rtol[name];
      if (rtol === undefined) expect(Array.from(current[name]!.dataSync()), name).toEqual(want.values);
      else compare(problems, name, current[name]!, want, rtol);
    }
    expect(problems).toEqual([]);
    tf.dispose([x, y]);
    network.dispose();
  });
});
