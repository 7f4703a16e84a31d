import {
  abs,
  add,
  div,
  dot,
  ge,
  gt,
  le,
  lt,
  max,
  maxAbs,
  min,
  mul,
  neg,
  pyFloat,
  sqrt,
  sub,
  type TorchNumber,
} from './torch-float.js';

/** Loss and flat gradient at x + t * d (the parameters are restored to x afterwards). */
export type DirectionalEvaluate = (t: TorchNumber, d: Float32Array) => [number, Float32Array];

/**
 * Minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to `bounds`:
 * torch's `_cubic_interpolate` (ported from torch/optim's polyinterp.lua), in torch's arithmetic.
 */
export function cubicInterpolate(
  x1: TorchNumber,
  f1: TorchNumber,
  g1: TorchNumber,
  x2: TorchNumber,
  f2: TorchNumber,
  g2: TorchNumber,
  bounds?: [TorchNumber, TorchNumber],
): TorchNumber {
  const [xminBound, xmaxBound] = bounds ?? (le(x1, x2) ? [x1, x2] : [x2, x1]);
  const d1 = sub(add(g1, g2), div(mul(3, sub(f1, f2)), sub(x1, x2)));
  const d2Square = sub(mul(d1, d1), mul(g1, g2));
  if (ge(d2Square, 0)) {
    const d2 = sqrt(d2Square);
    const minPos = le(x1, x2)
      ? sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(2, d2)))))
      : sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(2, d2)))));
    return min(max(minPos, xminBound), xmaxBound);
  }
  return div(add(xminBound, xmaxBound), 2);
}

export interface LineSearchResult {
  loss: number;
  flatGrad: Float32Array;
  t: TorchNumber;
  funcEvals: number;
}

/**
 * Line search for a step satisfying the strong Wolfe conditions: torch's `_strong_wolfe`
 * (ported from torch/optim's lswolfe.lua), bracketing then zooming.
 */
export function strongWolfe(
  objective: DirectionalEvaluate,
  initialT: TorchNumber,
  d: Float32Array,
  loss: number,
  g: Float32Array,
  gtd: TorchNumber,
  toleranceChange = 1e-9,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): LineSearchResult {
  const f = pyFloat(loss);
  let t = initialT;
  const dNorm = maxAbs(d);
  const sufficientDecrease = (value: TorchNumber, step: TorchNumber) =>
    gt(value, add(f, mul(mul(c1, step), gtd)));
  const curvatureHolds = (slope: TorchNumber) => le(abs(slope), mul(neg(pyFloat(c2)), gtd));

  let [lossNew, gNew] = objective(t, d);
  let fNew = pyFloat(lossNew);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);

  let tPrev: TorchNumber = pyFloat(0);
  let fPrev = f;
  let gPrev = g.slice();
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: TorchNumber[] = [];
  let bracketF: TorchNumber[] = [];
  let bracketG: Float32Array[] = [];
  let bracketGtd: TorchNumber[] = [];
  while (lsIter < maxLs) {
    if (sufficientDecrease(fNew, t) || (lsIter > 1 && ge(fNew, fPrev))) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.slice()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (curvatureHolds(gtdNew)) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (ge(gtdNew, 0)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.slice()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    // interpolate
    const minStep = add(t, mul(0.01, sub(t, tPrev)));
    const maxStep = mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.slice();
    gtdPrev = gtdNew;
    [lossNew, gNew] = objective(t, d);
    fNew = pyFloat(lossNew);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  if (lsIter === maxLs) {
    bracket = [pyFloat(0), t];
    bracketF = [f, fNew];
    bracketG = [g, gNew];
  }

  // zoom: refine the bracket until a point satisfies the conditions
  let insufProgress = false;
  let [lowPos, highPos] = le(bracketF[0]!, bracketF[bracketF.length - 1]!) ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (lt(mul(abs(sub(bracket[1]!, bracket[0]!)), dNorm), toleranceChange)) break;
    t = cubicInterpolate(
      bracket[0]!,
      bracketF[0]!,
      bracketGtd[0]!,
      bracket[1]!,
      bracketF[1]!,
      bracketGtd[1]!,
    );
    // keep t away from the bracket's ends when progress is insufficient
    const high = max(bracket[0]!, bracket[1]!);
    const low = min(bracket[0]!, bracket[1]!);
    const eps = mul(0.1, sub(high, low));
    if (lt(min(sub(high, t), sub(t, low)), eps)) {
      if (insufProgress || ge(t, high) || le(t, low)) {
        t = lt(abs(sub(t, high)), abs(sub(t, low))) ? sub(high, eps) : add(low, eps);
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [lossNew, gNew] = objective(t, d);
    fNew = pyFloat(lossNew);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;

    if (sufficientDecrease(fNew, t) || ge(fNew, bracketF[lowPos]!)) {
      // Armijo condition not satisfied or not lower than the lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.slice();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = le(bracketF[0]!, bracketF[1]!) ? [0, 1] : [1, 0];
    } else {
      if (curvatureHolds(gtdNew)) {
        done = true;
      } else if (ge(mul(gtdNew, sub(bracket[highPos]!, bracket[lowPos]!)), 0)) {
        // the old high becomes the new low
        bracket[highPos] = bracket[lowPos]!;
        bracketF[highPos] = bracketF[lowPos]!;
        bracketG[highPos] = bracketG[lowPos]!;
        bracketGtd[highPos] = bracketGtd[lowPos]!;
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.slice();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return {
    loss: bracketF[lowPos]!.value,
    flatGrad: bracketG[lowPos]!,
    t: bracket[lowPos]!,
    funcEvals: lsFuncEvals,
  };
}
