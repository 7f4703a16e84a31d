import { createRedis, eventPattern } from '@hypersweep/queue';
import type { Redis } from 'ioredis';

type Listener = (message: string) => void;

/**
 * One Redis subscription per API process (pattern `<prefix>:events:*`) fanned out to the SSE clients of
 * each sweep, so a thousand open dashboards cost one Redis connection, not a thousand.
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber: Redis | undefined;
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {}

  async subscribe(sweepId: string, listener: Listener): Promise<() => void> {
    if (!this.subscriber) {
      const subscriber = createRedis(this.redisUrl);
      subscriber.on('error', () => {});
      const head = `${this.prefix}:events:`;
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
        for (const l of this.listeners.get(channel.slice(head.length)) ?? []) l(message);
      });
      this.subscriber = subscriber;
      this.ready = subscriber.psubscribe(eventPattern(this.prefix));
    }
    await this.ready;
    const set = this.listeners.get(sweepId) ?? new Set<Listener>();
    this.listeners.set(sweepId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sweepId);
    };
  }

  get clientCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  close(): void {
    this.subscriber?.disconnect();
    this.listeners.clear();
  }
}
