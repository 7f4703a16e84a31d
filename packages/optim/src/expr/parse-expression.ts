import type { BinaryOperator, ExpressionNode } from './ast.js';
import { ExpressionError } from './expression-error.js';
import { pythonConstants, pythonFunctions } from './python-arithmetic.js';
import { type Token, tokenize } from './tokenize.js';

/** Longer sources are rejected before tokenizing: lambdas are one-liners. */
export const MAX_EXPRESSION_LENGTH = 256;
/** Nesting limit for parentheses, calls, unary signs and `**` chains, so no input can exhaust the stack. */
export const MAX_EXPRESSION_DEPTH = 32;

/**
 * Parses a lambda expression with Python's precedence
 * (https://docs.python.org/3/reference/expressions.html#operator-precedence):
 *
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '//' | '%') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := atom ('**' unary)?          -- right-associative; `-2 ** 2` is -(2 ** 2), `2 ** -1` is 0.5
 *   atom    := number | variable | constant | function '(' sum (',' sum)* ')' | '(' sum ')'
 *
 * Only `variable` and the whitelisted constants and functions are names; anything else is an
 * error naming its position.
 */
export function parseExpression(source: string, variable = 'epoch'): ExpressionNode {
  if (typeof source !== 'string') {
    throw new ExpressionError(`expected a string, got ${typeof source}`, String(source), 0);
  }
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `longer than ${MAX_EXPRESSION_LENGTH} characters (${source.length})`,
      `${source.slice(0, 32)}...`,
      MAX_EXPRESSION_LENGTH,
    );
  }
  return new Parser(source, tokenize(source), variable).parse();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly variable: string,
  ) {}

  parse(): ExpressionNode {
    if (this.peek().kind === 'end') throw this.error('empty expression', this.peek());
    const node = this.parseSum();
    const next = this.peek();
    if (next.kind !== 'end') throw this.error(`unexpected ${describe(next)}`, next);
    return node;
  }

  private parseSum(): ExpressionNode {
    return this.parseLeftAssociative(['+', '-'], () => this.parseProduct());
  }

  private parseProduct(): ExpressionNode {
    return this.parseLeftAssociative(['*', '/', '//', '%'], () => this.parseUnary());
  }

  /** operand (operator operand)*, folded to the left: `a - b - c` is `(a - b) - c`. */
  private parseLeftAssociative(operators: string[], parseOperand: () => ExpressionNode): ExpressionNode {
    let node = parseOperand();
    for (let token = this.peek(); isOperator(token, ...operators); token = this.peek()) {
      this.index += 1;
      const right = parseOperand();
      const operator = token.text as BinaryOperator;
      node = { kind: 'binary', operator, left: node, right, position: token.position };
    }
    return node;
  }

  private parseUnary(): ExpressionNode {
    const token = this.peek();
    return this.nested(token, () => {
      if (isOperator(token, '+', '-')) {
        this.index += 1;
        const operand = this.parseUnary();
        return { kind: 'unary', operator: token.text as '+' | '-', operand, position: token.position };
      }
      return this.parsePower();
    });
  }

  private parsePower(): ExpressionNode {
    const base = this.parseAtom();
    const token = this.peek();
    if (!isOperator(token, '**')) return base;
    this.index += 1;
    const exponent = this.parseUnary();
    return { kind: 'binary', operator: '**', left: base, right: exponent, position: token.position };
  }

  private parseAtom(): ExpressionNode {
    const token = this.next();
    if (token.kind === 'number') return { kind: 'number', value: token.value, position: token.position };
    if (isOperator(token, '(')) {
      const inner = this.parseSum();
      this.expect(')', token);
      return inner;
    }
    if (token.kind !== 'name') throw this.error(`unexpected ${describe(token)}`, token);
    const called = isOperator(this.peek(), '(');
    if (token.text === this.variable || pythonConstants.has(token.text)) {
      if (called) throw this.error(`${JSON.stringify(token.text)} is not a function`, token);
      if (token.text === this.variable) return { kind: 'variable', position: token.position };
      return { kind: 'number', value: pythonConstants.get(token.text)!, position: token.position };
    }
    const fn = pythonFunctions.get(token.text);
    if (fn === undefined) {
      throw this.error(
        `unknown name ${JSON.stringify(token.text)}; allowed: ${[this.variable, ...pythonConstants.keys(), ...pythonFunctions.keys()].join(', ')}`,
        token,
      );
    }
    if (!called) throw this.error(`${token.text} is a function: call it as ${token.text}(...)`, token);
    this.index += 1;
    const args: ExpressionNode[] = [];
    if (!isOperator(this.peek(), ')')) {
      args.push(this.parseSum());
      while (isOperator(this.peek(), ',')) {
        this.index += 1;
        args.push(this.parseSum());
      }
    }
    this.expect(')', token);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.minArgs === fn.maxArgs
          ? `${fn.minArgs}`
          : fn.maxArgs === Number.POSITIVE_INFINITY
            ? `at least ${fn.minArgs}`
            : `${fn.minArgs} to ${fn.maxArgs}`;
      throw this.error(`${token.text}() takes ${expected} arguments, got ${args.length}`, token);
    }
    return { kind: 'call', name: token.text, args, position: token.position };
  }

  private nested(token: Token, parse: () => ExpressionNode): ExpressionNode {
    this.depth += 1;
    if (this.depth > MAX_EXPRESSION_DEPTH) {
      throw this.error(`nested more than ${MAX_EXPRESSION_DEPTH} levels deep`, token);
    }
    const node = parse();
    this.depth -= 1;
    return node;
  }

  private expect(text: string, opening: Token): void {
    const token = this.next();
    if (!isOperator(token, text)) {
      throw this.error(
        `expected ${JSON.stringify(text)} to close the ${JSON.stringify(opening.text)} at position ${opening.position}, got ${describe(token)}`,
        token,
      );
    }
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private error(reason: string, token: Token): ExpressionError {
    return new ExpressionError(reason, this.source, token.position);
  }
}

function isOperator(token: Token, ...texts: string[]): boolean {
  return token.kind === 'operator' && texts.includes(token.text);
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of expression' : JSON.stringify(token.text);
}
