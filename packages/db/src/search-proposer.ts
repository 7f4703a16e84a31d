import { type Proposer, type ProtocolPorts, type Settled, settleSweep as settle } from '@hypersweep/core';
import type { ObservedTrial } from '@hypersweep/search';
import {
  configHash,
  configKey,
  type DatasetInfo,
  datasetLookup,
  evaluationConfigs,
  proposeSearchConfig,
  type TrialConfig,
  type WorkloadInfo,
} from '@hypersweep/spec';
import { createSettleStore, type StatementRunner } from './lifecycle-store.js';
import type { Transactional } from './queryable.js';

/** packages/spec's sampler as the lifecycle's proposer: config number `sample` of a search. */
export function searchProposer(workloads: readonly WorkloadInfo[]): Proposer {
  return (spec, history, sample, datasets) => {
    const proposal = proposeSearchConfig(spec, history as ObservedTrial[], sample, {
      workloads,
      datasets: datasetLookup(datasets as readonly DatasetInfo[]),
    });
    if (!proposal.ok) return { ok: false, errors: proposal.errors };
    return {
      ok: true,
      trials: proposal.trials.map((config) => ({
        config,
        configHash: configHash(config),
        params: proposal.params,
      })),
    };
  };
}

/** packages/spec's protocol rules as the lifecycle's: a tuning config's identity, and its evaluation trials. */
export const protocolPorts: ProtocolPorts = {
  configKey: (config) => configKey(config as TrialConfig),
  evaluationTrials: (config, seeds) =>
    evaluationConfigs(config as TrialConfig, seeds).map((c) => ({ config: c, configHash: configHash(c) })),
};

/** What settling logs: a sampled config skipped, a settlement that failed (pino's `warn` fits). */
export interface SettleLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface SettleDeps {
  pool: Transactional;
  /** The workloads a proposal resolves against (the trainer's). */
  workloads: readonly WorkloadInfo[];
  /** Kicked after a settlement wrote jobs or events to the outbox. */
  relay: { kick(): void };
  log?: SettleLog;
  /** Wraps each transaction (the worker retries while Postgres is unreachable). */
  run?: StatementRunner;
}

/**
 * Settles a sweep after one of its trials ended (and in every reconciler pass): @hypersweep/core's
 * settleSweep over Postgres with packages/spec's sampler and protocol rules. A sampled config whose options are invalid
 * together is logged and skipped. The worker and the API (external trials) settle through this.
 */
export function sweepSettler(deps: SettleDeps): (sweepId: string) => Promise<Settled> {
  const ports = {
    store: createSettleStore(deps.pool, deps.run),
    relay: deps.relay,
    propose: searchProposer(deps.workloads),
    protocol: protocolPorts,
    onSkipped: (sweepId: string, sample: number, errors: unknown) =>
      deps.log?.warn({ sweepId, sample, errors }, 'sampled config skipped: invalid'),
  };
  return (sweepId) => settle(ports, sweepId);
}

/**
 * The lifecycle's `settle` port: settles, and when that fails leaves the sweep as it is (it must not look
 * done with budget left) for the reconciler, logged.
 */
export function settleOrLeave(
  settleOne: (sweepId: string) => Promise<Settled>,
  log: SettleLog,
): (sweepId: string) => Promise<void> {
  return async (sweepId) => {
    await settleOne(sweepId).catch((error: unknown) =>
      log.warn({ err: error, sweepId }, 'settling the sweep failed; the reconciler retries'),
    );
  };
}
