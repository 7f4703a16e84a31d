import * as tf from '@tensorflow/tfjs-core';
import { isSparseGrad, type Parameter } from '../autograd/parameter.js';
import { OptimError } from '../errors.js';
import {
  Optimizer,
  type ParamGroupInput,
  type StateJsonValue,
  type StateTypedValue,
  type StateValue,
} from './optimizer.js';
import { strongWolfe } from './strong-wolfe.js';
import {
  axpy,
  div,
  dot,
  gt,
  le,
  lt,
  maxAbs,
  min,
  mul,
  pyFloat,
  scale,
  sumAbs,
  type TorchNumber,
  tensorScalar,
} from './torch-float.js';

/**
 * torch.optim.LBFGS (https://pytorch.org/docs/1.13/generated/torch.optim.LBFGS.html), a port of
 * torch/optim/lbfgs.py (itself after minFunc): one param group, `step(closure)` re-evaluates the
 * loss and gradients as often as the line search needs. All state lives on the first parameter,
 * under torch's keys (d, t, old_dirs, old_stps, ro, al, H_diag, prev_flat_grad, prev_loss,
 * func_evals, n_iter).
 *
 * The closure evaluates the model with tensors on the active backend. The algorithm's own work is
 * scalar control flow plus dot products and axpys on the flat parameter vector, all of which
 * torch reads back to Python anyway; it runs here on Float32Arrays with torch's float32
 * roundings (./torch-float.ts), because L-BFGS trajectories amplify a last-bit difference into a
 * different path within a few iterations.
 */
export class LBFGS extends Optimizer {
  static override readonly torchType: string = 'LBFGS';

  override addParamGroup(group: ParamGroupInput): void {
    if (this.paramGroups.length > 0) {
      throw new OptimError("LBFGS doesn't support per-parameter options (parameter groups)");
    }
    super.addParamGroup(group);
  }

  private get params(): Parameter[] {
    return this.paramGroups[0]!.params;
  }

  protected override updateParameter(): void {
    throw new OptimError('LBFGS.step needs a closure that recomputes the loss and gradients');
  }

  /** All gradients flattened into one vector (zeros for a parameter without gradient). */
  private gatherFlatGrad(): Float32Array {
    const flat = new Float32Array(this.params.reduce((total, param) => total + param.size, 0));
    let offset = 0;
    for (const param of this.params) {
      const grad = param.grad;
      if (grad !== null) {
        const dense = isSparseGrad(grad)
          ? tf.tidy(() => tf.scatterND(tf.expandDims(grad.indices, 1), grad.values, param.shape))
          : grad;
        flat.set(dense.dataSync(), offset);
        if (dense !== grad) dense.dispose();
      }
      offset += param.size;
    }
    return flat;
  }

  private paramValues(): Float32Array[] {
    return this.params
      .map((param) => param.variable.dataSync() as Float32Array)
      .map((values) => values.slice());
  }

  private setParams(values: readonly Float32Array[]): void {
    this.params.forEach((param, index) => {
      tf.tidy(() => param.variable.assign(tf.tensor(values[index]!, param.shape, 'float32')));
    });
  }

  /** p += t * d, slice by slice (torch's `_add_grad`, a fused multiply-add per element). */
  private addGrad(t: TorchNumber, d: Float32Array, base = this.paramValues()): void {
    let offset = 0;
    const updated = base.map((values) => {
      const next = axpy(
        values,
        t.value,
        d.subarray(offset, offset + values.length),
        new Float32Array(values.length),
      );
      offset += values.length;
      return next;
    });
    this.setParams(updated);
  }

  override step(closure?: () => number): number | undefined {
    if (closure === undefined) {
      throw new OptimError('LBFGS.step needs a closure that recomputes the loss and gradients');
    }
    const group = this.paramGroups[0]!;
    const lr = group.lr;
    const maxIter = group['max_iter'] as number;
    const maxEval = group['max_eval'] as number;
    const toleranceGrad = group['tolerance_grad'] as number;
    const toleranceChange = group['tolerance_change'] as number;
    const historySize = group['history_size'] as number;
    const lineSearch = group['line_search_fn'] as string | null;

    const first = this.params[0]!;
    let state = this.state.get(first);
    if (state === undefined) {
      state = { func_evals: 0, n_iter: 0 };
      this.state.set(first, state);
    }
    const origLoss = closure();
    let loss = origLoss;
    let currentEvals = 1;
    state['func_evals'] = (state['func_evals'] as number) + 1;

    let flatGrad = this.gatherFlatGrad();
    let optCond = le(maxAbs(flatGrad), toleranceGrad);
    if (optCond) return origLoss;

    let d = (state['d'] as Float32Array | undefined) ?? new Float32Array(0);
    let t = pyFloat((state['t'] as number | undefined) ?? lr);
    let oldDirs = (state['old_dirs'] as Float32Array[] | undefined) ?? [];
    let oldStps = (state['old_stps'] as Float32Array[] | undefined) ?? [];
    let ro = (state['ro'] as number[] | undefined) ?? [];
    let hDiag = (state['H_diag'] as number | undefined) ?? 1;
    let prevFlatGrad = (state['prev_flat_grad'] as Float32Array | undefined) ?? null;
    let prevLoss = (state['prev_loss'] as number | undefined) ?? loss;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter += 1;
      state['n_iter'] = (state['n_iter'] as number) + 1;

      // compute the descent direction
      if (state['n_iter'] === 1) {
        d = scale(flatGrad, -1);
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const y = axpy(flatGrad, -1, prevFlatGrad!, new Float32Array(flatGrad.length));
        const s = scale(d, t.value);
        const ys = dot(y, s);
        if (gt(ys, 1e-10)) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(div(1, ys).value);
          hDiag = div(ys, dot(y, y)).value;
        }
        // two-loop recursion: the L-BFGS inverse Hessian times the gradient
        const numOld = oldDirs.length;
        if (state['al'] === undefined) state['al'] = new Array<number | null>(historySize).fill(null);
        const al = state['al'] as Array<number | null>;
        const q = scale(flatGrad, -1);
        for (let i = numOld - 1; i >= 0; i--) {
          const alpha = mul(dot(oldStps[i]!, q), tensorScalar(ro[i]!)).value;
          al[i] = alpha;
          axpy(q, -alpha, oldDirs[i]!);
        }
        const r = scale(q, hDiag);
        for (let i = 0; i < numOld; i++) {
          const beta = mul(dot(oldDirs[i]!, r), tensorScalar(ro[i]!));
          axpy(r, tensorScalar(al[i]! - beta.value).value, oldStps[i]!);
        }
        d = r;
      }
      prevFlatGrad = flatGrad.slice();
      prevLoss = loss;

      // initial step length guess
      t = state['n_iter'] === 1 ? mul(min(pyFloat(1), div(1, sumAbs(flatGrad))), lr) : pyFloat(lr);
      const gtd = dot(flatGrad, d);
      if (gt(gtd, -toleranceChange)) break;

      let lsFuncEvals = 0;
      if (lineSearch !== null) {
        const xInit = this.paramValues();
        const direction = d;
        const result = strongWolfe(
          (step, dir) => {
            this.addGrad(step, dir);
            const value = closure();
            const grad = this.gatherFlatGrad();
            this.setParams(xInit);
            return [value, grad];
          },
          t,
          direction,
          loss,
          flatGrad,
          gtd,
          toleranceChange,
        );
        loss = result.loss;
        flatGrad = result.flatGrad;
        t = result.t;
        lsFuncEvals = result.funcEvals;
        this.addGrad(t, d, xInit);
        optCond = le(maxAbs(flatGrad), toleranceGrad);
      } else {
        this.addGrad(t, d);
        if (nIter !== maxIter) {
          // torch re-evaluates only when another iteration may follow
          loss = closure();
          flatGrad = this.gatherFlatGrad();
          optCond = le(maxAbs(flatGrad), toleranceGrad);
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state['func_evals'] = (state['func_evals'] as number) + lsFuncEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (le(maxAbs(scale(d, t.value)), toleranceChange)) break;
      if (lt(pyFloat(Math.abs(loss - prevLoss)), toleranceChange)) break;
    }

    state['d'] = d;
    state['t'] = t.value;
    state['old_dirs'] = oldDirs;
    state['old_stps'] = oldStps;
    state['ro'] = ro;
    state['H_diag'] = hDiag;
    state['prev_flat_grad'] = prevFlatGrad;
    state['prev_loss'] = prevLoss;
    return origLoss;
  }

  /** LBFGS's vectors are flat (all parameters concatenated); ro and al are scalar lists. */
  protected override stateValueFromJson(
    _param: Parameter,
    key: string,
    value: StateJsonValue | StateTypedValue,
  ): StateValue {
    if (key === 'd' || key === 'prev_flat_grad') return Float32Array.from(value as ArrayLike<number>);
    if (key === 'old_dirs' || key === 'old_stps')
      return (value as Array<ArrayLike<number>>).map((row) => Float32Array.from(row));
    if (Array.isArray(value)) return [...(value as Array<number | null>)];
    return value;
  }
}
