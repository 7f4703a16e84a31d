// biome-ignore-all lint/correctness/noPrecisionLoss: fdlibm's constants as fdlibm and Optuna write them; each literal rounds to the same double.
/**
 * The truncated normal of Optuna 3.1's TPE (optuna/samplers/_tpe/_truncnorm.py, itself from SciPy),
 * ported function for function so candidates and densities match Optuna's: the log CDF with its
 * asymptotic series, the log mass of an interval split in left / right / central cases, the ppf by
 * 100 bisection steps on the log CDF. `erf`/`erfc` are FreeBSD's (fdlibm) s_erf.c, which glibc's
 * libm (Python's math.erf) and Optuna's own vectorised `_erf.py` both follow.
 */

const erx = 8.45062911510467529297e-1;
const efx = 1.28379167095512586316e-1;
const pp0 = 1.28379167095512558561e-1;
const pp1 = -3.2504210724700149937e-1;
const pp2 = -2.84817495755985104766e-2;
const pp3 = -5.77027029648944159157e-3;
const pp4 = -2.37630166566501626084e-5;
const qq1 = 3.97917223959155352819e-1;
const qq2 = 6.50222499887672944485e-2;
const qq3 = 5.08130628187576562776e-3;
const qq4 = 1.32494738004321644526e-4;
const qq5 = -3.9602282787753681232e-6;
const pa0 = -2.36211856075265944077e-3;
const pa1 = 4.14856118683748331666e-1;
const pa2 = -3.72207876035701323847e-1;
const pa3 = 3.18346619901161753674e-1;
const pa4 = -1.10894694282396677476e-1;
const pa5 = 3.54783043256182359371e-2;
const pa6 = -2.166375594868790843e-3;
const qa1 = 1.06420880400844228286e-1;
const qa2 = 5.40397917702171048937e-1;
const qa3 = 7.18286544141962662868e-2;
const qa4 = 1.26171219808761642112e-1;
const qa5 = 1.36370839120290507362e-2;
const qa6 = 1.1984499846799107417e-2;
const ra0 = -9.86494403484714822705e-3;
const ra1 = -6.93858572707181764372e-1;
const ra2 = -1.05586262253232909814e1;
const ra3 = -6.23753324503260060396e1;
const ra4 = -1.62396669462573470355e2;
const ra5 = -1.84605092906711035994e2;
const ra6 = -8.12874355063065934246e1;
const ra7 = -9.81432934416914548592;
const sa1 = 1.96512716674392571292e1;
const sa2 = 1.376577541435190426e2;
const sa3 = 4.34565877475229228821e2;
const sa4 = 6.45387271733267880336e2;
const sa5 = 4.29008140027567833386e2;
const sa6 = 1.08635005541779435134e2;
const sa7 = 6.57024977031928170135;
const sa8 = -6.04244152148580987438e-2;
const rb0 = -9.86494292470009928597e-3;
const rb1 = -7.99283237680523006574e-1;
const rb2 = -1.77579549177547519889e1;
const rb3 = -1.60636384855821916062e2;
const rb4 = -6.37566443368389627722e2;
const rb5 = -1.02509513161107724954e3;
const rb6 = -4.83519191608651397019e2;
const sb1 = 3.03380607434824582924e1;
const sb2 = 3.25792512996573918826e2;
const sb3 = 1.53672958608443695994e3;
const sb4 = 3.19985821950859553908e3;
const sb5 = 2.55305040643316442583e3;
const sb6 = 4.74528541206955367215e2;
const sb7 = -2.24409524465858183362e1;

const view = new DataView(new ArrayBuffer(8));
/** fdlibm's SET_LOW_WORD(z, 0): the double with the low 32 bits of its representation cleared. */
function clearLowWord(x: number): number {
  view.setFloat64(0, x);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

function smallPoly(x: number): number {
  const z = x * x;
  const r = pp0 + z * (pp1 + z * (pp2 + z * (pp3 + z * pp4)));
  const s = 1 + z * (qq1 + z * (qq2 + z * (qq3 + z * (qq4 + z * qq5))));
  return r / s;
}

function midRatio(a: number): number {
  const s = a - 1;
  const p = pa0 + s * (pa1 + s * (pa2 + s * (pa3 + s * (pa4 + s * (pa5 + s * pa6)))));
  const q = 1 + s * (qa1 + s * (qa2 + s * (qa3 + s * (qa4 + s * (qa5 + s * qa6)))));
  return p / q;
}

/** exp(-x^2 - 0.5625 + R/S) of fdlibm's tail, for x = |x| >= 1.25. `exact` splits x as fdlibm does. */
function tail(x: number, useA: boolean, exact: boolean): number {
  const s = 1 / (x * x);
  let r: number;
  let ss: number;
  if (useA) {
    r = ra0 + s * (ra1 + s * (ra2 + s * (ra3 + s * (ra4 + s * (ra5 + s * (ra6 + s * ra7))))));
    ss = 1 + s * (sa1 + s * (sa2 + s * (sa3 + s * (sa4 + s * (sa5 + s * (sa6 + s * (sa7 + s * sa8)))))));
  } else {
    r = rb0 + s * (rb1 + s * (rb2 + s * (rb3 + s * (rb4 + s * (rb5 + s * rb6)))));
    ss = 1 + s * (sb1 + s * (sb2 + s * (sb3 + s * (sb4 + s * (sb5 + s * (sb6 + s * sb7))))));
  }
  if (!exact) return Math.exp(-x * x - 0.5625) * Math.exp(r / ss);
  const z = clearLowWord(x);
  return Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + r / ss);
}

/** erf as fdlibm (math.erf in CPython on glibc). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a === Number.POSITIVE_INFINITY) return Math.sign(x);
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + efx * x;
    return x + x * smallPoly(x);
  }
  if (a < 1.25) return x >= 0 ? erx + midRatio(a) : -erx - midRatio(a);
  if (a >= 6) return Math.sign(x);
  const r = tail(a, a < 1 / 0.35, true) / a;
  return x >= 0 ? 1 - r : r - 1;
}

/** erfc as fdlibm (math.erfc in CPython on glibc). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a === Number.POSITIVE_INFINITY) return x > 0 ? 0 : 2;
  if (a < 0.84375) {
    if (a < 2 ** -56) return 1 - x;
    const y = smallPoly(x);
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (a < 1.25) return x >= 0 ? 1 - erx - midRatio(a) : 1 + (erx + midRatio(a));
  if (a < 28) {
    if (x < 0 && a >= 6) return 2;
    const r = tail(a, a < 1 / 0.35, true) / a;
    return x > 0 ? r : 2 - r;
  }
  return x > 0 ? 0 : 2;
}

/** Optuna's vectorised `_erf.erf`: fdlibm without the SET_LOW_WORD refinement of the tail. */
function optunaErf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 2 ** -28) return x + efx * x;
  if (a < 0.84375) return x + x * smallPoly(x);
  if (a < 1.25) return (erx + midRatio(a)) * Math.sign(x);
  if (a < 6) return (1 - tail(a, a < 1 / 0.35, false) / a) * Math.sign(x);
  return Math.sign(x);
}

const SQRT2 = 2 ** 0.5;
const NORM_PDF_LOG_C = Math.log(Math.sqrt(2 * Math.PI));
const FLOAT_EPSILON = 2 ** -52;

function ndtrSingle(a: number): number {
  const x = a / SQRT2;
  if (x < -1 / SQRT2) return 0.5 * erfc(-x);
  if (x < 1 / SQRT2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** `_ndtr`: the normal CDF through the vectorised erf. */
function ndtr(a: number): number {
  return 0.5 + 0.5 * optunaErf(a / SQRT2);
}

/** log Phi(a), with the asymptotic series below -20. */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtrSingle(-a);
  if (a > -20) return Math.log(ndtrSingle(a));
  const logLhs = -0.5 * a ** 2 - Math.log(-a) - 0.5 * Math.log(2 * Math.PI);
  let lastTotal = 0;
  let rightHandSide = 1;
  let numerator = 1;
  let denomFactor = 1;
  const denomCons = 1 / a ** 2;
  let sign = 1;
  let i = 0;
  while (Math.abs(lastTotal - rightHandSide) > FLOAT_EPSILON) {
    i += 1;
    lastTotal = rightHandSide;
    sign = -sign;
    denomFactor *= denomCons;
    numerator *= 2 * i - 1;
    rightHandSide += sign * numerator * denomFactor;
  }
  return logLhs + Math.log(rightHandSide);
}

/** NumPy's logaddexp. */
function logAddExp(x: number, y: number): number {
  if (x === y) return x + Math.LN2;
  const d = x - y;
  if (d > 0) return x + Math.log1p(Math.exp(-d));
  if (d <= 0) return y + Math.log1p(Math.exp(d));
  return Number.NaN;
}

function logDiff(logP: number, logQ: number): number {
  return logP + Math.log1p(-Math.exp(logQ - logP));
}

/** log of the standard normal's mass on [a, b], computed in the tail where it is accurate. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

function ndtriExp(y: number): number {
  // `_bisect(_log_ndtr_single, -100, 100, y)`: 100 halvings, as Optuna.
  let lo = -100;
  let hi = 100;
  if (logNdtr(lo) > y) [lo, hi] = [hi, lo];
  let m = 0;
  for (let i = 0; i < 100; i++) {
    m = (lo + hi) / 2;
    if (logNdtr(m) < y) lo = m;
    else hi = m;
  }
  return m;
}

/** The quantile q of the standard normal truncated to [a, b]. */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (a === b) return Number.NaN;
  if (q === 0) return a;
  if (q === 1) return b;
  if (a < 0) return ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logGaussMass(a, b)));
  return -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logGaussMass(a, b)));
}

/**
 * Optuna 3.1's `truncnorm.logpdf(x, a, b, loc, scale)`. It standardises x but, unlike SciPy, does
 * not subtract log(scale): each kernel's density is off by its width's log. Optuna 3.1's TPE ranks
 * candidates with exactly this, so the port keeps it (later Optuna versions changed it).
 */
export function truncnormLogPdf(
  x: number,
  a: number,
  b: number,
  loc: number,
  scale: number,
  logMass = logGaussMass(a, b),
): number {
  const z = (x - loc) / scale;
  if (a === b) return Number.NaN;
  if (z < a || b < z) return Number.NEGATIVE_INFINITY;
  return -(z * z) / 2 - NORM_PDF_LOG_C - logMass;
}

/** The `logMass` argument of truncnormLogPdf, for callers that reuse it across samples. */
export const truncnormLogMass = (a: number, b: number): number => logGaussMass(a, b);
