/** Why a running trial was stopped; the processor settles the trial accordingly. */
export const StopReason = {
  /** The worker is shutting down: hand the trial back. */
  shutdown: 'worker shutting down',
  cancelled: 'sweep cancelled',
  pruned: 'pruned',
  /** Another worker holds the trial now (this one's lease ran out) or it was deleted. */
  lost: 'trial no longer held by this worker',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

interface Entry {
  sweepId: string;
  controller: AbortController;
}

/** The trials this worker process is training, each with the switch that stops it. */
export class RunningTrials {
  private readonly trials = new Map<string, Entry>();

  start(trialId: string, sweepId: string): AbortController {
    const controller = new AbortController();
    this.trials.set(trialId, { sweepId, controller });
    return controller;
  }

  end(trialId: string): void {
    this.trials.delete(trialId);
  }

  stop(trialId: string, reason: StopReason): void {
    this.trials.get(trialId)?.controller.abort(reason);
  }

  stopSweep(sweepId: string, reason: StopReason): void {
    for (const trial of this.trials.values()) if (trial.sweepId === sweepId) trial.controller.abort(reason);
  }

  stopAll(reason: StopReason): void {
    for (const trial of this.trials.values()) trial.controller.abort(reason);
  }

  ids(): string[] {
    return [...this.trials.keys()];
  }
}
