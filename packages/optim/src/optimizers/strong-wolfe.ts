import * as tf from '@tensorflow/tfjs-core';
import { dot, maxAbs } from './flat-vector.js';

/** Evaluates loss and flat gradient at x + t * d (then restores x). */
export type DirectionalEvaluate = (x: tf.Tensor[], t: number, d: tf.Tensor1D) => [number, tf.Tensor1D];

/**
 * Minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to `bounds`
 * (torch's `_cubic_interpolate`, ported from torch/optim's polyinterp.lua).
 */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [xminBound, xmaxBound] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 ** 2 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos =
      x1 <= x2
        ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, xminBound), xmaxBound);
  }
  return (xminBound + xmaxBound) / 2;
}

interface LineSearchResult {
  loss: number;
  flatGrad: tf.Tensor1D;
  t: number;
  funcEvals: number;
}

/**
 * Line search satisfying the strong Wolfe conditions: torch's `_strong_wolfe` (ported from
 * torch/optim's lswolfe.lua), bracketing then zooming. Gradients in the bracket are owned here;
 * the returned `flatGrad` belongs to the caller, `g` stays the caller's.
 */
export function strongWolfe(
  objective: DirectionalEvaluate,
  x: tf.Tensor[],
  initialT: number,
  d: tf.Tensor1D,
  f: number,
  g: tf.Tensor1D,
  gtd: number,
  toleranceChange = 1e-9,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): LineSearchResult {
  let t = initialT;
  const dNorm = maxAbs(d);
  const owned = new Set<tf.Tensor>();
  const own = (tensor: tf.Tensor1D) => {
    owned.add(tensor);
    return tensor;
  };
  const gCopy = own(tf.clone(g));
  let [fNew, gNew] = objective(x, t, d);
  own(gNew);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);

  let tPrev = 0;
  let fPrev = f;
  let gPrev = gCopy;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: tf.Tensor1D[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    // interpolate
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = objective(x, t, d);
    own(gNew);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  if (lsIter === maxLs) {
    bracket = [0, t];
    bracketF = [f, fNew];
    bracketG = [gCopy, gNew];
  }

  // zoom: refine the bracket until a point satisfies the conditions
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(
      bracket[0]!,
      bracketF[0]!,
      bracketGtd[0]!,
      bracket[1]!,
      bracketF[1]!,
      bracketGtd[1]!,
    );
    // keep t away from the bracket's ends when progress is insufficient
    const high = Math.max(...bracket);
    const low = Math.min(...bracket);
    const eps = 0.1 * (high - low);
    if (Math.min(high - t, t - low) < eps) {
      if (insufProgress || t >= high || t <= low) {
        t = Math.abs(t - high) < Math.abs(t - low) ? high - eps : low + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = objective(x, t, d);
    own(gNew);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;

    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]!) {
      // Armijo condition not satisfied or not lower than the lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew;
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[highPos]! - bracket[lowPos]!) >= 0) {
        // the old high becomes the new low
        bracket[highPos] = bracket[lowPos]!;
        bracketF[highPos] = bracketF[lowPos]!;
        bracketG[highPos] = bracketG[lowPos]!;
        bracketGtd[highPos] = bracketGtd[lowPos]!;
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew;
      bracketGtd[lowPos] = gtdNew;
    }
  }
  const result = bracketG[lowPos]!;
  for (const tensor of owned) if (tensor !== result) tensor.dispose();
  return { loss: bracketF[lowPos]!, flatGrad: result, t: bracket[lowPos]!, funcEvals: lsFuncEvals };
}
