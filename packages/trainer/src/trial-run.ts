import { initialSmoothedLoss, type SmoothedLoss, smoothLoss } from '@hypersweep/core';
import { createOptimizer, createScheduler, readableOnHost, registerGradients } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, selectBackend } from './backend.js';
import {
  type Checkpoint,
  captureBuffers,
  captureParameters,
  packFloat32,
  restoreBuffers,
  restoreParameters,
  type SavedParameters,
  unpackFloat32,
} from './checkpoint.js';
import { TrainerError } from './errors.js';
import { loadDatasets } from './loaded-datasets.js';
import { type Best, epochMetric, resolveObjective, updateBest } from './objective.js';
import { toOptimizerParamGroups } from './param-groups.js';
import { RecordBuffer, StoragePipeline } from './record-buffer.js';
import { Rng } from './rng.js';
import { planScheduler, type SchedulerStepping } from './scheduler-plan.js';
import type { EpochRecord, StepRecord, TrialConfig, TrialHooks, TrialResult } from './types.js';
import { getWorkload, resolveWorkloadOptions } from './workloads/index.js';
import type { WorkloadDefinition, WorkloadInstance } from './workloads/types.js';

const DEFAULT_FLUSH = { records: 1000, ms: 1000 };
/** Record batches (and checkpoints) training may run ahead of storage before it waits. */
const DEFAULT_STORAGE_WINDOW = 4;
/**
 * Steps between loss read-backs. Reading a loss waits for the backend to finish the step: on an
 * asynchronous backend (CUDA) that stall is paid once per K steps; wasm and cpu compute synchronously,
 * so a read costs nothing more there and they read every step (measured in the trainer's README). WebGPU
 * queues its work asynchronously like CUDA (a read maps a buffer back), so it reads as node-gpu does.
 */
const DEFAULT_LOSS_READ_EVERY: Record<BackendName, number> = {
  'node-gpu': 32,
  webgpu: 32,
  node: 1,
  wasm: 1,
  cpu: 1,
};

export type Optimizer = ReturnType<typeof createOptimizer>;

interface UnreadStep {
  step: number;
  epoch: number;
  /** A tensor until read back (a number already for LBFGS, whose closure reads it). */
  loss: tf.Scalar | number;
  lrs: number[];
}

/**
 * One trial's state and bookkeeping between its optimizer steps, whoever computes them (runTrial one
 * trial at a time, runPackedTrials K at once): the batch order, step and epoch numbering, loss read-backs
 * and records, schedulers, validation, the objective, checkpoints, abort and divergence. A driver calls
 * `beginStep` (the batch to train on, or false once the trial has stopped), trains that batch with
 * `optimizer`, hands the loss to `endStep`, and at the end `finish` (or `fail`), then `dispose`.
 */
export class TrialRun {
  readonly variables: tf.Variable[];
  private readonly scheduler: ReturnType<typeof createScheduler> | null;
  private readonly stepsPerEpoch: number;
  private readonly totalSteps: number;
  /** Steps trained whose loss has not been read back from the backend yet, oldest first. */
  private readonly unread: UnreadStep[] = [];

  // Position in the run; a checkpoint is exactly this state plus parameters and state dicts.
  private step = 0;
  private epoch = 0;
  private batchInEpoch = 0;
  private orderRng: Rng;
  private epochLossSum = 0;
  private epochSteps = 0;
  private lastLoss = Number.NaN;
  private best: Best = null;
  private epochsDone = 0;
  /** The order RNG's state before it drew the current epoch's order. */
  private epochStartRng: ReturnType<Rng['state']>;
  /** The current epoch's batch order (null without data); undefined until drawn at the epoch's first step. */
  private order: Int32Array | null | undefined = undefined;
  /** The learning rates of the step in progress. */
  private stepLrs: number[] = [];
  private status: TrialResult['status'] | null = null;
  /** An lr range test's smoothed loss (config.stopOnDivergence), null for every other trial. */
  private smoothed: SmoothedLoss | null;

  private constructor(
    private readonly startedAt: number,
    readonly config: TrialConfig,
    private readonly hooks: TrialHooks,
    readonly backend: BackendName,
    readonly definition: WorkloadDefinition,
    private readonly objective: TrialResult['objective'],
    private readonly lossReadEvery: number,
    private readonly storage: StoragePipeline,
    private readonly records: RecordBuffer<StepRecord>,
    readonly workload: WorkloadInstance,
    readonly optimizer: Optimizer,
    private readonly plan: SchedulerStepping | null,
  ) {
    const { epochs, batchSize, maxSteps } = config.training;
    const trainSize = workload.trainSize;
    this.stepsPerEpoch = trainSize === null ? 1 : Math.ceil(trainSize / batchSize);
    this.totalSteps = Math.min(epochs * this.stepsPerEpoch, maxSteps ?? Number.POSITIVE_INFINITY);
    this.scheduler = plan === null ? null : createScheduler(optimizer, plan.spec);
    this.variables = workload.params.map((param) => param.variable);
    this.orderRng = Rng.forStream(config.seed, 'order');
    this.smoothed = config.stopOnDivergence === undefined ? null : initialSmoothedLoss();
    if (hooks.resumeFrom !== undefined) this.resume(hooks.resumeFrom);
    this.epochStartRng = this.orderRng.state();
  }

  /** Validates `config`, selects the backend and builds the trial's workload, optimizer and scheduler. */
  static async open(config: TrialConfig, hooks: TrialHooks): Promise<TrialRun> {
    const startedAt = Date.now();
    const { epochs, batchSize, maxSteps } = validateTraining(config);
    const backend = await selectBackend(hooks.backend);
    // The steps take gradients with tf.variableGrads / tf.grads directly (not computeGradients, which
    // registers them itself): tfjs-core's Node bundle ships no gradient kernels until they are registered.
    registerGradients();
    const definition = getWorkload(config.workload.name);
    const workloadOptions = resolveWorkloadOptions(definition, config.workload.options);
    const hasValidation = definition.validates?.(workloadOptions) ?? definition.hasValidation;
    const objective = resolveObjective(hooks.objective, hasValidation);
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
    const files = definition.datasetFiles?.(workloadOptions) ?? [];
    const loaded = files.length === 0 ? undefined : await loadDatasets(files, hooks.datasetFiles);
    const workload = definition.create(workloadOptions, config.seed, hooks.datasets, loaded);
    let optimizer: Optimizer | undefined;
    try {
      const trainSize = workload.trainSize;
      const stepsPerEpoch = trainSize === null ? 1 : Math.ceil(trainSize / batchSize);
      const totalSteps = Math.min(epochs * stepsPerEpoch, maxSteps ?? Number.POSITIVE_INFINITY);
      const plan = planScheduler(config.scheduler, {
        epochs,
        totalSteps,
        hasValidation,
      });
      optimizer = createOptimizer(workload.params, {
        type: config.optimizer.type,
        options: config.optimizer.options,
        param_groups: toOptimizerParamGroups(config.optimizer.param_groups, workload),
      });
      return new TrialRun(
        startedAt,
        config,
        hooks,
        backend,
        definition,
        objective,
        lossReadEvery,
        storage,
        records,
        workload,
        optimizer,
        plan,
      );
    } catch (error) {
      await records.stored().catch(() => undefined);
      optimizer?.dispose();
      workload.dispose();
      throw error;
    }
  }

  private resume(saved: Checkpoint): void {
    if (saved.version !== 1 && saved.version !== 2) {
      throw new TrainerError(`checkpoint version ${String(saved.version)} is not one this worker reads`);
    }
    if (saved.workload !== this.definition.name || saved.seed !== this.config.seed) {
      throw new TrainerError(`checkpoint belongs to another trial (${saved.workload}, seed ${saved.seed})`);
    }
    restoreParameters(this.workload.params, unpackFloat32(saved.params) as SavedParameters);
    restoreBuffers(this.workload.buffers, saved.buffers);
    // After the scheduler's constructor, as torch resumes: its initial step must not override the restored lrs.
    this.optimizer.loadStateDict(unpackFloat32(saved.optimizer) as never);
    if (this.scheduler !== null) this.scheduler.loadStateDict(saved.scheduler as never);
    ({
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      epochLossSum: this.epochLossSum,
      epochSteps: this.epochSteps,
      best: this.best,
    } = saved);
    this.lastLoss = saved.lastLoss ?? Number.NaN;
    if (this.smoothed !== null && saved.smoothedLoss !== undefined) this.smoothed = { ...saved.smoothedLoss };
    this.orderRng = Rng.fromState(saved.orderRng);
    this.epochsDone = this.epoch;
  }

  /** Steps done so far (counting those before a resumed checkpoint). */
  get stepsDone(): number {
    return this.step;
  }

  /** Whether the trial has steps left and has not stopped. */
  get running(): boolean {
    return this.status === null && this.epoch < this.config.training.epochs && this.step < this.totalSteps;
  }

  /**
   * Starts the next step: the indices of its batch (null for a data-free workload), or false when the
   * trial stops here instead (aborted through its signal: its losses read back, its status set).
   */
  async beginStep(): Promise<Int32Array | null | false> {
    if (this.hooks.signal?.aborted) {
      const read = await this.readLosses();
      this.status ??= read ? 'cancelled' : 'diverged';
      return false;
    }
    if (this.order === undefined) {
      // Each epoch draws its own batch order (an epoch resumed mid-way draws the same one again).
      this.epochStartRng = this.orderRng.state();
      const trainSize = this.workload.trainSize;
      this.order = trainSize === null ? null : this.orderRng.permutation(trainSize);
    }
    this.stepLrs = this.optimizer.paramGroups.map((group) => group.lr);
    const { batchSize } = this.config.training;
    const start = this.batchInEpoch * batchSize;
    return this.order === null ? null : this.order.subarray(start, start + batchSize);
  }

  /**
   * Ends the step begun last with its loss (the batch's, before the update; a tensor the trial now owns):
   * records, scheduler, end of epoch (validation, onEpoch), checkpoint. A non-finite loss ends the trial
   * 'diverged' once it is read back.
   */
  async endStep(loss: tf.Scalar | number): Promise<void> {
    const { hooks, plan } = this;
    this.step += 1;
    this.batchInEpoch += 1;
    this.unread.push({ step: this.step, epoch: this.epoch, loss, lrs: this.stepLrs });
    const epochEnded = this.batchInEpoch === this.stepsPerEpoch || this.step === this.totalSteps;
    const checkpointDue =
      hooks.checkpointEvery !== undefined &&
      hooks.checkpointEvery > 0 &&
      this.step % hooks.checkpointEvery === 0;
    // Epoch ends and checkpoints need every loss so far (train_loss, the checkpoint's state).
    if (this.unread.length >= this.lossReadEvery || epochEnded || checkpointDue) {
      if (!(await this.readLosses())) {
        this.status = 'diverged';
        return;
      }
      // an lr range test stopped by its rule: no scheduler step, epoch end or checkpoint after it
      if (this.status !== null) return;
    }
    if (plan?.interval === 'step') this.scheduler!.step();

    if (epochEnded) {
      const record = await this.endOfEpoch();
      this.best = updateBest(this.best, this.objective, record);
      this.epochsDone = this.epoch + 1;
      const onEpoch = hooks.onEpoch;
      if (onEpoch !== undefined) {
        // Awaited (after the records before it): it may stop the trial (a pruner), and where the
        // trial stops must not depend on how fast storage is.
        await this.storage.enqueue(() => onEpoch(record));
        await this.storage.drain();
      }
      if (plan?.interval === 'epoch') {
        if (plan.monitor === null) this.scheduler!.step();
        else this.scheduler!.step(epochMetric(record, plan.monitor));
      }
      this.epoch += 1;
      this.batchInEpoch = 0;
      this.epochLossSum = 0;
      this.epochSteps = 0;
      this.epochStartRng = this.orderRng.state();
      this.order = undefined;
    }
    if (checkpointDue) await this.saveCheckpoint();
  }

  /** After the last step: the cancellation checkpoint, every record stored, and the result. */
  async finish(): Promise<TrialResult> {
    const status = this.status ?? 'completed';
    // A stopped worker hands its trial back; this checkpoint lets the next one continue from here.
    if (status === 'cancelled') await this.saveCheckpoint();
    await this.records.stored();
    return {
      status,
      stepsDone: this.step,
      epochsDone: this.epochsDone,
      finalLoss: this.lastLoss,
      ...(this.best === null ? {} : { bestValue: this.best.value, bestStep: this.best.step }),
      objective: this.objective,
      backend: this.backend,
      durationMs: Date.now() - this.startedAt,
    };
  }

  /** After a failure: keeps what was trained before it (the original error is what the caller needs). */
  async fail(): Promise<void> {
    await this.records.stored().catch(() => undefined);
  }

  /** Frees the losses not read back, the optimizer and the workload. */
  dispose(): void {
    const unread = this.unread.splice(0);
    for (const entry of unread) if (typeof entry.loss !== 'number') entry.loss.dispose();
    this.optimizer.dispose();
    this.workload.dispose();
  }

  private checkpoint(): Checkpoint {
    return {
      version: 2,
      workload: this.definition.name,
      seed: this.config.seed,
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      orderRng: this.epochStartRng,
      epochLossSum: this.epochLossSum,
      epochSteps: this.epochSteps,
      lastLoss: this.step === 0 ? null : this.lastLoss,
      best: this.best,
      params: packFloat32(captureParameters(this.workload.params)) as Checkpoint['params'],
      ...(this.workload.buffers === undefined
        ? {}
        : { buffers: packFloat32(captureBuffers(this.workload.buffers)) as Checkpoint['params'] }),
      optimizer: packFloat32(this.optimizer.stateDict({ typedArrays: true })),
      scheduler: this.scheduler === null ? null : this.scheduler.stateDict(),
      ...(this.smoothed === null ? {} : { smoothedLoss: { ...this.smoothed } }),
    };
  }

  private async saveCheckpoint(): Promise<void> {
    const onCheckpoint = this.hooks.onCheckpoint;
    if (onCheckpoint === undefined) return;
    // Queued behind the records it implies, so it is stored only once they are: a crash resumes
    // from a checkpoint whose steps are all in storage, never past a gap.
    await this.records.flush();
    await readableOnHost([
      ...this.workload.params.map((param) => param.variable),
      ...Object.values(this.workload.buffers ?? {}),
      ...this.optimizer.stateTensors(),
    ]);
    const saved = this.checkpoint();
    await this.storage.enqueue(() => onCheckpoint(saved));
  }

  /** Reads the unread losses in one transfer and records them; false at a non-finite loss, which ends the trial. */
  private async readLosses(): Promise<boolean> {
    if (this.unread.length === 0) return true;
    const pending = this.unread.splice(0);
    const values = await readScalars(pending.map((entry) => entry.loss));
    for (const [i, entry] of pending.entries()) {
      const loss = values[i]!;
      this.lastLoss = loss;
      await this.records.push({
        step: entry.step,
        epoch: entry.epoch,
        loss,
        lr: entry.lrs[0]!,
        lrs: entry.lrs,
      });
      if (this.smoothed !== null && this.divergedAt(loss)) {
        // An lr range test that blew up (or reached a non-finite loss) is over: completed, the steps
        // trained after this one dropped as below.
        this.step = entry.step;
        this.status = 'completed';
        return true;
      }
      if (!Number.isFinite(loss)) {
        // The steps trained after it are dropped: the trial ends where the sequential loop would have.
        this.step = entry.step;
        return false;
      }
      this.epochLossSum += loss;
      this.epochSteps += 1;
    }
    return true;
  }

  /** Folds a loss into the lr range test's smoothed loss: whether the test stops after this step. */
  private divergedAt(loss: number): boolean {
    const next = smoothLoss(this.smoothed!, loss, this.config.stopOnDivergence!.smoothing);
    this.smoothed = next.state;
    return next.stop;
  }

  private async endOfEpoch(): Promise<EpochRecord> {
    const validation = await this.workload.validate?.();
    const lrs = this.stepLrs;
    return {
      epoch: this.epoch,
      step: this.step,
      trainLoss: this.epochLossSum / this.epochSteps,
      ...(validation === undefined ? {} : { valLoss: validation.loss }),
      ...(validation?.accuracy === undefined ? {} : { valAccuracy: validation.accuracy }),
      lr: lrs[0]!,
      lrs,
    };
  }
}

/**
 * The values of scalar losses, with one read-back for all the tensors among them. Asynchronous (data(), not
 * dataSync()): the webgpu backend in Node can only read a tensor back that way.
 */
async function readScalars(losses: ReadonlyArray<tf.Scalar | number>): Promise<number[]> {
  const tensors = losses.filter((loss): loss is tf.Scalar => typeof loss !== 'number');
  let values: ArrayLike<number> = [];
  if (tensors.length === 1) values = await tensors[0]!.data();
  else if (tensors.length > 1) {
    const stacked = tf.stack(tensors);
    values = await stacked.data();
    stacked.dispose();
  }
  tf.dispose(tensors);
  let next = 0;
  return losses.map((loss) => (typeof loss === 'number' ? loss : values[next++]!));
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
