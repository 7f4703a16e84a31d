import { setImmediate as nextTurn } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from './backend.js';
import { TrainerError } from './errors.js';
import { TrialRun } from './trial-run.js';
import type { TrialConfig, TrialHooks, TrialResult } from './types.js';
import { getWorkload, resolveWorkloadOptions } from './workloads/index.js';
import type { PackedModel } from './workloads/types.js';

/**
 * Whether a worker should pack trials on a backend by default. The purpose is a GPU's throughput (one
 * batched kernel instead of K small ones; not measured in this repository, which has no GPU). On the CPU
 * backends packing is off: bench:train measures it slower on wasm (the stacking copies cost more than the
 * fewer, larger kernels save) and no faster on cpu.
 */
export const packedByDefault: Readonly<Record<BackendName, boolean>> = {
  'node-gpu': true,
  webgpu: true,
  node: false,
  wasm: false,
  cpu: false,
};

export interface PackedTrial {
  config: TrialConfig;
  hooks: TrialHooks;
}

/** How one trial of a pack ended: its result, or the error that ended it alone. */
export type PackedOutcome = PromiseSettledResult<TrialResult>;

/**
 * Trains K trials of the same workload (name and options) and training (epochs, batchSize, maxSteps) as one
 * batched program: each step stacks the K trials' batches (each from its own seeded order and data) to
 * [K, batch, ...] and their parameters to [K, ...], runs the network as batched matmuls, and takes the
 * gradient of the sum of the K losses, whose slice k is trial k's own gradient; then every trial steps its
 * own optimizer and scheduler. On a GPU that is one kernel where runTrial launches K small ones; on the CPU
 * backends it is not faster, so nothing packs there by default ({@link packedByDefault}).
 *
 * Seeds, optimizers (any but LBFGS, whose closure re-evaluates the loss), their param groups, schedulers,
 * objectives and hooks may differ. Each trial sees exactly what runTrial would give it: the same step and
 * epoch records, objective, checkpoints (runTrial resumes them), abort through its own signal (it leaves the
 * pack with its checkpoint, the others go on) and divergence (it ends 'diverged', the others go on). On
 * tfjs-backend-cpu and tfjs-backend-wasm the records and parameters equal runTrial's bit for bit
 * (test/packed.test.ts).
 *
 * Outcomes come in the order of `trials`. What would make runTrial throw (a config its optimizer refuses,
 * a failing sink, onEpoch or onCheckpoint) ends that trial alone, 'rejected' with the error, and the others
 * go on. Trials that cannot pack together ({@link packKey} differs) are refused with a TrainerError whose
 * path names the field that differs; an error of the pack's own program rejects the whole call.
 */
export async function runPackedTrials(trials: readonly PackedTrial[]): Promise<PackedOutcome[]> {
  checkPackable(trials);
  const outcomes: PackedOutcome[] = [];
  /** The trials still training, by index in `trials`. */
  const runs = new Map<number, TrialRun>();
  const end = (index: number, outcome: PackedOutcome) => {
    outcomes[index] = outcome;
    runs.get(index)?.dispose();
    runs.delete(index);
  };
  const failed = async (index: number, reason: unknown) => {
    await runs.get(index)?.fail();
    end(index, { status: 'rejected', reason });
  };
  try {
    for (const [index, { config, hooks }] of trials.entries()) {
      try {
        runs.set(index, await TrialRun.open(config, hooks));
      } catch (reason) {
        end(index, { status: 'rejected', reason });
      }
    }
    const model = runs.values().next().value?.workload.packed;
    for (;;) {
      // Lets timers and I/O (abort, SIGTERM, the sinks' sockets) run between synchronous steps.
      await nextTurn();
      const stepping: Array<{ index: number; run: TrialRun; batch: Int32Array }> = [];
      for (const [index, run] of runs) {
        try {
          const batch = run.running ? await run.beginStep() : false;
          if (batch === false) end(index, { status: 'fulfilled', value: await run.finish() });
          else stepping.push({ index, run, batch: batch! });
        } catch (reason) {
          await failed(index, reason);
        }
      }
      if (stepping.length === 0) break;
      const losses = packedStep(
        model!,
        stepping.map(({ run }) => run),
        stepping.map(({ batch }) => batch),
      );
      for (const [k, { index, run }] of stepping.entries()) {
        try {
          await run.endStep(losses[k]!);
        } catch (reason) {
          await failed(index, reason);
        }
      }
    }
    return outcomes;
  } catch (error) {
    for (const run of runs.values()) await run.fail();
    throw error;
  } finally {
    for (const run of runs.values()) run.dispose();
  }
}

/**
 * One optimizer step of every trial in `runs` on its batch `indices[k]`, as one program; returns each
 * trial's loss (before its update, a scalar still on the backend).
 */
function packedStep(
  model: PackedModel,
  runs: readonly TrialRun[],
  indices: readonly Int32Array[],
): tf.Scalar[] {
  const batches = runs.map((run, k) => run.workload.batch(indices[k]!)!);
  let losses: tf.Tensor | undefined;
  try {
    const grads = tf.tidy(() => {
      const x = tf.stack(batches.map((batch) => batch.x));
      const y = tf.stack(batches.map((batch) => batch.y));
      const weights = runs[0]!.variables.map((_, j) => tf.stack(runs.map((run) => run.variables[j]!)));
      // d(sum of the K losses) / d(stacked weights): slice k is trial k's own gradient (nothing mixes trials).
      return tf.grads((...stacked: tf.Tensor[]) => {
        losses = tf.keep(model.loss(model.forward(x, stacked), y));
        return tf.sum(losses);
      })(weights);
    });
    for (const [j, grad] of grads.entries()) {
      const perTrial = tf.unstack(grad);
      grad.dispose();
      for (const [k, run] of runs.entries()) {
        const param = run.workload.params[j]!;
        param.clearGrad();
        param.grad = perTrial[k]!;
      }
    }
    for (const run of runs) run.optimizer.step();
    return tf.unstack(losses!) as tf.Scalar[];
  } finally {
    losses?.dispose();
    for (const batch of batches) tf.dispose([batch.x, batch.y]);
  }
}

/** The fields whose values trials must share to pack, in the order they are compared, as [path, value]. */
type PackTerms = Array<readonly [path: string, value: unknown]>;

/** What a trial must share with the others of its pack, or why it cannot pack at all. */
function packTerms(
  config: TrialConfig,
  hooks: Pick<TrialHooks, 'backend' | 'resumeFrom'>,
): PackTerms | { path: string; why: string } {
  if (config.optimizer.type === 'LBFGS')
    return { path: 'optimizer/type', why: 'is LBFGS, whose closure re-evaluates the loss' };
  const definition = getWorkload(config.workload.name);
  if (!definition.packable)
    return {
      path: 'workload/name',
      why: `is ${definition.name}, which has no dense network to stack (only supervised dense workloads pack)`,
    };
  const options = resolveWorkloadOptions(definition, config.workload.options);
  const unpackable = definition.unpackable?.(options) ?? null;
  if (unpackable !== null) return { path: 'workload/options/model', why: `cannot pack: ${unpackable}` };
  return [
    ['workload/name', definition.name],
    ...Object.keys(options)
      .sort()
      .map((key) => [`workload/options/${key}`, options[key]] as const),
    ['training/epochs', config.training.epochs],
    ['training/batchSize', config.training.batchSize],
    ['training/maxSteps', config.training.maxSteps ?? null],
    ['backend', hooks.backend ?? null],
    // Trials step in lockstep, so their batches have the same size: they must start at the same step.
    ['resumeFrom/step', hooks.resumeFrom?.step ?? 0],
  ];
}

/**
 * Which trials can train together in runPackedTrials: trials with equal keys pack; null for a trial that
 * can only run alone (LBFGS, or a workload that cannot pack). A worker groups its waiting trials by it.
 */
export function packKey(
  config: TrialConfig,
  hooks: Pick<TrialHooks, 'backend' | 'resumeFrom'> = {},
): string | null {
  const terms = packTerms(config, hooks);
  return Array.isArray(terms) ? JSON.stringify(terms) : null;
}

/** Throws a TrainerError naming the first field in which a trial differs from the first one (or cannot pack). */
function checkPackable(trials: readonly PackedTrial[]): void {
  let first: Map<string, string> | undefined;
  for (const [index, { config, hooks }] of trials.entries()) {
    const refuse: (path: string, why?: string) => never = (path, why = 'differs from trial 0') => {
      throw new TrainerError(
        `trials cannot be packed: trial ${index}'s ${path.replaceAll('/', '.')} ${why}`,
        path,
      );
    };
    const terms = packTerms(config, hooks);
    if (!Array.isArray(terms)) refuse(terms.path, terms.why);
    const own = new Map(terms.map(([path, value]) => [path, JSON.stringify(value)]));
    first ??= own;
    for (const path of new Set([...first.keys(), ...own.keys()])) {
      if (own.get(path) !== first.get(path)) refuse(path);
    }
  }
}
