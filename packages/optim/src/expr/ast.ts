/** The syntax tree of a lambda expression; `position` is the 0-based offset of the node's token. */
export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**';

export type ExpressionNode =
  | { kind: 'number'; value: number; position: number }
  | { kind: 'variable'; position: number }
  | { kind: 'unary'; operator: '+' | '-'; operand: ExpressionNode; position: number }
  | {
      kind: 'binary';
      operator: BinaryOperator;
      left: ExpressionNode;
      right: ExpressionNode;
      position: number;
    }
  | { kind: 'call'; name: string; args: ExpressionNode[]; position: number };
