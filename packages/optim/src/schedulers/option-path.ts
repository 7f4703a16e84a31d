import { OptimError } from '../errors.js';
import { ExpressionError } from '../expr/expression-error.js';

/**
 * Runs `build` and re-attributes its OptimError to a spec nested under `prefix`: an option path
 * ("gamma", "lr_lambda/1") moves under `prefix/options/`, while "type" and "options" paths (which
 * name keys of the spec itself) move under `prefix/`. E.g. in SequentialLR, "T_max" of the second
 * scheduler becomes "schedulers/1/options/T_max".
 */
export function withPathPrefix<T>(prefix: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof OptimError)) throw error;
    const path = error.path ?? '';
    const specKey = path === '' || path === 'type' || path === 'options' || path.startsWith('options/');
    const nestedPath = path === '' ? prefix : specKey ? `${prefix}/${path}` : `${prefix}/options/${path}`;
    throw error instanceof ExpressionError ? error.at(nestedPath) : new OptimError(error.message, nestedPath);
  }
}
