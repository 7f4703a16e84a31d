/**
 * Exit codes, as scripts around the CLI rely on them:
 * 0 success; 1 the operation failed (sweep failed or cancelled, not found, conflict); 2 bad input (usage,
 * unreadable file, invalid spec); 3 the API could not be reached; 130 interrupted (Ctrl-C).
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2, unreachable: 3, interrupted: 130 } as const;

/** An error meant for the user: printed as one line (plus `lines`), never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly lines: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}
