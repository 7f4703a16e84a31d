import { compileExpression } from '../expr/compile-expression.js';
import type { OptimizerLike } from '../types.js';
import { perGroup } from './per-group.js';

export type LrLambda = (epoch: number) => number;

/**
 * LambdaLR's and MultiplicativeLR's `lr_lambda`: one expression for every group or one per group
 * (torch: "Expected 2 lr_lambdas, but got 3"), compiled to functions of the epoch. Parse and
 * evaluation errors (e.g. division by zero at some epoch) name `lr_lambda` (or `lr_lambda/i`).
 */
export function compileLrLambdas(optimizer: OptimizerLike, lrLambda: string | readonly string[]): LrLambda[] {
  const sources = perGroup(
    optimizer,
    'lr_lambda',
    lrLambda,
    (expected, got) => `Expected ${expected} lr_lambdas, but got ${got}`,
  );
  return sources.map((source, index) =>
    compileExpression(source, { path: Array.isArray(lrLambda) ? `lr_lambda/${index}` : 'lr_lambda' }),
  );
}
