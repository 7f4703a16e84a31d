import {
  objectiveMetrics,
  objectiveModes,
  sweepStatuses,
  trainerMetricPattern,
  trialStatuses,
} from '@hypersweep/spec';
import { type TSchema, Type } from 'typebox';

/** Shared response pieces (TypeBox: one definition gives the type and the OpenAPI schema). */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
    requestId: Type.Optional(
      Type.String({
        description:
          "The request's id, also in its `x-request-id` header and in every log line of the request (`requestId`): quote it when reporting a problem",
      }),
    ),
  },
  {
    $id: 'ErrorResponse',
    description: 'Every error: what is wrong and where (JSON pointers into the request)',
  },
);

/** The statuses an operation may answer with an ErrorResponse. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'The request is invalid: `details` names every problem with a JSON pointer into the body, or `/query/...`, `/params/...`',
  401: 'Keys exist (API_KEYS, or keys created through /v1/keys) and the request has no valid `Authorization: Bearer <key>`',
  403: "The key's role does not allow this",
  404: 'Nothing has this id',
  409: 'The sweep is in a state that does not allow this',
  413: 'The body is larger than BODY_LIMIT',
  415: 'The body has a content type the API does not read (send application/json)',
  429: "Over one of the project's limits (named in the message, with its value); Retry-After says when to retry a rate limit",
  500: 'An unexpected failure: logged by the server, answered without internals',
  503: 'Postgres is unavailable (a restart, a blip): retry after the Retry-After seconds',
};

/**
 * The error answers of an operation, each the shared ErrorResponse with what that status means here
 * (`descriptions` overrides the general wording). 401 and 403 are added by the API-key plugin to the
 * operations it guards (plugins/auth.ts), so no route lists them.
 */
export function errorResponses<S extends Exclude<ErrorStatus, 401 | 403>>(
  statuses: readonly S[],
  descriptions: Partial<Record<S, string>> = {},
): Record<S, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(
    statuses.map((status) => [status, errorResponse(status, descriptions[status])]),
  ) as Record<S, ReturnType<typeof errorResponse>>;
}

export const errorResponse = (status: ErrorStatus, description = ERROR_DESCRIPTIONS[status]) =>
  Type.Ref('ErrorResponse', { description });

/**
 * An error answer with named examples. @fastify/swagger replaces a $ref schema by its target, dropping
 * `x-examples` beside it, so the examples go on the media type.
 */
export const errorResponseWithExamples = (description: string, examples: Record<string, Example>) => ({
  description,
  content: { 'application/json': { schema: Type.Ref('ErrorResponse'), examples } },
});

/** What every operation that reads or writes Postgres may answer beside its own errors. */
export const STORE_ERRORS = [500, 503] as const;

/** An OpenAPI Example object: what the example shows, and the value. */
export interface Example {
  summary: string;
  description?: string;
  value: unknown;
}

/**
 * A body or response schema with its examples, as named OpenAPI Example objects (each with a summary):
 * @fastify/swagger moves `x-examples` to the media type's `examples`. A top-level JSON Schema `examples`
 * array would become unnamed examples without a summary, so it is dropped here.
 */
export function withExamples<T extends object>(schema: T, examples: Record<string, Example>): T {
  const { examples: _unnamed, ...rest } = schema as T & { examples?: unknown };
  return { ...rest, 'x-examples': examples } as T;
}

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const IdParams = Type.Object({ id: Uuid });

/** A string from a fixed list, as one JSON Schema `enum` (Ajv then says "must be equal to one of the allowed values" once). */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/**
 * The 200 answer of a route that also answers CSV: JSON, and with `format=csv` the same rows as text/csv
 * (`csv` says what a row is). The CSV is said in the description, not as a second media type: openapi-fetch
 * (@hypersweep/client) types a response as the union of its media types, which would make every JSON
 * answer of these routes a `string` too for the CLI and the dashboard's callers.
 */
export const csvOrJson = <T extends TSchema>(json: T, csv: string): T =>
  ({ ...json, description: `JSON; with format=csv the answer is text/csv instead (${csv})` }) as T;

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
  metric: Type.String({
    pattern: trainerMetricPattern.source,
    examples: [...objectiveMetrics],
    description: `${objectiveMetrics.join(', ')}, or a metric of an external trainer's own (val_bleu)`,
  }),
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
