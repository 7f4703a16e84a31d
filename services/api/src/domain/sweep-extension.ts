import { extendableSweepStatuses, extendGrid, growSearch } from '@hypersweep/core';
import { datasetsOfSweep, type SweepRow } from '@hypersweep/db';
import {
  configHash,
  type DatasetLookup,
  datasetLookup,
  datasetReferences,
  validateSweepSpec,
} from '@hypersweep/spec';
import { type ApiContext, sweepOr404 } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { isSearch } from './compared-trials.js';
import { handoff } from './queue-handoff.js';
import { type ExtendInput, invalidExtension } from './request-validation.js';

/**
 * Checks that `adding` more trials keep the sweep's project within its limits (the active-trials limit,
 * plugins/limits.ts); throws the 429 when they would not.
 */
export type AdmitTrials = (adding: number) => Promise<void>;

/** POST /v1/sweeps/:id/extend: a grid grows by cells, a random / TPE search by samples. */
export async function extendSweep(
  context: ApiContext,
  id: string,
  body: ExtendInput,
  admit: AdmitTrials = async () => {},
) {
  const sweep = await sweepOr404(context, id);
  if (sweep.protocol !== null) {
    // Growing one optimizer's budget would make the comparison unfair.
    const message = `sweep ${id} runs the tune-then-evaluate protocol: every optimizer has the same budget, so it cannot grow; submit a new sweep`;
    throw new HttpError(409, message, [{ path: '/params/id', message }]);
  }
  if (isSearch(sweep)) return extendSearch(context, sweep, body, admit);
  checkGridExtension(sweep, body);
  const datasets = await sweepDatasets(context, sweep);
  const { grown, trials } = validateGrownGrid(context, sweep.spec as Record<string, unknown>, body, datasets);
  const candidates = trials.map((trial) => ({ config: trial, configHash: configHash(trial) }));
  // The grown grid less the cells the sweep has: the trials this adds.
  await admit(Math.max(0, candidates.length - sweep.trialCount));
  const outcome = await extendGrid(context.sweeps, id, candidates, grown);
  if (outcome.kind === 'missing') throw notFound('sweep', id);
  if (outcome.kind === 'refused') throw cannotGrow(id, outcome.status);
  return {
    id,
    status: outcome.status as 'queued' | 'running',
    added: outcome.added.map((t) => ({ ...t, config: t.config as Record<string, unknown> })),
    reused: outcome.reused,
    grownBy: outcome.added.length,
    createdBy: 'request' as const,
    trialCount: outcome.trialCount,
    ...handoff(outcome.added.length === 0 ? { enqueued: true } : outcome),
  };
}

const cannotGrow = (id: string, status: string) =>
  new HttpError(409, `sweep ${id} is ${status}; only a queued, running or completed sweep can grow`, [
    { path: '/params/id', message: `the sweep is ${status}` },
  ]);

/** What a grid extension must hold before its entries are looked at, and whether the sweep may grow. */
function checkGridExtension(sweep: SweepRow, body: ExtendInput): void {
  if (body.trials !== undefined) {
    const message =
      'this sweep is a grid: grow it with seeds, optimizers or schedulers; trials adds samples to a random or TPE search';
    throw new HttpError(400, message, [{ path: '/trials', message }]);
  }
  if (body.seeds === undefined && body.optimizers === undefined && body.schedulers === undefined) {
    const message = 'nothing to add: give seeds, optimizers or schedulers';
    throw new HttpError(400, message, [{ path: '', message }]);
  }
  if (!(extendableSweepStatuses as readonly string[]).includes(sweep.status))
    throw cannotGrow(sweep.id, sweep.status);
}

/**
 * The datasets the sweep was created with: its spec's dataset names resolve to these (never to a dataset
 * uploaded since under the same name), so new trials read the data the others read. A sweep whose dataset
 * was deleted since cannot grow (409).
 */
async function sweepDatasets(context: ApiContext, sweep: SweepRow): Promise<DatasetLookup> {
  const references = datasetReferences(sweep.spec);
  if (references.length === 0) return () => undefined;
  const linked = await datasetsOfSweep(context.pool, sweep.id);
  const lookup = datasetLookup(linked);
  const missing = references.filter((reference) => lookup(reference) === undefined);
  if (missing.length > 0) {
    const message = `the dataset ${missing.join(', ')} this sweep trains on was deleted; the sweep cannot grow`;
    throw new HttpError(409, message, [{ path: '/params/id', message }]);
  }
  return lookup;
}

/** The grown spec and its grid, validated as POST /v1/sweeps validates; every error points into the body. */
function validateGrownGrid(
  context: ApiContext,
  stored: Record<string, unknown>,
  body: ExtendInput,
  datasets: DatasetLookup,
) {
  const limits = { workloads: context.workloads, maxTrials: context.config.maxTrials, datasets };
  // The additions alone, in place of the sweep's own lists: every error points into this body.
  const alone = validateSweepSpec({ ...stored, ...body }, limits);
  if (!alone.ok) throw invalidExtension(alone.errors);
  const grown = grownSpec(stored, body, alone.spec.seeds);
  const result = validateSweepSpec(grown, limits);
  if (!result.ok)
    throw invalidExtension(result.errors.map((e) => ({ ...e, path: intoBody(e.path, stored) })));
  return { grown, trials: result.trials };
}

/**
 * A random / TPE search grows by samples: the budget only, in one locked transaction; the workers'
 * proposer creates the new trials after the existing ones (the reconciler finds the sweep owed them).
 */
async function extendSearch(context: ApiContext, sweep: SweepRow, body: ExtendInput, admit: AdmitTrials) {
  const id = sweep.id;
  const { maxTrials } = context.config;
  const refused = (['seeds', 'optimizers', 'schedulers'] as const).filter(
    (field) => body[field] !== undefined,
  );
  if (refused.length > 0) {
    throw invalidExtension(
      refused.map((field) => ({
        path: `/${field}`,
        message: `a random or TPE search grows by trials (more samples); ${field} cannot be added to it`,
      })),
    );
  }
  if (body.trials === undefined) {
    const message = 'nothing to add: give trials, the number of samples to add to the search';
    throw new HttpError(400, message, [{ path: '/trials', message }]);
  }
  const seeds = (sweep.spec as { seeds?: unknown }).seeds;
  await admit(body.trials * (Array.isArray(seeds) ? seeds.length : 1));
  const outcome = await growSearch(context.sweeps, id, body.trials, maxTrials);
  if (outcome.kind === 'missing') throw notFound('sweep', id);
  if (outcome.kind === 'not-search') throw new HttpError(409, `sweep ${id} is not a random or TPE search`);
  if (outcome.kind === 'refused') throw cannotGrow(id, outcome.status);
  if (outcome.kind === 'too-many') {
    const message = `the search would have ${outcome.trialCount} trials; the limit is ${maxTrials}`;
    throw invalidExtension([{ path: '/trials', message }]);
  }
  return {
    id,
    status: outcome.status as 'queued' | 'running',
    added: [],
    reused: 0,
    grownBy: outcome.grownBy,
    createdBy: 'workers' as const,
    trialCount: outcome.trialCount,
    ...handoff(outcome),
  };
}

/**
 * A pointer into the grown spec as one into the request: appended entries lose the stored entries' count
 * (`/schedulers/3` of a grown list of 2 + 2 is `/schedulers/1` of the body); other paths stay.
 */
function intoBody(path: string, stored: Record<string, unknown>): string {
  const match = /^\/(optimizers|schedulers)\/(\d+)(.*)$/.exec(path);
  if (!match) return path;
  const field = match[1]!;
  const before =
    stored[field] === undefined ? (field === 'schedulers' ? 1 : 0) : (stored[field] as unknown[]).length;
  const index = Number(match[2]);
  return index >= before ? `/${field}/${index - before}${match[3]}` : path;
}

/** The stored spec grown by the additions: seeds joined (old first), optimizer and scheduler entries appended. */
function grownSpec(stored: Record<string, unknown>, body: ExtendInput, addedSeeds: number[]) {
  const grown: Record<string, unknown> = { ...stored };
  if (body.seeds !== undefined) {
    const old = stored['seeds'] === undefined ? [0] : ([] as number[]).concat(stored['seeds'] as number[]);
    grown['seeds'] = [...new Set([...old, ...addedSeeds])];
  }
  if (body.optimizers !== undefined)
    grown['optimizers'] = [...(stored['optimizers'] as unknown[]), ...body.optimizers];
  if (body.schedulers !== undefined) {
    grown['schedulers'] = [
      ...((stored['schedulers'] as unknown[] | undefined) ?? [null]),
      ...body.schedulers,
    ];
  }
  return grown;
}
