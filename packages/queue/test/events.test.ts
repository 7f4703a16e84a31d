import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_URL } from '../src/config.js';
import { checkRedis, createRedis, dropKeyPrefix, redisReady } from '../src/connection.js';
import { cancelChannel, eventChannel, eventPattern, publishEvent, rowsWrittenKey } from '../src/events.js';

const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;

describe('events and connections (real Redis)', () => {
  const prefix = `hsqtest_${randomBytes(5).toString('hex')}`;
  afterAll(async () => {
    await dropKeyPrefix(REDIS_URL, prefix);
  });

  it('publishes a sweep event on its channel, stamped with the time, to pattern subscribers', async () => {
    const subscriber = createRedis(REDIS_URL);
    const publisher = createRedis(REDIS_URL);
    try {
      await subscriber.psubscribe(eventPattern(prefix));
      const received = new Promise<[string, string]>((resolve) =>
        subscriber.once('pmessage', (_pattern: string, channel: string, message: string) =>
          resolve([channel, message]),
        ),
      );
      await publishEvent(publisher, prefix, { type: 'sweep', sweepId: 'abc', status: 'running' });
      const [channel, message] = await received;
      expect(channel).toBe(eventChannel(prefix, 'abc'));
      const event = JSON.parse(message);
      expect(event).toMatchObject({ type: 'sweep', sweepId: 'abc', status: 'running' });
      expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });

  it('keeps every key and channel under the prefix', () => {
    for (const key of [eventChannel(prefix, 's'), cancelChannel(prefix), rowsWrittenKey(prefix)]) {
      expect(key.startsWith(`${prefix}:`)).toBe(true);
    }
  });

  it('drops only the keys under a prefix', async () => {
    const redis = createRedis(REDIS_URL);
    const other = `hsqtest_${randomBytes(5).toString('hex')}`;
    try {
      await redis.set(`${prefix}:a`, '1');
      await redis.set(`${other}:a`, '1');
      await dropKeyPrefix(REDIS_URL, prefix);
      expect(await redis.exists(`${prefix}:a`)).toBe(0);
      expect(await redis.exists(`${other}:a`)).toBe(1);
    } finally {
      await redis.del(`${other}:a`);
      redis.disconnect();
    }
  });

  it('says in one line when Redis is unreachable, and waits for a connection only so long', async () => {
    await expect(checkRedis('redis://127.0.0.1:1', 500)).rejects.toThrow(
      /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*redis-server/,
    );
    await expect(checkRedis(REDIS_URL)).resolves.toBeUndefined();
    const down = createRedis('redis://127.0.0.1:1', { retryStrategy: () => 1000 });
    down.on('error', () => {});
    try {
      await expect(redisReady(down, 200)).rejects.toThrow(/Redis is not connected/);
    } finally {
      down.disconnect();
    }
    const up = createRedis(REDIS_URL);
    try {
      await expect(redisReady(up, 5000)).resolves.toBeUndefined();
    } finally {
      up.disconnect();
    }
  });
});
