import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type AccessStore, createAccessStore, sweepProject, trialProject } from '../src/access-store.js';
import { seedSweep, useStoreDatabase } from './store-fixture.js';

describe('API keys and projects in Postgres', () => {
  let pool: pg.Pool;
  let store: AccessStore;
  useStoreDatabase((opened) => {
    pool = opened.pool;
    store = createAccessStore(pool);
  });

  it('stores only the sha256 of a key, finds it by its id, refuses another secret and a revoked key', async () => {
    expect(await store.anyKeys()).toBe(false);
    const { key, info } = await store.createKey({ project: 'vision', role: 'write' });
    expect(key).toMatch(/^hs_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({
      id: key.slice(3, 11),
      prefix: `hs_${key.slice(3, 11)}_`,
      project: 'vision',
    });
    const { rows } = await pool.query('SELECT * FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(key.slice(12));
    expect(await store.anyKeys()).toBe(true);
    // the project was created by its first key
    expect((await pool.query("SELECT name FROM projects WHERE name = 'vision'")).rowCount).toBe(1);

    expect(await store.authenticate(key)).toEqual({ keyId: info.id, role: 'write', project: 'vision' });
    const forged = `${key.slice(0, 12)}${'A'.repeat(43)}`;
    expect(await store.authenticate(forged)).toBeNull();
    expect(await store.authenticate('not-a-key')).toBeNull();

    await expect.poll(async () => (await store.getKey(info.id))?.lastUsedAt).not.toBeNull();
    expect((await store.revokeKey(info.id))?.revokedAt).not.toBeNull();
    expect(await store.authenticate(key)).toBeNull();
    expect(await store.revokeKey('nokey000')).toBeNull();
  });

  it("lists one project's keys, or every key for a global scope", async () => {
    await store.createKey({ project: 'nlp', role: 'read' });
    await store.createKey({ project: null, role: 'admin' });
    expect(new Set((await store.listKeys('nlp')).map((k) => k.project))).toEqual(new Set(['nlp']));
    const all = (await store.listKeys(null)).map((k) => k.project);
    expect(all).toEqual(expect.arrayContaining(['vision', 'nlp', null]));
  });

  it('puts a sweep and its trials in a project (default: `default`)', async () => {
    const plain = await seedSweep(pool, 1);
    expect(await sweepProject(pool, plain.sweepId)).toBe('default');
    const own = await seedSweep(pool, 2, { project: 'vision' });
    expect(await sweepProject(pool, own.sweepId)).toBe('vision');
    expect(await trialProject(pool, own.trialIds[1]!)).toBe('vision');
    expect(await trialProject(pool, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
