import { describe, expect, it } from 'vitest';
import { isExternalWorkload, validateSweepSpec } from '../src/index.js';

// `"workload": {"external": {...}}`: trials trained outside the service.
const context = { workloads: [] };
const external = {
  model: 'TwoLayerNet',
  data: { path: '/data/x.npy' },
  param_groups: ['linear1', 'linear2'],
};

describe('external workload', () => {
  it('hands the object to every trial untouched, with optimizers in torch names', () => {
    const result = validateSweepSpec(
      {
        workload: { external },
        optimizers: [{ type: 'SGD', lr: [0.1, 0.01], param_groups: [{ params: 'linear2', lr: 0.5 }] }],
      },
      context,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.trials).toHaveLength(2);
    for (const trial of result.trials)
      expect(trial.workload).toEqual({ name: 'external', options: external });
    expect(result.spec.workload).toEqual({ external });
    expect(isExternalWorkload(result.spec.workload)).toBe(true);
    expect(isExternalWorkload(result.trials[0]!.workload)).toBe(true);
  });

  it("takes an objective on a metric of the trainer's own, which ReduceLROnPlateau then monitors", () => {
    const result = validateSweepSpec(
      {
        workload: { external },
        optimizers: [{ type: 'SGD', lr: 0.1 }],
        schedulers: [{ type: 'ReduceLROnPlateau', factor: 0.5 }],
        objective: { metric: 'val_bleu', mode: 'max' },
      },
      context,
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.spec.objective).toEqual({ metric: 'val_bleu', mode: 'max' });
    expect(result.trials[0]!.scheduler).toMatchObject({ monitor: 'val_bleu', options: { mode: 'max' } });
    for (const [metric, path] of [
      ['Val-BLEU', '/objective/metric'],
      ['lr', '/objective/metric'],
    ] as const) {
      const bad = validateSweepSpec(
        {
          workload: { external },
          optimizers: [{ type: 'SGD', lr: 0.1 }],
          objective: { metric, mode: 'max' },
        },
        context,
      );
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.errors[0]!.path).toBe(path);
    }
  });

  it('counts steps per epoch from train_examples (OneCycleLR total_steps)', () => {
    const result = validateSweepSpec(
      {
        workload: { external: { train_examples: 1000 } },
        training: { epochs: 2, batchSize: 100 },
        optimizers: [{ type: 'SGD', lr: 0.1, momentum: 0.9 }],
        schedulers: [{ type: 'OneCycleLR', max_lr: 0.1 }],
      },
      context,
    );
    expect(result.ok && result.trials[0]!.scheduler!.options['total_steps']).toBe(20);
  });

  it.each([
    [{ external, name: 'x' }, '/workload/name', /alone/],
    [{ external: 'TwoLayerNet' }, '/workload/external', /must be an object/],
    [{ external: { param_groups: 'linear1' } }, '/workload/external/param_groups', /list of module names/],
    [{ external: { train_examples: 0 } }, '/workload/external/train_examples', /positive integer/],
  ])('refuses %j at its pointer', (workload, path, message) => {
    const result = validateSweepSpec({ workload, optimizers: [{ type: 'SGD', lr: 0.1 }] }, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.path).toBe(path);
    expect(result.errors[0]!.message).toMatch(message);
  });

  it('refuses a param group the external object does not name', () => {
    const result = validateSweepSpec(
      { workload: { external }, optimizers: [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'conv1' }] }] },
      context,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.path).toBe('/optimizers/0/param_groups/0/params');
  });
});
