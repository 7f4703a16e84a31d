import { objectiveMetrics } from '@hypersweep/spec';
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
  SweepStatus,
  withExamples,
} from '../../schemas.js';
import { benchmarkExample, benchmarksExample } from './examples.js';

const Spread = Type.Object(
  { median: NullableNumber, q25: NullableNumber, q75: NullableNumber },
  { description: 'Median and interquartile range (linear interpolation); null when none reached it' },
);

const Target = Type.Object({
  metric: StringEnum(objectiveMetrics),
  value: Type.Number(),
  direction: StringEnum(['min', 'max'] as const, {
    description: 'max: reached at or above the value (accuracy); min: at or below (losses)',
  }),
});

const TuningPoint = Type.Object({
  k: Type.Integer({ description: 'Tuning configs tried' }),
  mean: NullableNumber,
  q25: NullableNumber,
  q75: NullableNumber,
  pNone: Type.Number({ description: 'Probability that none of the first k configs has a value' }),
});

const Optimizer = Type.Object({
  entry: Type.Integer({ description: "Index of the entry in the spec's optimizers" }),
  label: Type.String({ description: 'Its type (with #entry when two entries share a type)' }),
  type: Type.String(),
  oneShot: Type.Boolean(),
  tuning: Type.Object({
    budget: Type.Integer({ description: 'Tuning configs it may try (0 for one-shot)' }),
    configsTried: Type.Integer(),
    configsEnded: Type.Integer(),
    configsWithValue: Type.Integer({ description: 'Configs whose every tuning trial completed' }),
    curve: Type.Array(TuningPoint, { description: 'The tuning curve, k = 1..configs ended' }),
  }),
  tuned: Type.Array(
    Type.Object({
      rank: Type.Integer(),
      config: SeedlessConfig,
      tuningMean: Type.Union([Type.Number(), Type.Null()], {
        description: 'Mean objective over the tuning seeds (null for one-shot)',
      }),
      evaluationTrialIds: Type.Array(Type.String({ format: 'uuid' })),
    }),
    { description: 'The configs run on the evaluation seeds' },
  ),
  evaluation: Type.Object({
    n: Type.Integer({ description: 'Completed evaluation trials' }),
    mean: NullableNumber,
    std: NullableNumber,
    min: NullableNumber,
    max: NullableNumber,
    interval: Type.Union([
      Type.Object({ level: Type.Number(), low: Type.Number(), high: Type.Number() }),
      Type.Null(),
    ]),
    ci95: Type.Union([Type.Object({ low: Type.Number(), high: Type.Number() }), Type.Null()], {
      description: "95% interval of the mean (Student's t, n - 1 degrees of freedom)",
    }),
    values: Type.Array(
      Type.Object({ trialId: Type.String({ format: 'uuid' }), seed: Type.Integer(), value: Type.Number() }),
    ),
    unfinished: Type.Integer(),
  }),
  target: Type.Object({
    reached: Type.Integer(),
    never: Type.Integer({ description: 'Finished evaluation trials that never reached the target' }),
    steps: Spread,
    seconds: Spread,
    perSeed: Type.Array(
      Type.Object({
        trialId: Type.String({ format: 'uuid' }),
        seed: Type.Integer(),
        steps: NullableNumber,
        seconds: NullableNumber,
      }),
    ),
  }),
});

const PhaseCounts = Type.Object({
  created: Type.Integer(),
  finished: Type.Integer(),
  completed: Type.Integer(),
  failed: Type.Integer(),
  pruned: Type.Integer(),
});

export const Benchmark = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: SweepStatus,
  objective: Objective,
  protocol: Type.Object({
    type: Type.Literal('tune-then-evaluate'),
    tuning: Type.Object({
      search: StringEnum(['grid', 'random', 'tpe'] as const),
      trials: Type.Integer(),
      seeds: Type.Array(Type.Integer()),
      seed: Type.Integer(),
    }),
    evaluation: Type.Object({ seeds: Type.Array(Type.Integer()), top: Type.Integer() }),
    target: Target,
  }),
  trials: Type.Object({ tuning: PhaseCounts, evaluation: PhaseCounts }),
  optimizers: Type.Array(Optimizer),
  ranking: Type.Object({
    test: Type.String(),
    best: Type.Union([Type.String(), Type.Null()]),
    rows: Type.Array(
      Type.Object({
        rank: Type.Integer(),
        entry: Type.Integer(),
        label: Type.String(),
        mean: NullableNumber,
        pValue: Type.Union([Type.Number(), Type.Null()], {
          description: "Welch's t-test against the best (null for the best, or below two values)",
        }),
        tiedWithBest: Type.Boolean({ description: 'Not distinguishable from the best at 95%' }),
      }),
    ),
  }),
  methods: Type.Record(Type.String(), Type.String(), { description: 'How each part is computed' }),
});

export const benchmarkSchema = {
  operationId: 'getSweepBenchmark',
  tags: ['sweeps'],
  summary:
    "A tune-then-evaluate sweep's answer: tuned configs, evaluation spread, time to target, tuning curves, ranking",
  description:
    "Per optimizer entry: its tuned config(s), the evaluation results over the evaluation seeds only, steps and seconds to the target, the tuning curve (exact over orderings) and a ranking by Welch's t-test against the best. Answers from whatever has finished so far (counts in `trials`). format=csv: one row per optimizer.",
  params: IdParams,
  querystring: Type.Object({ format: ResponseFormat() }),
  response: {
    200: csvOrJson(withExamples(Benchmark, benchmarkExample), 'format=csv: one row per optimizer'),
    ...errorResponses([400, 404, 409, ...STORE_ERRORS], {
      404: 'No sweep has this id',
      409: 'The sweep has no protocol',
    }),
  },
};

export const benchmarksSchema = {
  operationId: 'getPerformanceProfiles',
  tags: ['sweeps'],
  summary: 'Performance profiles (AlgoPerf) over the protocol sweeps of several workloads',
  description:
    "For each optimizer (matched by label across sweeps), the fraction of workloads on which its median time to the target is within tau times the fastest optimizer's, tau from 1 to 4. format=csv: one row per optimizer, one column per tau.",
  querystring: Type.Object({
    sweeps: Type.String({
      description: 'Comma-separated sweep ids (1 to 50), one protocol sweep per workload',
    }),
    measure: StringEnum(['seconds', 'steps'] as const, {
      default: 'seconds',
      description: 'Time to the target in seconds (AlgoPerf) or in optimizer steps',
    }),
    format: ResponseFormat(),
  }),
  response: {
    200: csvOrJson(
      withExamples(
        Type.Object({
          measure: StringEnum(['seconds', 'steps'] as const),
          taus: Type.Array(Type.Number()),
          workloads: Type.Array(
            Type.Object({
              sweepId: Type.String({ format: 'uuid' }),
              name: Type.String(),
              status: SweepStatus,
              target: Target,
              times: Type.Record(Type.String(), NullableNumber, {
                description: 'Per optimizer label: median time to the target (null: never)',
              }),
            }),
          ),
          profiles: Type.Array(
            Type.Object({
              optimizer: Type.String(),
              fractions: Type.Array(Type.Number(), { description: 'Per tau (taus)' }),
            }),
          ),
          method: Type.String(),
        }),
        benchmarksExample,
      ),
      'format=csv: one row per optimizer, one column per tau',
    ),
    ...errorResponses([400, 404, 409, ...STORE_ERRORS], {
      404: 'One of the sweeps does not exist (details name which)',
      409: 'One of the sweeps has no protocol',
    }),
  },
};
