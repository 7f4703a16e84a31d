import type { BinaryOperator, ExpressionNode } from './ast.js';
import { ExpressionError } from './expression-error.js';
import { parseExpression } from './parse-expression.js';
import {
  divide,
  floorDivide,
  modulo,
  PythonArithmeticError,
  power,
  pythonFunctions,
} from './python-arithmetic.js';

type Evaluate = (x: number) => number;

const binaryOperators: Record<BinaryOperator, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': divide,
  '//': floorDivide,
  '%': modulo,
  '**': power,
};

/**
 * Compiles a torch `lr_lambda` written as data (e.g. `"0.95 ** epoch"`, `"min(1.0, (epoch + 1) / 5)"`)
 * into a function of `epoch` with Python's arithmetic. The result is a tree of closures over a
 * whitelist: no eval, Function, vm or property access is involved, and the only inputs are the
 * variable and numeric literals. Syntax errors throw an `ExpressionError` naming the position;
 * so do evaluation errors (division by zero at that epoch, a math domain error, a non-finite
 * result), which Python would raise as well.
 *
 * `variable` names the argument (`epoch` for lr_lambda; CyclicLR's scale_fn uses `x`); `path`
 * is the option the errors are reported against (e.g. "lr_lambda/1").
 */
export function compileExpression(
  source: string,
  { variable = 'epoch', path }: { variable?: string; path?: string } = {},
): (value: number) => number {
  const context: Context = { source, variable, path };
  const evaluate = compileNode(
    withPath(path, () => parseExpression(source, variable)),
    context,
  );
  return (value) => {
    const result = evaluate(value);
    if (!Number.isFinite(result)) {
      throw new ExpressionError(`evaluates to ${result} for ${variable} = ${value}`, source, 0, path);
    }
    return result;
  };
}

function withPath<T>(path: string | undefined, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw error instanceof ExpressionError && path !== undefined ? error.at(path) : error;
  }
}

interface Context {
  source: string;
  variable: string;
  path: string | undefined;
}

function compileNode(node: ExpressionNode, context: Context): Evaluate {
  switch (node.kind) {
    case 'number': {
      const value = node.value;
      return () => value;
    }
    case 'variable':
      return (x) => x;
    case 'unary': {
      const operand = compileNode(node.operand, context);
      return node.operator === '-' ? (x) => -operand(x) : operand;
    }
    case 'binary': {
      const left = compileNode(node.left, context);
      const right = compileNode(node.right, context);
      const apply = binaryOperators[node.operator];
      return (x) => guarded(context, node.position, x, () => apply(left(x), right(x)));
    }
    case 'call': {
      const fn = pythonFunctions.get(node.name)!;
      const args = node.args.map((arg) => compileNode(arg, context));
      return (x) => guarded(context, node.position, x, () => fn.apply(...args.map((arg) => arg(x))));
    }
  }
}

/** Turns Python's runtime errors into an ExpressionError at the operator's position. */
function guarded(context: Context, position: number, x: number, compute: () => number): number {
  try {
    return compute();
  } catch (error) {
    if (error instanceof PythonArithmeticError) {
      throw new ExpressionError(
        `${error.message} (for ${context.variable} = ${x})`,
        context.source,
        position,
        context.path,
      );
    }
    throw error;
  }
}
