import { type Proposer, type ProtocolPorts, type Settled, settleSweep as settle } from '@hypersweep/core';
import { createSettleStore, type StatementRunner, type Transactional } from '@hypersweep/db';
import type { ObservedTrial } from '@hypersweep/search';
import {
  configHash,
  configKey,
  type DatasetInfo,
  datasetLookup,
  evaluationConfigs,
  proposeSearchConfig,
  type TrialConfig,
} from '@hypersweep/spec';
import { workloadInfos } from '@hypersweep/trainer';
import type { Logger } from 'pino';

const context = { workloads: workloadInfos() };

/** packages/spec's sampler as the lifecycle's proposer: config number `sample` of a search. */
export const proposeTrials: Proposer = (spec, history, sample, datasets) => {
  const proposal = proposeSearchConfig(spec, history as ObservedTrial[], sample, {
    ...context,
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

/** packages/spec's protocol rules as the lifecycle's: a tuning config's identity, and its evaluation trials. */
export const protocolPorts: ProtocolPorts = {
  configKey: (config) => configKey(config as TrialConfig),
  evaluationTrials: (config, seeds) =>
    evaluationConfigs(config as TrialConfig, seeds).map((c) => ({ config: c, configHash: configHash(c) })),
};

export interface SettleDeps {
  pool: Transactional;
  /** Kicked after a settlement wrote jobs or events to the outbox. */
  relay: { kick(): void };
  log?: Pick<Logger, 'warn'>;
  /** Wraps each transaction (the worker retries while Postgres is unreachable). */
  run?: StatementRunner;
}

/**
 * Settles a sweep after one of its trials ended (and in every reconciler pass): @hypersweep/core's
 * settleSweep over Postgres with packages/spec's sampler. A sampled config whose options are invalid
 * together is logged and skipped.
 */
export function sweepSettler(deps: SettleDeps): (sweepId: string) => Promise<Settled> {
  const ports = {
    store: createSettleStore(deps.pool, deps.run),
    relay: deps.relay,
    propose: proposeTrials,
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
  settle: (sweepId: string) => Promise<Settled>,
  log: Pick<Logger, 'warn'>,
): (sweepId: string) => Promise<void> {
  return async (sweepId) => {
    await settle(sweepId).catch((error: unknown) =>
      log.warn({ err: error, sweepId }, 'settling the sweep failed; the reconciler retries'),
    );
  };
}
