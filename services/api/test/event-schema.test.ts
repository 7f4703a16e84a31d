import type { SweepEvent } from '@hypersweep/queue';
import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SweepEventSchema } from '../src/routes/events/schemas.js';

type DocumentedEvent = Static<typeof SweepEventSchema>;

// Both directions, checked by the typecheck (`npm run typecheck`): a field added, dropped, renamed or
// retyped on either side stops one of these from compiling.
const published = (event: SweepEvent): DocumentedEvent => event;
const documented = (event: DocumentedEvent): SweepEvent => event;

const ids = {
  sweepId: 'f3a2c1de-4b5a-4c6d-8e9f-0a1b2c3d4e5f',
  trialId: '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f',
};
const at = '2026-12-06T07:00:00.000Z';
const events: SweepEvent[] = [
  { type: 'sweep', sweepId: ids.sweepId, status: 'running', at },
  { type: 'trial.started', ...ids, index: 3, workerId: 'host:1', at },
  { type: 'trial.started', ...ids, index: 3, workerId: 'host:1', backend: 'wasm', at },
  { type: 'trial.progress', ...ids, stepsDone: 40, loss: 0.25, lr: null, bestValue: null, at },
  { type: 'trial.finished', ...ids, status: 'pruned', stepsDone: 80, finalLoss: 0.2, bestValue: 0.19, at },
  {
    type: 'trial.finished',
    ...ids,
    status: 'failed',
    stepsDone: 0,
    finalLoss: null,
    bestValue: null,
    error: 'boom',
    at,
  },
];

describe('the event stream schema (GET /v1/sweeps/:id/events)', () => {
  it("is SweepEvent's type, field for field", () => {
    expectTypeOf<DocumentedEvent>().toEqualTypeOf<SweepEvent>();
    expect(events.map(published).map(documented)).toEqual(events);
  });

  it('accepts the events the services publish and refuses what they never send', () => {
    for (const event of events) expect(Value.Check(SweepEventSchema, event), event.type).toBe(true);
    const bad = [
      { ...events[0], status: 'paused' },
      { ...events[1], index: 1.5 },
      { ...events[3], loss: 'NaN' },
      { ...events[4], status: 'running' },
      { type: 'trial.resumed', ...ids, at },
      { ...events[0], at: undefined },
    ];
    for (const event of bad) expect(Value.Check(SweepEventSchema, event), JSON.stringify(event)).toBe(false);
  });
});
