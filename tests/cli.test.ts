import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, injectClient, jsonFile, listen, runCli, Terminal } from './cli-helpers.js';
import { type Stack, startStack, waitFor, waitForSweepToEnd } from './helpers.js';

// The `hypersweep` CLI as a subprocess against the real API (listening on a free port), one worker,
// real Postgres and Redis.

/** Rosenbrock trains in milliseconds: 2 learning rates x 2 seeds. */
const smallSpec = {
  name: 'cli small',
  workload: 'rosenbrock',
  training: { epochs: 20 },
  optimizers: [{ type: 'SGD', lr: [0.001, 0.002] }],
  seeds: [0, 1],
  objective: { metric: 'train_loss', mode: 'min' },
};
/** Runs until cancelled. */
const longSpec = {
  name: 'cli long',
  workload: 'rosenbrock',
  training: { epochs: 100_000 },
  optimizers: [{ type: 'SGD', lr: [0.0001, 0.0002, 0.0003] }],
};

const lines = (text: string) => text.split('\n').filter((line) => line.length > 0);

describe('the hypersweep CLI', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
    url = await listen(stack.app);
  });
  afterAll(async () => {
    await stack?.close();
  });
  const cli = (...args: string[]) => runCli(args, { HYPERSWEEP_URL: url });

  it('prints help and its version, and exits 2 on a usage error', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'submit',
      'ls',
      'status',
      'top',
      'cancel',
      'delete',
      'export',
      'preview',
      'catalog',
      'keys',
      'audit',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(help.stdout).toContain('HYPERSWEEP_URL');
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badChoice = await cli('export', '00000000-0000-4000-8000-000000000000', '--format', 'xml');
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('Allowed choices are csv, json');
  });

  it('exits 3 with one line naming the URL when nothing listens there', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const deadUrl = `http://127.0.0.1:${port}`;
    for (const args of [
      ['ls'],
      ['--url', deadUrl, 'status', '0123abcd'],
      ['submit', jsonFile('s.json', smallSpec)],
    ]) {
      const result = await runCli(args, { HYPERSWEEP_URL: deadUrl });
      expect(result.code, result.stderr).toBe(3);
      expect(lines(result.stderr)).toEqual([
        `hypersweep: cannot reach the hypersweep API at ${deadUrl} (ECONNREFUSED)`,
      ]);
      expect(result.stdout).toBe('');
    }
  });

  it('prints each problem of an invalid spec as "path: message" and exits 2', async () => {
    const bad = jsonFile('bad.json', {
      workload: 'rosenbrock',
      optimizers: [{ type: 'SGD', lr: -1, momentun: 0.9 }],
      schedulers: [{ type: 'StepLR' }],
    });
    const result = await cli('submit', bad);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const problems = lines(result.stderr);
    expect(problems.map((line) => line.slice(0, line.indexOf(': ')))).toEqual([
      '/optimizers/0/lr',
      '/optimizers/0/momentun',
      '/schedulers/0',
    ]);
    expect(problems[1]).toContain('did you mean "momentum"');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const notJson = await cli('submit', jsonFile('broken.json', '{"workload": '));
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^hypersweep: .*broken\.json: not valid JSON/);
    const missing = await cli('submit', '/nonexistent/spec.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('hypersweep: /nonexistent/spec.json: no such file');
  });

  it('submit --wait follows a sweep to completion, then reads it back as tables, JSON and CSV', async () => {
    const result = await cli('submit', jsonFile('small.json', smallSpec), '--wait');
    expect(result.code, result.stderr).toBe(0);
    const id = /submitted sweep ([0-9a-f-]{36}) "cli small": 4 trials/.exec(result.stderr)?.[1];
    expect(id).toBeDefined();
    // not a terminal: plain progress lines, the last one at 4/4
    const progress = lines(result.stderr).filter((line) => line.includes('trials ended'));
    expect(progress.at(-1)).toMatch(
      /: 4\/4 trials ended, 4 completed, best train_loss [0-9.e-]+, ETA -, completed$/,
    );
    expect(result.stdout).toMatch(
      new RegExp(`^sweep ${id} completed, best train_loss [0-9.e-]+ \\(trial \\d+, `),
    );

    const client = injectClient(stack.app);
    const { data: detail } = await client.GET('/v1/sweeps/{id}', { params: { path: { id: id! } } });
    expect(detail?.status).toBe('completed');

    // --json on read commands: the API's own objects
    const status = await cli('status', id!, '--json');
    expect(JSON.parse(status.stdout)).toEqual(detail);
    // the 8 characters ls and the bars print stand for the id; watch follows a sweep again (ended: at once)
    expect(JSON.parse((await cli('status', id!.slice(0, 8), '--json')).stdout)).toEqual(detail);
    const watched = await cli('watch', id!.slice(0, 8));
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`^sweep ${id} completed, best train_loss`));
    const nobody = await cli('status', id!.startsWith('f') ? '0000000' : 'fffffff');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/^hypersweep: no sweep's id starts with (0000000|fffffff)\n$/);
    const notAnId = await cli('status', 'nope');
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('is not a sweep id (36 characters) nor the start of one');
    const plainStatus = await cli('status', id!);
    expect(plainStatus.stdout).toMatch(/^status:\s+completed$/m);
    expect(plainStatus.stdout).toMatch(/^trials:\s+4 \(4 completed\)$/m);
    const listed = JSON.parse((await cli('ls', '--json')).stdout) as { id: string }[];
    expect(listed.map((s) => s.id)).toContain(id);
    expect((await cli('ls')).stdout).toMatch(new RegExp(`^${id}\\s+cli small\\s+completed\\s+4\\s`, 'm'));

    const top = JSON.parse((await cli('top', id!, '-n', '3', '--json')).stdout) as { bestValue: number }[];
    expect(top).toHaveLength(3);
    expect(top.map((t) => t.bestValue)).toEqual([...top.map((t) => t.bestValue)].sort((a, b) => a - b));
    const table = lines((await cli('top', id!)).stdout);
    expect(table[0]).toMatch(/^RANK\s+TRIAL\s+STATUS\s+TRAIN_LOSS\s+STEP\s+LR\s+SEED$/);
    expect(table).toHaveLength(5);
    // --by config: the two seeds of each lr are one row
    const groups = JSON.parse((await cli('top', id!, '--by', 'config', '--json')).stdout) as {
      config: { lr: number };
      seeds: number[];
      mean: number;
    }[];
    expect(groups.map((g) => g.config.lr).sort()).toEqual([0.001, 0.002]);
    for (const group of groups) expect(group.seeds.sort()).toEqual([0, 1]);
    expect(groups[0]!.mean).toBeLessThanOrEqual(groups[1]!.mean);

    // CSV: a header, then one row per trial, swept options as columns
    const csv = await cli('export', id!, '--format', 'csv');
    expect(csv.code).toBe(0);
    const [header, ...rows] = lines(csv.stdout);
    const columns = header!.split(',');
    expect(columns.slice(0, 5)).toEqual(['trial_id', 'index', 'status', 'lr', 'seed']);
    expect(columns).toContain('best_value');
    expect(rows).toHaveLength(4);
    const cells = rows.map((row) => row.split(','));
    for (const row of cells) expect(row).toHaveLength(columns.length);
    expect(cells.map((row) => [row[3], row[4]])).toEqual([
      ['0.001', '0'],
      ['0.001', '1'],
      ['0.002', '0'],
      ['0.002', '1'],
    ]);
    const json = JSON.parse((await cli('export', id!, '--format', 'json')).stdout) as Record<
      string,
      unknown
    >[];
    expect(json.map((row) => Object.keys(row))).toEqual(rows.map(() => columns));
    expect(json.map((row) => String(row.best_value))).toEqual(
      cells.map((row) => row[columns.indexOf('best_value')]),
    );

    // a finished sweep cannot be cancelled (409: exit 1); deleting it works once
    const cancel = await cli('cancel', id!);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('already completed');
    expect((await cli('delete', id!)).code).toBe(0);
    const gone = await cli('status', id!);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`hypersweep: sweep ${id} not found`);
  });

  it('submit --wait exits 1 when the sweep is cancelled meanwhile', async () => {
    const waiting = cli('submit', jsonFile('long.json', longSpec), '--wait');
    const created = await waitFor(async () => {
      const sweeps = JSON.parse((await cli('ls', '--json', '--status', 'running')).stdout) as {
        id: string;
        name: string;
      }[];
      return sweeps.find((s) => s.name === 'cli long');
    }, 'the long sweep to run');
    const cancel = await cli('cancel', created.id, '--json');
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id: created.id, status: 'cancelled' });
    const result = await waiting;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^sweep ${created.id} cancelled`));
    // the next test's sweep runs on the worker these trials leave
    expect((await waitForSweepToEnd(stack.app, created.id)).status).toBe('cancelled');
  });

  it('extend grows a grid by seeds (only the new cells) and says where a bad entry is wrong', async () => {
    const submitted = await cli(
      'submit',
      jsonFile('grow.json', { ...smallSpec, name: 'cli grow' }),
      '--wait',
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = /submitted sweep ([0-9a-f-]{36})/.exec(submitted.stderr)![1]!;
    const grown = await cli('extend', id.slice(0, 8), '--seeds', '2');
    expect(grown.code, grown.stderr).toBe(0);
    expect(grown.stdout.trim()).toBe(`sweep ${id}: 2 trials added (4 already in the sweep), 6 in all`);
    const watched = await cli('watch', id);
    expect(watched.code, watched.stderr).toBe(0);
    const bad = await cli('extend', id, '--optimizers', '[{"type": "SGD", "lr": -1}]');
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)[0]).toMatch(/^\/optimizers\/0\/lr: /);
    const notJson = await cli('extend', id, '--schedulers', '[{');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^hypersweep: --schedulers: not valid JSON/);
  });

  it('draws a progress bar on a terminal', async () => {
    const file = jsonFile('small.json', { ...smallSpec, name: 'cli tty' });
    const terminal = new Terminal(`node ${CLI_BIN} submit ${file} --wait`, { HYPERSWEEP_URL: url });
    try {
      const screen = await terminal.waitFor(/EXIT=\d+/, 'the exit status');
      expect(screen).toContain('EXIT=0');
      // the bar's last frame: full, 4/4 trials, the best value and the status
      expect(screen).toMatch(
        /cli tty █+ 4\/4 trials ended, 4 completed \| best train_loss [0-9.e-]+ \| ETA - \| completed/,
      );
      expect(screen).not.toContain('trials ended, 4 completed, best'); // the plain lines are for pipes only
    } finally {
      terminal.close();
    }
  });

  it('Ctrl-C during submit --wait asks whether to cancel; "y" cancels and exits 1', async () => {
    const file = jsonFile('long.json', { ...longSpec, name: 'cli ctrl-c' });
    // not under npx, whatever ran this test (`npx vitest` sets npm_command=exec for everything below it)
    const terminal = new Terminal(`node ${CLI_BIN} submit ${file} --wait`, {
      HYPERSWEEP_URL: url,
      npm_command: '',
    });
    try {
      const running = await terminal.waitFor(/\| running/, 'a running sweep');
      const id = /submitted sweep ([0-9a-f-]{36})/.exec(running)![1]!;
      terminal.keys('C-c');
      await terminal.waitFor(/Cancel sweep [0-9a-f-]{36}\? \[y\/N\]/, 'the question');
      terminal.keys('y', 'Enter');
      const screen = await terminal.waitFor(/EXIT=\d+/, 'the exit status');
      expect(screen).toContain(`sweep ${id} cancelled`);
      expect(screen).toContain('EXIT=1');
      expect((await waitForSweepToEnd(stack.app, id)).status).toBe('cancelled');
    } finally {
      terminal.close();
    }
  });

  // npx exits 130 the moment Ctrl-C is pressed (seen with npm 11: `npx node script.js` in a terminal gives its
  // status before the script has handled the signal) and gives the terminal back to the shell, so under npx
  // (npm_command=exec) the CLI asks nothing: the sweep is left running, and the CLI says how to go on.
  it('Ctrl-C under npx leaves the sweep running, says how to follow or cancel it, and exits 130', async () => {
    const file = jsonFile('long.json', { ...longSpec, name: 'cli ctrl-c npx' });
    const terminal = new Terminal(`node ${CLI_BIN} submit ${file} --wait`, {
      HYPERSWEEP_URL: url,
      npm_command: 'exec',
    });
    try {
      const running = await terminal.waitFor(/\| running/, 'a running sweep');
      const id = /submitted sweep ([0-9a-f-]{36})/.exec(running)![1]!;
      terminal.keys('C-c');
      const screen = await terminal.waitFor(/EXIT=\d+/, 'the exit status');
      expect(screen).toContain('EXIT=130');
      expect(screen.replace(/\n/g, '')).toContain(`Follow again with: hypersweep watch ${id}`);
      expect(screen).not.toContain('[y/N]');
      const left = await injectClient(stack.app).GET('/v1/sweeps/{id}', { params: { path: { id } } });
      expect(['queued', 'running']).toContain(left.data?.status);
      await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` });
      expect((await waitForSweepToEnd(stack.app, id)).status).toBe('cancelled');
    } finally {
      terminal.close();
    }
  });

  it('previews a schedule as a sparkline and lists the catalog', async () => {
    const args = [
      'preview',
      '--optimizer',
      'SGD',
      '--lr',
      '0.1',
      '--scheduler',
      'StepLR',
      '-s',
      'step_size=5',
      '-s',
      'gamma=0.5',
      '--steps',
      '20',
    ];
    const json = JSON.parse((await cli(...args, '--json')).stdout) as { lrs: number[][] };
    expect(json.lrs.map((row) => row[0])).toEqual(
      Array.from({ length: 20 }, (_, k) => 0.1 * 0.5 ** Math.floor(k / 5)),
    );
    const plain = lines((await cli(...args, '--width', '20')).stdout);
    expect(plain[0]).toBe('SGD lr=0.1 + StepLR step_size=5 gamma=0.5, 20 steps');
    // four plateaus of five steps, each lower than the one before
    expect(plain[1]).toMatch(
      /^lr\s+█████▄▄▄▄▄▂▂▂▂▂▁▁▁▁▁ {2}0\.1 → 0\.0125 \(max 0\.1 at step 1, min 0\.0125 at step 16\)$/,
    );
    // a spec-style JSON entry works the same as the flags
    const fromJson = await cli(
      'preview',
      '--optimizer',
      '{"type":"SGD","lr":0.1}',
      '--scheduler',
      '{"type":"StepLR","step_size":5,"gamma":0.5}',
      '--steps',
      '20',
      '--json',
    );
    expect(JSON.parse(fromJson.stdout)).toEqual(json);
    const invalid = await cli('preview', '--lr', '0.1', '--scheduler', 'StepLR', '--steps', '5');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^\/scheduler\S*: .*step_size/m);

    const catalog = JSON.parse((await cli('catalog', '--json')).stdout) as Record<string, object>;
    expect(Object.keys(catalog).sort()).toEqual([
      'layers',
      'losses',
      'optimizers',
      'schedulers',
      'workloads',
    ]);
    const conv = (await cli('catalog', 'Conv2d')).stdout;
    expect(conv).toMatch(/^Conv2d \(layer\)/);
    expect(conv).toMatch(/^in_channels\s+\(inferred\)/m);
    expect(conv).toMatch(/^out_channels\s+\(required\)/m);
    const stepLr = (await cli('catalog', 'StepLR')).stdout;
    expect(stepLr).toMatch(/^step_size\s+\(required\)/m);
    expect(stepLr).toMatch(/^gamma\s+0\.1\s/m);
    const unknown = await cli('catalog', 'Adamm');
    expect(unknown.code).toBe(1);
  });
});

describe('the hypersweep CLI against a server with API keys', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ apiEnv: { API_KEYS: 'cli-key' } });
    url = await listen(stack.app);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sends --api-key or HYPERSWEEP_API_KEY as a bearer token', async () => {
    const file = jsonFile('small.json', smallSpec);
    const without = await runCli(['submit', file], { HYPERSWEEP_URL: url });
    expect(without.code).toBe(1);
    expect(lines(without.stderr)).toEqual([
      'hypersweep: this route needs Authorization: Bearer <API key>',
      'hint: pass --api-key or set HYPERSWEEP_API_KEY',
    ]);
    const flag = await runCli(['--api-key', 'cli-key', 'submit', file, '--json'], { HYPERSWEEP_URL: url });
    expect(flag.code, flag.stderr).toBe(0);
    const { id } = JSON.parse(flag.stdout) as { id: string };
    const env = await runCli(['delete', id], { HYPERSWEEP_URL: url, HYPERSWEEP_API_KEY: 'cli-key' });
    expect(env.code, env.stderr).toBe(0);
  });

  it('keys create prints a project key once; keys ls lists it; keys revoke stops it; audit shows both', async () => {
    const admin = { HYPERSWEEP_URL: url, HYPERSWEEP_API_KEY: 'cli-key' };
    const created = await runCli(['keys', 'create', '--project', 'vision', '--role', 'write'], admin);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^hs_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    const id = key.slice(3, 11);
    expect(created.stderr).toContain(`write key ${id} of project vision: shown this once`);
    const listed = await runCli(['keys', 'ls'], admin);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+hs_${id}_\\s+vision\\s+write\\s`, 'm'));
    expect(listed.stdout).not.toContain(key);
    const revoked = await runCli(['keys', 'revoke', id], admin);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await runCli(['ls'], { HYPERSWEEP_URL: url, HYPERSWEEP_API_KEY: key });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('invalid API key');
    const audit = await runCli(['audit', '--json'], admin);
    const actions = (JSON.parse(audit.stdout) as Array<{ action: string; target: string | null }>).map(
      (e) => `${e.action} ${e.target}`,
    );
    expect(actions).toEqual(expect.arrayContaining([`DELETE /v1/keys/:id ${id}`, `POST /v1/keys ${id}`]));
  });
});
