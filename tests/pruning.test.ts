import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitForSweep } from './helpers.js';

describe('MedianPruner', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // one trial at a time, in grid order: the two Adam trials complete before the SGD ones start
    await stack.startWorker({ WORKER_CONCURRENCY: '1' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stops trials worse than the median of completed ones after the warm-up, and keeps the rest', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 30 },
        optimizers: [
          { type: 'Adam', lr: [0.05, 0.02] },
          // barely moves from the start (loss 12.5): worse than both Adam trials at every epoch
          { type: 'SGD', lr: [1e-7, 2e-7] },
        ],
        pruner: { type: 'MedianPruner', n_startup_trials: 2, n_warmup_steps: 3 },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const done = await waitForSweep(stack.app, created.json().id, ['completed']);
    expect(done.pruner).toEqual({
      type: 'MedianPruner',
      n_startup_trials: 2,
      n_warmup_steps: 3,
      interval_steps: 1,
    });
    expect(done.counts).toMatchObject({ completed: 2, pruned: 2 });
    const board = (await stack.app.inject(`/v1/sweeps/${done.id}/trials`)).json();
    const byType = (type: string) => board.items.filter((t: any) => t.config.optimizer.type === type);
    for (const trial of byType('Adam')) expect(trial).toMatchObject({ status: 'completed', stepsDone: 30 });
    for (const trial of byType('SGD')) {
      // pruned at the first check after the warm-up: epoch 3 is the 4th step
      expect(trial).toMatchObject({ status: 'pruned', stepsDone: 4 });
      expect(trial.error).toMatch(/^pruned at epoch 3: best train_loss 12\.\d+ is worse than the median \d/);
      const metrics = (await stack.app.inject(`/v1/trials/${trial.id}/metrics`)).json();
      expect(metrics.step).toEqual([1, 2, 3, 4]);
    }
    // the leaderboard still ranks everyone by the best value each reached
    expect(board.items.slice(0, 2).map((t: any) => t.config.optimizer.type)).toEqual(['Adam', 'Adam']);
  });
});
