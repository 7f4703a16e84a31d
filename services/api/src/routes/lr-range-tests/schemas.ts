import {
  createSweepSpecSchema,
  OptimizerSpecSchema,
  TrainingSchema,
  type WorkloadInfo,
} from '@hypersweep/spec';
import { Type } from 'typebox';
import {
  errorResponses,
  errorResponseWithExamples,
  IdParams,
  NullableDate,
  STORE_ERRORS,
  StringEnum,
  SweepStatus,
  TrialStatus,
  withExamples,
} from '../../schemas.js';
import {
  createLrRangeTestExamples,
  invalidLrRangeTestExamples,
  lrRangeTestCreatedExamples,
  lrRangeTestExamples,
  lrRangeTestNotFoundExamples,
} from './examples.js';

const Lr = (description: string, fallback: number) =>
  Type.Number({ exclusiveMinimum: 0, default: fallback, description });

/** A sweep's optimizer entries (one schema per torch class) without `lr`: the range test sets it. */
function withoutLr(schema: unknown): object[] {
  const variants = (schema as { anyOf: Array<{ required?: string[]; properties?: Record<string, unknown> }> })
    .anyOf;
  return variants.map((variant) => {
    const { lr: _lr, ...properties } = variant.properties ?? {};
    return { ...variant, required: (variant.required ?? []).filter((key) => key !== 'lr'), properties };
  });
}

/** The request body (documentation: packages/spec's validateLrRangeTest checks it, with JSON pointers). */
const createLrRangeTestBody = (workloads: readonly WorkloadInfo[]) => {
  const sweep = createSweepSpecSchema({ workloads }) as unknown as { properties: Record<string, unknown> };
  return Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      workload: Type.Unsafe(sweep.properties['workload'] as object),
      training: Type.Optional(
        Type.Unsafe({
          ...(TrainingSchema as object),
          description:
            "The training settings of a sweep (batchSize, ...); epochs and maxSteps are the range test's: giving them is a 400",
        }),
      ),
      optimizer: Type.Unsafe({
        description:
          'One optimizer entry with torch names and single values, without lr (the test sets it); param_groups as in a sweep',
        anyOf: withoutLr(OptimizerSpecSchema),
      }),
      seed: Type.Optional(Type.Integer({ default: 0, description: 'The seed of the one trial' })),
      start_lr: Type.Optional(Lr('The lr of the first step (fastai lr_find: 1e-7)', 1e-7)),
      end_lr: Type.Optional(Lr('Where the ramp ends; must exceed start_lr (fastai: 10)', 10)),
      steps: Type.Optional(
        Type.Integer({
          minimum: 2,
          maximum: 10000,
          default: 100,
          description: 'Steps of the ramp (fastai num_it: 100)',
        }),
      ),
      mode: Type.Optional(
        StringEnum(['exp', 'linear'], {
          default: 'exp',
          description:
            'exp: lr_i = start · (end/start)^(i/steps); linear: lr_i = start + (i/steps) · (end − start) (i from 0, as fastai and Lightning)',
        }),
      ),
      smoothing: Type.Optional(
        Type.Number({
          minimum: 0,
          exclusiveMaximum: 1,
          default: 0.98,
          description:
            'β of the bias-corrected exponential moving average of the loss (fastai Recorder and Lightning: 0.98)',
        }),
      ),
    },
    { additionalProperties: false },
  );
};

const Settings = Type.Object({
  start_lr: Type.Number(),
  end_lr: Type.Number(),
  steps: Type.Integer(),
  mode: StringEnum(['exp', 'linear']),
  smoothing: Type.Number(),
});

const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const LrRangeTestCreated = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The test (a sweep of one trial)' }),
  name: Type.String(),
  status: SweepStatus,
  trialId: Type.String({ format: 'uuid', description: 'Its one trial (GET /v1/trials/:id)' }),
  enqueued: Type.Boolean({
    description: 'Whether its job reached the trial queue before the answer (false: it is in the outbox)',
  }),
  note: Type.Optional(Type.String()),
});

const LrRangeTest = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: SweepStatus,
  settings: Settings,
  trial: Type.Union([
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      status: TrialStatus,
      stepsDone: Type.Integer(),
      error: Type.Union([Type.String(), Type.Null()]),
      backend: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  stoppedEarly: Type.Boolean({
    description: 'The smoothed loss passed 4x its best (or a loss was not finite) before the last step',
  }),
  curve: Type.Array(
    Type.Object({
      step: Type.Integer({ description: 'From 1' }),
      lr: Type.Number({ description: 'The lr the step trained with' }),
      loss: NullableNumber("The step's training loss (null: not finite)"),
      smoothed: NullableNumber('Bias-corrected exponential moving average of the loss (null: not finite)'),
    }),
  ),
  suggestions: Type.Object({
    steep: NullableNumber(
      "fastai's steep: the lr where the smoothed loss falls fastest against log lr (the first steps/10 points and the last 5 left out)",
    ),
    minimum: NullableNumber("fastai's minimum: the lr of the lowest smoothed loss, divided by 10"),
    lrAtMinimum: NullableNumber('The lr of the lowest smoothed loss'),
  }),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: NullableDate,
});

export const createLrRangeTestSchema = (workloads: readonly WorkloadInfo[]) => ({
  operationId: 'createLrRangeTest',
  tags: ['lr-range-tests'],
  summary: 'Start an lr range test: one trial whose lr grows every step, stopped when the loss blows up',
  description:
    "Smith 2017's learning-rate range test, as fastai's and Lightning's lr_find: the workload trains with the optimizer entry, its lr ramped from start_lr towards end_lr (exp or linear) over `steps` steps, and stops once the smoothed loss exceeds 4x its best. It runs as one trial on a worker, queued, checkpointed and taken over like any trial. The workload and the optimizer entry are checked as POST /v1/sweeps checks them.",
  body: withExamples(createLrRangeTestBody(workloads), createLrRangeTestExamples),
  response: {
    201: withExamples(LrRangeTestCreated, lrRangeTestCreatedExamples),
    400: errorResponseWithExamples(
      'The request is invalid: `details` names every problem with a JSON pointer into it (end_lr <= start_lr, steps < 2, an unknown optimizer or option, lr given, ...)',
      invalidLrRangeTestExamples,
    ),
    ...errorResponses([413, 415, ...STORE_ERRORS]),
  },
});

export const lrRangeTestSchema = {
  operationId: 'getLrRangeTest',
  tags: ['lr-range-tests'],
  summary: 'An lr range test: its status, the curve (step, lr, loss, smoothed loss) and the suggested lrs',
  params: IdParams,
  response: {
    200: withExamples(LrRangeTest, lrRangeTestExamples),
    404: errorResponseWithExamples('No lr range test has this id', lrRangeTestNotFoundExamples),
    ...errorResponses([400, ...STORE_ERRORS]),
  },
};
