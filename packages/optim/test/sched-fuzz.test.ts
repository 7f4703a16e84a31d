import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptimError } from '../src/errors.js';
import {
  createScheduler,
  plainOptimizer,
  schedulerCatalog,
  schedulerTypes,
  validateSchedulerSpec,
} from '../src/index.js';

/** Runs `fn`; anything thrown must be an OptimError (a client's mistake, never a crash). */
function onlyOptimErrors(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(OptimError);
    return false;
  }
}

/** The smallest valid options of each type, which the generator then perturbs. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  LambdaLR: { lr_lambda: '0.9 ** epoch' },
  MultiplicativeLR: { lr_lambda: '0.95' },
  StepLR: { step_size: 3 },
  MultiStepLR: { milestones: [2, 5] },
  ExponentialLR: { gamma: 0.9 },
  SequentialLR: {
    schedulers: [{ type: 'ConstantLR' }, { type: 'ExponentialLR', options: { gamma: 0.9 } }],
    milestones: [4],
  },
  CosineAnnealingLR: { T_max: 7 },
  ChainedScheduler: { schedulers: [{ type: 'ConstantLR' }, { type: 'StepLR', options: { step_size: 2 } }] },
  CyclicLR: { base_lr: 0.01, max_lr: 0.1, step_size_up: 3 },
  CosineAnnealingWarmRestarts: { T_0: 4 },
  OneCycleLR: { max_lr: 0.1, total_steps: 40 },
};

/** A valid spec of a known type with a few options replaced by arbitrary (often valid) values. */
const plausibleSpec = fc.constantFrom(...schedulerTypes).chain((type) => {
  const names = Object.keys(schedulerCatalog[type]!.options);
  const value = fc.oneof(
    fc.integer({ min: -2, max: 50 }),
    fc.double({ min: -1, max: 2, noNaN: true }),
    fc.constantFrom(
      'min',
      'max',
      'rel',
      'abs',
      'cos',
      'linear',
      'triangular2',
      'exp_range',
      'iterations',
      '0.9 ** epoch',
      'x / 2',
    ),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 3 }),
    fc.array(fc.record({ type: fc.constantFrom(...schedulerTypes) }), { maxLength: 3 }),
  );
  const changes = fc.dictionary(fc.constantFrom(...names, 'gama'), value, { maxKeys: 2 });
  return changes.map((options) => ({ type, options: { ...REQUIRED[type], ...options } }));
});

describe('fuzzing scheduler specs', () => {
  it('validateSchedulerSpec throws only OptimErrors for arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ type: fc.constantFrom(...schedulerTypes), options: fc.jsonValue() }),
        ),
        (spec) => {
          onlyOptimErrors(() => validateSchedulerSpec(spec));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('specs that validate build and run with finite lrs, or fail with an OptimError', () => {
    let valid = 0;
    fc.assert(
      fc.property(
        plausibleSpec,
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 30, maxLength: 30 }),
        (spec, metrics) => {
          if (!onlyOptimErrors(() => validateSchedulerSpec(spec, { groupCount: 1 }))) return;
          valid += 1;
          const optimizer = plainOptimizer({ type: 'SGD', options: { lr: 0.1, momentum: 0.9 } });
          onlyOptimErrors(() => {
            const scheduler = createScheduler(optimizer, spec);
            for (const metric of metrics) {
              scheduler.step(metric);
              for (const lr of scheduler.getLastLr()) expect(Number.isFinite(lr)).toBe(true);
            }
          });
        },
      ),
      { numRuns: 1500 },
    );
    // The generator must reach valid specs, or the property says nothing.
    expect(valid).toBeGreaterThan(500);
  });
});

describe('schedules that cannot train are refused', () => {
  // Found by the fuzzing above: max_lr / 5e-324 overflows to Infinity.
  it.each([
    [{ max_lr: 0.1, total_steps: 40, div_factor: 5e-324 }, 'div_factor'],
    [{ max_lr: 0.1, total_steps: 40, div_factor: 1, final_div_factor: 1e-320 }, 'final_div_factor'],
  ])('OneCycleLR %j -> OptimError at %s', (options, path) => {
    expect(() => validateSchedulerSpec({ type: 'OneCycleLR', options }, { groupCount: 1 })).toThrow(
      expect.objectContaining({ name: 'OptimError', path }),
    );
  });
});

describe('a schedule that computes a non-finite lr', () => {
  it('stops with an OptimError instead of training with it', () => {
    // ConstantLR divides by factor at total_iters: 0.1 * 5e-324 underflows to 0, then 0 * (1 / 5e-324) is NaN.
    const optimizer = plainOptimizer({ type: 'SGD', options: { lr: 0.1 } });
    const scheduler = createScheduler(optimizer, {
      type: 'ConstantLR',
      options: { factor: 5e-324, total_iters: 2 },
    });
    scheduler.step();
    expect(() => scheduler.step()).toThrow(
      /ConstantLR computed a non-finite learning rate \(NaN\) for group 0 at epoch 2/,
    );
  });
});
