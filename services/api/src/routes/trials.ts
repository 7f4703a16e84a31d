import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { ApiContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { errorResponses, IdParams, StringEnum, TrialSummary } from '../schemas.js';
import { trialView } from '../views.js';

const NumberOrNull = Type.Union([Type.Number(), Type.Null()]);
const Series = Type.Array(NumberOrNull);

const Metrics = Type.Object({
  trialId: Type.String({ format: 'uuid' }),
  from: Type.Union([Type.Integer(), Type.Null()]),
  to: Type.Union([Type.Integer(), Type.Null()]),
  totalPoints: Type.Integer({ description: 'Steps stored in [from, to]' }),
  downsampled: Type.Boolean(),
  step: Type.Array(Type.Integer()),
  epoch: Type.Array(Type.Integer()),
  loss: Series,
  lr: Series,
  lrs: Type.Array(Series, { description: 'Every param group lr per point' }),
  epochs: Type.Object({
    epoch: Type.Array(Type.Integer()),
    trainLoss: Series,
    valLoss: Series,
    valAccuracy: Series,
    lr: Series,
  }),
});

interface StepRow {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  lrs: number[] | null;
}

/** Steps are Postgres integers. */
const MAX_STEP = 2_147_483_647;

const finite = (value: number | null) => (value === null || Number.isFinite(value) ? value : null);

// Downsampling keeps, for each of maxPoints/4 equal step ranges, its first and last step and the steps
// with the lowest and highest loss (M4), so a 1,000-point chart of a 100,000-step trial still shows every
// spike. One hash aggregate finds them (min/max over ARRAY[loss, step] picks the extreme loss and, among
// ties, the earliest step; NaN sorts above every number in Postgres, so a divergence is always kept) and
// counts the steps; the chosen rows are then read by primary key.
const DOWNSAMPLED = `WITH agg AS (
  SELECT count(*) AS n, min(step) AS first, max(step) AS last,
    (min(ARRAY[loss, step::float8]))[2]::int AS lowest, (-(max(ARRAY[loss, -step::float8]))[2])::int AS highest
  FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND $3
  GROUP BY ((step - $2)::bigint * $4) / ($3 - $2 + 1)
)
SELECT step, epoch, loss, lr, lrs, (SELECT sum(n) FROM agg)::int AS total FROM step_metrics
WHERE trial_id = $1 AND step = ANY(ARRAY(SELECT unnest(ARRAY[first, last, lowest, highest]) FROM agg))
ORDER BY step`;

export const trialRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  const { prisma, pool } = context;

  app.get(
    '/v1/trials/:id',
    {
      schema: {
        tags: ['trials'],
        summary: 'One trial: config, status, best value and step, final loss, steps done, duration, backend',
        params: IdParams,
        response: { 200: TrialSummary, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const trial = await prisma.trial.findUnique({ where: { id } });
      if (!trial) throw notFound('trial', id);
      return trialView(trial);
    },
  );

  app.get(
    '/v1/trials/:id/metrics',
    {
      schema: {
        tags: ['trials'],
        summary: "A trial's per-step loss and lr as columns, plus per-epoch validation metrics",
        description:
          "maxPoints downsamples on the server, keeping each bucket's first, last, lowest-loss and highest-loss steps. format=csv answers text/csv with one row per step.",
        params: IdParams,
        querystring: Type.Object({
          from: Type.Optional(
            Type.Integer({ minimum: 0, maximum: MAX_STEP, description: 'First step (inclusive)' }),
          ),
          to: Type.Optional(
            Type.Integer({ minimum: 0, maximum: MAX_STEP, description: 'Last step (inclusive)' }),
          ),
          maxPoints: Type.Optional(Type.Integer({ minimum: 4, maximum: 100_000 })),
          format: StringEnum(['json', 'csv'] as const, { default: 'json' }),
        }),
        response: { 200: Metrics, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const query = request.query as {
        from?: number;
        to?: number;
        maxPoints?: number;
        format: 'json' | 'csv';
      };
      if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
        throw new HttpError(400, `from (${query.from}) is after to (${query.to})`, [
          { path: '/query/from', message: 'must not exceed to' },
        ]);
      }
      const trial = await prisma.trial.findUnique({ where: { id }, select: { id: true } });
      if (!trial) throw notFound('trial', id);
      // first and last stored step in the window: two index probes, no scan
      const range = await pool.query<{ lo: number | null; hi: number | null }>(
        'SELECT min(step) AS lo, max(step) AS hi FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND $3',
        [id, query.from ?? 0, query.to ?? MAX_STEP],
      );
      const { lo, hi } = range.rows[0]!;
      // steps are dense (1, 2, 3, ...), so the span bounds the count without counting
      const downsample =
        query.maxPoints !== undefined && lo !== null && hi !== null && hi - lo + 1 > query.maxPoints;
      const [steps, epochs] = await Promise.all([
        lo === null
          ? Promise.resolve({ rows: [] as (StepRow & { total?: number })[] })
          : downsample
            ? pool.query<StepRow & { total: number }>(DOWNSAMPLED, [
                id,
                lo,
                hi,
                Math.max(1, Math.floor(query.maxPoints! / 4)),
              ])
            : pool.query<StepRow>(
                'SELECT step, epoch, loss, lr, lrs FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND $3 ORDER BY step',
                [id, lo, hi],
              ),
        pool.query<{
          epoch: number;
          train_loss: number;
          val_loss: number | null;
          val_accuracy: number | null;
          lr: number;
        }>(
          'SELECT epoch, train_loss, val_loss, val_accuracy, lr FROM epoch_metrics WHERE trial_id = $1 ORDER BY epoch',
          [id],
        ),
      ]);
      const rows = steps.rows as (StepRow & { total?: number })[];
      const total = downsample ? (rows[0]?.total ?? 0) : rows.length;
      if (query.format === 'csv') {
        const groups = rows.reduce((n, r) => Math.max(n, r.lrs?.length ?? 0), 0);
        const header = [
          'step',
          'epoch',
          'loss',
          'lr',
          ...Array.from({ length: groups }, (_, g) => `lr_group_${g}`),
        ];
        const lines = rows.map((r) => [r.step, r.epoch, r.loss, r.lr, ...(r.lrs ?? [])].join(','));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="trial-${id}-metrics.csv"`)
          .send(`${[header.join(','), ...lines].join('\n')}\n`);
      }
      return {
        trialId: id,
        from: lo,
        to: hi,
        totalPoints: total,
        downsampled: downsample,
        step: rows.map((r) => r.step),
        epoch: rows.map((r) => r.epoch),
        loss: rows.map((r) => finite(r.loss)),
        lr: rows.map((r) => finite(r.lr)),
        lrs: rows.map((r) => (r.lrs ?? []).map(finite)),
        epochs: {
          epoch: epochs.rows.map((e) => e.epoch),
          trainLoss: epochs.rows.map((e) => finite(e.train_loss)),
          valLoss: epochs.rows.map((e) => finite(e.val_loss)),
          valAccuracy: epochs.rows.map((e) => finite(e.val_accuracy)),
          lr: epochs.rows.map((e) => finite(e.lr)),
        },
      };
    },
  );
};
