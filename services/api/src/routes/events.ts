import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { errorResponses, IdParams } from '../schemas.js';

const HEARTBEAT_MS = 15_000;

export const eventRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  app.get(
    '/v1/sweeps/:id/events',
    {
      schema: {
        tags: ['sweeps'],
        summary:
          'Live events (Server-Sent Events): trial started / progress / finished, sweep status changes',
        description:
          'Events: `sweep` (status; sent first as a snapshot and on every change), `trial.started`, `trial.progress` (a few per second per running trial at most), `trial.finished`. Each `data:` line is one JSON object with a `type`. Comment lines keep the connection alive.',
        params: IdParams,
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses,
        },
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const sweep = await context.prisma.sweep.findUnique({ where: { id }, select: { status: true } });
      if (!sweep) throw notFound('sweep', id);
      const raw = reply.raw;
      const send = (type: string, data: string) => raw.write(`event: ${type}\ndata: ${data}\n\n`);
      const unsubscribe = await context.events.subscribe(id, (message) => {
        const type = (JSON.parse(message) as { type: string }).type;
        send(type, message);
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
