import { withTimeout } from '@hypersweep/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiContext, sweepOr404 } from '../context.js';
import { HttpError } from '../errors.js';

const HEARTBEAT_MS = 15_000;
const SUBSCRIBE_TIMEOUT_MS = 2_000;

/**
 * GET /v1/sweeps/:id/events: subscribes to the sweep's events (a 503 when Redis does not answer), then takes
 * the reply over and streams them as Server-Sent Events, a `sweep` snapshot first, until the client leaves
 * or the feed has a gap (the client reconnects and gets a fresh snapshot).
 */
export async function streamSweepEvents(
  context: ApiContext,
  id: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const sweep = await sweepOr404(context, id);
  const raw = reply.raw;
  const send = (type: string, data: string) => raw.write(`event: ${type}\ndata: ${data}\n\n`);
  const subscribing = context.events.subscribe(
    id,
    (message) => send((JSON.parse(message) as { type: string }).type, message),
    () => raw.end(), // events may have been missed: the client reconnects and gets a fresh snapshot
  );
  const unsubscribe = await withTimeout(subscribing, SUBSCRIBE_TIMEOUT_MS, 'no answer').catch(() => {
    void subscribing.then(
      (unsubscribeLate) => unsubscribeLate(),
      () => {},
    );
    throw new HttpError(503, 'live events are unavailable: Redis does not answer');
  });
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 3000\n\n');
  send(
    'sweep',
    JSON.stringify({ type: 'sweep', sweepId: id, status: sweep.status, at: new Date().toISOString() }),
  );
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const close = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  request.raw.on('close', close);
}
