import { describe, expect, it } from 'vitest';
import { evaluationConfigs, validateSubmittedSweep } from '../src/index.js';
import { workloads } from './workloads.js';

const context = { workloads };

const spec = (protocol: Record<string, unknown> = {}, optimizers?: unknown[]) => ({
  workload: { name: 'rosenbrock' },
  training: { epochs: 2 },
  optimizers: optimizers ?? [
    { type: 'SGD', lr: { loguniform: [1e-4, 1e-1] }, momentum: 0.9 },
    { type: 'Adam', lr: [0.001, 0.01] },
    { type: 'RMSprop', oneShot: true },
  ],
  protocol: {
    type: 'tune-then-evaluate',
    tuning: { search: 'random', trials: 3, seeds: [1, 2] },
    evaluation: { seeds: [3, 4, 5], top: 1 },
    target: { metric: 'train_loss', value: 0.5 },
    ...protocol,
  },
});

const errorsOf = (input: unknown) => {
  const result = validateSubmittedSweep(input, context);
  return result.ok ? [] : result.errors;
};

describe('the tune-then-evaluate protocol in the spec', () => {
  it('gives every tuned entry the same budget and runs a one-shot entry on the evaluation seeds only', () => {
    const result = validateSubmittedSweep(spec(), context);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    // Random: all 3 configs of each tuned entry at once, each on seeds 1 and 2; RMSprop on 3, 4, 5.
    expect(result.origins.map((o) => `${o.phase[0]}${o.entry}`).join(' ')).toBe(
      't0 t0 t0 t0 t0 t0 t1 t1 t1 t1 t1 t1 e2 e2 e2',
    );
    expect(result.trials.map((t) => t.seed).join(' ')).toBe('1 2 1 2 1 2 1 2 1 2 1 2 3 4 5');
    // Budget: (3 configs x 2 seeds + 1 x 3 evaluation seeds) x 2 tuned entries + 3 one-shot.
    expect(result.budget).toBe(21);
    expect(result.protocol?.entries.map((e) => [e.type, e.oneShot, e.tuningTrials])).toEqual([
      ['SGD', false, 6],
      ['Adam', false, 6],
      ['RMSprop', true, 0],
    ]);
    // RMSprop at torch's defaults (lr 0.01), no scheduler.
    expect(result.trials[12]!.optimizer.options['lr']).toBe(0.01);
    expect(result.trials[12]!.scheduler).toBeNull();
  });

  it('refuses evaluation seeds that are tuning seeds, naming the seed and where', () => {
    expect(errorsOf(spec({ evaluation: { seeds: [3, 1], top: 1 } }))).toEqual([
      {
        path: '/protocol/evaluation/seeds/1',
        message: expect.stringMatching(/^seed 1 is also a tuning seed \(\/protocol\/tuning\/seeds\/0\)/),
      },
    ]);
  });

  it('points errors of an entry back into the submitted spec', () => {
    const errors = errorsOf(
      spec({}, [
        { type: 'Adam', lr: 0.01 },
        { type: 'SGD', lr: -1 },
      ]),
    );
    expect(errors.map((e) => e.path)).toEqual(['/optimizers/1/lr']);
    expect(errorsOf({ ...spec(), seeds: [1] })[0]).toMatchObject({ path: '/seeds' });
    expect(errorsOf(spec({ tuning: { trials: 0, seeds: [1] } }))[0]).toMatchObject({
      path: '/protocol/tuning/trials',
    });
    expect(errorsOf(spec({ target: { metric: 'accuracy', value: 1 } }))[0]).toMatchObject({
      path: '/protocol/target/metric',
    });
    expect(errorsOf(spec({}, [{ type: 'SGD', lr: [0.1, 0.2], oneShot: true }]))[0]).toMatchObject({
      path: '/optimizers/0',
      message: expect.stringContaining('one config'),
    });
  });

  it('under grid, an entry with fewer configs than the budget is refused (budgets must be equal)', () => {
    const errors = errorsOf(
      spec({ tuning: { search: 'grid', trials: 3, seeds: [1] } }, [
        { type: 'SGD', lr: [0.1, 0.01, 0.001, 0.0001] },
        { type: 'Adam', lr: [0.001, 0.01] },
      ]),
    );
    expect(errors).toEqual([
      { path: '/optimizers/1', message: expect.stringContaining('has 2 configs, fewer') },
    ]);
    // With enough, each entry runs its grid's first 3 configs.
    const ok = validateSubmittedSweep(
      spec({ tuning: { search: 'grid', trials: 3, seeds: [1] } }, [
        { type: 'SGD', lr: [0.1, 0.01, 0.001, 0.0001] },
        { type: 'Adam', lr: [0.001, 0.01, 0.1] },
      ]),
      context,
    );
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(ok.trials.map((t) => t.optimizer.options['lr'])).toEqual([0.1, 0.01, 0.001, 0.001, 0.01, 0.1]);
  });

  it('a tuned config runs on each evaluation seed with nothing else changed', () => {
    const ok = validateSubmittedSweep(spec(), context);
    if (!ok.ok) throw new Error('invalid');
    const configs = evaluationConfigs(ok.trials[0]!, [7, 8]);
    expect(configs.map((c) => c.seed)).toEqual([7, 8]);
    expect({ ...configs[1]!, seed: 1 }).toEqual(ok.trials[0]);
  });

  it('leaves a spec without a protocol to the search validator', () => {
    const plain = validateSubmittedSweep(
      { workload: 'rosenbrock', optimizers: [{ type: 'Adam', lr: 0.01 }] },
      context,
    );
    expect(plain.ok && plain.protocol === null && plain.origins.length === 0).toBe(true);
  });
});
