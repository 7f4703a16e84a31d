import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptimError } from '../src/errors.js';
import { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from '../src/expr/parse-expression.js';
import { compileExpression, ExpressionError } from '../src/index.js';

/** Inputs that would do something other than arithmetic on `epoch` in an eval-based evaluator. */
const INJECTIONS = [
  'constructor',
  '__proto__',
  'epoch.constructor',
  'epoch.constructor.constructor("return process")()',
  'epoch["constructor"]',
  'toString',
  'valueOf()',
  'hasOwnProperty(1)',
  'process',
  'process.exit(1)',
  'process.env',
  'globalThis',
  'globalThis.process',
  'global',
  'window',
  'require("child_process")',
  "require('fs')",
  'import("fs")',
  '__import__("os")',
  'this',
  'this.constructor',
  'eval("1")',
  'Function("return 1")()',
  'new Date()',
  'Math.PI',
  'Math.random()',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal is exactly what must be rejected.
  '`${process.exit(1)}`',
  '`1`',
  "'1'",
  '"1"',
  '[1, 2]',
  '{}',
  'epoch => 1',
  'lambda epoch: 1',
  'epoch; process.exit(1)',
  'epoch, 1',
  'epoch\nprocess',
  'epoch = 1',
  'epoch == 1',
  'epoch if epoch else 1',
  'epoch and 1',
  'not epoch',
  'epoch < 1',
  '~epoch',
  'epoch @ epoch',
  'epoch // / 2',
  '\\u0065poch',
  'ｅｐｏｃｈ',
  'tan(epoch)',
  'pow(2, epoch)',
  'print(epoch)',
  'setTimeout(1)',
  'min.call(1, 2)',
  'abs',
  'e()',
  'epoch()',
];

function rejection(source: string): ExpressionError | undefined {
  try {
    compileExpression(source)(1);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  return undefined;
}

describe('the expression evaluator rejects everything outside its grammar', () => {
  it.each(INJECTIONS)('%j', (source) => {
    const error = rejection(source);
    expect(error, `${JSON.stringify(source)} was accepted`).toBeInstanceOf(ExpressionError);
    expect(error!.position).toBeGreaterThanOrEqual(0);
    expect(error!.position).toBeLessThanOrEqual(source.length);
    expect(error!.message).toContain(`at position ${error!.position}`);
  });

  it('rejects sources longer than the length limit before parsing them', () => {
    const long = `${'epoch + '.repeat(40)}1`;
    expect(long.length).toBeGreaterThan(MAX_EXPRESSION_LENGTH);
    expect(rejection(long)?.message).toMatch(/longer than 256 characters/);
    expect(rejection('1'.repeat(100_000))?.message).toMatch(/longer than 256 characters/);
  });

  it.each([
    ['parentheses', `${'('.repeat(40)}epoch${')'.repeat(40)}`],
    ['unary signs', `${'-'.repeat(60)}epoch`],
    ['power chains', `${'2 ** '.repeat(40)}epoch`],
    ['calls', `${'abs('.repeat(40)}epoch${')'.repeat(40)}`],
  ])('rejects nesting deeper than the depth limit: %s', (_kind, source) => {
    expect(source.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    expect(rejection(source)?.message).toMatch(/nested more than 32 levels deep/);
  });

  it('accepts nesting up to the depth limit', () => {
    const depth = MAX_EXPRESSION_DEPTH - 1;
    const source = `${'('.repeat(depth)}epoch${')'.repeat(depth)}`;
    expect(compileExpression(source)(3)).toBe(3);
  });

  it('rejects non-string input', () => {
    expect(() => compileExpression(42 as unknown as string)).toThrow(OptimError);
  });

  it('never throws anything but an OptimError, and never returns a non-number, for arbitrary input', () => {
    const alphabet = fc.constantFrom(...'epoch0123456789.+-*/%() ,eminaxbslqrtcfloi_[]`"\'$={}'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 64 })),
        fc.integer({ min: 0, max: 1000 }),
        (source, epoch) => {
          try {
            const value = compileExpression(source)(epoch);
            expect(typeof value).toBe('number');
            expect(Number.isFinite(value)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(OptimError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
