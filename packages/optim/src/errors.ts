/**
 * Raised for invalid optimizer / scheduler arguments. `message` follows torch's wording
 * where torch has one ("Invalid learning rate: -0.1"); `path` names the offending option.
 */
export class OptimError extends Error {
  override readonly name = 'OptimError';
  constructor(
    message: string,
    /** Option (or option path, e.g. "betas/0") that is wrong, when one is. */
    readonly path?: string,
  ) {
    super(message);
  }
}
