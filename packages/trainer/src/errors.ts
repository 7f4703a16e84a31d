/**
 * A trial configuration the trainer cannot run (unknown workload, option or parameter group,
 * a backend that is not available). Retrying the same trial cannot succeed, so a worker should
 * fail it without retries.
 */
export class TrainerError extends Error {
  override readonly name = 'TrainerError';
  constructor(
    message: string,
    /** Config path of the offending value, e.g. "workload/options/hidden", when there is one. */
    readonly path?: string,
  ) {
    super(message);
  }
}
