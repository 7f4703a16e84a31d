import type {
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
}

/** Main thread -> training thread. */
export type ToThread =
  | { type: 'run'; config: TrialConfig; options: PoolRunOptions }
  | { type: 'abort'; reason: string }
  | { type: 'ack'; callId: number; error?: string };

/** Training thread -> main thread. Hook calls wait for their ack, so the database paces training. */
export type FromThread =
  | { type: 'call'; callId: number; hook: 'sink'; payload: StepRecord[] }
  | { type: 'call'; callId: number; hook: 'epoch'; payload: EpochRecord }
  | { type: 'call'; callId: number; hook: 'checkpoint'; payload: Checkpoint }
  | { type: 'done'; result: TrialResult }
  | { type: 'error'; name: string; message: string };
