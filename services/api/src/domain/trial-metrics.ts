import {
  readEpochs,
  readSteps,
  readStepsDownsampled,
  type StoredEpoch,
  type StoredStep,
  stepSpan,
} from '@hypersweep/db';
import { type ApiContext, trialOr404 } from '../context.js';
import { HttpError } from '../errors.js';
import { finite } from '../views.js';

/** What GET /v1/trials/:id/metrics asks for (its querystring less `format`). */
export interface MetricsQuery {
  from?: number | undefined;
  to?: number | undefined;
  maxPoints?: number | undefined;
}

type Span = Awaited<ReturnType<typeof stepSpan>>;

/** A trial's steps in the asked range (downsampled when there are more than maxPoints) and its epochs. */
export interface TrialMetrics {
  span: Span;
  downsampled: boolean;
  rows: StoredStep[];
  /** Steps stored in the span, before downsampling. */
  total: number;
  epochs: StoredEpoch[];
}

export async function readTrialMetrics(
  context: ApiContext,
  id: string,
  query: MetricsQuery,
): Promise<TrialMetrics> {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    throw new HttpError(400, `from (${query.from}) is after to (${query.to})`, [
      { path: '/query/from', message: 'must not exceed to' },
    ]);
  }
  await trialOr404(context, id);
  const { pool } = context;
  const span = await stepSpan(pool, id, {
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
  });
  const downsampled =
    query.maxPoints !== undefined && span !== null && span.last - span.first + 1 > query.maxPoints;
  const [steps, epochs] = await Promise.all([
    span === null
      ? Promise.resolve({ rows: [] as StoredStep[], total: 0 })
      : downsampled
        ? readStepsDownsampled(pool, id, { ...span, buckets: Math.max(1, Math.floor(query.maxPoints! / 4)) })
        : readSteps(pool, id, span.first, span.last).then((rows) => ({ rows, total: rows.length })),
    readEpochs(pool, id),
  ]);
  return { span, downsampled, rows: steps.rows, total: steps.total, epochs };
}

/** The metrics as JSON columns; NaN and Infinity become null. */
export function metricsView(id: string, { span, downsampled, rows, total, epochs }: TrialMetrics) {
  return {
    trialId: id,
    from: span?.first ?? null,
    to: span?.last ?? null,
    totalPoints: total,
    downsampled,
    step: rows.map((r) => r.step),
    epoch: rows.map((r) => r.epoch),
    loss: rows.map((r) => finite(r.loss)),
    lr: rows.map((r) => finite(r.lr)),
    lrs: rows.map((r) => (r.lrs ?? []).map(finite)),
    epochs: {
      epoch: epochs.map((e) => e.epoch),
      trainLoss: epochs.map((e) => finite(e.trainLoss)),
      valLoss: epochs.map((e) => finite(e.valLoss)),
      valAccuracy: epochs.map((e) => finite(e.valAccuracy)),
      lr: epochs.map((e) => finite(e.lr)),
      metrics: trainerMetricColumns(epochs),
    },
  };
}

/** An external trainer's own epoch metrics as columns over the epochs (null where an epoch has none). */
function trainerMetricColumns(epochs: readonly StoredEpoch[]): Record<string, Array<number | null>> {
  const names = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics ?? {})))].sort();
  return Object.fromEntries(
    names.map((name) => [name, epochs.map((e) => finite(stored(e.metrics?.[name])))]),
  );
}

/** A stored metric as a number: non-finite values are kept as the strings "NaN", "Infinity". */
const stored = (value: number | string | undefined) =>
  value === undefined ? null : typeof value === 'number' ? value : Number(value);
