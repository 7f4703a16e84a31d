import { computeGradients, registerGradients } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getWorkload, resolveWorkloadOptions, selectBackend, TrainerError, workloads } from '../src/index.js';

beforeAll(async () => {
  await selectBackend('wasm');
  registerGradients();
});

function build(name: string, options: Record<string, unknown> = {}, seed = 0) {
  const definition = getWorkload(name);
  return definition.create(resolveWorkloadOptions(definition, options), seed);
}

const small: Record<string, Record<string, number>> = {
  'mnist-mlp': { hidden: 8, trainSize: 200, valSize: 50 },
  'two-layer-regression': {},
  rosenbrock: {},
  logistic: { trainSize: 100, valSize: 50 },
};

describe('workload registry', () => {
  it('describes every workload with options, defaults and parameter groups', () => {
    expect(Object.keys(workloads).sort()).toEqual([
      'logistic',
      'mnist-mlp',
      'rosenbrock',
      'two-layer-regression',
    ]);
    for (const workload of Object.values(workloads)) {
      expect(workload.description.length).toBeGreaterThan(10);
      expect(workload.paramGroups.length).toBeGreaterThan(0);
      for (const schema of Object.values(workload.options)) {
        expect(schema.default).toBeTypeOf('number');
        expect(schema.description).toBeTypeOf('string');
      }
    }
    const mnist = JSON.parse(JSON.stringify(workloads['mnist-mlp']));
    expect(mnist.paramGroups).toEqual(['base', 'classifier']);
    expect(mnist.options.hidden.default).toBe(200);
    expect(mnist.hasValidation).toBe(true);
    expect(workloads['two-layer-regression']!.hasValidation).toBe(false);
    // Batches per epoch for the sweep service: ceil(trainExamples / batchSize).
    const { trainExamples } = workloads['mnist-mlp']!;
    expect(trainExamples({ trainSize: 4000 })).toBe(4000);
    expect(trainExamples()).toBe(8000);
    expect(workloads['two-layer-regression']!.trainExamples()).toBe(64);
    expect(workloads['rosenbrock']!.trainExamples({})).toBe(1);
  });

  it('says which workloads pack, as their instances do', () => {
    for (const [name, definition] of Object.entries(workloads)) {
      const instance = build(name, small[name]);
      expect({ name, packable: instance.packed !== undefined }).toEqual({
        name,
        packable: definition.packable,
      });
      instance.dispose();
    }
    expect(workloads['mnist-mlp']!.packable).toBe(true);
    expect(workloads['rosenbrock']!.packable).toBe(false);
  });

  it('rejects unknown workloads, unknown options and out-of-range values', () => {
    expect(() => getWorkload('cifar')).toThrow(/unknown workload "cifar"; expected one of mnist-mlp/);
    const mnist = getWorkload('mnist-mlp');
    expect(() => resolveWorkloadOptions(mnist, { hiden: 3 })).toThrow(TrainerError);
    expect(() => resolveWorkloadOptions(mnist, { hidden: 0 })).toThrow(/hidden must be >= 1/);
    expect(() => resolveWorkloadOptions(mnist, { hidden: 2.5 })).toThrow(/integer/);
    expect(() => resolveWorkloadOptions(mnist, { hidden: '3' })).toThrow(/finite number/);
    expect(() => build('mnist-mlp', { trainSize: 9000, valSize: 2000 })).toThrow(/10000 digits/);
    expect(resolveWorkloadOptions(mnist, { hidden: 50 })).toEqual({
      hidden: 50,
      trainSize: 8000,
      valSize: 2000,
    });
  });

  it.each(Object.keys(small))(
    '%s: every parameter in exactly one group, a finite loss and a gradient for each parameter',
    async (name) => {
      const before = tf.memory().numTensors;
      const workload = build(name, small[name]);
      const grouped = Object.values(workload.groups).flat().sort();
      expect(grouped).toEqual(workload.params.map((p) => p.name).sort());
      expect(Object.keys(workload.groups)).toEqual([...getWorkload(name).paramGroups]);
      const indices = workload.trainSize === null ? null : Int32Array.from({ length: 10 }, (_, i) => i);
      const batch = workload.batch(indices);
      const loss = computeGradients(workload.params, () => workload.loss(batch));
      expect(Number.isFinite(loss)).toBe(true);
      for (const param of workload.params) expect(param.grad).not.toBeNull();
      if (batch !== null) tf.dispose([batch.x, batch.y]);
      const validation = await workload.validate?.();
      if (getWorkload(name).hasValidation) {
        expect(Number.isFinite(validation!.loss)).toBe(true);
        expect(validation!.accuracy).toBeGreaterThanOrEqual(0);
      } else {
        expect(validation).toBeUndefined();
      }
      workload.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('mnist-mlp: the same seed gives the same split and weights; another seed other ones; splits are disjoint', () => {
    const read = (seed: number) => {
      const workload = build('mnist-mlp', { hidden: 4, trainSize: 100, valSize: 50 }, seed);
      const batch = workload.batch(Int32Array.from({ length: 100 }, (_, i) => i))!;
      const values = {
        x: Array.from(batch.x.dataSync()),
        weights: workload.params.map((p) => Array.from(p.variable.dataSync())),
      };
      tf.dispose([batch.x, batch.y]);
      workload.dispose();
      return values;
    };
    const a = read(0);
    expect(read(0)).toEqual(a);
    expect(read(1).x).not.toEqual(a.x);
    expect(read(1).weights).not.toEqual(a.weights);
    // torch.nn.Linear's bound 1/sqrt(fan_in)
    const bound = 1 / Math.sqrt(784);
    expect(Math.max(...a.weights[0]!.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...a.weights[0]!.map(Math.abs))).toBeGreaterThan(bound * 0.95);
  });

  it.each([
    ['mnist-mlp', { hidden: 16, trainSize: 200, valSize: 50 }],
    ['two-layer-regression', { samples: 48, inputSize: 40, hidden: 8, outputSize: 3 }],
    ['logistic', { trainSize: 100, valSize: 50 }],
  ] as const)(
    '%s: the hand-written layer and loss gradients equal tfjs autodiff of the plain formulas',
    (name, options) => {
      const workload = build(name, options);
      const batch = workload.batch(Int32Array.from({ length: 16 }, (_, i) => i * 3))!;
      const [w1, b1, w2, b2] = workload.params.map((p) => p.variable as tf.Tensor2D);
      // The same networks with tfjs's own gradients (MatMul, LogSoftmax).
      const plain = {
        'mnist-mlp': () => {
          const logits = tf.add(
            tf.matMul(tf.relu(tf.add(tf.matMul(batch.x as tf.Tensor2D, w1!), b1!)), w2!),
            b2!,
          );
          return tf.neg(tf.mean(tf.sum(tf.mul(batch.y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
        },
        'two-layer-regression': () => {
          const out = tf.add(
            tf.matMul(tf.relu(tf.add(tf.matMul(batch.x as tf.Tensor2D, w1!), b1!)), w2!),
            b2!,
          );
          return tf.sum(tf.squaredDifference(out, batch.y)) as tf.Scalar;
        },
        logistic: () => {
          const z = tf.add(tf.matMul(batch.x as tf.Tensor2D, w1!), b1!);
          return tf.mean(tf.sub(tf.softplus(z), tf.mul(batch.y, z))) as tf.Scalar;
        },
      }[name];
      const variables = workload.params.map((p) => p.variable);
      const ours = tf.variableGrads(() => workload.loss(batch), variables);
      const theirs = tf.variableGrads(plain, variables);
      expect(ours.value.dataSync()[0]).toBeCloseTo(theirs.value.dataSync()[0]!, 5);
      for (const variable of variables) {
        const a = ours.grads[variable.name]!.dataSync();
        const b = theirs.grads[variable.name]!.dataSync();
        const scale = Math.max(...Array.from(b, Math.abs), 1e-6);
        const worst = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
        expect(worst / scale).toBeLessThan(1e-5);
      }
      tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
      tf.dispose([batch.x, batch.y]);
      workload.dispose();
    },
  );

  it('rosenbrock starts at (-1.5, 2) where f = 6.25 + 100 * 0.0625', () => {
    const workload = build('rosenbrock');
    expect(Array.from(workload.params[0]!.variable.dataSync())).toEqual([-1.5, 2]);
    expect(tf.tidy(() => workload.loss(null).dataSync()[0]!)).toBeCloseTo(12.5, 5);
    workload.dispose();
  });
});
