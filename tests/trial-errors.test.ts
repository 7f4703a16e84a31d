import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitForSweep } from './helpers.js';

// A trial whose config makes the trainer throw mid-run must end 'failed' with the reason, once, and its
// sweep must finish: the failure's own UPDATE once failed in Postgres and left the trial 'running' for ever.
describe('a trial the trainer throws on', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fails with the reason, without retries, and its sweep completes (and cannot be cancelled)', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 6 },
        optimizers: [{ type: 'SGD', lr: 0.001 }],
        // valid at submission, but the lambda divides by zero at epoch 4 (torch raises ZeroDivisionError there)
        schedulers: [null, { type: 'LambdaLR', lr_lambda: '1 / (epoch - 4)' }],
        objective: { metric: 'train_loss', mode: 'min' },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const done = await waitForSweep(stack.app, id, ['completed', 'failed', 'cancelled'], 30_000);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ completed: 1, failed: 1, running: 0, queued: 0 });

    const board = (await stack.app.inject(`/v1/sweeps/${id}/trials?status=failed`)).json();
    const [failed] = board.items;
    expect([failed.attempts, failed.lost]).toEqual([1, 0]);
    expect(failed.error).toMatch(/division by zero \(for epoch = 4\)/);
    expect(failed.finishedAt).not.toBeNull();
    const metrics = (await stack.app.inject(`/v1/trials/${failed.id}/metrics`)).json();
    expect(metrics.step.length).toBe(failed.stepsDone);

    // cancelling the finished sweep is a conflict that points at the sweep, and changes nothing
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` });
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().details).toEqual([{ path: '/params/id', message: 'the sweep is completed' }]);
    expect((await stack.app.inject(`/v1/sweeps/${id}`)).json().status).toBe('completed');
  });
});
