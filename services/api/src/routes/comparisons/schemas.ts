import { trainerMetricPattern } from '@hypersweep/core';
import { curveMetrics } from '@hypersweep/db';
import { trialStatuses } from '@hypersweep/spec';
import { Type } from 'typebox';
import {
  csvOrJson,
  errorResponses,
  IdParams,
  NullableNumber,
  Objective,
  ResponseFormat,
  SeedlessConfig,
  STORE_ERRORS,
  StringEnum,
} from '../../schemas.js';

const StatusCounts = Type.Object(
  Object.fromEntries(trialStatuses.map((s) => [s, Type.Integer()])) as Record<
    (typeof trialStatuses)[number],
    ReturnType<typeof Type.Integer>
  >,
  { description: 'Trials of the group per status' },
);
const Interval = Type.Union(
  [Type.Object({ level: Type.Number(), low: Type.Number(), high: Type.Number() }), Type.Null()],
  { description: "95% interval of the mean (Student's t, n - 1 df)" },
);

const PrunedTrial = Type.Object({
  trialId: Type.String({ format: 'uuid' }),
  seed: Type.Integer(),
  epochs: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Epochs it trained before the pruner stopped it (it stopped at epoch `epochs`, from 1)',
  }),
  value: Type.Union([Type.Number(), Type.Null()], {
    description:
      "Its best objective value up to there (a completed trial's value is its best over every epoch)",
  }),
});

const PrunedTrials = Type.Object(
  {
    n: Type.Integer({ description: 'Pruned trials of the configuration (never in n, mean, std, ...)' }),
    trials: Type.Array(PrunedTrial, { description: 'In seed order' }),
    furthest: Type.Union([PrunedTrial, Type.Null()], {
      description:
        'The pruned trial that got furthest (then the best value): what the row shows when no trial completed',
    }),
  },
  { description: 'The pruned trials, apart from the statistics: where each stopped and its value there' },
);

const PRUNED_RULE = Type.String({ description: 'How this analysis treats pruned trials' });

const ConfigRow = Type.Object({
  rank: Type.Union([Type.Integer(), Type.Null()], { description: 'null until a seed has completed' }),
  key: Type.String({ description: 'Stable id of the configuration (curves?by=config&ids=)' }),
  config: SeedlessConfig,
  seeds: Type.Array(Type.Integer()),
  trialIds: Type.Array(Type.String({ format: 'uuid' }), { description: 'In seed order' }),
  n: Type.Integer({ description: 'Completed trials behind the statistics' }),
  mean: NullableNumber,
  std: Type.Union([Type.Number(), Type.Null()], { description: 'Sample standard deviation (n - 1)' }),
  min: NullableNumber,
  max: NullableNumber,
  interval: Interval,
  meanFinalLoss: NullableNumber,
  status: StatusCounts,
  pruned: PrunedTrials,
});

const Level = Type.Object({
  label: Type.String(),
  value: Type.Unknown({ description: 'The level (null for a bin)' }),
  low: Type.Optional(Type.Number()),
  high: Type.Optional(Type.Number()),
  n: Type.Integer({ description: 'Completed trials at this level' }),
  mean: Type.Union([Type.Number(), Type.Null()], {
    description: 'Mean objective of its completed trials; null for a level only pruned trials reached',
  }),
  pruned: Type.Integer({ description: 'Pruned trials at this level (not in mean)' }),
});

const Within = Type.Union(
  [
    Type.Object({
      part: StringEnum(['optimizer', 'scheduler'] as const),
      type: Type.String({ description: 'The optimizer (scheduler) type; none for no scheduler' }),
      entries: Type.Array(Type.Integer({ minimum: 0 }), {
        description: "Indices of the spec's optimizers (schedulers) entries whose trials were analysed",
      }),
      wholeType: Type.Boolean({
        description: 'Every entry of the type (else only those that sweep the option)',
      }),
      label: Type.String({
        description: 'Adam, or SGD /optimizers/0 when only some entries of the type sweep it',
      }),
    }),
    Type.Null(),
  ],
  {
    description:
      'The trials it was analysed within: null for all; else those of one type (or some of its entries)',
  },
);

const EffectsResponse = Type.Object({
  objective: Objective,
  method: StringEnum(['functional-anova', 'binned-marginal'] as const, {
    description:
      "functional-anova: exact, on a complete grid (each share is a main effect within its trials; pairs of nested factors get their interaction; the residual is the seeds' noise). binned-marginal: each factor alone (correlation ratio within its trials), numeric factors binned; for searches and incomplete grids",
  }),
  n: Type.Integer({ description: 'Completed trials used' }),
  pruned: Type.Object(
    {
      trials: Type.Integer({ description: 'Pruned trials left out of the shares and means' }),
      rule: PRUNED_RULE,
    },
    { description: 'The pruned trials: counted per factor and level, never analysed as if complete' },
  ),
  mean: NullableNumber,
  variance: NullableNumber,
  factors: Type.Array(
    Type.Object({
      name: Type.String({
        description:
          'What the spec sweeps: optimizer.type, optimizer.lr, optimizer.param_groups.classifier.lr, scheduler.type, scheduler.gamma, ... (seeds are replicates, never a factor)',
      }),
      within: Within,
      n: Type.Integer({ description: 'Completed trials analysed (those within its scope)' }),
      pruned: Type.Integer({ description: 'Pruned trials within its scope (left out of the share)' }),
      share: Type.Number({
        description:
          "Fraction of the objective's variance among the trials it was analysed within that it explains",
      }),
      levels: Type.Array(Level),
    }),
  ),
  interactions: Type.Array(
    Type.Object({
      factors: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }),
      within: Within,
      share: Type.Number(),
    }),
  ),
  residualShare: Type.Union([Type.Number(), Type.Null()], {
    description:
      'functional-anova: the variance among seeds of the same configuration, as a share of all; else null',
  }),
});

const CurveGroup = Type.Object({
  key: Type.String({ description: 'Config key (by=config) or trial id (by=trial)' }),
  config: SeedlessConfig,
  seeds: Type.Array(Type.Integer()),
  trialIds: Type.Array(Type.String({ format: 'uuid' })),
  mean: NullableNumber,
  pruned: Type.Integer({ description: 'Its trials that were pruned: their curves end where they stopped' }),
  totalPoints: Type.Integer({ description: 'Steps (or epochs) with a value, before downsampling' }),
  downsampled: Type.Boolean(),
  x: Type.Array(Type.Integer()),
  y: Type.Object({
    mean: Type.Array(NullableNumber),
    min: Type.Array(NullableNumber),
    max: Type.Array(NullableNumber),
    std: Type.Array(NullableNumber, { description: 'Sample std over the trials at this x; null for one' }),
    n: Type.Array(Type.Integer(), { description: 'Trials with a value at this x' }),
  }),
});

export const configsSchema = {
  operationId: 'listSweepConfigs',
  tags: ['sweeps'],
  summary: 'The leaderboard by configuration: trials that differ only in seed as one row, best mean first',
  description:
    "Statistics over each configuration's completed trials: mean, sample std, min, max of the objective's best value, the 95% t-interval of the mean, and the mean final loss. Pruned trials are listed apart per row (`pruned`: the epoch each stopped at and its best value up to there); a configuration whose trials were all pruned is a row (rank null) after the ranked ones, furthest first. format=csv answers text/csv with one column per swept option.",
  params: IdParams,
  querystring: Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
    format: ResponseFormat(),
  }),
  response: {
    200: csvOrJson(
      Type.Object({
        objective: Objective,
        total: Type.Integer(),
        pruned: Type.Object(
          {
            trials: Type.Integer({ description: "Pruned trials of the sweep's configurations" }),
            configs: Type.Integer({ description: 'Configurations whose trials were all pruned (rank null)' }),
            rule: PRUNED_RULE,
          },
          { description: 'How the rows treat pruned trials' },
        ),
        items: Type.Array(ConfigRow),
      }),
      'format=csv: one row per configuration, one column per swept option',
    ),
    ...errorResponses([400, 404, ...STORE_ERRORS], { 404: 'No sweep has this id' }),
  },
};

export const effectsSchema = {
  operationId: 'getSweepEffects',
  tags: ['sweeps'],
  summary: 'How much each swept setting matters: levels with mean objective, share of variance explained',
  description:
    'Over completed trials; pruned trials are counted per factor and level (`pruned`), never analysed as if complete. The factors are what the stored spec sweeps: the optimizer (scheduler) type, and within each type the options its entries give more than one value, each analysed within the trials of that type (or of the entries that sweep it), named by `within`. A complete grid gets the exact functional ANOVA (main effects and two-way interactions); searches and incomplete grids get per-factor correlation ratios with numeric values binned. `method` says which.',
  params: IdParams,
  response: {
    200: EffectsResponse,
    ...errorResponses([400, 404, ...STORE_ERRORS], { 404: 'No sweep has this id' }),
  },
};

/** A curve's metric: one of the service's, or (external sweeps) a metric of the trainer's own. */
const CurveMetricName = (options: { default?: string } = {}) =>
  Type.String({
    ...options,
    pattern: trainerMetricPattern.source,
    examples: [...curveMetrics],
    description: `${curveMetrics.join(', ')}; or, for a sweep whose trials train outside the service, a metric its trainer reports with its epochs (val_bleu)`,
  });

export const curvesSchema = {
  operationId: 'getSweepCurves',
  tags: ['sweeps'],
  summary: 'Learning curves per configuration (mean and band over seeds) or per trial, in one query',
  description:
    'loss and lr per optimizer step, val_loss, val_accuracy and train_loss per epoch. Without ids: the best `limit` groups (configurations by mean objective, or trials by best value). maxPoints downsamples each group on the server, keeping the first, last, lowest and highest mean of each range.',
  params: IdParams,
  querystring: Type.Object({
    metric: CurveMetricName({ default: 'loss' }),
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
      metric: CurveMetricName(),
      by: StringEnum(['config', 'trial'] as const),
      x: StringEnum(['step', 'epoch'] as const),
      groups: Type.Array(CurveGroup),
    }),
    ...errorResponses([400, 404, ...STORE_ERRORS], { 404: 'No sweep has this id' }),
  },
};
