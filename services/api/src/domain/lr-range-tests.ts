import { type LrRangeTestSettings, smoothedCurve, submitSweep, suggestLrs } from '@hypersweep/core';
import { type LrRangeTestRow, readLrRangeTest } from '@hypersweep/db';
import {
  configHash,
  datasetFilesOf,
  type LrRangeTestValidation,
  validateLrRangeTest,
} from '@hypersweep/spec';
import type { ApiContext } from '../context.js';
import { invalidRequest, notFound } from '../errors.js';
import { type BodyCheck, datasetsOf } from './request-validation.js';

type CheckedLrRangeTest = Extract<LrRangeTestValidation, { ok: true }>;

// The validator's result for each body it accepted, so the handler does not validate again.
const checked = new WeakMap<object, CheckedLrRangeTest>();

/** POST /v1/lr-range-tests: the request through packages/spec's validateLrRangeTest (the sweep validator's rules). */
export function lrRangeTestCheck(context: ApiContext): BodyCheck {
  return (body) => {
    const result = validateLrRangeTest(body, { workloads: context.workloads, datasets: datasetsOf(body) });
    if (!result.ok) return { error: invalidRequest('invalid lr range test', result.errors) };
    checked.set(body as object, result);
    return { value: body };
  };
}

/** Stores the test as a sweep of one trial (its settings with it), its job in the outbox. */
export async function storeLrRangeTest(context: ApiContext, body: unknown, project: string) {
  const test = typeof body === 'object' && body !== null ? checked.get(body) : undefined;
  if (test === undefined) throw new Error('the lr range test reached its handler without lrRangeTestCheck');
  const given = (body as { name?: unknown }).name;
  const name = typeof given === 'string' ? given : `lr range test: ${test.spec.name}`;
  const stored = await submitSweep(context.sweeps, {
    project,
    name,
    spec: body,
    objective: test.spec.objective,
    pruner: null,
    search: null,
    seeds: 1,
    trialCount: 1,
    trials: [{ config: test.trial, configHash: configHash(test.trial), params: null }],
    datasetIds: datasetFilesOf(test.trial).map((ref) => ref.id),
    lrRangeTest: test.settings,
  });
  return { ...stored, name };
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** GET /v1/lr-range-tests/:id: the stored steps with their smoothed loss, and the suggestions read off them. */
export async function lrRangeTestDetail(context: ApiContext, id: string) {
  const row = await readLrRangeTest(context.pool, id);
  if (row === null) throw notFound('lr range test', id);
  return lrRangeTestView(row);
}

export function lrRangeTestView(row: LrRangeTestRow) {
  const settings = row.settings as unknown as LrRangeTestSettings;
  const curve = smoothedCurve(row.steps, settings.smoothing);
  const { steep, minimum, lrAtMinimum } = suggestLrs(curve, settings.steps);
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    settings,
    trial: row.trial,
    stoppedEarly: row.trial?.status === 'completed' && curve.length < settings.steps,
    curve: curve.map((p) => ({
      step: p.step,
      lr: p.lr,
      loss: finiteOrNull(p.loss),
      smoothed: finiteOrNull(p.smoothed),
    })),
    suggestions: { steep, minimum, lrAtMinimum },
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt === null ? null : row.finishedAt.toISOString(),
  };
}
