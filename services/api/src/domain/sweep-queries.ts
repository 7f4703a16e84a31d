import { isUuid, submitSweep } from '@hypersweep/core';
import {
  countTrials,
  countTrialsByStatus,
  firstTrialConfig,
  listSweeps,
  listTrialsByObjective,
  type SweepRow,
} from '@hypersweep/db';
import {
  configHash,
  datasetFilesOf,
  isExternalWorkload,
  MODEL_WORKLOAD,
  type ModelWorkloadOptions,
  type SweepStatus,
  summarizeModel,
  type TrialConfig,
  type TrialStatus,
  trialStatuses,
} from '@hypersweep/spec';
import type { ApiContext } from '../context.js';
import { HttpError } from '../errors.js';
import { sweepSummaryView, trialView } from '../views.js';
import type { CheckedSweep } from './request-validation.js';

/**
 * Stores a validated sweep with its first trials (a random / TPE search's others come from the workers),
 * their jobs in the outbox (@hypersweep/core submitSweep).
 */
export function storeSweep(context: ApiContext, submitted: unknown, checked: CheckedSweep, project: string) {
  const { spec, trials } = checked;
  return submitSweep(context.sweeps, {
    project,
    name: spec.name,
    spec: submitted,
    objective: spec.objective,
    pruner: spec.pruner,
    // A random / tpe sweep stores its settings and budget; its first configs are created now, the
    // rest by the workers as trials end.
    search: checked.protocol === null && spec.search.type !== 'grid' ? spec.search : null,
    seeds: spec.seeds.length,
    // A tune-then-evaluate sweep: its plan, and each trial's phase and optimizer entry.
    protocol: checked.protocol,
    trialCount: checked.budget,
    trials: trials.map((config, i) => ({
      config,
      configHash: configHash(config),
      params: checked.params[i] ?? null,
      phase: checked.origins[i]?.phase ?? null,
      entry: checked.origins[i]?.entry ?? null,
    })),
    datasetIds: datasetIdsOf(trials),
    // Its trials are claimed over REST (routes/external): never enqueued for the workers.
    external: isExternalWorkload(spec.workload),
  });
}

/** The uploaded datasets (ids) the trials of a model workload read: its dataset and validation set. */
const datasetIdsOf = (trials: readonly TrialConfig[]): string[] => [
  ...new Set(trials.flatMap((trial) => datasetFilesOf(trial).map((ref) => ref.id))),
];

/** Opaque keyset cursor over (created_at DESC, id DESC). */
const encodeCursor = (createdAt: Date, id: string) =>
  Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !isUuid(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new HttpError(400, 'invalid cursor', [
      { path: '/query/cursor', message: 'not a cursor this API returned' },
    ]);
  }
}

/** GET /v1/sweeps: a page of sweeps, newest first, and the cursor of the next page (null on the last). */
export async function sweepsPage(
  context: ApiContext,
  query: {
    status?: SweepStatus | undefined;
    limit: number;
    cursor?: string | undefined;
    idPrefix?: string | undefined;
  },
  project: string | null,
) {
  const { status, limit, cursor, idPrefix } = query;
  const after = cursor ? decodeCursor(cursor) : undefined;
  const rows = await listSweeps(context.pool, {
    limit: limit + 1,
    ...(status ? { status } : {}),
    ...(idPrefix ? { idPrefix } : {}),
    ...(after ? { after } : {}),
    project,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(sweepSummaryView),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** GET /v1/sweeps/:id: the summary with trials per status, the best trial and the submitted spec. */
export async function sweepDetail(context: ApiContext, sweep: SweepRow) {
  const [byStatus, top, first] = await Promise.all([
    countTrialsByStatus(context.pool, sweep.id),
    listTrialsByObjective(context.pool, sweep.id, { mode: sweep.objectiveMode, limit: 1, offset: 0 }),
    firstTrialConfig(context.pool, sweep.id),
  ]);
  const counts = Object.fromEntries(trialStatuses.map((s) => [s, byStatus[s] ?? 0]));
  const best = top[0]?.bestValue != null ? trialView(top[0]) : null;
  return { ...sweepSummaryView(sweep), counts, best, model: modelSummary(first), spec: sweep.spec };
}

/**
 * A model workload's layers as torchinfo shows them (output shape and parameters per layer), for the first
 * trial's model: where the spec sweeps layer options, the other trials' variants differ in those.
 */
function modelSummary(config: unknown) {
  const workload = (config as TrialConfig | null)?.workload;
  if (workload?.name !== MODEL_WORKLOAD) return null;
  const { dataset, model } = workload.options as unknown as ModelWorkloadOptions;
  return { inputShape: dataset.shape, ...summarizeModel(model, dataset.shape) };
}

/** GET /v1/sweeps/:id/trials as JSON: a page of the leaderboard and how many trials it has in all. */
export async function leaderboardPage(
  context: ApiContext,
  sweep: SweepRow,
  page: { status?: TrialStatus | undefined; limit: number; offset: number },
) {
  const { status, limit, offset } = page;
  const [total, trials] = await Promise.all([
    countTrials(context.pool, sweep.id, status),
    listTrialsByObjective(context.pool, sweep.id, {
      mode: sweep.objectiveMode,
      limit,
      offset,
      ...(status ? { status } : {}),
    }),
  ]);
  const now = Date.now();
  return {
    objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode },
    total,
    items: trials.map((t) => trialView(t, now)),
  };
}
