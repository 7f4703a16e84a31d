import { describe, expect, it } from 'vitest';
import { validateLrRangeTest } from '../src/lr-range-test-spec.js';
import { context } from './workloads.js';

const valid = {
  workload: { name: 'mnist-mlp', options: { hidden: 32, trainSize: 640, valSize: 64 } },
  training: { batchSize: 64 },
  optimizer: { type: 'SGD', momentum: 0.9 },
};

const errorsOf = (body: unknown) => {
  const result = validateLrRangeTest(body, context);
  if (result.ok) expect.fail('expected errors');
  return result.errors;
};

describe('POST /v1/lr-range-tests bodies', () => {
  it("runs as one trial: the ramp's lr and scheduler, steps as maxSteps, the stop rule; fastai's defaults", () => {
    const result = validateLrRangeTest(valid, context);
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.settings).toEqual({ start_lr: 1e-7, end_lr: 10, steps: 100, mode: 'exp', smoothing: 0.98 });
    const { trial } = result;
    expect(trial.optimizer.type).toBe('SGD');
    expect(trial.optimizer.options).toMatchObject({ lr: 1e-7, momentum: 0.9 });
    expect(trial.scheduler).toMatchObject({ type: 'ExponentialLR', interval: 'step' });
    // gamma = (10 / 1e-7)^(1/100) = 1e8^(0.01)
    expect(trial.scheduler!.options['gamma']).toBeCloseTo(10 ** 0.08, 12);
    expect(trial.training).toMatchObject({ batchSize: 64, maxSteps: 100 });
    expect(trial.stopOnDivergence).toEqual({ smoothing: 0.98 });
    expect(trial.seed).toBe(0);
  });

  it('linear mode: LinearLR from start/end with the optimizer at end_lr', () => {
    const result = validateLrRangeTest(
      { ...valid, start_lr: 0.001, end_lr: 1, steps: 50, mode: 'linear', seed: 7 },
      context,
    );
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.trial.optimizer.options['lr']).toBe(1);
    expect(result.trial.scheduler).toMatchObject({
      type: 'LinearLR',
      options: { start_factor: 0.001, end_factor: 1, total_iters: 50 },
    });
    expect(result.trial.seed).toBe(7);
  });

  it('bad settings: a 400 naming each field', () => {
    const errors = errorsOf({ ...valid, start_lr: 1, end_lr: 0.1, steps: 1, mode: 'cos', smoothing: 1 });
    expect(errors.map((e) => e.path)).toEqual(['/end_lr', '/steps', '/mode', '/smoothing']);
    expect(errors[0]!.message).toMatch(/end_lr must be greater than start_lr \(1\), got 0.1/);
    expect(errorsOf({ ...valid, steps: 'many' }).map((e) => e.path)).toEqual(['/steps']);
    expect(errorsOf({ ...valid, stpes: 10 })[0]).toMatchObject({
      path: '/stpes',
      message: /did you mean "steps"/,
    });
  });

  it("the optimizer entry and the workload are checked as a sweep's, with pointers into this body", () => {
    expect(errorsOf({ ...valid, optimizer: { type: 'SDG' } })).toEqual([
      expect.objectContaining({ path: '/optimizer/type', message: expect.stringMatching(/SGD/) }),
    ]);
    expect(errorsOf({ ...valid, optimizer: { type: 'Adam', momentum: 0.9 } })[0]!.path).toBe(
      '/optimizer/momentum',
    );
    expect(errorsOf({ ...valid, optimizer: { type: 'SGD', lr: 0.1 } })[0]!.path).toBe('/optimizer/lr');
    expect(errorsOf({ ...valid, optimizer: { type: 'SGD', momentum: [0.9, 0.99] } })[0]!.path).toBe(
      '/optimizer',
    );
    expect(errorsOf({ ...valid, optimizer: undefined })[0]!.path).toBe('/optimizer');
    expect(errorsOf({ ...valid, workload: 'mnist-mpl' })[0]!.path).toBe('/workload');
    expect(errorsOf({ ...valid, training: { batchSize: 64, epochs: 3 } })[0]!.path).toBe('/training/epochs');
    expect(errorsOf({ ...valid, seed: -1.5 })[0]!.path).toBe('/seed');
    expect(errorsOf([])[0]!.path).toBe('');
  });
});
