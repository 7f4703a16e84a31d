import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sweepOr404 } from '../context.js';
import { HttpError } from '../errors.js';
import { errorResponses, IdParams } from '../schemas.js';
import { withTimeout } from '../with-timeout.js';

const HEARTBEAT_MS = 15_000;
const SUBSCRIBE_TIMEOUT_MS = 2_000;

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.get(
    '/v1/sweeps/:id/events',
    {
      schema: {
        tags: ['sweeps'],
        summary:
          'Live events (Server-Sent Events): trial started / progress / finished, sweep status changes',
        description:
          'Events: `sweep` (status; sent first as a snapshot and on every change), `trial.started`, `trial.progress` (a few per second per running trial at most), `trial.finished`. Each `data:` line is one JSON object with a `type`. Comment lines keep the connection alive. When the server loses its event feed (a Redis restart) it ends the stream; clients reconnect (`retry: 3000`) and get a fresh `sweep` snapshot.',
        params: IdParams,
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses,
        },
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const { id } = request.params;
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
    },
  );
};
