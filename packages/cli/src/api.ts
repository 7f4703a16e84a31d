import {
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

/** The whole leaderboard, best first, page by page. */
export async function getAllTrials(client: HypersweepClient, id: string): Promise<Leaderboard> {
  const first = await unwrap(
    client.GET('/v1/sweeps/{id}/trials', { params: { path: { id }, query: { limit: PAGE, offset: 0 } } }),
  );
  const items = [...first.items];
  while (items.length < first.total) {
    const page = await unwrap(
      client.GET('/v1/sweeps/{id}/trials', {
        params: { path: { id }, query: { limit: PAGE, offset: items.length } },
      }),
    );
    if (page.items.length === 0) break; // trials deleted meanwhile
    items.push(...page.items);
  }
  return { ...first, items };
}
