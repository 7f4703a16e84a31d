import { readTrialConfigs, type TrialResultRow } from '@hypersweep/db';
import { type ComparedTrial, canonicalJson, type TrialConfig, withoutSeed } from '@hypersweep/spec';
import type pg from 'pg';

interface Entry {
  config: TrialConfig;
  /** canonical JSON of the config without its seed: the seed-group key */
  seedlessText: string;
}

/**
 * Trial configs by trial id. A trial's config never changes after it is inserted, so the comparison
 * routes read only the changing columns of a sweep's trials on every request and the configs once (the
 * JSON of 1,000 configs costs more to read and parse than everything else together). Least recently used
 * entries go first beyond `max`.
 */
export class TrialConfigCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly max = 20_000) {}

  /** The trials with their configs, reading from Postgres only the configs not held yet. */
  async withConfigs(
    db: Pick<pg.Pool, 'query'>,
    results: readonly TrialResultRow[],
  ): Promise<Array<ComparedTrial & TrialResultRow & { seedlessText: string }>> {
    const missing = results.filter((r) => !this.entries.has(r.id)).map((r) => r.id);
    const fresh = new Map<string, Entry>();
    for (const { id, config } of await readTrialConfigs(db, missing)) {
      const trialConfig = config as TrialConfig;
      fresh.set(id, { config: trialConfig, seedlessText: canonicalJson(withoutSeed(trialConfig)) });
    }
    return results.flatMap((r) => {
      const entry = this.entries.get(r.id) ?? fresh.get(r.id);
      if (!entry) return []; // deleted between the two reads
      this.touch(r.id, entry);
      return [{ ...r, config: entry.config, seedlessText: entry.seedlessText }];
    });
  }

  private touch(id: string, entry: Entry) {
    this.entries.delete(id);
    this.entries.set(id, entry);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
