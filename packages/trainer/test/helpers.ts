import type {
  Checkpoint,
  EpochRecord,
  StepRecord,
  TrialConfig,
  TrialHooks,
  TrialResult,
} from '../src/index.js';
import { runPackedTrials, runTrial } from '../src/index.js';

/** A small mnist-mlp trial: 10 steps per epoch, a few ms each on wasm. */
export function mnistTrial(overrides: Partial<TrialConfig> = {}): TrialConfig {
  return {
    workload: { name: 'mnist-mlp', options: { hidden: 16, trainSize: 320, valSize: 64 } },
    training: { epochs: 2, batchSize: 32 },
    optimizer: { type: 'Adam', options: { lr: 0.01 } },
    scheduler: null,
    seed: 1,
    ...overrides,
  };
}

export interface Recorded {
  result: TrialResult;
  steps: StepRecord[];
  sinkCalls: number;
  epochs: EpochRecord[];
  checkpoints: Checkpoint[];
}

/** Hooks that keep everything a trial reports (checkpoints through a JSON round trip, as a database would). */
export function recorder(hooks: Partial<TrialHooks> = {}): {
  hooks: TrialHooks;
  done(result: TrialResult): Recorded;
} {
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  const checkpoints: Checkpoint[] = [];
  let sinkCalls = 0;
  return {
    hooks: {
      flushEvery: { records: 8, ms: 60_000 },
      ...hooks,
      async sink(batch) {
        sinkCalls += 1;
        steps.push(...batch);
        await hooks.sink?.(batch);
      },
      async onEpoch(epoch) {
        epochs.push(epoch);
        await hooks.onEpoch?.(epoch);
      },
      async onCheckpoint(checkpoint) {
        checkpoints.push(JSON.parse(JSON.stringify(checkpoint)));
        await hooks.onCheckpoint?.(checkpoint);
      },
    },
    done: (result) => ({ result, steps, sinkCalls, epochs, checkpoints }),
  };
}

/** Runs a trial and keeps everything it reports (see `recorder`). */
export async function record(config: TrialConfig, hooks: Partial<TrialHooks> = {}): Promise<Recorded> {
  const { hooks: recording, done } = recorder(hooks);
  return done(await runTrial(config, recording));
}

/** Runs trials as one pack and keeps everything each reports. */
export async function recordPacked(
  trials: ReadonlyArray<{ config: TrialConfig; hooks?: Partial<TrialHooks> }>,
): Promise<Recorded[]> {
  const recorders = trials.map((trial) => recorder(trial.hooks));
  const outcomes = await runPackedTrials(
    trials.map((trial, k) => ({ config: trial.config, hooks: recorders[k]!.hooks })),
  );
  return outcomes.map((outcome, k) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return recorders[k]!.done(outcome.value);
  });
}
