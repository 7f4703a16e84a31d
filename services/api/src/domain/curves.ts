import { type CurveMetric, curveMetrics, isEpochMetric, readCurves } from '@hypersweep/db';
import { isExternalWorkload } from '@hypersweep/spec';
import type { ApiContext } from '../context.js';
import { HttpError } from '../errors.js';
import { finite } from '../views.js';
import { leaderboardOrder, loadComparedSweep, rankedGroups } from './compared-trials.js';

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
  const chosen = chooseCurves(await curveCandidates(context, id, sweep.objectiveMode, query.by), query);
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

/** Every configuration (best mean first) or every trial (leaderboard order) of the sweep. */
async function curveCandidates(
  context: ApiContext,
  id: string,
  mode: 'min' | 'max',
  by: CurvesQuery['by'],
): Promise<CurveCandidate[]> {
  const { rows, groups } = await rankedGroups(context.pool, id, mode);
  if (by === 'config') {
    return groups.map((g) => ({
      key: g.key,
      config: g.config as unknown as Record<string, unknown>,
      seeds: g.seeds,
      trialIds: g.trialIds,
      mean: g.objective.mean,
      pruned: g.pruned.n,
    }));
  }
  return leaderboardOrder(rows, mode).map((t) => {
    const { seed, ...rest } = t.config;
    return {
      key: t.id,
      config: rest,
      seeds: [seed],
      trialIds: [t.id],
      mean: t.bestValue,
      pruned: t.status === 'pruned' ? 1 : 0,
    };
  });
}

/** The best `limit` candidates, or those `ids` names (each once, in its order; a 400 for unknown ids). */
function chooseCurves(candidates: CurveCandidate[], query: CurvesQuery): CurveCandidate[] {
  if (query.ids === undefined) return candidates.slice(0, query.limit);
  const wanted = query.ids.split(',').filter(Boolean);
  const byKey = new Map(candidates.map((c) => [c.key, c]));
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
