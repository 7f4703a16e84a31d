import type { Objective } from '@hypersweep/spec';
import type { BackendChoice, BackendName } from './backend.js';
import type { Checkpoint } from './checkpoint.js';
import type { DatasetCache } from './dataset-cache.js';
import type { DatasetFiles } from './workloads/types.js';

// The trial config and the objective are the sweep spec's (one declaration each, in @hypersweep/spec).
export type { Objective, ObjectiveMetric, TrialConfig } from '@hypersweep/spec';

/**
 * One optimizer step. `step` counts optimizer steps from 1 (the first step is 1, the last equals
 * `TrialResult.stepsDone`); `epoch` counts from 0. `loss` is the training loss of the batch
 * evaluated before the update (for LBFGS the value `step(closure)` returned, as in torch);
 * `lr` / `lrs` are the learning rates that update used (group 0 / every group), i.e. the values
 * before the scheduler stepped: previewSchedule's row `step - 1` for a per-step scheduler, row `epoch`
 * for a per-epoch one.
 */
export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  lrs: number[];
}

/** End of one epoch (also written for a last epoch cut short by `maxSteps`). */
export interface EpochRecord {
  epoch: number;
  /** The step the epoch ended at (same numbering as StepRecord.step). */
  step: number;
  /** Mean of the epoch's step losses. */
  trainLoss: number;
  /** Present when the workload has a validation set. */
  valLoss?: number;
  valAccuracy?: number;
  /** Group 0's learning rate during the epoch's last step, and every group's. */
  lr: number;
  lrs: number[];
}

export interface TrialHooks {
  /**
   * Receives step records in order, in batches (never one call per step), one call at a time. Training
   * goes on while a call runs and waits only when `storageWindow` batches are unacknowledged.
   */
  sink(records: StepRecord[]): Promise<void> | void;
  onEpoch?(record: EpochRecord): Promise<void> | void;
  /** Called every `checkpointEvery` steps and when the trial is cancelled, after the sink has stored every record up to it. */
  onCheckpoint?(checkpoint: Checkpoint): Promise<void> | void;
  /** Checked before every step; the trial ends 'cancelled' at the next step boundary. */
  signal?: AbortSignal;
  /** Steps between checkpoints; 0 or absent: no periodic checkpoints. */
  checkpointEvery?: number;
  /** Continue a trial from a checkpoint of the same config. */
  resumeFrom?: Checkpoint;
  /** Flush records when this many are buffered or this many ms passed since the last flush (default 1000 / 1000). */
  flushEvery?: { records: number; ms: number };
  /**
   * Sink batches and checkpoints handed out and not yet acknowledged before training waits for storage
   * (default 4; 0: every call is awaited before the next step).
   */
  storageWindow?: number;
  /** Steps between loss read-backs from the backend (default: 32 on node-gpu, else 1). Records stay per step. */
  lossReadEvery?: number;
  /** Keeps workload datasets on the backend across trials (one cache per training thread). */
  datasets?: DatasetCache;
  /** Uploaded datasets a model workload reads: sha256 -> a file on this machine (the worker fetches them). */
  datasetFiles?: DatasetFiles;
  /** Backend to use (default: TFJS_BACKEND, else auto). */
  backend?: BackendChoice;
  /** Metric whose best epoch value becomes TrialResult.bestValue / bestStep (default val_loss, min). */
  objective?: Objective;
}

export interface TrialResult {
  status: 'completed' | 'diverged' | 'cancelled';
  /** Optimizer steps done, counting those before a resumed checkpoint. */
  stepsDone: number;
  /** Epochs completed (a last epoch cut short by maxSteps counts). */
  epochsDone: number;
  /** Loss of the last step (non-finite when diverged); NaN when no step ran. */
  finalLoss: number;
  /** Best objective value over the epoch records, and the step its epoch ended at. */
  bestValue?: number;
  bestStep?: number;
  objective: Objective;
  backend: BackendName;
  /** Wall time of this run (not counting time before a resume). */
  durationMs: number;
}
