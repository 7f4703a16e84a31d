import type {
  Checkpoint,
  EpochRecord,
  StepRecord,
  TrialConfig,
  TrialHooks,
  TrialResult,
} from '../src/index.js';
import { runTrial } from '../src/index.js';

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

/** Runs a trial and keeps everything it reports (checkpoints through a JSON round trip, as a database would). */
export async function record(config: TrialConfig, hooks: Partial<TrialHooks> = {}): Promise<Recorded> {
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  const checkpoints: Checkpoint[] = [];
  let sinkCalls = 0;
  const result = await runTrial(config, {
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
  });
  return { result, steps, sinkCalls, epochs, checkpoints };
}
