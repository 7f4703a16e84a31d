import { createOptimizer, type OptimizerSpec } from '../optimizers/create-optimizer.js';
import type { Optimizer, StateJsonValue } from '../optimizers/optimizer.js';
import { createScheduler } from '../schedulers/create-scheduler.js';
import type { Scheduler } from '../schedulers/scheduler.js';
import { readableOnHost } from '../webgpu.js';
import { buildProblem, type ParamSpecs, type ProblemSpec } from './problems.js';
import { firstMismatch } from './tolerance.js';
import type { CaseResult } from './types.js';

/** A reference file of test/reference/optim (format: test/reference/README.md). */
export interface OptimCase {
  case?: string;
  problem: ProblemSpec;
  params: ParamSpecs;
  optimizer: OptimizerSpec;
  scheduler: { type: string; options?: Record<string, unknown> } | null;
  steps: number;
  trajectory: Array<{ step: number; loss: number; lrs: number[]; params: Record<string, number[]> }>;
  final_state: Record<string, Record<string, StateJsonValue>>;
  rtol_by_step: number[];
}

/** lrs are float64 arithmetic on both sides. */
const LR_RTOL = 1e-9;

/**
 * Runs one optimizer reference case with torch's loop
 * (`zero_grad(); loss = objective(); loss.backward(); opt.step(); sched?.step()`, LBFGS through
 * `step(closure)`) and compares every step's parameters and lrs, then the final state, using the
 * file's tolerance rule, each step's rtol times `rtolFactor` (1 on the CPU backends, GPU_RTOL_FACTOR on a GPU).
 * Reads back asynchronously (as webgpu needs). Never throws: any problem is a failed CaseResult.
 */
export async function runOptimCase(name: string, json: OptimCase, rtolFactor = 1): Promise<CaseResult> {
  let problem: ReturnType<typeof buildProblem> | undefined;
  let optimizer: Optimizer | undefined;
  try {
    problem = buildProblem(json.problem, json.params);
    const built = problem;
    optimizer = createOptimizer(built.params, json.optimizer);
    const sparse = json.optimizer.type === 'SparseAdam';
    const scheduler: Scheduler | null =
      json.scheduler !== null && json.scheduler !== undefined
        ? createScheduler(optimizer, json.scheduler)
        : null;
    for (let k = 0; k < json.steps; k++) {
      const want = json.trajectory[k];
      if (want === undefined) throw new Error(`trajectory has no entry ${k}`);
      let loss: number | undefined;
      if (json.optimizer.type === 'LBFGS') {
        // LBFGS's closure returns the loss synchronously (torch's API), so it reads with dataSync.
        loss = optimizer.step(() => {
          const value = built.evaluate(sparse);
          const read = value.dataSync()[0]!;
          value.dispose();
          return read;
        });
      } else {
        optimizer.zeroGrad();
        const value = built.evaluate(sparse);
        loss = (await value.data())[0]!;
        value.dispose();
        optimizer.step();
      }
      if (scheduler !== null) {
        if (json.scheduler?.type === 'ReduceLROnPlateau') scheduler.step(loss);
        else scheduler.step();
      }
      const rtol = (json.rtol_by_step[k] ?? 1e-4) * rtolFactor;
      const stepLabel = `step ${want.step ?? k + 1}`;
      const lrMismatch = firstMismatch(
        'lrs',
        optimizer.paramGroups.map((group) => group.lr),
        want.lrs,
        LR_RTOL,
      );
      if (lrMismatch !== null) return { name, ok: false, message: `${stepLabel}, ${lrMismatch}` };
      for (const param of built.params) {
        const expected = want.params[param.name];
        if (expected === undefined) continue;
        const mismatch = firstMismatch(param.name, await param.variable.data(), expected, rtol);
        if (mismatch !== null) return { name, ok: false, message: `${stepLabel}, param ${mismatch}` };
      }
    }
    await readableOnHost(optimizer.stateTensors());
    const stateMismatch = compareFinalState(optimizer, built.params, json, rtolFactor);
    if (stateMismatch !== null) return { name, ok: false, message: `final state, ${stateMismatch}` };
    return { name, ok: true };
  } catch (error) {
    return { name, ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    optimizer?.dispose();
    problem?.dispose();
  }
}

/**
 * Every key of torch's final state must exist in ours (extra keys are fine) with matching values,
 * by the last step's tolerance. LBFGS is checked for its keys only: its state is the history of a
 * search whose last-bit noise the reference tolerance (defined on parameters) does not bound.
 */
function compareFinalState(
  optimizer: Optimizer,
  params: ReturnType<typeof buildProblem>['params'],
  json: OptimCase,
  rtolFactor: number,
): string | null {
  const rtol = (json.rtol_by_step[json.steps - 1] ?? 1e-4) * rtolFactor;
  const ours = optimizer.stateDict().state;
  const indexOf = new Map(
    optimizer.paramGroups.flatMap((group) => group.params).map((param, index) => [param.name, index]),
  );
  for (const param of params) {
    const wanted = json.final_state[param.name];
    if (wanted === undefined) continue;
    const got = ours[String(indexOf.get(param.name))] ?? {};
    for (const [key, value] of Object.entries(wanted)) {
      if (value === null) continue;
      const actual = got[key];
      if (actual === undefined) return `state of ${param.name} lacks ${key}`;
      if (json.optimizer.type === 'LBFGS') continue;
      const mismatch = firstMismatch(
        `${param.name}.${key}`,
        [actual].flat(2) as number[],
        [value].flat(2) as number[],
        rtol,
      );
      if (mismatch !== null) return mismatch;
    }
  }
  return null;
}
