import {
  createSweepSpecSchema,
  OptimizerSpecSchema,
  SchedulerSpecSchema,
  SeedsSchema,
  type WorkloadInfo,
  withProtocolSchema,
  withSearchSchema,
} from '@hypersweep/spec';
import { Type } from 'typebox';
import {
  csvOrJson,
  errorResponse,
  errorResponses,
  errorResponseWithExamples,
  IdParams,
  NullableDate,
  Objective,
  ResponseFormat,
  SearchSettings,
  SeedlessConfig,
  STORE_ERRORS,
  StringEnum,
  SweepStatus,
  TrialStatus,
  TrialSummary,
  withExamples,
} from '../../schemas.js';
import {
  cancelledExamples,
  createSweepExamples,
  extendedExamples,
  extendSweepExamples,
  invalidSpecExamples,
  sweepCreatedExamples,
  sweepNotFoundExamples,
} from './examples.js';

const sweepErrors = errorResponses([400, 404, ...STORE_ERRORS], { 404: 'No sweep has this id' });

/**
 * What every answer to a change of state says about Redis. The change and the jobs and events it owes are
 * stored in one transaction (the outbox); a relay sends them. Nothing is undone when Redis is down.
 */
const Handoff = {
  enqueued: Type.Boolean({
    description:
      'Whether the jobs and events this change owes the trial queue (Redis) were sent before the answer. false: the change is stored and they are in the outbox, sent as soon as Redis takes them (by this API or any worker); nothing is lost or undone',
  }),
  note: Type.Optional(Type.String({ description: 'Why enqueued is false' })),
};

const SweepCreated = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    status: SweepStatus,
    trialCount: Type.Integer({
      description:
        'Trials after expansion and merging of equal configs; for random / tpe, every trial the sweep will run (configs x seeds)',
    }),
    ...Handoff,
  },
  { description: 'The sweep is stored with its trials; their jobs are sent or in the outbox' },
);

const SweepSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: SweepStatus,
  trialCount: Type.Integer(),
  objective: Objective,
  pruner: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'The early-stopping rule with its defaults, or null',
  }),
  search: SearchSettings,
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: NullableDate,
  finishedAt: NullableDate,
  ranMs: Type.Union([Type.Integer(), Type.Null()], {
    description:
      'Milliseconds the sweep has run: from its first trial to its end (or now), less the time it sat completed before an extension reopened it; null before it started',
  }),
  error: Type.Union([Type.String(), Type.Null()]),
});

const ModelSummary = Type.Object({
  inputShape: Type.Array(Type.Integer(), { description: "One example's shape, without the batch axis" }),
  rows: Type.Array(
    Type.Object({
      index: Type.Integer({ description: "The layer's place in the model list" }),
      type: Type.String(),
      name: Type.Optional(Type.String()),
      outputShape: Type.Array(Type.Integer(), { description: 'Per example, without the batch axis' }),
      params: Type.Integer({ description: 'Learnable parameters' }),
    }),
  ),
  totalParams: Type.Integer(),
});

const SweepDetail = Type.Intersect([
  SweepSummary,
  Type.Object({
    counts: Type.Record(Type.String(), Type.Integer(), { description: 'Trials per status' }),
    best: Type.Union([TrialSummary, Type.Null()], { description: 'The best trial so far by the objective' }),
    model: Type.Union([ModelSummary, Type.Null()], {
      description:
        "A model workload's layers as torchinfo lists them, for the first trial's model (where the spec sweeps layer options, other trials differ in those); null for the built-in workloads",
    }),
    spec: Type.Unknown({ description: 'The submitted spec, verbatim' }),
  }),
]);

/** POST /v1/sweeps. The body schema documents the spec; the spec validator checks it (request-validation.ts). */
export const createSweepSchema = (workloads: readonly WorkloadInfo[]) => ({
  operationId: 'createSweep',
  tags: ['sweeps'],
  summary: 'Submit a sweep: validate, expand into trials, store and enqueue them',
  description:
    'A list sweeps its values and a scalar is one value; for options whose value is itself a list (betas, milestones, ...) a list of numbers is one value and a list of lists sweeps. The grid is the union over optimizer entries of the product of their lists, times the scheduler entries, times the seeds. Trials with equal configs after defaults are merged. Postgres is the source of truth: the sweep, its trials and their jobs are stored in one transaction (the outbox), so the answer is 201 also when the trial queue (Redis) is down; then `enqueued` is false and the jobs are sent as soon as the queue is back.',
  body: withExamples(
    withProtocolSchema(withSearchSchema(createSweepSpecSchema({ workloads }))),
    createSweepExamples,
  ),
  response: {
    201: withExamples(SweepCreated, sweepCreatedExamples),
    400: errorResponseWithExamples(
      "The spec is invalid: `details` names every problem with a JSON pointer (a misspelt option: the closest valid name). Also what the schema cannot say: torch's rules between options, a grid larger than MAX_TRIALS, a distribution without a random or tpe search, a sampled config among the first `parallelism` that torch would refuse",
      invalidSpecExamples,
    ),
    ...errorResponses([413, 415, ...STORE_ERRORS]),
  },
});

export const listSweepsSchema = {
  operationId: 'listSweeps',
  tags: ['sweeps'],
  summary: 'List sweeps, newest first, with cursor pagination',
  querystring: Type.Object({
    status: Type.Optional(SweepStatus),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
    idPrefix: Type.Optional(
      Type.String({
        pattern: '^[0-9a-fA-F-]{1,36}$',
        description:
          'Only sweeps whose id starts with this (the first characters of an id, as the CLI prints it short): ask with limit=2 to tell one match from several',
        examples: ['d6ba85ee'],
      }),
    ),
  }),
  response: {
    200: Type.Object({
      items: Type.Array(SweepSummary),
      nextCursor: Type.Union([Type.String(), Type.Null()]),
    }),
    ...errorResponses([400, ...STORE_ERRORS]),
  },
};

export const sweepSchema = {
  operationId: 'getSweep',
  tags: ['sweeps'],
  summary: 'A sweep: status, trial counts per status, the best trial, timestamps',
  params: IdParams,
  response: {
    200: SweepDetail,
    ...sweepErrors,
    404: errorResponseWithExamples('No sweep has this id', sweepNotFoundExamples),
  },
};

export const leaderboardSchema = {
  operationId: 'listTrials',
  tags: ['sweeps'],
  summary: "The leaderboard: trials sorted by the sweep's objective, best first",
  params: IdParams,
  querystring: Type.Object({
    status: Type.Optional(TrialStatus),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Trials to skip (cursor pages faster deep in a sweep)',
    }),
    cursor: Type.Optional(
      Type.String({
        description:
          'nextCursor of the previous page: the page after it, at the cost of the first page (JSON only; not with offset)',
      }),
    ),
    format: ResponseFormat('csv: the same rows with one column per swept option'),
  }),
  response: {
    200: csvOrJson(
      Type.Object({
        objective: Objective,
        total: Type.Integer(),
        items: Type.Array(TrialSummary),
        nextCursor: Type.Union([Type.String(), Type.Null()], {
          description: 'Pass as cursor for the next page; null on the last page',
        }),
      }),
      'format=csv: one row per trial, one column per swept option (and the seed)',
    ),
    ...sweepErrors,
  },
};

export const cancelSweepSchema = {
  operationId: 'cancelSweep',
  tags: ['sweeps'],
  summary: 'Cancel a sweep: waiting trials never start, running ones stop within a few steps',
  params: IdParams,
  response: {
    202: withExamples(
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          status: SweepStatus,
          cancelledTrials: Type.Integer({ description: 'Waiting trials cancelled now' }),
          stoppingTrials: Type.Integer({
            description: 'Running trials told to stop; each turns cancelled once its worker has stopped it',
          }),
          ...Handoff,
        },
        { description: 'The sweep is cancelled; running trials stop within a few steps' },
      ),
      cancelledExamples,
    ),
    ...sweepErrors,
    409: errorResponse(
      409,
      'The sweep has already ended (completed, failed or cancelled): nothing to cancel',
    ),
  },
};

export const deleteSweepSchema = {
  operationId: 'deleteSweep',
  tags: ['sweeps'],
  summary: 'Delete a sweep with its trials and metrics (running trials are stopped first)',
  params: IdParams,
  response: { 204: Type.Null({ description: 'Deleted' }), ...sweepErrors },
};

/** Documents the body; request-validation.ts's extensionEnvelopeCheck checks it. */
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

const Extended = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: SweepStatus,
    added: Type.Array(
      Type.Object({ id: Type.String({ format: 'uuid' }), index: Type.Integer(), config: SeedlessConfig }),
      { description: 'The new trials, in grid order' },
    ),
    reused: Type.Integer({ description: 'Cells of the grown grid the sweep already had' }),
    grownBy: Type.Integer({ description: 'Trials the sweep grew by (for a search: samples added x seeds)' }),
    createdBy: StringEnum(['request', 'workers'], {
      description:
        '`request`: the new trials are in `added`; `workers`: a search, whose workers create the new trials (within RECONCILE_EVERY_MS)',
    }),
    trialCount: Type.Integer({ description: 'The grown budget: trials the sweep has or will have' }),
    ...Handoff,
  },
  { description: 'The sweep has grown' },
);

export const extendSweepSchema = {
  operationId: 'extendSweep',
  tags: ['sweeps'],
  summary: 'Grow a sweep: more seeds, optimizers or schedulers; only new cells become trials',
  description:
    "A grid: the fields are added to the sweep's spec (seeds joined, optimizer and scheduler entries appended) and the grid expanded again; a trial equal to one the sweep has (same config hash) is reused, never rerun; the new trials are created and enqueued by this request (`added`). Validation and MAX_TRIALS as for POST /v1/sweeps, on the grown grid. A random or TPE search: only `trials` (seeds, optimizers and schedulers are refused, 400), the number of samples to add; the budget (`trialCount` = samples x seeds) grows by trials x seeds, within MAX_TRIALS, and the stored search settings' `trials` grows by `trials`. Existing samples are kept, never rerun; the new trials are proposed after them by the workers (within RECONCILE_EVERY_MS, as trials of the sweep end), so `added` is empty, `grownBy` says how many trials are to come and `createdBy` is `workers`. Random sample k is the same whether the budget was there from the start or added later. Either way a completed sweep runs again (an SSE `sweep` event tells the dashboard); a cancelled or failed one cannot grow (409). The new trials' jobs and the event are stored with the change (the outbox): with Redis down the answer is still 200, with `enqueued` false, and they are sent when it is back.",
  params: IdParams,
  body: withExamples(ExtendBody, extendSweepExamples),
  response: {
    200: withExamples(Extended, extendedExamples),
    ...sweepErrors,
    400: errorResponse(
      400,
      'The additions are invalid (as for POST /v1/sweeps, on the grown grid), or do not fit the sweep: `trials` on a grid, seeds, optimizers or schedulers on a search',
    ),
    409: errorResponse(409, 'A cancelled or failed sweep cannot grow'),
    ...errorResponses([413, 415]),
  },
};
