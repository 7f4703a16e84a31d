import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  computeGradients,
  createOptimizer,
  createScheduler,
  LBFGS,
  registerGradients,
} from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, selectBackend } from './backend.js';
import {
  type Checkpoint,
  captureParameters,
  packFloat32,
  restoreParameters,
  type SavedParameters,
  unpackFloat32,
} from './checkpoint.js';
import { TrainerError } from './errors.js';
import { type Best, epochMetric, resolveObjective, updateBest } from './objective.js';
import { toOptimizerParamGroups } from './param-groups.js';
import { RecordBuffer, StoragePipeline } from './record-buffer.js';
import { Rng } from './rng.js';
import { planScheduler } from './scheduler-plan.js';
import type { EpochRecord, StepRecord, TrialConfig, TrialHooks, TrialResult } from './types.js';
import { getWorkload, resolveWorkloadOptions } from './workloads/index.js';
import type { WorkloadInstance } from './workloads/types.js';

const DEFAULT_FLUSH = { records: 1000, ms: 1000 };
/** Record batches (and checkpoints) training may run ahead of storage before it waits. */
const DEFAULT_STORAGE_WINDOW = 4;
/**
 * Steps between loss read-backs. Reading a loss waits for the backend to finish the step: on an
 * asynchronous backend (CUDA) that stall is paid once per K steps; wasm and cpu compute synchronously,
 * so a read costs nothing more there and they read every step (measured in the trainer's README).
 */
const DEFAULT_LOSS_READ_EVERY: Record<BackendName, number> = { 'node-gpu': 32, node: 1, wasm: 1, cpu: 1 };

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
  // The step below takes gradients with tf.variableGrads directly (not computeGradients, which registers
  // them itself): tfjs-core's Node bundle ships no gradient kernels until they are registered.
  registerGradients();
  const definition = getWorkload(config.workload.name);
  const workloadOptions = resolveWorkloadOptions(definition, config.workload.options);
  const objective = resolveObjective(hooks.objective, definition.hasValidation);
  const lossReadEvery = hooks.lossReadEvery ?? DEFAULT_LOSS_READ_EVERY[backend];
  if (!Number.isInteger(lossReadEvery) || lossReadEvery < 1)
    throw new RangeError('lossReadEvery must be an integer >= 1');
  // Records and checkpoints are stored in order, behind training by at most `storageWindow` batches.
  const storage = new StoragePipeline(hooks.storageWindow ?? DEFAULT_STORAGE_WINDOW);
  const records = new RecordBuffer<StepRecord>(
    (batch) => hooks.sink(batch),
    hooks.flushEvery ?? DEFAULT_FLUSH,
    storage,
  );
  const workload = definition.create(workloadOptions, config.seed, hooks.datasets);
  let optimizer: ReturnType<typeof createOptimizer> | undefined;
  // Steps trained whose loss has not been read back from the backend yet, oldest first.
  const unread: UnreadStep[] = [];
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
    const variables = workload.params.map((param) => param.variable);

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
      if (saved.version !== 1 && saved.version !== 2) {
        throw new TrainerError(`checkpoint version ${String(saved.version)} is not one this worker reads`);
      }
      if (saved.workload !== definition.name || saved.seed !== config.seed) {
        throw new TrainerError(`checkpoint belongs to another trial (${saved.workload}, seed ${saved.seed})`);
      }
      restoreParameters(workload.params, unpackFloat32(saved.params) as SavedParameters);
      // After the scheduler's constructor, as torch resumes: its initial step must not override the restored lrs.
      optimizer.loadStateDict(unpackFloat32(saved.optimizer) as never);
      if (scheduler !== null) scheduler.loadStateDict(saved.scheduler as never);
      ({ step, epoch, batchInEpoch, epochLossSum, epochSteps, best } = saved);
      lastLoss = saved.lastLoss ?? Number.NaN;
      orderRng = Rng.fromState(saved.orderRng);
      epochsDone = epoch;
    }

    let epochStartRng = orderRng.state();
    const checkpoint = (): Checkpoint => ({
      version: 2,
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
      params: packFloat32(captureParameters(workload.params)) as Checkpoint['params'],
      optimizer: packFloat32(optimizer!.stateDict({ typedArrays: true })),
      scheduler: scheduler === null ? null : scheduler.stateDict(),
    });
    const saveCheckpoint = async () => {
      const onCheckpoint = hooks.onCheckpoint;
      if (onCheckpoint === undefined) return;
      // Queued behind the records it implies, so it is stored only once they are: a crash resumes
      // from a checkpoint whose steps are all in storage, never past a gap.
      await records.flush();
      const saved = checkpoint();
      await storage.enqueue(() => onCheckpoint(saved));
    };
    /** Reads the unread losses in one transfer and records them; false at a non-finite loss, which ends the trial. */
    const readLosses = async (): Promise<boolean> => {
      if (unread.length === 0) return true;
      const pending = unread.splice(0);
      const values = readScalars(pending.map((entry) => entry.loss));
      for (const [i, entry] of pending.entries()) {
        const loss = values[i]!;
        lastLoss = loss;
        await records.push({ step: entry.step, epoch: entry.epoch, loss, lr: entry.lrs[0]!, lrs: entry.lrs });
        if (!Number.isFinite(loss)) {
          // The steps trained after it are dropped: the trial ends where the sequential loop would have.
          step = entry.step;
          return false;
        }
        epochLossSum += loss;
        epochSteps += 1;
      }
      return true;
    };

    let status: TrialResult['status'] = 'completed';
    training: while (epoch < epochs && step < totalSteps) {
      epochStartRng = orderRng.state();
      const order = trainSize === null ? null : orderRng.permutation(trainSize);
      for (; batchInEpoch < stepsPerEpoch && step < totalSteps; ) {
        // Lets timers and I/O (abort, SIGTERM, the sink's socket) run between synchronous steps.
        await nextTurn();
        if (hooks.signal?.aborted) {
          status = (await readLosses()) ? 'cancelled' : 'diverged';
          break training;
        }
        const indices =
          order === null ? null : order.subarray(batchInEpoch * batchSize, (batchInEpoch + 1) * batchSize);
        const lrs = groupLrs();
        const loss = trainStep(workload, optimizer, variables, indices);
        step += 1;
        batchInEpoch += 1;
        unread.push({ step, epoch, loss, lrs });
        const epochEnded = batchInEpoch === stepsPerEpoch || step === totalSteps;
        const checkpointDue =
          hooks.checkpointEvery !== undefined &&
          hooks.checkpointEvery > 0 &&
          step % hooks.checkpointEvery === 0;
        // Epoch ends and checkpoints need every loss so far (train_loss, the checkpoint's state).
        if (unread.length >= lossReadEvery || epochEnded || checkpointDue) {
          if (!(await readLosses())) {
            status = 'diverged';
            break training;
          }
        }
        if (plan?.interval === 'step') scheduler!.step();

        if (epochEnded) {
          const record = endOfEpoch(workload, { epoch, step, epochLossSum, epochSteps, lrs });
          best = updateBest(best, objective, record);
          epochsDone = epoch + 1;
          const onEpoch = hooks.onEpoch;
          if (onEpoch !== undefined) {
            // Awaited (after the records before it): it may stop the trial (a pruner), and where the
            // trial stops must not depend on how fast storage is.
            await storage.enqueue(() => onEpoch(record));
            await storage.drain();
          }
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
        if (checkpointDue) await saveCheckpoint();
        if (epochEnded) continue training; // the next epoch draws its own batch order
      }
    }
    // A stopped worker hands its trial back; this checkpoint lets the next one continue from here.
    if (status === 'cancelled') await saveCheckpoint();
    await records.stored();

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
    await records.stored().catch(() => undefined);
    throw error;
  } finally {
    tf.dispose(unread.flatMap((entry) => (typeof entry.loss === 'number' ? [] : [entry.loss])));
    optimizer?.dispose();
    workload.dispose();
  }
}

interface UnreadStep {
  step: number;
  epoch: number;
  /** A tensor until read back (a number already for LBFGS, whose closure reads it). */
  loss: tf.Scalar | number;
  lrs: number[];
}

/** One optimizer step on one batch; returns the batch's loss before the update, still on the backend. */
function trainStep(
  workload: WorkloadInstance,
  optimizer: ReturnType<typeof createOptimizer>,
  variables: tf.Variable[],
  indices: Int32Array | null,
): tf.Scalar | number {
  const batch = workload.batch(indices);
  try {
    if (optimizer instanceof LBFGS) {
      // LBFGS calls the closure several times and, like torch, returns the first evaluation.
      let firstLoss: number | undefined;
      optimizer.step(() => {
        const loss = computeGradients(workload.params, () => workload.loss(batch));
        firstLoss ??= loss;
        return loss;
      });
      if (firstLoss === undefined) throw new Error('LBFGS did not evaluate the closure');
      return firstLoss;
    }
    // Every other optimizer uses the gradients once, as `step(closure)` would, but the loss stays a
    // tensor: reading it waits for the backend, which the caller does once per several steps.
    const { value, grads } = tf.variableGrads(() => workload.loss(batch), variables);
    for (const param of workload.params) {
      param.clearGrad();
      param.grad = grads[param.variable.name] ?? null;
    }
    optimizer.step();
    return value;
  } finally {
    if (batch !== null) {
      batch.x.dispose();
      batch.y.dispose();
    }
  }
}

/** The values of scalar losses, with one read-back for all the tensors among them. */
function readScalars(losses: ReadonlyArray<tf.Scalar | number>): number[] {
  const tensors = losses.filter((loss): loss is tf.Scalar => typeof loss !== 'number');
  let values: ArrayLike<number> = [];
  if (tensors.length === 1) values = tensors[0]!.dataSync();
  else if (tensors.length > 1) {
    const stacked = tf.stack(tensors);
    values = stacked.dataSync();
    stacked.dispose();
  }
  tf.dispose(tensors);
  let next = 0;
  return losses.map((loss) => (typeof loss === 'number' ? loss : values[next++]!));
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
