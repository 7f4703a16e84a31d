import {
  type ConfigBoard,
  createHypersweepClient,
  type HypersweepClient,
  type Leaderboard,
  type SweepDetail,
  unwrap,
} from '@hypersweep/client';
import type { Command } from 'commander';

export interface GlobalOptions {
  url: string;
  apiKey?: string;
}

/** The typed client for the `--url` / `--api-key` (or HYPERSWEEP_URL / HYPERSWEEP_API_KEY) in effect. */
export function clientFor(command: Command): HypersweepClient {
  const { url, apiKey } = command.optsWithGlobals<GlobalOptions>();
  return createHypersweepClient({ baseUrl: url, ...(apiKey ? { apiKey } : {}) });
}

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
