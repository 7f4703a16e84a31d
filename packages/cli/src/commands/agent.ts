import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { clientFor, type GlobalOptions, resolveSweepId } from '../api.js';
import { CliError, EXIT } from '../errors.js';

/**
 * `hypersweep agent SWEEP -- COMMAND ARGS...`: trains the trials of an external sweep by running COMMAND
 * once per trial it claims (POST /v1/sweeps/:id/claim). The command finds its trial in its environment
 * (HYPERSWEEP_CONFIG: a JSON file with the claim), reports with the Python client; the agent keeps the
 * lease alive while it runs, finishes the trial from its exit status when the command did not, stops it
 * (SIGTERM, then SIGKILL after --grace) when the trial is pruned or its sweep cancelled, and on Ctrl-C
 * stops its commands and hands their trials back (POST /v1/trials/:id/hand-back): the next claim resumes
 * them.
 */

interface Claimed {
  trial: { id: string; index: number; config: unknown; params: unknown; resumeFrom: number };
  lease: { token: string; expiresAt: string };
}

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
  retryAfter: number;
}

class Api {
  constructor(
    private readonly url: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** A trial's status now (after a finish the trial answered 409 to: pruned, cancelled...). */
  async status(trialId: string): Promise<string> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}/v1/trials/${trialId}`).catch(() => null);
    const body = res?.ok ? ((await res.json()) as { status?: string }) : null;
    return body?.status ?? 'ended';
  }

  /** A POST, retried on 5xx and connection errors (a server restart must not cost a trial). */
  async post(path: string, body: unknown): Promise<Answer> {
    let delay = 250;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(this.url.replace(/\/$/, '') + path, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        const parsed = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
        if (res.status < 500 || attempt >= 8)
          return {
            status: res.status,
            body: parsed,
            retryAfter: Number(res.headers.get('retry-after') ?? 1),
          };
      } catch (error) {
        if (attempt >= 8)
          throw new CliError(`cannot reach ${this.url}: ${(error as Error).message}`, EXIT.unreachable);
      }
      await sleep(delay * (1 + Math.random()));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const short = (id: string) => id.slice(0, 8);

export interface AgentOptions {
  count?: number;
  parallel: number;
  grace: number;
  worker?: string;
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description(
      'Train the trials of an external sweep (workload.external) by running COMMAND once per trial: claims them, keeps their leases alive, stops a pruned or cancelled trial, finishes it from the exit status',
    )
    .argument('<sweep>', 'sweep id (or the first characters of one)')
    .argument('<command...>', 'the training command and its arguments, after --')
    .addOption(
      new Option('--count <n>', 'stop after this many trials (default: until the sweep ends)').argParser(
        positive,
      ),
    )
    .addOption(new Option('--parallel <p>', 'trials run at once').default(1).argParser(positive))
    .addOption(
      new Option('--grace <ms>', 'after SIGTERM, how long a stopped command has before SIGKILL')
        .default(10_000)
        .argParser(positive),
    )
    .addOption(new Option('--worker <name>', "shown as the trials' workerId (default: host/pid)"))
    .addHelpText(
      'after',
      `
The command runs with HYPERSWEEP_URL, HYPERSWEEP_API_KEY, HYPERSWEEP_TRIAL_ID, HYPERSWEEP_TRIAL_TOKEN and
HYPERSWEEP_CONFIG (a JSON file: {"trial": {id, index, config, params, resumeFrom}, "lease": {token,
expiresAt}}) in its environment; clients/python's Trial.from_env() reads them. Exit status 0 finishes the
trial completed, anything else failed. Ctrl-C stops the commands and hands their trials back.

Example:
  hypersweep agent 3f2a9c1d --parallel 2 -- python examples/pytorch/train.py`,
    )
    .action(async (sweep: string, command: string[], options: AgentOptions, cmd: Command) => {
      const { url, apiKey } = cmd.optsWithGlobals<GlobalOptions>();
      const sweepId = await resolveSweepId(clientFor(cmd), sweep);
      const code = await runAgent({ url, apiKey, sweepId, command, ...options });
      process.exitCode = code;
    });
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new CliError(`expected a positive integer, got ${value}`, EXIT.badInput);
  return n;
}

export async function runAgent(
  options: AgentOptions & { url: string; apiKey?: string | undefined; sweepId: string; command: string[] },
): Promise<number> {
  const { sweepId, command } = options;
  if (command.length === 0) throw new CliError('missing the command to run after --', EXIT.badInput);
  const api = new Api(options.url, options.apiKey);
  const worker = options.worker ?? `${hostname()}/${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'hypersweep-agent-'));
  const interrupted = new AbortController();
  const running = new Map<string, { child: ChildProcess; token: string }>();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  let claimed = 0;
  let ended = false;
  const tally: Record<string, number> = {};
  const onSignal = () => {
    if (interrupted.signal.aborted) return;
    say(`interrupted: stopping ${running.size} trial(s) and handing them back`);
    interrupted.abort();
    for (const { child } of running.values()) child.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  async function runTrial(claim: Claimed): Promise<void> {
    const { trial, lease } = claim;
    const label = `trial ${trial.index} (${short(trial.id)})`;
    const file = join(dir, `${trial.id}.json`);
    writeFileSync(file, JSON.stringify(claim));
    say(`${label}: claimed${trial.resumeFrom > 0 ? `, resuming after step ${trial.resumeFrom}` : ''}`);
    const child = spawn(command[0]!, command.slice(1), {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        HYPERSWEEP_URL: options.url,
        HYPERSWEEP_API_KEY: options.apiKey ?? '',
        HYPERSWEEP_TRIAL_ID: trial.id,
        HYPERSWEEP_TRIAL_TOKEN: lease.token,
        HYPERSWEEP_CONFIG: file,
      },
    });
    running.set(trial.id, { child, token: lease.token });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('error', (error) => {
        say(`${label}: cannot run ${command[0]}: ${error.message}`);
        resolve({ code: 127, signal: null });
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    let stopped: string | null = null;
    let finishedBy: string | null = null;
    const stop = (reason: string) => {
      if (stopped !== null) return;
      stopped = reason;
      say(`${label}: ${reason}; stopping the command (SIGTERM)`);
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), options.grace);
      killer.unref();
      void exited.then(() => clearTimeout(killer));
    };
    // The lease: renewed by an empty report at a third of its length (the command's reports renew it too).
    const leaseMs = Math.max(300, Date.parse(lease.expiresAt) - Date.now());
    const keepAlive = setInterval(async () => {
      if (stopped !== null || finishedBy !== null || interrupted.signal.aborted) return;
      const answer = await api
        .post(`/v1/trials/${trial.id}/report`, { token: lease.token })
        .catch(() => null);
      if (answer === null || stopped !== null || interrupted.signal.aborted) return;
      if (answer.body?.['stop'] === true) stop(String(answer.body['reason']));
      else if (answer.status === 409) {
        // The command ended the trial itself (finish, or its own report was told to stop), or the lease
        // was lost to another agent.
        const status = await api.status(trial.id);
        if (status === 'completed' || status === 'failed') finishedBy = status;
        else stop(status === 'pruned' || status === 'cancelled' ? status : 'lease lost');
      }
    }, leaseMs / 3);
    const { code, signal } = await exited;
    clearInterval(keepAlive);
    running.delete(trial.id);
    rmSync(file, { force: true });
    if (interrupted.signal.aborted) {
      const back = await api.post(`/v1/trials/${trial.id}/hand-back`, { token: lease.token });
      say(`${label}: ${back.status === 200 ? 'handed back' : 'already ended'}`);
      return;
    }
    if (stopped !== null) {
      tally[stopped] = (tally[stopped] ?? 0) + 1;
      say(`${label}: ${stopped}`);
      return;
    }
    const status = code === 0 ? 'completed' : 'failed';
    const error = code === 0 ? null : signal ? `killed by ${signal}` : `exit status ${code}`;
    const answer = await api.post(`/v1/trials/${trial.id}/finish`, { token: lease.token, status, error });
    // 409: the trial ended before the command did (pruned or cancelled as it reported): say how.
    const key = answer.status === 200 ? status : await api.status(trial.id);
    const outcome =
      answer.status === 200
        ? answer.body?.['retried'] === true
          ? `failed (${error}), queued for another attempt`
          : `${status}${error ? ` (${error})` : ''}`
        : key;
    tally[key] = (tally[key] ?? 0) + 1;
    say(`${label}: ${outcome}`);
  }

  async function slot(): Promise<void> {
    while (!interrupted.signal.aborted && !ended) {
      if (options.count !== undefined && claimed >= options.count) return;
      claimed++;
      const answer = await api.post(`/v1/sweeps/${sweepId}/claim`, { worker });
      if (answer.status === 200) {
        await runTrial(answer.body as unknown as Claimed);
        continue;
      }
      claimed--;
      if (answer.status === 204) {
        await sleep(answer.retryAfter * 1000, interrupted.signal);
        continue;
      }
      if (answer.status === 409) {
        ended = true;
        return;
      }
      throw new CliError(String(answer.body?.['message'] ?? `claim answered ${answer.status}`), EXIT.failed);
    }
  }

  try {
    say(`agent ${worker}: sweep ${short(sweepId)}, ${options.parallel} at a time: ${command.join(' ')}`);
    await Promise.all(Array.from({ length: options.parallel }, () => slot()));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
  const counts = Object.entries(tally)
    .map(([what, n]) => `${n} ${what}`)
    .join(', ');
  say(`agent done: ${counts || 'no trials run'}${ended ? '; the sweep has ended' : ''}`);
  return interrupted.signal.aborted ? EXIT.interrupted : EXIT.ok;
}
