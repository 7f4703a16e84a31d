import Schema from 'typebox/schema';
import { describe, expect, test } from 'vitest';
import { sweepSpecExamples } from '../src/examples.js';
import { SweepSpecSchema } from '../src/sweep-spec-schema.js';
import { exampleNames, expectValid, readExample } from './helpers.js';

const expectedTrials: Record<(typeof exampleNames)[number], number> = {
  'optimizers-mnist': 27, // 9 optimizer entries x 3 seeds
  'param-groups-mnist': 12, // 3 classifier lrs x 2 schedulers x 2 seeds
  'schedulers-regression': 9, // 1 optimizer x (8 schedulers, ExponentialLR sweeping 2 gammas)
};

describe('the example specs', () => {
  const check = Schema.Compile(SweepSpecSchema);
  for (const name of exampleNames) {
    test(`${name} is accepted as it is with ${expectedTrials[name]} trials`, () => {
      const example = readExample(name);
      const { trials, spec } = expectValid(example);
      expect(trials).toHaveLength(expectedTrials[name]);
      expect(spec.name).toBe(example['name']);
      expect(check.Check(example)).toBe(true);
    });

    test(`${name}: the normalized spec is a valid spec with the same trials`, () => {
      const first = expectValid(readExample(name));
      const again = expectValid(first.spec);
      expect(again.trials).toEqual(first.trials);
      expect(again.spec).toEqual(first.spec);
      expect(check.Check(first.spec)).toBe(true);
    });

    test(`${name} is embedded unchanged as an OpenAPI example`, () => {
      expect(sweepSpecExamples[name]).toEqual(readExample(name));
    });
  }

  test('optimizers-mnist fills torch defaults and keeps entry order', () => {
    const { trials } = expectValid(readExample('optimizers-mnist'));
    const types = [...new Set(trials.map((trial) => trial.optimizer.type))];
    expect(types).toEqual(['SGD', 'Adagrad', 'Adadelta', 'RMSprop', 'Adam', 'Adamax']);
    expect(trials.map((trial) => trial.seed).slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    const nesterov = trials[6]!.optimizer;
    expect(nesterov.options).toEqual({
      lr: 0.01,
      momentum: 0.9,
      dampening: 0,
      weight_decay: 0,
      nesterov: true,
      maximize: false,
    });
    const adadelta = trials.find((trial) => trial.optimizer.type === 'Adadelta')!.optimizer.options;
    expect(adadelta).toMatchObject({ lr: 1, rho: 0.9, eps: 1e-6 });
    for (const trial of trials) {
      expect(trial.scheduler).toBeNull();
      expect(trial.workload).toEqual({
        name: 'mnist-mlp',
        options: { hidden: 200, trainSize: 8000, valSize: 2000 },
      });
      expect(trial.training).toEqual({ epochs: 5, batchSize: 64 });
    }
  });

  test('param-groups-mnist sweeps the classifier group lr', () => {
    const { trials, spec } = expectValid(readExample('param-groups-mnist'));
    expect(spec.objective).toEqual({ metric: 'val_loss', mode: 'min' });
    expect(trials.map((trial) => trial.optimizer.param_groups)).toContainEqual([
      { params: 'classifier', lr: 0.1 },
    ]);
    expect(new Set(trials.map((trial) => trial.optimizer.param_groups?.[0]?.['lr']))).toEqual(
      new Set([0.001, 0.01, 0.1]),
    );
    const stepLr = trials.find((trial) => trial.scheduler !== null)!.scheduler!;
    expect(stepLr).toEqual({ type: 'StepLR', options: { step_size: 1, gamma: 0.1 }, interval: 'epoch' });
  });

  test('schedulers-regression: train_loss objective, ReduceLROnPlateau monitors it, CyclicLR steps per batch', () => {
    const { trials } = expectValid(readExample('schedulers-regression'));
    const scheduler = (type: string) => trials.find((trial) => trial.scheduler?.type === type)!.scheduler!;
    expect(scheduler('ReduceLROnPlateau')).toMatchObject({ interval: 'epoch', monitor: 'train_loss' });
    expect(scheduler('ReduceLROnPlateau').options).toMatchObject({ mode: 'min', factor: 0.1, patience: 10 });
    expect(scheduler('CyclicLR').interval).toBe('step');
    expect(scheduler('MultiStepLR').options['milestones']).toEqual([30, 80]);
    expect(trials.filter((trial) => trial.scheduler?.type === 'ExponentialLR')).toHaveLength(2);
    expect(trials[0]!.scheduler).toBeNull();
  });
});
