import {
  OptimError,
  optimizerCatalog,
  previewSchedule,
  resolveOptimizerOptions,
  type SchedulePreviewInput,
  schedulerCatalog,
  validateSchedulerSpec,
} from '@hypersweep/optim';
import { layerCatalog, lossCatalog, type ModelCatalogEntry, type WorkloadInfo } from '@hypersweep/spec';
import { HttpError } from '../errors.js';

/** The torch.nn layers and losses a model may use, by type (they never change: built once). */
const byType = (entries: ModelCatalogEntry[]) =>
  Object.fromEntries(entries.map((entry) => [entry.type, entry]));
const layers = byType(layerCatalog());
const losses = byType(lossCatalog());

/** GET /v1/catalog: every optimizer, scheduler, workload, layer and loss (its plain data) by name. */
export function catalogView(workloads: readonly WorkloadInfo[]) {
  return {
    optimizers: optimizerCatalog,
    schedulers: schedulerCatalog,
    layers,
    losses,
    workloads: Object.fromEntries(
      workloads.map((w) => [
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
  };
}

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

/** POST /v1/schedules/preview: the curves, or a 400 pointing into the body at what torch would refuse. */
export function previewWithErrorPaths(body: SchedulePreviewInput) {
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
}
