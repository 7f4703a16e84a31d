import { setImmediate as nextTurn } from 'node:timers/promises';
import { computeGradients, createOptimizer, createScheduler } from '@hypersweep/optim';
import { selectBackend } from './backend.js';
import { type Checkpoint, captureParameters, restoreParameters } from './checkpoint.js';
import { TrainerError } from './errors.js';
import { type Best, epochMetric, resolveObjective, updateBest } from './objective.js';
import { toOptimizerParamGroups } from './param-groups.js';
import { RecordBuffer } from './record-buffer.js';
import { Rng } from './rng.js';
import { planScheduler } from './scheduler-plan.js';
import type { EpochRecord, StepRecord, TrialConfig, TrialHooks, TrialResult } from './types.js';
import { getWorkload, resolveWorkloadOptions } from './workloads/index.js';
import type { WorkloadInstance } from './workloads/types.js';

const DEFAULT_FLUSH = { records: 1000, ms: 1000 };

/**
 * Trains one trial: for each epoch, for each batch, torch's loop
 * `loss = optimizer.step(closure)` (the closure recomputes the gradients, so LBFGS and every
 * other optimizer share it, as in https://pytorch.org/docs/1.13/optim.html#optimizer-step-closure),
 * then the scheduler on its interval; at each epoch's end validation and the epoch scheduler
 * step. Every random choice comes from `config.seed`, so a config gives the same run bit for bit
 * on the same backend, and a checkpoint resumes it exactly.
 */
export async function runTrial(config: TrialConfig, hooks: TrialHooks): Promise<TrialResult> {
  const startedAt = Date.now();
  const { epochs, batchSize, maxSteps } = validateTraining(config);
  const backend = await selectBackend(hooks.backend);
  const definition = getWorkload(config.workload.name);
  const workloadOptions = resolveWorkloadOptions(definition, config.workload.options);
  const objective = resolveObjective(hooks.objective, definition.hasValidation);
  const records = new RecordBuffer<StepRecord>(
    (batch) => hooks.sink(batch),
    hooks.flushEvery ?? DEFAULT_FLUSH,
  );
  const workload = definition.create(workloadOptions, config.seed);
  let optimizer: ReturnType<typeof createOptimizer> | undefined;
  try {
    const trainSize = workload.trainSize;
    const stepsPerEpoch = trainSize === null ? 1 : Math.ceil(trainSize / batchSize);
    const totalSteps = Math.min(epochs * stepsPerEpoch, maxSteps ?? Number.POSITIVE_INFINITY);
    const plan = planScheduler(config.scheduler, {
      epochs,
      totalSteps,
      hasValidation: definition.hasValidation,
    });
    optimizer = createOptimizer(workload.params, {
      type: config.optimizer.type,
      options: config.optimizer.options,
      param_groups: toOptimizerParamGroups(config.optimizer.param_groups, workload),
    });
    const scheduler = plan === null ? null : createScheduler(optimizer, plan.spec);
    const groupLrs = () => optimizer!.paramGroups.map((group) => group.lr);

    // Position in the run; a checkpoint is exactly this state plus parameters and state dicts.
    let step = 0;
    let epoch = 0;
    let batchInEpoch = 0;
    let orderRng = Rng.forStream(config.seed, 'order');
    let epochLossSum = 0;
    let epochSteps = 0;
    let lastLoss = Number.NaN;
    let best: Best = null;
    let epochsDone = 0;

    if (hooks.resumeFrom !== undefined) {
      const saved = hooks.resumeFrom;
      if (saved.version !== 1 || saved.workload !== definition.name || saved.seed !== config.seed) {
        throw new TrainerError(`checkpoint belongs to another trial (${saved.workload}, seed ${saved.seed})`);
      }
      restoreParameters(workload.params, saved.params);
      // After the scheduler's constructor, as torch resumes: its initial step must not override the restored lrs.
      optimizer.loadStateDict(saved.optimizer as never);
      if (scheduler !== null) scheduler.loadStateDict(saved.scheduler as never);
      ({ step, epoch, batchInEpoch, epochLossSum, epochSteps, best } = saved);
      lastLoss = saved.lastLoss ?? Number.NaN;
      orderRng = Rng.fromState(saved.orderRng);
      epochsDone = epoch;
    }

    let epochStartRng = orderRng.state();
    const checkpoint = (): Checkpoint => ({
      version: 1,
      workload: definition.name,
      seed: config.seed,
      step,
      epoch,
      batchInEpoch,
      orderRng: epochStartRng,
      epochLossSum,
      epochSteps,
      lastLoss: step === 0 ? null : lastLoss,
      best,
      params: captureParameters(workload.params),
      optimizer: optimizer!.stateDict(),
      scheduler: scheduler === null ? null : scheduler.stateDict(),
    });
    const saveCheckpoint = async () => {
      if (hooks.onCheckpoint === undefined) return;
      await records.flush(); // a checkpoint never runs ahead of the records it implies
      await hooks.onCheckpoint(checkpoint());
    };

    let status: TrialResult['status'] = 'completed';
    training: while (epoch < epochs && step < totalSteps) {
      epochStartRng = orderRng.state();
      const order = trainSize === null ? null : orderRng.permutation(trainSize);
      for (; batchInEpoch < stepsPerEpoch && step < totalSteps; ) {
        // Lets timers and I/O (abort, SIGTERM, the sink's socket) run between synchronous steps.
        await nextTurn();
        if (hooks.signal?.aborted) {
          status = 'cancelled';
          break training;
        }
        const indices =
          order === null ? null : order.subarray(batchInEpoch * batchSize, (batchInEpoch + 1) * batchSize);
        const lrs = groupLrs();
        const loss = trainStep(workload, optimizer, indices);
        step += 1;
        batchInEpoch += 1;
        lastLoss = loss;
        await records.push({ step, epoch, loss, lr: lrs[0]!, lrs });
        if (!Number.isFinite(loss)) {
          status = 'diverged';
          break training;
        }
        epochLossSum += loss;
        epochSteps += 1;
        if (plan?.interval === 'step') scheduler!.step();

        const epochEnded = batchInEpoch === stepsPerEpoch || step === totalSteps;
        if (epochEnded) {
          const record = endOfEpoch(workload, { epoch, step, epochLossSum, epochSteps, lrs });
          best = updateBest(best, objective, record);
          epochsDone = epoch + 1;
          await hooks.onEpoch?.(record);
          if (plan?.interval === 'epoch') {
            if (plan.monitor === null) scheduler!.step();
            else scheduler!.step(epochMetric(record, plan.monitor));
          }
          epoch += 1;
          batchInEpoch = 0;
          epochLossSum = 0;
          epochSteps = 0;
          epochStartRng = orderRng.state();
        }
        if (
          hooks.checkpointEvery !== undefined &&
          hooks.checkpointEvery > 0 &&
          step % hooks.checkpointEvery === 0
        ) {
          await saveCheckpoint();
        }
        if (epochEnded) continue training; // the next epoch draws its own batch order
      }
    }
    await records.flush();
    // A stopped worker hands its trial back; this checkpoint lets the next one continue from here.
    if (status === 'cancelled') await saveCheckpoint();

    return {
      status,
      stepsDone: step,
      epochsDone,
      finalLoss: lastLoss,
      ...(best === null ? {} : { bestValue: best.value, bestStep: best.step }),
      objective,
      backend,
      durationMs: Date.now() - startedAt,
    };
  } catch (error) {
    // Keep what was trained before the failure; the original error is what the caller needs.
    await records.flush().catch(() => undefined);
    throw error;
  } finally {
    optimizer?.dispose();
    workload.dispose();
  }
}

/** One optimizer step on one batch; returns the batch's loss before the update. */
function trainStep(
  workload: WorkloadInstance,
  optimizer: ReturnType<typeof createOptimizer>,
  indices: Int32Array | null,
): number {
  const batch = workload.batch(indices);
  try {
    // LBFGS calls the closure several times and, like torch, returns the first evaluation.
    let firstLoss: number | undefined;
    optimizer.step(() => {
      const loss = computeGradients(workload.params, () => workload.loss(batch));
      firstLoss ??= loss;
      return loss;
    });
    if (firstLoss === undefined)
      throw new Error(`optimizer ${optimizer.constructor.name} did not evaluate the closure`);
    return firstLoss;
  } finally {
    if (batch !== null) {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
}

function endOfEpoch(
  workload: WorkloadInstance,
  at: { epoch: number; step: number; epochLossSum: number; epochSteps: number; lrs: number[] },
): EpochRecord {
  const validation = workload.validate?.();
  return {
    epoch: at.epoch,
    step: at.step,
    trainLoss: at.epochLossSum / at.epochSteps,
    ...(validation === undefined ? {} : { valLoss: validation.loss }),
    ...(validation?.accuracy === undefined ? {} : { valAccuracy: validation.accuracy }),
    lr: at.lrs[0]!,
    lrs: at.lrs,
  };
}

function validateTraining(config: TrialConfig): TrialConfig['training'] {
  const { epochs, batchSize, maxSteps } = config.training;
  const positiveInteger = (value: unknown, path: string) => {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new TrainerError(
        `${path.replaceAll('/', '.')} must be a positive integer, got ${String(value)}`,
        path,
      );
    }
  };
  positiveInteger(epochs, 'training/epochs');
  positiveInteger(batchSize, 'training/batchSize');
  if (maxSteps !== undefined) positiveInteger(maxSteps, 'training/maxSteps');
  if (!Number.isSafeInteger(config.seed))
    throw new TrainerError(`seed must be an integer, got ${config.seed}`, 'seed');
  return config.training;
}
