import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  curveMetrics,
  extendSweepTrials,
  growSearchBudget,
  isEpochMetric,
  readCurves,
  readTrialResults,
  undoExtension,
} from '@hypersweep/db';
import { enqueueTrials, publishEvent, redisReady } from '@hypersweep/queue';
import {
  type ComparedTrial,
  type ConfigGroup,
  computeEffects,
  configHash,
  factorValues,
  groupBySeed,
  type ObjectiveMode,
  OptimizerSpecSchema,
  rankGroups,
  SchedulerSpecSchema,
  SeedsSchema,
  sweptFactors,
  type TrialStatus,
  trialStatuses,
  validateSweepSpec,
} from '@hypersweep/spec';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { type ApiContext, sweepOr404 } from '../context.js';
import { toCsv } from '../csv.js';
import { HttpError, notFound } from '../errors.js';
import { errorResponses, IdParams, NullableNumber, Objective, StringEnum, SweepStatus } from '../schemas.js';
import { TrialConfigCache } from '../trial-config-cache.js';
import { withTimeout } from '../with-timeout.js';

const Config = Type.Record(Type.String(), Type.Unknown(), {
  description: 'workload, training, optimizer, scheduler (the trial config without its seed)',
});
const StatusCounts = Type.Object(
  Object.fromEntries(trialStatuses.map((s) => [s, Type.Integer()])) as Record<
    (typeof trialStatuses)[number],
    ReturnType<typeof Type.Integer>
  >,
  { description: 'Trials of the group per status' },
);
const Interval = Type.Union([
  Type.Object({ level: Type.Number(), low: Type.Number(), high: Type.Number() }),
  Type.Null(),
]);

const ConfigRow = Type.Object({
  rank: Type.Union([Type.Integer(), Type.Null()], { description: 'null until a seed has completed' }),
  key: Type.String({ description: 'Stable id of the configuration (curves?by=config&ids=)' }),
  config: Config,
  seeds: Type.Array(Type.Integer()),
  trialIds: Type.Array(Type.String({ format: 'uuid' }), { description: 'In seed order' }),
  n: Type.Integer({ description: 'Completed trials behind the statistics' }),
  mean: NullableNumber,
  std: Type.Union([Type.Number(), Type.Null()], { description: 'Sample standard deviation (n - 1)' }),
  min: NullableNumber,
  max: NullableNumber,
  interval: Type.Union([Interval], { description: "95% interval of the mean (Student's t, n - 1 df)" }),
  meanFinalLoss: NullableNumber,
  status: StatusCounts,
});

const Level = Type.Object({
  label: Type.String(),
  value: Type.Unknown({ description: 'The level (null for n/a and for bins)' }),
  low: Type.Optional(Type.Number()),
  high: Type.Optional(Type.Number()),
  n: Type.Integer(),
  mean: Type.Number(),
});

const EffectsResponse = Type.Object({
  objective: Objective,
  method: StringEnum(['functional-anova', 'binned-marginal'] as const, {
    description:
      'functional-anova: exact, on a complete grid (shares of main effects, pairs and residual add to 1). binned-marginal: each factor alone (correlation ratio), numeric factors binned; for searches and incomplete grids',
  }),
  n: Type.Integer({ description: 'Completed trials used' }),
  mean: NullableNumber,
  variance: NullableNumber,
  factors: Type.Array(
    Type.Object({
      name: Type.String({ description: 'optimizer.type, optimizer.lr, scheduler.gamma, seed, ...' }),
      share: Type.Number({ description: 'Fraction of the objective variance explained' }),
      levels: Type.Array(Level),
    }),
  ),
  interactions: Type.Array(
    Type.Object({ factors: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }), share: Type.Number() }),
  ),
  residualShare: NullableNumber,
});

const NumberOrNull = Type.Union([Type.Number(), Type.Null()]);
const CurveGroup = Type.Object({
  key: Type.String({ description: 'Config key (by=config) or trial id (by=trial)' }),
  config: Config,
  seeds: Type.Array(Type.Integer()),
  trialIds: Type.Array(Type.String({ format: 'uuid' })),
  mean: NullableNumber,
  totalPoints: Type.Integer({ description: 'Steps (or epochs) with a value, before downsampling' }),
  downsampled: Type.Boolean(),
  x: Type.Array(Type.Integer()),
  y: Type.Object({
    mean: Type.Array(NumberOrNull),
    min: Type.Array(NumberOrNull),
    max: Type.Array(NumberOrNull),
    std: Type.Array(NumberOrNull, { description: 'Sample std over the trials at this x; null for one' }),
    n: Type.Array(Type.Integer(), { description: 'Trials with a value at this x' }),
  }),
});

const ExtendBody = Type.Object(
  {
    seeds: Type.Optional(SeedsSchema),
    optimizers: Type.Optional(Type.Array(OptimizerSpecSchema, { minItems: 1 })),
    schedulers: Type.Optional(Type.Array(SchedulerSpecSchema, { minItems: 1 })),
    trials: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Random/TPE searches only: this many more samples' }),
    ),
  },
  { additionalProperties: false },
);
type ExtendInput = { seeds?: unknown; optimizers?: unknown[]; schedulers?: unknown[]; trials?: number };

const Pagination = {
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};

const ENQUEUE_TIMEOUT_MS = 10_000;
const REDIS_READY_TIMEOUT_MS = 2_000;
const EXTENDABLE = ['queued', 'running', 'completed'];

/** Numbers for JSON: NaN and Infinity (strings in Postgres's JSON) become null. */
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// Trial ids are UUIDs, so one cache serves every app of the process (tests build several).
const configCache = new TrialConfigCache();
type LoadedTrial = Awaited<ReturnType<TrialConfigCache['withConfigs']>>[number];

/** Every trial of a sweep in grid order, configs included. */
const loadTrials = async (pool: ApiContext['pool'], sweepId: string) =>
  configCache.withConfigs(pool, await readTrialResults(pool, sweepId));

/**
 * Random and TPE searches sample values instead of listing them, so the grid rules here (exact ANOVA,
 * extension by new cells) do not apply. A grid (also `search: { type: 'grid' }`) stores no search settings.
 */
const isSearch = (sweep: { search: unknown }) => sweep.search !== null && sweep.search !== undefined;

/** The leaderboard's order: best value in the objective's direction, no value last, then grid order. */
function leaderboardOrder<T extends ComparedTrial>(trials: readonly T[], mode: ObjectiveMode): T[] {
  const sign = mode === 'max' ? -1 : 1;
  return [...trials].sort((a, b) => {
    if (a.bestValue === null || b.bestValue === null)
      return a.bestValue === b.bestValue ? a.index - b.index : a.bestValue === null ? 1 : -1;
    return sign * (a.bestValue - b.bestValue) || a.index - b.index;
  });
}

/** Flat CSV columns: one per swept option (readable path), computed over the whole sweep. */
function sweptColumns(trials: readonly ComparedTrial[], withSeed: boolean): string[] {
  return sweptFactors(trials.map((t) => t.config))
    .map((f) => f.name)
    .filter((name) => withSeed || name !== 'seed');
}

const sendCsv = (reply: FastifyReply, filename: string, body: string) =>
  reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body);

/**
 * GET /v1/sweeps/:id/trials?format=csv: the leaderboard (same order, filter and page) with one column per
 * swept option. Called from the leaderboard route in sweeps.ts.
 */
export async function sendTrialsCsv(
  context: ApiContext,
  reply: FastifyReply,
  sweep: { id: string; objectiveMode: ObjectiveMode },
  page: { status?: TrialStatus | undefined; limit: number; offset: number },
) {
  const trials = await loadTrials(context.pool, sweep.id);
  const columns = sweptColumns(trials, true);
  const rows = leaderboardOrder(trials, sweep.objectiveMode)
    .filter((t) => page.status === undefined || t.status === page.status)
    .slice(page.offset, page.offset + page.limit)
    .map((t) => {
      const values = factorValues(t.config);
      return [
        t.index,
        t.id,
        t.status,
        ...columns.map((c) => values.get(c)),
        t.bestValue,
        t.bestStep,
        t.finalLoss,
        t.stepsDone,
        t.durationMs,
      ];
    });
  const header = [
    'index',
    'id',
    'status',
    ...columns,
    'best_value',
    'best_step',
    'final_loss',
    'steps',
    'duration_ms',
  ];
  return sendCsv(reply, `sweep-${sweep.id}-trials.csv`, toCsv(header, rows));
}

export const compareRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  const { pool, redis, trialQueue, config } = context;

  const loadSweep = async (id: string) => {
    const sweep = await sweepOr404(context, id);
    return { ...sweep, objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode } };
  };

  const rankedGroups = async (id: string, mode: ObjectiveMode) => {
    const rows = await loadTrials(pool, id);
    const groups = groupBySeed(rows, (t) => (t as LoadedTrial).seedlessText);
    return { rows, groups: rankGroups(groups, mode) };
  };

  const configRow = (group: ConfigGroup, position: number) => ({
    rank: group.objective.mean === null ? null : position + 1,
    key: group.key,
    config: group.config as unknown as Record<string, unknown>,
    seeds: group.seeds,
    trialIds: group.trialIds,
    n: group.objective.n,
    mean: group.objective.mean,
    std: group.objective.std,
    min: group.objective.min,
    max: group.objective.max,
    interval: group.objective.interval,
    meanFinalLoss: group.meanFinalLoss,
    status: group.status,
  });

  app.get(
    '/v1/sweeps/:id/configs',
    {
      schema: {
        tags: ['sweeps'],
        summary:
          'The leaderboard by configuration: trials that differ only in seed as one row, best mean first',
        description:
          "Statistics over each configuration's completed trials: mean, sample std, min, max of the objective's best value, the 95% t-interval of the mean, and the mean final loss. format=csv answers text/csv with one column per swept option.",
        params: IdParams,
        querystring: Type.Object({
          ...Pagination,
          format: StringEnum(['json', 'csv'] as const, { default: 'json' }),
        }),
        response: {
          200: Type.Object({ objective: Objective, total: Type.Integer(), items: Type.Array(ConfigRow) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { limit, offset, format } = request.query;
      const sweep = await loadSweep(id);
      const { rows, groups } = await rankedGroups(id, sweep.objectiveMode);
      const items = groups.slice(offset, offset + limit).map((g, i) => configRow(g, offset + i));
      if (format === 'csv') {
        const columns = sweptColumns(rows, false);
        const header = ['rank', 'key', ...columns, 'seeds', 'n', 'mean', 'std', 'min', 'max'];
        header.push('ci95_low', 'ci95_high', 'mean_final_loss', ...trialStatuses);
        const lines = items.map((item, i) => {
          const values = factorValues({ ...groups[offset + i]!.config, seed: 0 });
          return [
            item.rank,
            item.key,
            ...columns.map((c) => values.get(c)),
            item.seeds.join(' '),
            item.n,
            item.mean,
            item.std,
            item.min,
            item.max,
            item.interval?.low,
            item.interval?.high,
            item.meanFinalLoss,
            ...trialStatuses.map((s) => item.status[s]),
          ];
        });
        return sendCsv(reply, `sweep-${id}-configs.csv`, toCsv(header, lines));
      }
      return { objective: sweep.objective, total: groups.length, items };
    },
  );

  app.get(
    '/v1/sweeps/:id/effects',
    {
      schema: {
        tags: ['sweeps'],
        summary:
          'How much each swept setting matters: levels with mean objective, share of variance explained',
        description:
          'Over completed trials. A complete grid gets the exact functional ANOVA (main effects and two-way interactions); searches and incomplete grids get per-factor correlation ratios with numeric values binned. `method` says which.',
        params: IdParams,
        response: { 200: EffectsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const sweep = await loadSweep(id);
      const rows = await loadTrials(pool, id);
      const observations = rows.flatMap((r) =>
        r.status === 'completed' && r.bestValue !== null ? [{ config: r.config, value: r.bestValue }] : [],
      );
      const effects = computeEffects(observations, { design: isSearch(sweep) ? 'search' : 'grid' });
      return { objective: sweep.objective, ...effects };
    },
  );

  app.get(
    '/v1/sweeps/:id/curves',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Learning curves per configuration (mean and band over seeds) or per trial, in one query',
        description:
          'loss and lr per optimizer step, val_loss, val_accuracy and train_loss per epoch. Without ids: the best `limit` groups (configurations by mean objective, or trials by best value). maxPoints downsamples each group on the server, keeping the first, last, lowest and highest mean of each range.',
        params: IdParams,
        querystring: Type.Object({
          metric: StringEnum(curveMetrics, { default: 'loss' }),
          by: StringEnum(['config', 'trial'] as const, { default: 'config' }),
          ids: Type.Optional(
            Type.String({ description: 'Comma-separated config keys (by=config) or trial ids (by=trial)' }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
          maxPoints: Type.Integer({ minimum: 4, maximum: 100_000, default: 1000 }),
        }),
        response: {
          200: Type.Object({
            objective: Objective,
            metric: StringEnum(curveMetrics),
            by: StringEnum(['config', 'trial'] as const),
            x: StringEnum(['step', 'epoch'] as const),
            groups: Type.Array(CurveGroup),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { query } = request;
      const sweep = await loadSweep(id);
      const { rows, groups } = await rankedGroups(id, sweep.objectiveMode);
      const candidates =
        query.by === 'config'
          ? groups.map((g) => ({
              key: g.key,
              config: g.config as unknown as Record<string, unknown>,
              seeds: g.seeds,
              trialIds: g.trialIds,
              mean: g.objective.mean,
            }))
          : leaderboardOrder(rows, sweep.objectiveMode).map((t) => {
              const { seed, ...rest } = t.config;
              return { key: t.id, config: rest, seeds: [seed], trialIds: [t.id], mean: t.bestValue };
            });
      let chosen = candidates.slice(0, query.limit);
      if (query.ids !== undefined) {
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
        chosen = [...new Set(wanted)].map((key) => byKey.get(key)!);
      }
      const points = await readCurves(
        pool,
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
    },
  );

  app.post(
    '/v1/sweeps/:id/extend',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Grow a sweep: more seeds, optimizers or schedulers; only new cells become trials',
        description:
          "A grid: the fields are added to the sweep's spec (seeds joined, optimizer and scheduler entries appended) and the grid expanded again; a trial equal to one the sweep has (same config hash) is reused, never rerun; the new trials are created and enqueued by this request (`added`). Validation and MAX_TRIALS as for POST /v1/sweeps, on the grown grid. A random or TPE search: only `trials` (seeds, optimizers and schedulers are refused, 400), the number of samples to add; the budget (`trialCount` = samples x seeds) grows by trials x seeds, within MAX_TRIALS, and the stored search settings' `trials` grows by `trials`. Existing samples are kept, never rerun; the new trials are proposed after them by the workers (within RECONCILE_EVERY_MS, as trials of the sweep end), so `added` is empty, `grownBy` says how many trials are to come and `createdBy` is `workers`. Random sample k is the same whether the budget was there from the start or added later. Either way a completed sweep runs again (an SSE `sweep` event tells the dashboard); a cancelled or failed one cannot grow (409).",
        params: IdParams,
        body: ExtendBody,
        response: {
          200: Type.Object({
            id: Type.String({ format: 'uuid' }),
            status: SweepStatus,
            added: Type.Array(
              Type.Object({ id: Type.String({ format: 'uuid' }), index: Type.Integer(), config: Config }),
              { description: 'The new trials, in grid order' },
            ),
            reused: Type.Integer({ description: 'Cells of the grown grid the sweep already had' }),
            grownBy: Type.Integer({
              description: 'Trials the sweep grew by (for a search: samples added x seeds)',
            }),
            createdBy: StringEnum(['request', 'workers'], {
              description:
                '`request`: the new trials are in `added`; `workers`: a search, whose workers create the new trials (within RECONCILE_EVERY_MS)',
            }),
            trialCount: Type.Integer({ description: 'The grown budget: trials the sweep has or will have' }),
          }),
          ...errorResponses,
          409: Type.Ref('ErrorResponse'),
          503: Type.Ref('ErrorResponse'),
        },
        security: [{ bearerAuth: [] }],
      },
      // As for POST /v1/sweeps: the spec validator reports problems inside the entries better than Ajv
      // on the generated schema (which stays for the documentation); the envelope is checked here.
      validatorCompiler: () => (value) => ({ value }),
    },
    async (request) => {
      const { id } = request.params;
      const body = readExtendBody(request.body);
      const sweep = await loadSweep(id);
      const stored = sweep.spec as Record<string, unknown>;
      if (isSearch(sweep)) return extendSearch(id, body, request.log);
      if (body.trials !== undefined) {
        const message =
          'this sweep is a grid: grow it with seeds, optimizers or schedulers; trials adds samples to a random or TPE search';
        throw new HttpError(400, message, [{ path: '/trials', message }]);
      }
      if (body.seeds === undefined && body.optimizers === undefined && body.schedulers === undefined) {
        const message = 'nothing to add: give seeds, optimizers or schedulers';
        throw new HttpError(400, message, [{ path: '', message }]);
      }
      if (!EXTENDABLE.includes(sweep.status)) {
        const message = `sweep ${id} is ${sweep.status}; only a queued, running or completed sweep can grow`;
        throw new HttpError(409, message, [{ path: '/params/id', message: `the sweep is ${sweep.status}` }]);
      }
      const limits = { workloads: context.workloads, maxTrials: config.maxTrials };
      // The additions alone, in place of the sweep's own lists: every error points into this body.
      const alone = validateSweepSpec({ ...stored, ...body }, limits);
      if (!alone.ok) throw invalid(alone.errors);
      const grown = grownSpec(stored, body, alone.spec.seeds);
      const result = validateSweepSpec(grown, limits);
      if (!result.ok) throw invalid(result.errors.map((e) => ({ ...e, path: intoBody(e.path, stored) })));

      const candidates = result.trials.map((trial) => ({ config: trial, configHash: configHash(trial) }));
      const outcome = await extendSweepTrials(pool, id, candidates, grown, EXTENDABLE);
      if (outcome.kind === 'missing') throw notFound('sweep', id);
      if (outcome.kind === 'refused') {
        const message = `sweep ${id} is ${outcome.status}; only a queued, running or completed sweep can grow`;
        throw new HttpError(409, message, [
          { path: '/params/id', message: `the sweep is ${outcome.status}` },
        ]);
      }
      if (outcome.added.length > 0) {
        try {
          await redisReady(redis, REDIS_READY_TIMEOUT_MS);
          await withTimeout(
            enqueueTrials(
              trialQueue,
              outcome.added.map((t) => ({ trialId: t.id, sweepId: id })),
            ),
            ENQUEUE_TIMEOUT_MS,
            'enqueueing timed out',
          );
        } catch (error) {
          await undoExtension(
            pool,
            id,
            outcome.added.map((t) => t.id),
            outcome.previous,
          ).catch(() => {});
          request.log.error({ err: error }, 'enqueue failed');
          throw new HttpError(
            503,
            `the trial queue is unavailable (${(error as Error).message}); the sweep is unchanged`,
          );
        }
        await publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status: outcome.status });
      }
      return {
        id,
        status: outcome.status as 'queued' | 'running',
        added: outcome.added.map((t) => ({ ...t, config: t.config as Record<string, unknown> })),
        reused: outcome.reused,
        grownBy: outcome.added.length,
        createdBy: 'request' as const,
        trialCount: outcome.trialCount,
      };
    },
  );

  /**
   * A random / TPE search grows by samples: the budget only, in one locked transaction; the workers'
   * proposer creates the new trials after the existing ones (the reconciler finds the sweep owed them).
   */
  async function extendSearch(id: string, body: ExtendInput, log: { warn(obj: unknown, msg: string): void }) {
    const refused = (['seeds', 'optimizers', 'schedulers'] as const).filter(
      (field) => body[field] !== undefined,
    );
    if (refused.length > 0) {
      throw invalid(
        refused.map((field) => ({
          path: `/${field}`,
          message: `a random or TPE search grows by trials (more samples); ${field} cannot be added to it`,
        })),
      );
    }
    if (body.trials === undefined) {
      const message = 'nothing to add: give trials, the number of samples to add to the search';
      throw new HttpError(400, message, [{ path: '/trials', message }]);
    }
    const outcome = await growSearchBudget(pool, id, body.trials, EXTENDABLE, config.maxTrials);
    if (outcome.kind === 'missing') throw notFound('sweep', id);
    if (outcome.kind === 'not-search') throw new HttpError(409, `sweep ${id} is not a random or TPE search`);
    if (outcome.kind === 'refused') {
      const message = `sweep ${id} is ${outcome.status}; only a queued, running or completed sweep can grow`;
      throw new HttpError(409, message, [{ path: '/params/id', message: `the sweep is ${outcome.status}` }]);
    }
    if (outcome.kind === 'too-many') {
      const message = `the search would have ${outcome.trialCount} trials; the limit is ${config.maxTrials}`;
      throw invalid([{ path: '/trials', message }]);
    }
    // The budget is stored: the workers create the trials whether or not Redis takes the notice now.
    try {
      await withTimeout(
        publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status: outcome.status }),
        REDIS_READY_TIMEOUT_MS,
        'publishing timed out',
      );
    } catch (error) {
      log.warn({ err: error, sweepId: id }, 'search budget grown in Postgres; Redis did not take the event');
    }
    return {
      id,
      status: outcome.status as 'queued' | 'running',
      added: [],
      reused: 0,
      grownBy: outcome.grownBy,
      createdBy: 'workers' as const,
      trialCount: outcome.trialCount,
    };
  }
};

const EXTEND_FIELDS = ['seeds', 'optimizers', 'schedulers', 'trials'];

function readExtendBody(body: unknown): ExtendInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const message = 'the body is an object with seeds, optimizers, schedulers (or trials for a search)';
    throw new HttpError(400, message, [{ path: '', message }]);
  }
  const details = Object.keys(body)
    .filter((key) => !EXTEND_FIELDS.includes(key))
    .map((key) => ({
      path: `/${key}`,
      message: `unknown property "${key}"; an extension has ${EXTEND_FIELDS.join(', ')}`,
    }));
  const input = body as ExtendInput;
  for (const field of ['optimizers', 'schedulers'] as const) {
    const list = input[field];
    if (list !== undefined && (!Array.isArray(list) || list.length === 0)) {
      details.push({ path: `/${field}`, message: `${field} must be a non-empty list of entries to add` });
    }
  }
  if (input.trials !== undefined && !(Number.isInteger(input.trials) && input.trials >= 1)) {
    details.push({ path: '/trials', message: 'trials must be a positive integer' });
  }
  if (details.length > 0) throw invalid(details);
  return input;
}

function invalid(errors: Array<{ path: string; message: string }>): HttpError {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new HttpError(400, `invalid extension: ${first.path || '/'}: ${first.message}${more}`, errors);
}

/**
 * A pointer into the grown spec as one into the request: appended entries lose the stored entries' count
 * (`/schedulers/3` of a grown list of 2 + 2 is `/schedulers/1` of the body); other paths stay.
 */
function intoBody(path: string, stored: Record<string, unknown>): string {
  const match = /^\/(optimizers|schedulers)\/(\d+)(.*)$/.exec(path);
  if (!match) return path;
  const field = match[1]!;
  const before =
    stored[field] === undefined ? (field === 'schedulers' ? 1 : 0) : (stored[field] as unknown[]).length;
  const index = Number(match[2]);
  return index >= before ? `/${field}/${index - before}${match[3]}` : path;
}

/** The stored spec grown by the additions: seeds joined (old first), optimizer and scheduler entries appended. */
function grownSpec(stored: Record<string, unknown>, body: ExtendInput, addedSeeds: number[]) {
  const grown: Record<string, unknown> = { ...stored };
  if (body.seeds !== undefined) {
    const old = stored['seeds'] === undefined ? [0] : ([] as number[]).concat(stored['seeds'] as number[]);
    grown['seeds'] = [...new Set([...old, ...addedSeeds])];
  }
  if (body.optimizers !== undefined)
    grown['optimizers'] = [...(stored['optimizers'] as unknown[]), ...body.optimizers];
  if (body.schedulers !== undefined) {
    grown['schedulers'] = [
      ...((stored['schedulers'] as unknown[] | undefined) ?? [null]),
      ...body.schedulers,
    ];
  }
  return grown;
}
