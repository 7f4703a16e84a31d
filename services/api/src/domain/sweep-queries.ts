import { isUuid, submitSweep } from '@hypersweep/core';
import {
  countTrials,
  countTrialsByStatus,
  firstTrialConfig,
  type LeaderboardPosition,
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

/** An opaque keyset cursor: where a page ended, as JSON in base64url. */
const encodeCursor = (position: unknown[]) => Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position in a cursor this API returned, as `read` accepts it (undefined: not one), or a 400. */
function decodeCursor<T>(cursor: string, read: (position: unknown[]) => T | undefined): T {
  let position: T | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    position = Array.isArray(parsed) ? read(parsed) : undefined;
  } catch {
    position = undefined;
  }
  if (position === undefined) {
    throw new HttpError(400, 'invalid cursor', [
      { path: '/query/cursor', message: 'not a cursor this API returned' },
    ]);
  }
  return position;
}

/** The sweeps list's position: (created_at DESC, id DESC). */
function sweepsPosition([createdAt, id]: unknown[]) {
  const date = new Date(typeof createdAt === 'string' ? createdAt : Number.NaN);
  return Number.isNaN(date.getTime()) || typeof id !== 'string' || !isUuid(id)
    ? undefined
    : { createdAt: date, id };
}

/** The leaderboard's position: the last trial's best value (null: none) and index. */
function leaderboardPosition([value, index]: unknown[]): LeaderboardPosition | undefined {
  const valid =
    (value === null || Number.isFinite(value)) && Number.isInteger(index) && (index as number) >= 0;
  return valid ? { value: value as number | null, index: index as number } : undefined;
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
  const after = cursor ? decodeCursor(cursor, sweepsPosition) : undefined;
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
    nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
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

/**
 * GET /v1/sweeps/:id/trials as JSON: a page of the leaderboard, how many trials it has in all, and the cursor
 * of the next page (null on the last): `cursor` pages by position, `offset` by count.
 */
export async function leaderboardPage(
  context: ApiContext,
  sweep: SweepRow,
  page: { status?: TrialStatus | undefined; limit: number; offset: number; cursor?: string | undefined },
) {
  const { status, limit, offset, cursor } = page;
  if (cursor !== undefined && offset > 0) {
    const message = 'give offset or cursor, not both';
    throw new HttpError(400, message, [{ path: '/query/cursor', message }]);
  }
  const after = cursor === undefined ? undefined : decodeCursor(cursor, leaderboardPosition);
  const [total, trials] = await Promise.all([
    countTrials(context.pool, sweep.id, status),
    listTrialsByObjective(context.pool, sweep.id, {
      mode: sweep.objectiveMode,
      limit: limit + 1,
      offset,
      ...(status ? { status } : {}),
      ...(after ? { after } : {}),
    }),
  ]);
  const now = Date.now();
  const items = trials.slice(0, limit);
  const last = items.at(-1);
  return {
    objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode },
    total,
    items: items.map((t) => trialView(t, now)),
    nextCursor: trials.length > limit && last ? encodeCursor([last.bestValue, last.index]) : null,
  };
}
