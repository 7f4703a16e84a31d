import { setImmediate as nextTurn } from 'node:timers/promises';
import { computeGradients, LBFGS } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { type Optimizer, TrialRun } from './trial-run.js';
import type { TrialConfig, TrialHooks, TrialResult } from './types.js';
import type { WorkloadInstance } from './workloads/types.js';

/**
 * Trains one trial: for each epoch, for each batch, torch's loop
 * `loss = optimizer.step(closure)` (the closure recomputes the gradients, so LBFGS and every
 * other optimizer share it, as in https://pytorch.org/docs/1.13/optim.html#optimizer-step-closure),
 * then the scheduler on its interval; at each epoch's end validation and the epoch scheduler
 * step. Every random choice comes from `config.seed`, so a config gives the same run bit for bit
 * on the same backend, and a checkpoint resumes it exactly.
 */
export async function runTrial(config: TrialConfig, hooks: TrialHooks): Promise<TrialResult> {
  const trial = await TrialRun.open(config, hooks);
  try {
    while (trial.running) {
      // Lets timers and I/O (abort, SIGTERM, the sink's socket) run between synchronous steps.
      await nextTurn();
      const indices = await trial.beginStep();
      if (indices === false) break;
      await trial.endStep(
        trainStep(trial.workload, trial.optimizer, trial.variables, indices, trial.stepsDone + 1),
      );
    }
    return await trial.finish();
  } catch (error) {
    await trial.fail();
    throw error;
  } finally {
    trial.dispose();
  }
}

/** One optimizer step on one batch; returns the batch's loss before the update, still on the backend. */
function trainStep(
  workload: WorkloadInstance,
  optimizer: Optimizer,
  variables: tf.Variable[],
  indices: Int32Array | null,
  step: number,
): tf.Scalar | number {
  const batch = workload.batch(indices);
  try {
    if (optimizer instanceof LBFGS) {
      // LBFGS calls the closure several times and, like torch, returns the first evaluation.
      let firstLoss: number | undefined;
      optimizer.step(() => {
        const loss = computeGradients(workload.params, () => workload.loss(batch, step));
        firstLoss ??= loss;
        return loss;
      });
      if (firstLoss === undefined) throw new Error('LBFGS did not evaluate the closure');
      return firstLoss;
    }
    // Every other optimizer uses the gradients once, as `step(closure)` would, but the loss stays a
    // tensor: reading it waits for the backend, which the caller does once per several steps.
    const { value, grads } = tf.variableGrads(() => workload.loss(batch, step), variables);
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
