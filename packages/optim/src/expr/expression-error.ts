import { OptimError } from '../errors.js';

/**
 * A lambda expression that does not parse, names something outside the whitelist, or cannot be
 * evaluated (division by zero, a math domain error). `position` is the 0-based character offset
 * in the source where the problem starts; the message names it too.
 */
export class ExpressionError extends OptimError {
  constructor(
    readonly reason: string,
    readonly source: string,
    readonly position: number,
    path?: string,
  ) {
    super(`Invalid expression ${JSON.stringify(source)} at position ${position}: ${reason}`, path);
  }

  /** The same error attributed to an option (e.g. "lr_lambda/1"), for validation reports. */
  at(path: string): ExpressionError {
    return new ExpressionError(this.reason, this.source, this.position, path);
  }
}
