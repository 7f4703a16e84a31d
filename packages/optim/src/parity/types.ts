/** The outcome of one reference case of the parity suite (one line of the parity CLI's output). */
export interface CaseResult {
  /** The case's name (its file name without `.json`). */
  name: string;
  ok: boolean;
  /** Why it failed, e.g. "step 3, param w1[5]: got 0.1, want 0.2". */
  message?: string;
}
