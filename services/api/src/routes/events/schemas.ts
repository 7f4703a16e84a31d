import { Type } from 'typebox';
import { errorResponses, IdParams, NullableNumber, StringEnum, SweepStatus } from '../../schemas.js';

const Uuid = Type.String({ format: 'uuid' });
const At = Type.String({ format: 'date-time', description: 'When the event was published' });
/** How a trial ends (@hypersweep/core's finishedTrialStatuses; the type test fails if the two part). */
const FinishedTrialStatus = StringEnum(['completed', 'failed', 'cancelled', 'pruned'] as const);

/**
 * One event of the stream (the JSON of a `data:` line; its `event:` line is the same `type`). Its TypeScript
 * twin is SweepEvent (@hypersweep/core, re-exported by @hypersweep/queue), what the services publish;
 * test/event-schema.test.ts keeps the two types equal.
 */
export const SweepEventSchema = Type.Union(
  [
    Type.Object(
      { type: Type.Literal('sweep'), sweepId: Uuid, status: SweepStatus, at: At },
      { description: "The sweep's status: sent first as a snapshot, then on every change" },
    ),
    Type.Object(
      {
        type: Type.Literal('trial.started'),
        sweepId: Uuid,
        trialId: Uuid,
        index: Type.Integer(),
        workerId: Type.String(),
        backend: Type.Optional(Type.String()),
        at: At,
      },
      { description: 'A worker started (or resumed) a trial' },
    ),
    Type.Object(
      {
        type: Type.Literal('trial.progress'),
        sweepId: Uuid,
        trialId: Uuid,
        stepsDone: Type.Integer(),
        loss: NullableNumber,
        lr: NullableNumber,
        bestValue: NullableNumber,
        at: At,
      },
      { description: 'A running trial trained further (a few per second per trial at most)' },
    ),
    Type.Object(
      {
        type: Type.Literal('trial.finished'),
        sweepId: Uuid,
        trialId: Uuid,
        status: FinishedTrialStatus,
        stepsDone: Type.Integer(),
        finalLoss: NullableNumber,
        bestValue: NullableNumber,
        error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        at: At,
      },
      { description: 'A trial ended: completed, failed, pruned or cancelled' },
    ),
  ],
  { description: 'An event of the stream, by `type`' },
);

export const eventsSchema = {
  operationId: 'streamSweepEvents',
  tags: ['sweeps'],
  summary: 'Live events (Server-Sent Events): trial started / progress / finished, sweep status changes',
  description:
    'Events: `sweep` (status; sent first as a snapshot and on every change), `trial.started`, `trial.progress` (a few per second per running trial at most), `trial.finished`. Each `data:` line is one JSON object with a `type`. Comment lines keep the connection alive. When the server loses its event feed (a Redis restart) it ends the stream; clients reconnect (`retry: 3000`) and get a fresh `sweep` snapshot.',
  params: IdParams,
  response: {
    200: {
      description: 'text/event-stream: each `data:` line is one of these events as JSON',
      content: { 'text/event-stream': { schema: SweepEventSchema } },
    },
    ...errorResponses([400, 404, 500, 503], {
      404: 'No sweep has this id',
      503: 'Postgres, or the live event feed (Redis), is unavailable: retry (the dashboard and the client do, with backoff)',
    }),
  },
};
