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
  node: false,
  wasm: false,
  cpu: false,
};

export interface PackedTrial {
  config: TrialConfig;
  hooks: TrialHooks;
}

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
 * (test/packed.test.ts). Results come in the order of `trials`. Configs that cannot pack are refused with a
 * TrainerError whose path names the field that differs: run those trials one by one. A failing hook (a
 * sink, onEpoch, onCheckpoint) fails the whole pack, as it fails runTrial.
 */
export async function runPackedTrials(trials: readonly PackedTrial[]): Promise<TrialResult[]> {
  checkPackable(trials);
  const runs: TrialRun[] = [];
  const results: Array<TrialResult | undefined> = trials.map(() => undefined);
  const closed = new Set<TrialRun>();
  const close = async (run: TrialRun, index: number) => {
    results[index] = await run.finish();
    closed.add(run);
    run.dispose();
  };
  try {
    for (const { config, hooks } of trials) runs.push(await TrialRun.open(config, hooks));
    const model = runs[0]?.workload.packed;
    if (runs.length > 0 && model === undefined) {
      throw new TrainerError(
        `workload ${runs[0]!.definition.name} cannot be packed (only supervised dense workloads can)`,
        'workload/name',
      );
    }
    for (;;) {
      // Lets timers and I/O (abort, SIGTERM, the sinks' sockets) run between synchronous steps.
      await nextTurn();
      const stepping: TrialRun[] = [];
      const indices: Int32Array[] = [];
      for (const [index, run] of runs.entries()) {
        if (closed.has(run)) continue;
        const batch = run.running ? await run.beginStep() : false;
        if (batch === false) await close(run, index);
        else {
          stepping.push(run);
          indices.push(batch!);
        }
      }
      if (stepping.length === 0) break;
      const losses = packedStep(model!, stepping, indices);
      for (const [k, run] of stepping.entries()) await run.endStep(losses[k]!);
    }
    return results as TrialResult[];
  } catch (error) {
    for (const run of runs) if (!closed.has(run)) await run.fail();
    throw error;
  } finally {
    for (const run of runs) if (!closed.has(run)) run.dispose();
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

/** Throws a TrainerError naming the first field in which a trial differs from the first one (or cannot pack). */
function checkPackable(trials: readonly PackedTrial[]): void {
  const first = trials[0];
  if (first === undefined) return;
  const definition = getWorkload(first.config.workload.name);
  const options = resolveWorkloadOptions(definition, first.config.workload.options);
  for (const [index, { config, hooks }] of trials.entries()) {
    const refuse = (path: string, why = 'differs from trial 0') => {
      throw new TrainerError(
        `trials cannot be packed: trial ${index}'s ${path.replaceAll('/', '.')} ${why}`,
        path,
      );
    };
    if (config.optimizer.type === 'LBFGS')
      refuse('optimizer/type', 'is LBFGS, whose closure re-evaluates the loss');
    if (config.workload.name !== definition.name) refuse('workload/name');
    const own = resolveWorkloadOptions(definition, config.workload.options);
    for (const key of new Set([...Object.keys(options), ...Object.keys(own)])) {
      if (own[key] !== options[key]) refuse(`workload/options/${key}`);
    }
    for (const key of ['epochs', 'batchSize', 'maxSteps'] as const) {
      if (config.training[key] !== first.config.training[key]) refuse(`training/${key}`);
    }
    if ((hooks.backend ?? null) !== (first.hooks.backend ?? null)) refuse('backend');
    // Trials step in lockstep, so their batches have the same size: they must start at the same step.
    if ((hooks.resumeFrom?.step ?? 0) !== (first.hooks.resumeFrom?.step ?? 0)) refuse('resumeFrom/step');
  }
}
