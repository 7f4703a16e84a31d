import { isUuid } from '@hypersweep/core';
import {
  type CurveMetric,
  curveMetrics,
  isEpochMetric,
  listTrialsByObjective,
  readCurves,
  readSomeTrials,
  type TrialWithConfig,
} from '@hypersweep/db';
import { type ConfigGroup, isExternalWorkload, type TrialConfig } from '@hypersweep/spec';
import type { ApiContext } from '../context.js';
import { HttpError } from '../errors.js';
import { finite } from '../views.js';
import { loadComparedSweep, rankedGroupPage, readGroups } from './compared-trials.js';

/** What GET /v1/sweeps/:id/curves asks for (its querystring). */
export interface CurvesQuery {
  metric: CurveMetric;
  by: 'config' | 'trial';
  ids?: string | undefined;
  limit: number;
  maxPoints: number;
}

const isCurveMetric = (metric: string) => (curveMetrics as readonly string[]).includes(metric);

/** A curve to draw: a configuration (its seeds' trials) or one trial. */
interface CurveCandidate {
  key: string;
  config: Record<string, unknown>;
  seeds: number[];
  trialIds: string[];
  mean: number | null;
  /** Its trials that were pruned (their curves end where they stopped). */
  pruned: number;
}

/** GET /v1/sweeps/:id/curves: mean and band per step or epoch of the chosen configurations or trials. */
export async function sweepCurves(context: ApiContext, id: string, query: CurvesQuery) {
  const sweep = await loadComparedSweep(context, id);
  if (!isCurveMetric(query.metric) && !isExternalWorkload((sweep.spec as { workload?: unknown }).workload)) {
    const allowed = curveMetrics.map((name) => JSON.stringify(name)).join(', ');
    throw new HttpError(400, `metric ${JSON.stringify(query.metric)} is not measured by this sweep`, [
      {
        path: '/query/metric',
        message: `must be one of ${allowed} (a metric of the trainer's own is stored only by a sweep whose trials train outside the service)`,
      },
    ]);
  }
  const chosen = await chooseCurves(context, id, sweep.objectiveMode, query);
  const points = await readCurves(
    context.pool,
    query.metric,
    chosen.map((c) => c.trialIds),
    query.maxPoints,
  );
  const byGroup = new Map(points.map((p) => [p.group, p]));
  return {
    objective: sweep.objective,
    metric: query.metric,
    by: query.by,
    x: isEpochMetric(query.metric) ? ('epoch' as const) : ('step' as const),
    groups: chosen.map((c, g) => {
      const curve = byGroup.get(g);
      const x = curve?.x ?? [];
      const totalPoints = curve?.total ?? 0;
      const y = {
        mean: (curve?.mean ?? []).map(finite),
        min: (curve?.min ?? []).map(finite),
        max: (curve?.max ?? []).map(finite),
        std: (curve?.std ?? []).map(finite),
        n: curve?.n ?? [],
      };
      return { ...c, totalPoints, downsampled: x.length < totalPoints, x, y };
    }),
  };
}

/** A trial as a curve of its own. */
const trialCandidate = (t: TrialWithConfig): CurveCandidate => {
  const { seed, ...rest } = t.config as TrialConfig;
  return {
    key: t.id,
    config: rest,
    seeds: [seed],
    trialIds: [t.id],
    mean: t.bestValue,
    pruned: t.status === 'pruned' ? 1 : 0,
  };
};

const groupCandidate = (g: ConfigGroup): CurveCandidate => ({
  key: g.key,
  config: g.config as unknown as Record<string, unknown>,
  seeds: g.seeds,
  trialIds: g.trialIds,
  mean: g.objective.mean,
  pruned: g.pruned.n,
});

/**
 * The curves asked for: the best `limit` configurations (best mean first) or trials (leaderboard order),
 * or those `ids` names (each once, in its order; a 400 for unknown ids). Only the chosen trials are read.
 */
async function chooseCurves(
  context: ApiContext,
  id: string,
  mode: 'min' | 'max',
  query: CurvesQuery,
): Promise<CurveCandidate[]> {
  const { pool } = context;
  if (query.ids === undefined) {
    if (query.by === 'config') {
      const page = await rankedGroupPage(pool, id, mode, { limit: query.limit, offset: 0 });
      return page.groups.map(groupCandidate);
    }
    const top = await listTrialsByObjective(pool, id, { mode, limit: query.limit, offset: 0 });
    const trials = new Map(
      (
        await readSomeTrials(
          pool,
          id,
          'id',
          top.map((t) => t.id),
        )
      ).map((t) => [t.id, t]),
    );
    return top.flatMap((t) => {
      const trial = trials.get(t.id);
      return trial ? [trialCandidate(trial)] : []; // deleted between the two reads
    });
  }
  const wanted = query.ids.split(',').filter(Boolean);
  const byKey =
    query.by === 'config'
      ? new Map([...(await readGroups(pool, id, wanted))].map(([key, g]) => [key, groupCandidate(g)]))
      : new Map(
          (await readSomeTrials(pool, id, 'id', wanted.filter(isUuid))).map((t) => [t.id, trialCandidate(t)]),
        );
  const unknown = wanted.filter((key) => !byKey.has(key));
  if (unknown.length > 0 || wanted.length === 0 || wanted.length > 100) {
    const message =
      unknown.length > 0
        ? `no ${query.by === 'config' ? 'configuration key' : 'trial id'} ${unknown.join(', ')} in this sweep`
        : 'give 1 to 100 comma-separated ids';
    throw new HttpError(400, message, [{ path: '/query/ids', message }]);
  }
  return [...new Set(wanted)].map((key) => byKey.get(key)!);
}
