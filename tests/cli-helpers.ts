import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHypersweepClient, type HypersweepClient } from '@hypersweep/client';
import type { FastifyInstance } from 'fastify';
import { waitFor } from './helpers.js';

/** The launcher npm links as node_modules/.bin/hypersweep. */
export const CLI_BIN = fileURLToPath(new URL('../packages/cli/bin/hypersweep.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a subprocess (stdin closed, no terminal) and collects what it printed. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: { ...process.env, HYPERSWEEP_URL: '', HYPERSWEEP_API_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Listens on a free port of 127.0.0.1 and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Writes `value` as JSON into a fresh temporary directory and returns the file's path. */
export function jsonFile(name: string, value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'hypersweep-cli-'));
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/**
 * The typed client on an app that does not listen: requests go through `app.inject`, so e2e tests get
 * the generated types without opening a port.
 */
export function injectClient(app: FastifyInstance, apiKey?: string): HypersweepClient {
  return createHypersweepClient({
    baseUrl: 'http://hypersweep.test',
    ...(apiKey ? { apiKey } : {}),
    fetch: async (request) => {
      const url = new URL(request.url);
      const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      const response = await app.inject({
        method: request.method as 'GET',
        url: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        ...(body ? { payload: body } : {}),
      });
      const headers = new Headers();
      for (const [key, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : String(value));
      }
      const noBody = response.statusCode === 204 || response.statusCode === 304;
      return new Response(noBody ? null : response.rawPayload, { status: response.statusCode, headers });
    },
  });
}

/**
 * A terminal for the CLI: a detached tmux session on a server of its own (`-L`), so the test never
 * touches anyone else's tmux. `screen()` is what the terminal shows now.
 */
export class Terminal {
  private readonly socket = `hypersweep-test-${randomBytes(4).toString('hex')}`;
  private readonly session = 'cli';

  constructor(command: string, env: Record<string, string>) {
    const exports = Object.entries(env)
      .map(([key, value]) => `export ${key}='${value}';`)
      .join(' ');
    // The exit status is printed after the command so the test can read it off the screen.
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.session,
      '-x',
      '160',
      '-y',
      '30',
      `${exports} ${command}; echo "EXIT=$?"; sleep 600`,
    );
  }

  private tmux(...args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** Waits until the screen matches `pattern`, and returns the screen. */
  waitFor(pattern: RegExp, what: string, timeoutMs = 90_000): Promise<string> {
    return waitFor(
      async () => {
        const screen = this.screen();
        return pattern.test(screen) ? screen : undefined;
      },
      `the terminal to show ${what}`,
      timeoutMs,
    );
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
