import type {
  BackendName,
  Checkpoint,
  EpochRecord,
  Objective,
  StepRecord,
  TrialConfig,
  TrialResult,
} from '@hypersweep/trainer';

/** How the main thread asks a training thread to run a trial. */
export interface PoolRunOptions {
  checkpointEvery: number;
  resumeFrom?: Checkpoint;
  backend: string;
  objective: Objective;
  /** Uploaded datasets the trial reads, fetched to this machine: sha256 -> file. */
  datasetFiles?: Readonly<Record<string, string>>;
}

/** How one trial of a run ended. */
export type ThreadOutcome = { ok: true; result: TrialResult } | { ok: false; name: string; message: string };

/**
 * Main thread -> training thread. A run is one trial (runTrial) or a pack of several (runPackedTrials);
 * `index` is a trial's place in its run.
 */
export type ToThread =
  | { type: 'start'; backend: string }
  | { type: 'run'; trials: Array<{ config: TrialConfig; options: PoolRunOptions }> }
  | { type: 'abort'; index: number; reason: string }
  | { type: 'ack'; callId: number; error?: string };

/** Training thread -> main thread. Hook calls wait for their ack, so the database paces training. */
export type FromThread =
  | { type: 'started'; backend: BackendName; webgpu: string }
  | { type: 'call'; callId: number; index: number; hook: 'sink'; payload: StepRecord[] }
  | { type: 'call'; callId: number; index: number; hook: 'epoch'; payload: EpochRecord }
  | { type: 'call'; callId: number; index: number; hook: 'checkpoint'; payload: Checkpoint }
  | { type: 'done'; outcomes: ThreadOutcome[] }
  | { type: 'error'; name: string; message: string };
