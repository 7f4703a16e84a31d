import { describe, expect, test } from 'vitest';
import { specFactors } from '../src/compare/spec-factors.js';
import type { ModelWorkloadOptions } from '../src/model/types.js';
import { proposeSearchConfig, validateSearchSweepSpec } from '../src/search-spec.js';
import { cnnSpec, modelContext } from './model-fixtures.js';

function sampledCnn(
  search: Record<string, unknown> = { type: 'random', trials: 12, seed: 3 },
): Record<string, unknown> {
  const spec = cnnSpec();
  const workload = spec['workload'] as {
    model: Array<Record<string, unknown>>;
    loss: Record<string, unknown>;
  };
  workload.model[0]!['out_channels'] = { int: [4, 16] };
  workload.model[4]!['p'] = { uniform: [0, 0.5] };
  workload.loss['label_smoothing'] = [0, 0.1];
  return { ...spec, optimizers: [{ type: 'SGD', lr: { loguniform: [1e-3, 1] } }], search };
}

const optionsOf = (config: { workload: { options?: Record<string, unknown> } }) =>
  config.workload.options as unknown as ModelWorkloadOptions;

describe('a model under random and tpe search', () => {
  test('random search samples layer and loss options; shapes follow each sample', () => {
    const result = validateSearchSweepSpec(sampledCnn(), modelContext);
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.trials).toHaveLength(12);
    const channels = result.trials.map((t) => optionsOf(t).model[0]!['out_channels'] as number);
    expect(channels.every((c) => Number.isInteger(c) && c >= 4 && c <= 16)).toBe(true);
    expect(new Set(channels).size).toBeGreaterThan(1);
    for (const trial of result.trials) {
      const { model, loss } = optionsOf(trial);
      expect(model[5]!['in_features']).toBe((model[0]!['out_channels'] as number) * 16);
      expect(model[4]!['p']).toBeGreaterThanOrEqual(0);
      expect(model[4]!['p']).toBeLessThanOrEqual(0.5);
      expect([0, 0.1]).toContain(loss['label_smoothing']);
    }
    expect(Object.keys(result.params[0]!)).toEqual(
      expect.arrayContaining([
        '/workload/model/0/out_channels',
        '/workload/model/4/p',
        '/workload/loss/label_smoothing',
      ]),
    );
    // the same seed gives the same configs; a later config is proposed from the stored spec
    const again = validateSearchSweepSpec(sampledCnn(), modelContext);
    expect(again.ok && again.trials).toEqual(result.trials);
    const next = proposeSearchConfig(sampledCnn(), [], 12, modelContext);
    expect(next.ok).toBe(true);
    // the factors of /effects, read from the spec
    const names = specFactors(sampledCnn(), result.trials).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['optimizer.lr', 'model.features.out_channels', 'model.4.p']),
    );
  });

  test('tpe samples a model too', () => {
    const result = validateSearchSweepSpec(
      sampledCnn({ type: 'tpe', trials: 20, parallelism: 2 }),
      modelContext,
    );
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.trials).toHaveLength(2);
  });

  test('a distribution under a grid, and bounds outside the option, are 400s at the option', () => {
    const { search: _, ...grid } = sampledCnn();
    const refused = validateSearchSweepSpec(grid, modelContext);
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.errors.map((e) => e.path)).toEqual([
        '/workload/model/0/out_channels',
        '/workload/model/4/p',
        '/optimizers/0/lr',
      ]);
    const spec = sampledCnn();
    (spec['workload'] as { model: Array<Record<string, unknown>> }).model[0]!['out_channels'] = {
      int: [0, 4],
    };
    const bounds = validateSearchSweepSpec(spec, modelContext);
    expect(bounds.ok).toBe(false);
    if (!bounds.ok) expect(bounds.errors[0]!.path).toBe('/workload/model/0/out_channels');
  });
});
