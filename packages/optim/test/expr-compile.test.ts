import { describe, expect, it } from 'vitest';
import { OptimError } from '../src/errors.js';
import { compileExpression, ExpressionError } from '../src/index.js';

/**
 * Values of `lambda epoch: <expression>` at epochs 0, 1, 7 and 12, computed by CPython 3.11 with
 * math's functions (the namespace a torch lr_lambda would see).
 */
const PYTHON_VALUES: Array<[string, number[]]> = [
  ['epoch // 3', [0.0, 0.0, 2.0, 4.0]],
  ['-epoch // 4', [0.0, -1.0, -2.0, -3.0]],
  ['epoch % 3 - 1', [-1.0, 0.0, 0.0, -1.0]],
  ['-7 % (epoch + 3)', [2.0, 1.0, 3.0, 8.0]],
  ['7.5 % -2', [-0.5, -0.5, -0.5, -0.5]],
  ['2 ** 3 ** 2', [512.0, 512.0, 512.0, 512.0]],
  ['-2 ** 2', [-4.0, -4.0, -4.0, -4.0]],
  ['2 ** -1', [0.5, 0.5, 0.5, 0.5]],
  ['(-2) ** 2', [4.0, 4.0, 4.0, 4.0]],
  ['-epoch ** 0.5', [-0, -1.0, -2.6457513110645907, -3.4641016151377544]],
  ['1 // 0.1', [9.0, 9.0, 9.0, 9.0]],
  ['1 % 0.1', [0.09999999999999995, 0.09999999999999995, 0.09999999999999995, 0.09999999999999995]],
  ['0.95 ** epoch', [1.0, 0.95, 0.6983372960937497, 0.5403600876626367]],
  ['min(1.0, (epoch + 1) / 5)', [0.2, 0.4, 1.0, 1.0]],
  ['max(0.1, 1 - epoch / 10, 0.05)', [1.0, 0.9, 0.30000000000000004, 0.1]],
  ['abs(epoch - 5) / 5', [1.0, 0.8, 0.4, 1.4]],
  ['exp(-epoch / 4)', [1.0, 0.7788007830714049, 0.17377394345044514, 0.049787068367863944]],
  ['log(epoch + 1)', [0.0, Math.LN2, 2.0794415416798357, 2.5649493574615367]],
  ['log(epoch + 2, 2)', [1.0, 1.5849625007211563, 3.1699250014423126, 3.8073549220576037]],
  ['sqrt(epoch + 1)', [1.0, Math.SQRT2, 2.8284271247461903, 3.605551275463989]],
  ['cos(pi * epoch / 10)', [1.0, 0.9510565162951535, -0.587785252292473, -0.8090169943749476]],
  ['sin(epoch) ** 2', [0.0, 0.7080734182735712, 0.43163139089608316, 0.28791049633150145]],
  ['floor(epoch / 2.5)', [0.0, 0.0, 2.0, 4.0]],
  ['ceil(epoch / 2.5)', [0.0, 1.0, 3.0, 5.0]],
  ['e ** -epoch', [1.0, 0.36787944117144233, 0.0009118819655545166, 6.144212353328214e-6]],
  ['1e-3 * epoch + .5', [0.5, 0.501, 0.507, 0.512]],
  ['3. / 2', [1.5, 1.5, 1.5, 1.5]],
  ['10 - 2 - 3', [5.0, 5.0, 5.0, 5.0]],
  ['2 * 3 % 4', [2.0, 2.0, 2.0, 2.0]],
  ['100 / 10 / 5', [2.0, 2.0, 2.0, 2.0]],
  ['+epoch - -1', [1.0, 2.0, 8.0, 13.0]],
  ['- - epoch', [0.0, 1.0, 7.0, 12.0]],
];
const EPOCHS = [0, 1, 7, 12];

describe("compileExpression gives Python's numbers", () => {
  it.each(PYTHON_VALUES)('%s', (source, expected) => {
    const fn = compileExpression(source);
    EPOCHS.forEach((epoch, index) => {
      const want = expected[index]!;
      const got = fn(epoch);
      expect(Math.abs(got - want), `epoch ${epoch}: got ${got}, want ${want}`).toBeLessThanOrEqual(
        1e-15 * Math.abs(want),
      );
    });
  });

  it('reads another variable name when asked (CyclicLR scale_fn uses x)', () => {
    expect(compileExpression('1 / (2.0 ** (x - 1))', { variable: 'x' })(3)).toBe(0.25);
    expect(() => compileExpression('epoch', { variable: 'x' })).toThrow(/unknown name "epoch"/);
  });
});

describe('compileExpression errors name the position', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['', 0, /empty expression/],
    ['1 +', 3, /unexpected end of expression/],
    ['epoch * (2 + 1', 14, /expected "\)" to close the "\(" at position 8/],
    ['epoch ** 2)', 10, /unexpected "\)"/],
    ['2 epoch', 2, /unexpected "epoch"/],
    ['epoch ^ 2', 6, /unexpected character "\^"/],
    ['epoch +* 2', 7, /unexpected "\*"/],
    ['01 + epoch', 0, /leading zeros/],
    ['1.2.3', 0, /invalid number literal/],
    ['min(epoch)', 0, /min\(\) takes at least 2 arguments, got 1/],
    ['sqrt(1, 2)', 0, /sqrt\(\) takes 1 arguments, got 2/],
    ['0.5 * exp', 6, /exp is a function/],
    ['pi(2)', 0, /"pi" is not a function/],
    ['epoch + tan(1)', 8, /unknown name "tan"; allowed: epoch, pi, e, min, max/],
    ['1 / (epoch - epoch)', 2, /division by zero \(for epoch = 0\)/],
    ['epoch // 0', 6, /division by zero/],
    ['epoch % 0', 6, /modulo by zero/],
    ['0 ** -1', 2, /cannot be raised to a negative power/],
    ['(-8) ** (1 / 3)', 5, /complex/],
    ['log(epoch)', 0, /math domain error/],
    ['sqrt(-1 - epoch)', 0, /math domain error/],
    ['exp(1000 + epoch)', 0, /math range error/],
    ['10.0 ** 400', 5, /out of range/],
    ['1e308 * 10 + epoch', 0, /evaluates to Infinity for epoch = 0/],
  ];

  it.each(cases)('%j at position %i', (source, position, message) => {
    let caught: unknown;
    try {
      compileExpression(source)(0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect(caught).toBeInstanceOf(OptimError);
    const error = caught as ExpressionError;
    expect(error.message).toMatch(message);
    expect(error.position).toBe(position);
    expect(error.message).toContain(`at position ${position}`);
  });

  it('attributes errors to the option path it is given', () => {
    expect(() => compileExpression('epoch +', { path: 'lr_lambda/1' })).toThrow(
      expect.objectContaining({ path: 'lr_lambda/1' }),
    );
    const fn = compileExpression('1 / epoch', { path: 'lr_lambda' });
    expect(() => fn(0)).toThrow(expect.objectContaining({ path: 'lr_lambda', position: 2 }));
  });
});
