import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ConnectionError, type SweepEvent, sweepEvents } from '../src/index.js';

// A real HTTP server speaking SSE the way the API does, so reconnects and errors can be forced.
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sweepEvent = (status: string) =>
  JSON.stringify({ type: 'sweep', sweepId: 's1', status, at: '2026-12-02T00:00:00.000Z' });

describe('sweepEvents', () => {
  it('parses events split across chunks, reconnects when the stream drops, and sends the API key', async () => {
    const connections: (string | undefined)[] = [];
    const baseUrl = await listen((request, response) => {
      connections.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('retry: 20\n\n: keep-alive\n\n');
      const data = sweepEvent(connections.length === 1 ? 'running' : 'completed');
      // one event written in two pieces, then the connection ends
      response.write(`event: sweep\ndata: ${data.slice(0, 10)}`);
      setTimeout(() => response.end(`${data.slice(10)}\n\n`), 10);
    });
    const reconnects: number[] = [];
    const seen: SweepEvent[] = [];
    for await (const event of sweepEvents({ baseUrl, apiKey: 'k1' }, 's1', {
      onReconnect: (attempt) => reconnects.push(attempt),
    })) {
      seen.push(event);
      if (event.type === 'sweep' && event.status === 'completed') break;
    }
    expect(seen.map((e) => (e.type === 'sweep' ? e.status : e.type))).toEqual(['running', 'completed']);
    expect(connections).toEqual(['Bearer k1', 'Bearer k1']);
    expect(reconnects).toEqual([1]);
  });

  it('throws the API error of a 404 at once, without retrying', async () => {
    let requests = 0;
    const baseUrl = await listen((_request, response) => {
      requests += 1;
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          statusCode: 404,
          error: 'Not Found',
          message: 'sweep s1 not found',
          details: [{ path: '/params/id', message: 'no sweep has this id' }],
        }),
      );
    });
    const error = await sweepEvents({ baseUrl }, 's1')
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: 'sweep s1 not found' });
    expect((error as ApiError).details).toEqual([{ path: '/params/id', message: 'no sweep has this id' }]);
    expect(requests).toBe(1);
  });

  it('gives up with a ConnectionError naming the URL after maxRetries failed attempts', async () => {
    const baseUrl = await listen(() => {});
    await new Promise<void>((resolve) => server!.close(() => resolve())); // nothing listens there now
    server = undefined;
    const attempts: number[] = [];
    const events = sweepEvents({ baseUrl }, 's1', {
      maxRetries: 2,
      retryMs: 10,
      onReconnect: (n) => attempts.push(n),
    });
    const error = await events.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain(baseUrl);
    expect(attempts).toEqual([1, 2]);
  });
});
