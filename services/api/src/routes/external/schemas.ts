import { MAX_TRAINER_METRICS, trainerMetricPattern } from '@hypersweep/core';
import { Type } from 'typebox';
import { errorResponse, IdParams, STORE_ERRORS, StringEnum, withExamples } from '../../schemas.js';

/**
 * The external-trial protocol (packages/core external-trials.ts): a program outside the service claims a
 * trial of a sweep with `workload.external`, reports its steps and epochs under the lease the claim gave
 * it, and finishes it.
 */

const Token = Type.String({
  format: 'uuid',
  description: "The lease's token from the claim: every report and finish carries it",
});

/** A number, or one of the strings JSON has no number for (a diverged loss). */
const Reported = Type.Union([Type.Number(), StringEnum(['NaN', 'Infinity', '-Infinity'] as const)], {
  description:
    'A number, or "NaN" / "Infinity" / "-Infinity" (JSON has no such numbers): stored as they are, as a diverged loss of the service\'s own trials is; such values never count as a best value and no pruner compares them',
});

const claimedExample = {
  trial: {
    id: '0b9a4c1e-3f7d-4c52-9a7e-2d1f6b8e5a10',
    index: 0,
    config: {
      workload: { name: 'external', options: { model: 'TwoLayerNet' } },
      training: { epochs: 3, batchSize: 64 },
      optimizer: {
        type: 'SGD',
        options: { lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 0, nesterov: false, maximize: false },
      },
      scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.1 }, interval: 'epoch' },
      seed: 0,
    },
    params: null,
    resumeFrom: 0,
  },
  lease: { token: '6f1c2b7a-8d4e-4f3a-b5c6-0e9d8a7b6c54', expiresAt: '2026-12-06T15:01:00.000Z' },
};

export const claimSchema = {
  operationId: 'claimTrial',
  tags: ['external'],
  summary: 'Claim a trial of an external sweep to train it yourself',
  description:
    'Takes the next queued trial of a sweep with `workload.external` (or a running one whose lease ended: its trainer stopped reporting for EXTERNAL_LEASE_MS; it resumes after `resumeFrom`, its last stored step, and counts as lost for TRIAL_MAX_LOST). The lease lasts EXTERNAL_LEASE_MS (default 60 s) from the claim and from every report. 204 with Retry-After when nothing can start now: every trial is running, or a random / tpe search waits on its parallelism.',
  params: IdParams,
  body: withExamples(
    Type.Object(
      {
        worker: Type.String({
          minLength: 1,
          maxLength: 200,
          description: 'Who trains it (shown as the trial workerId)',
        }),
      },
      { additionalProperties: false },
    ),
    { agent: { summary: 'An agent on a GPU box', value: { worker: 'gpu-box-1/agent-4242' } } },
  ),
  response: {
    200: withExamples(
      Type.Object(
        {
          trial: Type.Object({
            id: Type.String({ format: 'uuid' }),
            index: Type.Integer(),
            config: Type.Unknown({
              description:
                "The trial config: workload.options is the spec's external object untouched; optimizer and scheduler in torch's names and options, defaults filled",
            }),
            params: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()], {
              description: 'Sampled parameters of a random / tpe trial, null for a grid',
            }),
            resumeFrom: Type.Integer({
              description: 'The last step stored (0: none): train on from the step after it',
            }),
          }),
          lease: Type.Object({
            token: Token,
            expiresAt: Type.String({
              format: 'date-time',
              description: 'When the lease ends unless a report renews it',
            }),
          }),
        },
        { description: 'The trial is yours until the lease ends' },
      ),
      { claimed: { summary: 'A grid trial, first claim', value: claimedExample } },
    ),
    204: Type.Null({ description: 'Nothing can start now: ask again after Retry-After seconds' }),
    400: errorResponse(400, "The sweep is not external (its trials run on the service's workers)"),
    404: errorResponse(404, 'No sweep has this id'),
    409: errorResponse(409, 'The sweep has ended (completed, failed or cancelled): nothing more to claim'),
    ...Object.fromEntries(STORE_ERRORS.map((status) => [status, errorResponse(status)])),
  },
};

const Step = Type.Object(
  {
    step: Type.Integer({ minimum: 1, description: 'Optimizer steps done, counted from 1' }),
    loss: Reported,
    lr: Type.Number({ description: 'The learning rate of param group 0 at this step' }),
    lrs: Type.Optional(
      Type.Array(Type.Number(), {
        minItems: 1,
        description: "Every param group's learning rate (the same count at every step); default [lr]",
      }),
    ),
  },
  { additionalProperties: false },
);

const Epoch = Type.Object(
  {
    epoch: Type.Integer({ minimum: 1 }),
    train_loss: Reported,
    val_loss: Type.Optional(Reported),
    val_accuracy: Type.Optional(Reported),
    lr: Type.Optional(Type.Number({ description: "Default: the last step's lr" })),
  },
  {
    additionalProperties: Reported,
    propertyNames: { pattern: trainerMetricPattern.source },
    maxProperties: 5 + MAX_TRAINER_METRICS,
    description: `One epoch's metrics: the sweep's objective is one of them, and its pruner judges it. Besides train_loss, val_loss and val_accuracy, an epoch may carry up to ${MAX_TRAINER_METRICS} metrics of the trainer's own, named like val_bleu (${trainerMetricPattern.source}); a sweep's objective may name one.`,
  },
);

export const reportSchema = {
  operationId: 'reportTrial',
  tags: ['external'],
  summary: 'Report steps and epochs of a claimed trial; renews its lease and says whether to stop',
  description:
    "Steps already stored are ignored (a retried report stores nothing twice); within one report steps and epochs must increase. The sweep's pruner judges each new epoch as it judges the service's own trials: a pruned trial ends now and the answer says stop (as it does when the sweep was cancelled). A token that does not hold the trial (another trainer's, or one whose lease ran out and was claimed again) is a 409 and stores nothing.",
  params: IdParams,
  body: withExamples(
    Type.Object(
      {
        token: Token,
        steps: Type.Optional(Type.Array(Step, { maxItems: 100_000 })),
        epochs: Type.Optional(Type.Array(Epoch, { maxItems: 10_000 })),
      },
      { additionalProperties: false },
    ),
    {
      steps: {
        summary: 'Three steps',
        value: {
          token: '6f1c2b7a-8d4e-4f3a-b5c6-0e9d8a7b6c54',
          steps: [
            { step: 1, loss: 2.31, lr: 0.1 },
            { step: 2, loss: 2.05, lr: 0.1 },
            { step: 3, loss: 'NaN', lr: 0.1 },
          ],
        },
      },
      epoch: {
        summary: 'The end of an epoch',
        value: {
          token: '6f1c2b7a-8d4e-4f3a-b5c6-0e9d8a7b6c54',
          steps: [{ step: 16, loss: 0.41, lr: 0.1, lrs: [0.1, 0.05] }],
          epochs: [{ epoch: 1, train_loss: 0.52, val_loss: 0.47, val_accuracy: 0.88 }],
        },
      },
    },
  ),
  response: {
    200: withExamples(
      Type.Object(
        {
          stop: Type.Boolean({
            description: 'true: stop training now (the trial has ended; do not finish it)',
          }),
          reason: Type.Optional(StringEnum(['pruned', 'cancelled'] as const)),
          stored: Type.Integer({
            description: 'Steps of this report stored now (those stored before are ignored)',
          }),
        },
        { description: 'Stored; the lease runs EXTERNAL_LEASE_MS from now' },
      ),
      {
        goOn: { summary: 'Go on', value: { stop: false, stored: 3 } },
        pruned: { summary: 'Pruned', value: { stop: true, reason: 'pruned', stored: 1 } },
      },
    ),
    400: errorResponse(
      400,
      'Steps or epochs out of order or repeated within the report, or a malformed body',
    ),
    404: errorResponse(404, 'No trial has this id'),
    409: errorResponse(
      409,
      "The token does not hold the trial (stale or another trial's), or the trial has ended",
    ),
    ...Object.fromEntries(STORE_ERRORS.map((status) => [status, errorResponse(status)])),
  },
};

export const finishSchema = {
  operationId: 'finishTrial',
  tags: ['external'],
  summary: 'End a claimed trial: completed or failed',
  description:
    'A failed trial with attempts left (TRIAL_ATTEMPTS, default 3) is queued again for another claim (`retried`). The same finish again with the same token is answered 200 as the first; another outcome, or another token, is a 409.',
  params: IdParams,
  body: withExamples(
    Type.Object(
      {
        token: Token,
        status: StringEnum(['completed', 'failed'] as const),
        error: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
      },
      { additionalProperties: false },
    ),
    {
      completed: {
        summary: 'Trained to the end',
        value: { token: '6f1c2b7a-8d4e-4f3a-b5c6-0e9d8a7b6c54', status: 'completed' },
      },
      failed: {
        summary: 'The script crashed',
        value: {
          token: '6f1c2b7a-8d4e-4f3a-b5c6-0e9d8a7b6c54',
          status: 'failed',
          error: 'exit status 1',
        },
      },
    },
  ),
  response: {
    200: withExamples(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        status: StringEnum(['completed', 'failed'] as const),
        retried: Type.Boolean({ description: 'A failed trial went back to queued for its next attempt' }),
      }),
      {
        completed: {
          summary: 'Completed',
          value: { id: '0b9a4c1e-3f7d-4c52-9a7e-2d1f6b8e5a10', status: 'completed', retried: false },
        },
      },
    ),
    404: errorResponse(404, 'No trial has this id'),
    409: errorResponse(
      409,
      'The token does not hold the trial, or it ended otherwise (pruned, cancelled, finished differently)',
    ),
    ...Object.fromEntries(STORE_ERRORS.map((status) => [status, errorResponse(status)])),
  },
};

export const handBackSchema = {
  operationId: 'handBackTrial',
  tags: ['external'],
  summary: 'Give a claimed trial back unfinished (the agent on Ctrl-C): the next claim resumes it',
  params: IdParams,
  body: withExamples(Type.Object({ token: Token }, { additionalProperties: false }), {
    handBack: { summary: 'Hand back', value: { token: '6f1c2b7a-8d4e-4f3a-b5c6-0e9d8a7b6c54' } },
  }),
  response: {
    200: withExamples(
      Type.Object({ id: Type.String({ format: 'uuid' }), status: StringEnum(['queued'] as const) }),
      {
        queued: {
          summary: 'Queued again',
          value: { id: '0b9a4c1e-3f7d-4c52-9a7e-2d1f6b8e5a10', status: 'queued' },
        },
      },
    ),
    404: errorResponse(404, 'No trial has this id'),
    409: errorResponse(409, 'The token does not hold the trial, or it has ended'),
    ...Object.fromEntries(STORE_ERRORS.map((status) => [status, errorResponse(status)])),
  },
};
