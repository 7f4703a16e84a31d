export type { BinaryOperator, ExpressionNode } from './ast.js';
export { compileExpression } from './compile-expression.js';
export { ExpressionError } from './expression-error.js';
export { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH, parseExpression } from './parse-expression.js';
