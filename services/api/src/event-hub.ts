import { createRedis, eventPattern } from '@hypersweep/queue';
import type { Redis } from 'ioredis';

interface Subscriber {
  onMessage(message: string): void;
  /** The feed had a gap (Redis reconnected): events may have been missed. */
  onGap(): void;
}

/**
 * One Redis subscription per API process (pattern `<prefix>:events:*`) fanned out to the SSE clients of
 * each sweep, so a thousand open dashboards cost one Redis connection, not a thousand. After a reconnect
 * every subscriber hears of the gap (its client then reconnects and starts from a fresh snapshot).
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<Subscriber>>();
  private subscriber: Redis | undefined;
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {}

  async subscribe(
    sweepId: string,
    onMessage: (message: string) => void,
    onGap: () => void,
  ): Promise<() => void> {
    if (!this.subscriber) {
      const subscriber = createRedis(this.redisUrl);
      subscriber.on('error', () => {});
      const head = `${this.prefix}:events:`;
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
        for (const l of this.listeners.get(channel.slice(head.length)) ?? []) l.onMessage(message);
      });
      let connectedOnce = false;
      subscriber.on('ready', () => {
        if (connectedOnce) for (const set of this.listeners.values()) for (const l of set) l.onGap();
        connectedOnce = true;
      });
      this.subscriber = subscriber;
      this.ready = subscriber.psubscribe(eventPattern(this.prefix));
    }
    await this.ready;
    const set = this.listeners.get(sweepId) ?? new Set<Subscriber>();
    this.listeners.set(sweepId, set);
    const entry = { onMessage, onGap };
    set.add(entry);
    return () => {
      set.delete(entry);
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
