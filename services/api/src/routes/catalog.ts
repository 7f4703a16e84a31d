import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  OptimError,
  optimizerCatalog,
  previewSchedule,
  resolveOptimizerOptions,
  schedulerCatalog,
  validateSchedulerSpec,
} from '@hypersweep/optim';
import { Type } from 'typebox';
import { HttpError } from '../errors.js';
import { errorResponses } from '../schemas.js';

const MAX_PREVIEW_STEPS = 100_000;

const PreviewBody = Type.Object(
  {
    optimizer: Type.Object({
      type: Type.String({ description: 'torch.optim class name', examples: ['SGD'] }),
      options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      group_lrs: Type.Optional(
        Type.Array(Type.Number(), { minItems: 1, description: 'Initial lr of each param group' }),
      ),
    }),
    scheduler: Type.Union([
      Type.Object({
        type: Type.String({ description: 'torch.optim.lr_scheduler class name', examples: ['OneCycleLR'] }),
        options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
      Type.Null(),
    ]),
    steps: Type.Integer({ minimum: 1, maximum: MAX_PREVIEW_STEPS, description: 'Scheduler steps to show' }),
    metrics: Type.Optional(
      Type.Array(Type.Number(), {
        description: 'ReduceLROnPlateau: the metric passed to step(metric) each step',
      }),
    ),
  },
  {
    examples: [
      {
        optimizer: { type: 'SGD', options: { lr: 0.1, momentum: 0.9 } },
        scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1, total_steps: 100 } },
        steps: 100,
      },
    ],
  },
);

const Series = Type.Array(Type.Array(Type.Number()), {
  description: 'One row per step, one value per param group',
});

/** Where an OptimError's `path` (an option name, `type`, or absent) points in the preview body. */
const under = (base: string) => (path: string | undefined) =>
  path === undefined ? base : path === 'type' ? `${base}/type` : `${base}/options/${path}`;
/** previewSchedule's own paths are already relative to the body (`scheduler/options/max_lr`, `metrics/3`). */
const inBody = (path: string | undefined) => (path === undefined ? '' : `/${path}`);

/** Runs `fn`; an OptimError becomes a 400 whose JSON pointer `toPointer` makes from the error's path. */
function reportOptimErrors<T>(toPointer: (path: string | undefined) => string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof OptimError)) throw error;
    throw new HttpError(400, error.message, [{ path: toPointer(error.path), message: error.message }]);
  }
}

export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.get(
    '/v1/catalog',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Every optimizer, scheduler and workload with its options, defaults and parameter groups',
        response: {
          200: Type.Object({
            optimizers: Type.Record(Type.String(), Type.Unknown()),
            schedulers: Type.Record(Type.String(), Type.Unknown()),
            workloads: Type.Record(Type.String(), Type.Unknown()),
          }),
        },
      },
    },
    async () => ({
      optimizers: optimizerCatalog,
      schedulers: schedulerCatalog,
      workloads: Object.fromEntries(
        context.workloads.map((w) => [
          w.name,
          {
            name: w.name,
            description: w.description,
            options: w.options,
            paramGroups: w.paramGroups,
            hasValidation: w.hasValidation,
          },
        ]),
      ),
    }),
  );

  app.post(
    '/v1/schedules/preview',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The lr (and momentum / beta1) curve a scheduler gives, without training',
        description:
          "Row i is each group's value before the i-th scheduler.step(), as PyTorch's optimizer sees it during step i.",
        body: PreviewBody,
        response: {
          200: Type.Object({ lrs: Series, momentum: Type.Optional(Series), beta1: Type.Optional(Series) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body;
      // Each half is validated on its own so the error path says which one is wrong.
      reportOptimErrors(under('/optimizer'), () =>
        resolveOptimizerOptions(body.optimizer.type, body.optimizer.options ?? {}),
      );
      const scheduler = body.scheduler;
      if (scheduler)
        reportOptimErrors(under('/scheduler'), () =>
          validateSchedulerSpec({ type: scheduler.type, options: scheduler.options ?? {} }),
        );
      return reportOptimErrors(inBody, () => previewSchedule(body));
    },
  );
};
