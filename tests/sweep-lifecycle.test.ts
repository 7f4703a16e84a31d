import type { SweepSpec } from '@hypersweep/client';
import { previewSchedule } from '@hypersweep/optim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectClient } from './cli-helpers.js';
import { type Stack, startStack, waitFor, waitForIdleQueue, waitForSweep } from './helpers.js';

// End to end: the API, two in-process workers (each with two training threads), real Postgres and Redis.
describe('a sweep from submission to leaderboard', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workers: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('trains every trial, stores every step, follows the schedule and ranks by the objective', async () => {
    const spec = {
      name: 'e2e regression',
      workload: 'two-layer-regression',
      training: { epochs: 12, batchSize: 64 },
      optimizers: [
        { type: 'SGD', lr: [0.001, 0.0001] },
        { type: 'Adam', lr: 0.01 },
      ],
      schedulers: [null, { type: 'StepLR', step_size: 3, gamma: 0.5 }],
      objective: { metric: 'train_loss', mode: 'min' },
    } satisfies SweepSpec;
    // through the typed client generated from the OpenAPI document (packages/client)
    const client = injectClient(stack.app);
    const created = await client.POST('/v1/sweeps', { body: spec });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const { id, trialCount, status, name } = created.data!;
    expect({ trialCount, status, name }).toEqual({ trialCount: 6, status: 'queued', name: 'e2e regression' });

    const done = await waitForSweep(stack.app, id, ['completed', 'failed', 'cancelled']);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ completed: 6, queued: 0, running: 0, failed: 0 });
    expect(done.finishedAt).not.toBeNull();

    const board = (await stack.app.inject(`/v1/sweeps/${id}/trials`)).json();
    expect(board.total).toBe(6);
    const values = board.items.map((t: { bestValue: number }) => t.bestValue);
    expect(values.every((v: number) => Number.isFinite(v))).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(done.best.id).toBe(board.items[0].id);

    for (const trial of board.items) {
      expect(trial.status).toBe('completed');
      expect(trial.stepsDone).toBe(12); // 64 examples, batch 64: one step per epoch
      expect(trial.backend).toBe('wasm');
      const metrics = (await stack.app.inject(`/v1/trials/${trial.id}/metrics`)).json();
      expect(metrics.step).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(metrics.totalPoints).toBe(12);
      expect(metrics.epochs.epoch).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const { optimizer, scheduler } = trial.config;
      // the lr each step trained with is the schedule's value for that step
      const preview = previewSchedule({
        optimizer: { type: optimizer.type, options: optimizer.options },
        scheduler,
        steps: 12,
      });
      expect(metrics.lr).toEqual(preview.lrs.map((row) => row[0]));
      if (scheduler?.type === 'StepLR') {
        const lr0 = optimizer.options.lr;
        expect(metrics.lr).toEqual(Array.from({ length: 12 }, (_, k) => lr0 * 0.5 ** Math.floor(k / 3)));
      }
    }
  });

  it('cancels: waiting trials never start and running ones stop', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: { name: 'mnist-mlp', options: { trainSize: 2000, valSize: 100 } },
        training: { epochs: 50, batchSize: 32 },
        optimizers: [{ type: 'SGD', lr: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1] }],
      },
    });
    const { id } = created.json();
    await waitFor(async () => {
      const body = (await stack.app.inject(`/v1/sweeps/${id}`)).json();
      return body.counts.running > 0 ? true : undefined;
    }, 'a running trial');
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json().status).toBe('cancelled');
    // waiting trials are cancelled at once; running ones turn cancelled when their worker has stopped them
    expect(cancel.json().stoppingTrials).toBeGreaterThanOrEqual(1);
    expect(cancel.json().cancelledTrials + cancel.json().stoppingTrials).toBe(10);
    // every running trial stops soon and nothing starts afterwards
    const settled = await waitFor(
      async () => {
        const board = (await stack.app.inject(`/v1/sweeps/${id}/trials?limit=100`)).json();
        return board.items.every((t: { status: string }) => t.status === 'cancelled') ? board : undefined;
      },
      'every trial cancelled',
      30_000,
    );
    const steps = settled.items.map((t: { stepsDone: number }) => t.stepsDone);
    // Once no job is left to run or held by a worker, nothing of the sweep can start or move any more.
    await waitForIdleQueue(stack);
    const later = (await stack.app.inject(`/v1/sweeps/${id}/trials?limit=100`)).json();
    expect(later.items.map((t: { stepsDone: number }) => t.stepsDone)).toEqual(steps);
    expect(
      later.items.filter((t: { startedAt: string | null }) => t.startedAt === null).length,
    ).toBeGreaterThan(0);
    expect((await stack.app.inject(`/v1/sweeps/${id}`)).json().status).toBe('cancelled');
    // a cancelled sweep cannot be cancelled into another state, and cancelling again is harmless
    expect((await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` })).statusCode).toBe(202);
  });

  it('deletes a sweep with its trials and metrics', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 20 },
        optimizers: [{ type: 'SGD', lr: 0.0001 }],
      },
    });
    const { id } = created.json();
    await waitForSweep(stack.app, id, ['completed']);
    const trial = (await stack.app.inject(`/v1/sweeps/${id}/trials`)).json().items[0];
    const { rows: before } = await stack.app
      .inject(`/v1/trials/${trial.id}/metrics`)
      .then((r) => ({ rows: r.json().step }));
    expect(before.length).toBe(20);
    expect((await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${id}` })).statusCode).toBe(204);
    expect((await stack.app.inject(`/v1/sweeps/${id}`)).statusCode).toBe(404);
    expect((await stack.app.inject(`/v1/trials/${trial.id}`)).statusCode).toBe(404);
    const { Client } = await import('pg');
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    const left = await client.query('SELECT count(*)::int AS n FROM step_metrics WHERE trial_id = $1', [
      trial.id,
    ]);
    await client.end();
    expect(left.rows[0].n).toBe(0);
    expect((await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${id}` })).statusCode).toBe(404);
  });
});

// Its own stack: the stream is open before any worker exists, so no event can come before it.
describe('live events', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('streams live events over SSE', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 200 },
        optimizers: [{ type: 'Adam', lr: [0.01, 0.02] }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const address = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/v1/sweeps/${id}/events`);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    await stack.startWorker(); // only now, so the stream sees every event of the sweep
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    await waitFor(async () => {
      const { value, done } = await reader.read();
      if (value) text += decoder.decode(value, { stream: true });
      return done || /event: sweep\ndata: .*"status":"completed"/.test(text) ? true : undefined;
    }, 'a completed sweep event');
    await reader.cancel();
    const events = [...text.matchAll(/event: (\S+)\ndata: (.*)\n\n/g)].map((m) => ({
      type: m[1],
      data: JSON.parse(m[2]!),
    }));
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(new Set(['sweep', 'trial.started', 'trial.progress', 'trial.finished']));
    expect(events[0]!.type).toBe('sweep');
    expect(events.filter((e) => e.type === 'trial.finished')).toHaveLength(2);
    for (const event of events) expect(event.data.sweepId).toBe(id);
    // progress is throttled (a few per second per trial), not one event per step or epoch
    const started = Date.parse(events[0]!.data.at);
    const ended = Date.parse(events.at(-1)!.data.at);
    const progress = events.filter((e) => e.type === 'trial.progress');
    expect(progress.length).toBeLessThanOrEqual(2 * (Math.ceil((ended - started) / 250) + 2));
    expect(progress.every((e) => e.data.stepsDone > 0)).toBe(true);
  });
});
