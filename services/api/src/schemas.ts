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

export const SweepStatus = StringEnum(sweepStatuses, { description: sweepStatuses.join(', ') });
export const TrialStatus = StringEnum(trialStatuses, { description: trialStatuses.join(', ') });

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);
export const NullableNumber = Nullable(Type.Number());
export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const NullableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

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
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  backend: NullableString,
  workerId: NullableString,
  startedAt: NullableDate,
  finishedAt: NullableDate,
  error: NullableString,
});
