import {
  type Benchmark,
  type ConfigBoard,
  createHypersweepClient,
  type HypersweepClient,
  type Leaderboard,
  type SweepDetail,
  unwrap,
} from '@hypersweep/client';
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.js';

export interface GlobalOptions {
  url: string;
  apiKey?: string;
}

/** The typed client for the `--url` / `--api-key` (or HYPERSWEEP_URL / HYPERSWEEP_API_KEY) in effect. */
export function clientFor(command: Command): HypersweepClient {
  const { url, apiKey } = command.optsWithGlobals<GlobalOptions>();
  return createHypersweepClient({ baseUrl: url, ...(apiKey ? { apiKey } : {}) });
}

const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A sweep id as the user typed it: a full id as it is, or the first characters of one (the 8 that `ls`,
 * the progress bars and the dashboard show) resolved through GET /v1/sweeps?idPrefix= when exactly one
 * sweep's id starts with them.
 */
export async function resolveSweepId(client: HypersweepClient, given: string): Promise<string> {
  if (FULL_ID.test(given)) return given;
  if (!/^[0-9a-f-]{1,35}$/i.test(given)) {
    throw new CliError(`"${given}" is not a sweep id (36 characters) nor the start of one`, EXIT.badInput);
  }
  const page = await unwrap(client.GET('/v1/sweeps', { params: { query: { idPrefix: given, limit: 2 } } }));
  const [first, second] = page.items;
  if (first === undefined) throw new CliError(`no sweep's id starts with ${given}`, EXIT.failed);
  if (second !== undefined) {
    throw new CliError(
      `${given} starts the ids of several sweeps (${first.id}, ${second.id}, ...): give more of the id`,
      EXIT.badInput,
    );
  }
  return first.id;
}

/** A tune-then-evaluate sweep's answer (GET /v1/sweeps/:id/benchmark). */
export const getBenchmark = (client: HypersweepClient, id: string): Promise<Benchmark> =>
  unwrap(client.GET('/v1/sweeps/{id}/benchmark', { params: { path: { id }, query: { format: 'json' } } }));

export const getSweep = (client: HypersweepClient, id: string): Promise<SweepDetail> =>
  unwrap(client.GET('/v1/sweeps/{id}', { params: { path: { id } } }));

const PAGE = 1000;

/** Every item of a paged list (`limit`/`offset`, `total`), page by page. */
async function allPages<T extends { total: number; items: unknown[] }>(
  get: (offset: number) => Promise<T>,
): Promise<T> {
  const first = await get(0);
  const items = [...first.items];
  while (items.length < first.total) {
    const page = await get(items.length);
    if (page.items.length === 0) break; // trials deleted meanwhile
    items.push(...page.items);
  }
  return { ...first, items };
}

/** The whole leaderboard, best first. */
export const getAllTrials = (client: HypersweepClient, id: string): Promise<Leaderboard> =>
  allPages((offset) =>
    unwrap(
      client.GET('/v1/sweeps/{id}/trials', {
        params: { path: { id }, query: { limit: PAGE, offset, format: 'json' } },
      }),
    ),
  );

/** The whole leaderboard by config (GET /v1/sweeps/:id/configs: seeds grouped, best mean first). */
export const getAllConfigs = (client: HypersweepClient, id: string): Promise<ConfigBoard> =>
  allPages((offset) =>
    unwrap(
      client.GET('/v1/sweeps/{id}/configs', {
        params: { path: { id }, query: { limit: PAGE, offset, format: 'json' } },
      }),
    ),
  );
