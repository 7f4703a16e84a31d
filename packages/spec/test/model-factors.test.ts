import { describe, expect, test } from 'vitest';
import { computeEffects } from '../src/compare/effects.js';
import { sweptFactors } from '../src/compare/factors.js';
import { specFactors } from '../src/compare/spec-factors.js';
import type { ModelWorkloadOptions } from '../src/model/types.js';
import { validateSweepSpec } from '../src/validate-sweep-spec.js';
import { cnnSpec, modelContext } from './model-fixtures.js';

function sweptCnn() {
  const spec = cnnSpec();
  const workload = spec['workload'] as {
    model: Array<Record<string, unknown>>;
    loss: Record<string, unknown>;
  };
  workload.model[0]!['out_channels'] = [8, 16];
  workload.model[4]!['p'] = [0, 0.5];
  workload.loss['label_smoothing'] = [0, 0.1];
  spec['optimizers'] = [{ type: 'SGD', lr: [0.1, 0.01] }];
  spec['seeds'] = [0, 1];
  const result = validateSweepSpec(spec, modelContext);
  if (!result.ok) expect.fail(JSON.stringify(result.errors));
  return result;
}

describe('factors of a swept model', () => {
  test('named and unnamed layers, the loss, beside the optimizer; inferred sizes are no factor', () => {
    const { spec, trials } = sweptCnn();
    expect(trials).toHaveLength(32);
    const factors = specFactors(spec, trials);
    expect(factors.map((f) => [f.name, f.within])).toEqual([
      ['optimizer.lr', null],
      ['model.features.out_channels', null],
      ['model.4.p', null],
      ['loss.label_smoothing', null],
    ]);
    const channels = factors.find((f) => f.name === 'model.features.out_channels')!;
    expect(new Set(channels.values)).toEqual(new Set([8, 16]));
    // the CSV columns: what varies, in_features included (it follows out_channels)
    expect(sweptFactors(trials).map((f) => f.name)).toEqual([
      'optimizer.lr',
      'model.features.out_channels',
      'model.4.p',
      'model.classifier.in_features',
      'loss.label_smoothing',
      'seed',
    ]);
  });

  test('effects: a complete grid over the model variants and the optimizer is analysed exactly', () => {
    const { spec, trials } = sweptCnn();
    const observations = trials.map((config) => {
      const { model, loss } = config.workload.options as unknown as ModelWorkloadOptions;
      const value =
        (model[0]!['out_channels'] === 16 ? 1 : 0) +
        (loss['label_smoothing'] === 0.1 ? 0.5 : 0) +
        config.seed * 0.01;
      return { config, value };
    });
    const effects = computeEffects(observations, spec, { trialCount: trials.length });
    expect(effects.method).toBe('functional-anova');
    const share = (name: string) => effects.factors.find((f) => f.name === name)!.share;
    expect(share('model.features.out_channels')).toBeGreaterThan(0.7);
    expect(share('loss.label_smoothing')).toBeGreaterThan(0.15);
    expect(share('optimizer.lr')).toBeCloseTo(0, 10);
    expect(share('model.4.p')).toBeCloseTo(0, 10);
  });
});
