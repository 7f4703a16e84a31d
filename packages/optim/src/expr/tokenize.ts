import { ExpressionError } from './expression-error.js';

export type Token =
  | { kind: 'number'; text: string; value: number; position: number }
  | { kind: 'name'; text: string; position: number }
  | { kind: 'operator'; text: string; position: number }
  | { kind: 'end'; text: ''; position: number };

// Longest first, so `**` and `//` win over `*` and `/`.
const OPERATORS = ['**', '//', '+', '-', '*', '/', '%', '(', ')', ','] as const;

// Python's decimal literals without underscores: `3`, `0.5`, `.5`, `1.`, `1e-3`, `2.5E+4`.
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const INTEGER_WITH_LEADING_ZERO = /^0\d/;

/**
 * Splits a lambda expression into tokens. Anything outside the grammar (quotes, backticks,
 * brackets, `.` outside a number, `;`, `=`, newlines, non-ASCII) is rejected here with its position,
 * so attribute access, strings, template literals and statements never reach the parser.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < source.length) {
    const char = source[position]!;
    if (char === ' ' || char === '\t') {
      position += 1;
      continue;
    }
    NUMBER.lastIndex = position;
    const number = NUMBER.exec(source);
    if (number !== null) {
      const text = number[0];
      const isInteger = /^\d+$/.test(text);
      if (isInteger && INTEGER_WITH_LEADING_ZERO.test(text) && !/^0+$/.test(text)) {
        // Python: "leading zeros in decimal integer literals are not permitted".
        throw new ExpressionError('leading zeros are not allowed in integer literals', source, position);
      }
      const after = source[position + text.length];
      if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) {
        throw new ExpressionError(`invalid number literal near ${JSON.stringify(after)}`, source, position);
      }
      tokens.push({ kind: 'number', text, value: Number(text), position });
      position += text.length;
      continue;
    }
    NAME.lastIndex = position;
    const name = NAME.exec(source);
    if (name !== null) {
      tokens.push({ kind: 'name', text: name[0], position });
      position += name[0].length;
      continue;
    }
    const operator = OPERATORS.find((candidate) => source.startsWith(candidate, position));
    if (operator === undefined) {
      throw new ExpressionError(`unexpected character ${JSON.stringify(char)}`, source, position);
    }
    tokens.push({ kind: 'operator', text: operator, position });
    position += operator.length;
  }
  tokens.push({ kind: 'end', text: '', position: source.length });
  return tokens;
}
