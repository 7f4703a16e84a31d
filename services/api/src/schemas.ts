import { objectiveMetrics, objectiveModes, sweepStatuses, trialStatuses } from '@hypersweep/spec';
import { Type } from 'typebox';

/** Shared response pieces (TypeBox: one definition gives the type and the OpenAPI schema). */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
  },
  {
    $id: 'ErrorResponse',
    description: 'Every error: what is wrong and where (JSON pointers into the request)',
  },
);

export const errorResponses = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('ErrorResponse'),
  404: Type.Ref('ErrorResponse'),
  /** Postgres (or, for live events, Redis) is unavailable; retry later. */
  503: Type.Ref('ErrorResponse'),
};

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const IdParams = Type.Object({ id: Uuid });

/** A string from a fixed list, as one JSON Schema `enum` (Ajv then says "must be equal to one of the allowed values" once). */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** The `format` query of the routes that also answer CSV (`format=csv`, text/csv). */
export const ResponseFormat = (description?: string) =>
  StringEnum(['json', 'csv'] as const, { default: 'json', ...(description ? { description } : {}) });

export const SweepStatus = StringEnum(sweepStatuses, { description: sweepStatuses.join(', ') });
export const TrialStatus = StringEnum(trialStatuses, { description: trialStatuses.join(', ') });

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);
export const NullableNumber = Nullable(Type.Number());
export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const NullableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** A trial's config less its seed: what the trials of one configuration share. */
export const SeedlessConfig = Type.Record(Type.String(), Type.Unknown(), {
  description: 'workload, training, optimizer, scheduler (the trial config without its seed)',
});

export const Objective = Type.Object({
  metric: StringEnum(objectiveMetrics, { description: objectiveMetrics.join(', ') }),
  mode: StringEnum(objectiveModes),
});

export const TrialSummary = Type.Object({
  id: Uuid,
  sweepId: Uuid,
  index: Type.Integer({ description: 'Position in the expanded grid' }),
  status: TrialStatus,
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: 'workload, training, optimizer (type, options with defaults, param_groups), scheduler, seed',
  }),
  bestValue: NullableNumber,
  bestStep: Type.Union([Type.Integer(), Type.Null()]),
  finalLoss: NullableNumber,
  stepsDone: Type.Integer(),
  attempts: Type.Integer(),
  lost: Type.Integer({
    description:
      "Times the trial was taken over from a worker that stopped without handing it back (crashed, killed, lost its lock); past the workers' TRIAL_MAX_LOST it fails",
  }),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  backend: NullableString,
  workerId: NullableString,
  startedAt: NullableDate,
  finishedAt: NullableDate,
  error: NullableString,
  params: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()], {
    description:
      "A random / tpe trial's sampled parameters by JSON pointer into the spec (numbers; a choice is its index), null for a grid trial",
  }),
  prune: Type.Union(
    [
      Type.Object({
        rung: Type.Integer({
          description: 'SuccessiveHalving / Hyperband: the rung index; ASHAScheduler: the milestone epoch',
        }),
        value: NullableNumber,
        cutoff: NullableNumber,
      }),
      Type.Null(),
    ],
    {
      description:
        "Why a rung pruner (SuccessiveHalvingPruner, HyperbandPruner, ASHAScheduler) stopped the trial: the rung, the trial's objective value there and the cutoff it missed; null otherwise (MedianPruner gives its reason in error)",
    },
  ),
});

export const SearchSettings = Type.Union(
  [
    Type.Object({
      type: StringEnum(['random', 'tpe'] as const),
      trials: Type.Integer({ description: 'Configs sampled in all (each runs once per seed)' }),
      seed: Type.Integer(),
      parallelism: Type.Union([Type.Integer(), Type.Null()], {
        description: 'Configs in flight at once; the next are created as trials end (null: all at once)',
      }),
      options: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description: "TPESampler options (Optuna's names), tpe only",
      }),
    }),
    Type.Null(),
  ],
  { description: 'The search settings of a random / tpe sweep with their defaults; null for a grid' },
);
