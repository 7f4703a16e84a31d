import * as tf from '@tensorflow/tfjs-core';
import { OptimError } from '../errors.js';
import {
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type StateJsonValue,
  type StateValue,
} from '../optimizer.js';
import { isSparseGrad, type Parameter } from '../parameter.js';
import { dot, maxAbs, sumAbs } from './flat-vector.js';
import { strongWolfe } from './strong-wolfe.js';

/**
 * torch.optim.LBFGS (https://pytorch.org/docs/1.13/generated/torch.optim.LBFGS.html), a port of
 * torch/optim/lbfgs.py (itself after minFunc): one param group, `step(closure)` re-evaluates the
 * loss and gradients as often as the line search needs. All state lives on the first parameter,
 * under torch's keys (d, t, old_dirs, old_stps, ro, al, H_diag, prev_flat_grad, prev_loss,
 * func_evals, n_iter).
 *
 * Scalars that torch keeps in float32 tensors (dot products, ys, ro, H_diag) are read back as
 * float32 values; the rest of the bookkeeping is float64 as in Python.
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

  private gatherFlatGrad(): tf.Tensor1D {
    return tf.tidy(
      () =>
        tf.concat(
          this.params.map((param) => {
            const grad = param.grad;
            if (grad === null) return tf.zeros([param.size]);
            if (isSparseGrad(grad)) {
              return tf.reshape(tf.scatterND(tf.expandDims(grad.indices, 1), grad.values, param.shape), [-1]);
            }
            return tf.reshape(grad, [-1]);
          }),
        ) as tf.Tensor1D,
    );
  }

  /** p += stepSize * update, slice by slice (torch's `_add_grad`). */
  private addGrad(stepSize: number, update: tf.Tensor1D): void {
    let offset = 0;
    tf.tidy(() => {
      for (const param of this.params) {
        const slice = tf.reshape(tf.slice(update, offset, param.size), param.shape);
        param.variable.assign(tf.add(param.variable, tf.mul(slice, stepSize)));
        offset += param.size;
      }
    });
  }

  override step(closure?: () => number): number | undefined {
    if (closure === undefined) {
      throw new OptimError('LBFGS.step needs a closure that recomputes the loss and gradients');
    }
    const group = this.paramGroups[0] as ParamGroup;
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
    let optCond = maxAbs(flatGrad) <= Math.fround(toleranceGrad);
    if (optCond) {
      flatGrad.dispose();
      return origLoss;
    }

    let d = (state['d'] as tf.Tensor1D | undefined) ?? null;
    let t = (state['t'] as number | undefined) ?? 0;
    let oldDirs = (state['old_dirs'] as tf.Tensor1D[] | undefined) ?? [];
    let oldStps = (state['old_stps'] as tf.Tensor1D[] | undefined) ?? [];
    let ro = (state['ro'] as number[] | undefined) ?? [];
    let hDiag = (state['H_diag'] as number | undefined) ?? 1;
    let prevFlatGrad = (state['prev_flat_grad'] as tf.Tensor1D | undefined) ?? null;
    let prevLoss = (state['prev_loss'] as number | undefined) ?? 0;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter += 1;
      state['n_iter'] = (state['n_iter'] as number) + 1;

      // compute the descent direction
      if (state['n_iter'] === 1) {
        d?.dispose();
        d = tf.keep(tf.neg(flatGrad));
        for (const tensor of [...oldDirs, ...oldStps]) tensor.dispose();
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const previousDirection = d!;
        const y = tf.sub(flatGrad, prevFlatGrad!) as tf.Tensor1D;
        const s = tf.mul(previousDirection, t) as tf.Tensor1D;
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift()?.dispose();
            oldStps.shift()?.dispose();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(Math.fround(1 / ys));
          hDiag = Math.fround(ys / dot(y, y));
        } else {
          y.dispose();
          s.dispose();
        }
        // two-loop recursion: the L-BFGS inverse Hessian times the gradient
        const numOld = oldDirs.length;
        if (state['al'] === undefined) state['al'] = new Array<number | null>(historySize).fill(null);
        const al = state['al'] as Array<number | null>;
        let q = tf.neg(flatGrad) as tf.Tensor1D;
        for (let i = numOld - 1; i >= 0; i--) {
          const alpha = Math.fround(dot(oldStps[i]!, q) * ro[i]!);
          al[i] = alpha;
          const next = tf.tidy(() => tf.add(q, tf.mul(oldDirs[i]!, -alpha)) as tf.Tensor1D);
          q.dispose();
          q = next;
        }
        let r = tf.mul(q, hDiag) as tf.Tensor1D;
        q.dispose();
        for (let i = 0; i < numOld; i++) {
          const beta = Math.fround(dot(oldDirs[i]!, r) * ro[i]!);
          const scale = Math.fround(al[i]! - beta);
          const next = tf.tidy(() => tf.add(r, tf.mul(oldStps[i]!, scale)) as tf.Tensor1D);
          r.dispose();
          r = next;
        }
        previousDirection.dispose();
        d = r;
      }
      prevFlatGrad?.dispose();
      prevFlatGrad = tf.clone(flatGrad);
      prevLoss = loss;

      // initial step length guess
      if (state['n_iter'] === 1) {
        const inverse = Math.fround(1 / sumAbs(flatGrad));
        t = inverse < 1 ? Math.fround(inverse * lr) : lr;
      } else {
        t = lr;
      }
      const gtd = dot(flatGrad, d);
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearch !== null) {
        const xInit = this.params.map((param) => tf.clone(param.variable));
        const direction = d;
        const evaluate = (x: tf.Tensor[], step: number, dir: tf.Tensor1D): [number, tf.Tensor1D] => {
          this.addGrad(step, dir);
          const value = closure();
          const grad = this.gatherFlatGrad();
          for (const [index, param] of this.params.entries()) param.variable.assign(x[index]!);
          return [value, grad];
        };
        const result = strongWolfe(evaluate, xInit, t, direction, loss, flatGrad, gtd, toleranceChange);
        for (const tensor of xInit) tensor.dispose();
        flatGrad.dispose();
        loss = result.loss;
        flatGrad = result.flatGrad;
        t = result.t;
        lsFuncEvals = result.funcEvals;
        this.addGrad(t, d);
        optCond = maxAbs(flatGrad) <= Math.fround(toleranceGrad);
      } else {
        this.addGrad(t, d);
        if (nIter !== maxIter) {
          // torch re-evaluates only when another iteration may follow
          loss = closure();
          flatGrad.dispose();
          flatGrad = this.gatherFlatGrad();
          optCond = maxAbs(flatGrad) <= Math.fround(toleranceGrad);
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state['func_evals'] = (state['func_evals'] as number) + lsFuncEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      const stepChange = tf.tidy(() => tf.mul(d!, t));
      const change = maxAbs(stepChange);
      stepChange.dispose();
      if (change <= Math.fround(toleranceChange)) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    flatGrad.dispose();

    state['d'] = d;
    state['t'] = t;
    state['old_dirs'] = oldDirs;
    state['old_stps'] = oldStps;
    state['ro'] = ro;
    state['H_diag'] = hDiag;
    state['prev_flat_grad'] = prevFlatGrad;
    state['prev_loss'] = prevLoss;
    return origLoss;
  }

  /** LBFGS's vectors are flat (all parameters concatenated); ro and al are scalar lists. */
  protected override stateValueFromJson(_param: Parameter, key: string, value: StateJsonValue): StateValue {
    if (key === 'd' || key === 'prev_flat_grad') return tf.tensor1d(value as number[]);
    if (key === 'old_dirs' || key === 'old_stps') return (value as number[][]).map((row) => tf.tensor1d(row));
    if (Array.isArray(value)) return [...(value as Array<number | null>)];
    return value;
  }
}
