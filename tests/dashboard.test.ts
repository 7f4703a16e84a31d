import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStatuses, trialStatuses } from '@hypersweep/spec';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, paintedPixels, SCREENSHOTS } from './browser.js';
import { clearSweeps, type Stack, startStack } from './helpers.js';
import { insertPrunedGrid } from './pruned-grid.js';

// The dashboard in a real Chromium against the real API, an in-process worker, Postgres and Redis.
const API_KEY = 'dashboard-test-key';
// The digits CSV the repository ships (examples/data): uploaded through the datasets page.
const DIGITS_CSV = fileURLToPath(new URL('../examples/data/digits.csv', import.meta.url));
const AUTH = { authorization: `Bearer ${API_KEY}` };

// A name that would run script if the page ever put API data into innerHTML.
const HOSTILE_NAME = 'rosenbrock <img src=x onerror="window.__injected=1">';
const SPEC = {
  name: HOSTILE_NAME,
  workload: 'rosenbrock',
  training: { epochs: 200 },
  optimizers: [{ type: 'Adam', lr: [0.01, 0.1] }],
  objective: { metric: 'train_loss', mode: 'min' },
};

const waitForText = (page: Page, selector: string, text: string) =>
  page.waitForFunction(
    `document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(text)}`,
  );

const waitForCount = (page: Page, selector: string, count: number) =>
  page.waitForFunction(`document.querySelectorAll(${JSON.stringify(selector)}).length === ${count}`);

/** Types the API key into the header, as a user does before anything that writes. */
async function enterApiKey(page: Page) {
  await page.fill('#api-key', API_KEY);
  await page.dispatchEvent('#api-key', 'change');
}

// Every test starts on an empty database with an idle worker and a browser context of its own (the API
// key in its storage, no routes, no page left open): nothing it waits for depends on what an earlier test left behind.
describe('the dashboard', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ workers: 1, apiEnv: { API_KEYS: API_KEY } });
    base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  beforeEach(async () => {
    // bypassCSP: these tests wait on page state with Playwright's string predicates, which the pages'
    // Content-Security-Policy (no eval) refuses; the policy itself is tested below, on every page, unbypassed.
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
    // The server runs with API_KEYS, so every page needs the key (reads too): typed in before it loads.
    await context.addInitScript(`localStorage.setItem('hypersweep.apiKey', '${API_KEY}')`);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterEach(async () => {
    try {
      await context.close();
      // the test's sweeps end (running trials stopped, the worker idle) and go
      await clearSweeps(stack, AUTH);
    } finally {
      // an exception in the dashboard's own code fails the test that caused it
      expect(pageErrors.splice(0)).toEqual([]);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('submits a sweep from the editor and follows it live to completed, without reloading', async () => {
    await page.goto(`${base}/#/new`);
    const editor = page.getByLabel('sweep spec (JSON)');
    await expect.poll(() => editor.inputValue()).toContain('"optimizers"');
    await editor.fill(JSON.stringify(SPEC, null, 2));

    // The server runs with API_KEYS: without the key the 401 is shown where the spec errors go.
    await page.fill('#api-key', '');
    await page.dispatchEvent('#api-key', 'change');
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForSelector('ul.errors li');
    expect(await page.textContent('ul.errors')).toContain('/headers/authorization');

    await enterApiKey(page);
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForFunction("location.hash.startsWith('#/sweeps/')");
    const sweepId = await page.evaluate<string>("location.hash.split('/')[2]");
    await page.evaluate('window.sameDocument = true');

    await page.waitForSelector('h1[data-status="completed"]', { timeout: 60_000 });
    // Still the same document: the page went live through its event stream, not a reload.
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(await page.textContent('h1')).toContain(HOSTILE_NAME);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
    await page.waitForSelector('[data-count="completed"] .value:text-is("2")');

    // The leaderboard is the API's, best first.
    const board = (await stack.app.inject({ url: `/v1/sweeps/${sweepId}/trials`, headers: AUTH })).json() as {
      items: { id: string; bestValue: number }[];
    };
    expect(board.items).toHaveLength(2);
    await waitForCount(page, '.leaderboard tbody tr[data-trial-id]', 2);
    const rows = page.locator('.leaderboard tbody tr');
    const ids = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-trial-id')));
    const best = (await page.locator('.leaderboard td.best-value').allTextContents()).map(Number);
    expect(ids).toEqual(board.items.map((t) => t.id));
    expect(best[0]).toBeLessThan(best[1]!);
    expect(best[0]).toBeCloseTo(board.items[0]!.bestValue, 3);

    // Both trials' loss curves are on the chart, and it is drawn.
    await waitForCount(page, '.loss-chart .u-legend .u-series', 3);
    expect(await paintedPixels(page, '.loss-chart canvas')).toBeGreaterThan(1000);
    expect(await paintedPixels(page, '.lr-chart canvas')).toBeGreaterThan(1000);

    // A trial's own loss + lr chart and its per-epoch metrics.
    await page.click('.leaderboard tbody tr >> nth=0');
    await page.waitForSelector('.trial-chart canvas');
    await page.waitForSelector('table.epochs tbody tr:nth-child(101)');
    expect(await paintedPixels(page, '.trial-chart canvas')).toBeGreaterThan(1000);
    expect(await page.textContent('.trial-panel h2')).toContain(`#`);

    const screenshot = join(SCREENSHOTS, 'sweep.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.info(`dashboard screenshot: ${screenshot}`);

    // "Edit as new" opens the submitted spec in the editor.
    await page.getByRole('button', { name: 'Edit as new' }).click();
    await page.waitForFunction("location.hash === '#/new'");
    expect(JSON.parse(await page.getByLabel('sweep spec (JSON)').inputValue())).toEqual(SPEC);
    await page.goBack();
    await page.waitForSelector('h1[data-status="completed"]');

    // Delete from the page: back to the list, and the sweep is gone from the API.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction("location.hash === '#/'");
    expect((await stack.app.inject({ url: `/v1/sweeps/${sweepId}`, headers: AUTH })).statusCode).toBe(404);
  });

  it('compares configurations: by-config board, banded curves, smoothing, sensitivity, heatmap, effects, overlays, extend', async () => {
    const spec = {
      name: 'compare optimizers',
      workload: { name: 'logistic', options: { trainSize: 200, valSize: 100 } },
      training: { epochs: 3, batchSize: 50 },
      optimizers: [
        { type: 'SGD', lr: [0.01, 0.1] },
        { type: 'Adam', lr: [0.01, 0.1] },
      ],
      schedulers: [null, { type: 'StepLR', step_size: 1, gamma: 0.5 }],
      seeds: [0, 1],
    };
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      payload: spec,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('h1[data-status="completed"]', { timeout: 90_000 });

    // the by-config board is the API's: 8 configs of 2 seeds, best mean first, mean ± std and an interval
    const configs = (await stack.app.inject({ url: `/v1/sweeps/${id}/configs`, headers: AUTH })).json() as {
      items: { key: string; mean: number; n: number }[];
    };
    expect(configs.items).toHaveLength(8);
    await page.waitForFunction(
      `[...document.querySelectorAll('.config-board tbody tr')].filter((r) => r.textContent.includes('2 completed')).length === 8`,
    );
    const keys = await page
      .locator('.config-board tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => (r as unknown as { dataset: { configKey: string } }).dataset.configKey),
      );
    expect(keys).toEqual(configs.items.map((c) => c.key));
    expect(await page.textContent('.config-board tbody tr >> nth=0')).toContain('±');

    // every chart is drawn: loss and lr by config with bands, validation per epoch, lr sensitivity
    await page.waitForSelector('.config-loss-chart[data-groups="5"] canvas');
    for (const chart of ['.config-loss-chart', '.config-lr-chart', '.val-chart', '.lr-sensitivity']) {
      await page.waitForSelector(`${chart} canvas`);
      expect(await paintedPixels(page, `${chart} canvas`), chart).toBeGreaterThan(1000);
    }
    // each axis names its metric; the lr axis is a log one exactly when the charted lrs span more than a decade
    await page.waitForSelector('.val-chart[data-y-label="val_loss"]');
    expect(await page.getAttribute('.lr-sensitivity', 'data-y-label')).toBe('val_loss (min)');
    const lrCurves = (
      await stack.app.inject({ url: `/v1/sweeps/${id}/curves?metric=lr&by=config&limit=5`, headers: AUTH })
    ).json() as {
      groups: { y: { mean: (number | null)[] } }[];
    };
    const lrs = lrCurves.groups.flatMap((g) => g.y.mean).filter((v): v is number => v !== null && v > 0);
    const spansDecade = Math.max(...lrs) / Math.min(...lrs) > 10;
    expect(await page.getAttribute('.config-lr-chart', 'data-log-y')).toBe(String(spansDecade));
    // both boards show their default columns at 1400 px without scrolling sideways
    for (const table of ['.config-board', '.leaderboard']) {
      const overflow = await page.evaluate(`(() => {
        const box = document.querySelector(${JSON.stringify(table)}).parentElement;
        return box.scrollWidth - box.clientWidth;
      })()`);
      expect(overflow, `${table} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
    }
    expect(await page.getAttribute('.lr-sensitivity', 'data-groups')).toBe('2'); // SGD and Adam
    expect((await page.locator('.lr-sensitivity ul.legend li').allTextContents()).sort()).toEqual([
      'Adam',
      'SGD',
    ]);
    // optimizer x scheduler heatmap: 2 x 2 cells of mean objective
    await waitForCount(page, 'table.heatmap td[data-mean]', 4);
    // effects: one bar per swept factor, the method stated
    const effects = (await stack.app.inject({ url: `/v1/sweeps/${id}/effects`, headers: AUTH })).json() as {
      method: string;
      factors: { name: string }[];
    };
    expect(effects.method).toBe('functional-anova');
    await waitForCount(page, '.effects .effect', effects.factors.length);
    expect(await page.locator('.effects .effect .effect-name').allTextContents()).toEqual(
      effects.factors.map((f) => f.name),
    );
    expect(await page.textContent('.effects')).toContain('Exact functional ANOVA');

    // EMA smoothing: the loss is redrawn smoothed (raw faint behind it); the lr never is
    const before = await paintedPixels(page, '.config-loss-chart canvas');
    await page.locator('input[aria-label="smoothing"]').fill('0.8');
    await page.waitForSelector('.config-loss-chart[data-smoothing="0.8"]');
    expect(await page.getAttribute('.config-lr-chart', 'data-smoothing')).toBe('0');
    expect(await paintedPixels(page, '.config-loss-chart canvas')).not.toBe(before);
    await page.selectOption('select[aria-label="band"]', 'std');
    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png'), fullPage: true });

    // overlay picked configs, then picked trials
    await page.check('.config-board tbody tr >> nth=6 >> input[type=checkbox]');
    await page.check('.config-board tbody tr >> nth=7 >> input[type=checkbox]');
    await page.waitForSelector('.config-loss-chart[data-groups="2"]');
    expect(await page.locator('.config-loss-chart ul.legend li').count()).toBe(2);
    await page.check('.leaderboard tbody tr >> nth=0 >> input[type=checkbox]');
    await page.waitForSelector('.config-loss-chart[data-groups="1"]');
    expect(await page.inputValue('select[aria-label="overlay by"]')).toBe('trial');
    expect(await page.textContent('.config-loss-chart ul.legend')).toContain('seed');
    await page.getByRole('button', { name: 'Clear picks' }).click();
    await page.waitForSelector('.config-loss-chart[data-groups="5"]');

    // extend: one more seed; only its 8 cells are new, and the sweep runs them
    await enterApiKey(page);
    await page.fill('input[aria-label="seeds to add"]', '2');
    await page.getByRole('button', { name: 'Extend' }).click();
    await page.waitForSelector(
      '.extend-result:has-text("Added 8 trials (16 already in the sweep); 24 trials now.")',
    );
    await page.waitForSelector('[data-count="trials"] .value:text-is("24")');
    await page.waitForSelector('h1[data-status="completed"]', { timeout: 90_000 });
    await page.waitForFunction(
      `[...document.querySelectorAll('.config-board tbody tr')].filter((r) => r.textContent.includes('3 completed')).length === 8`,
    );
    // a bad addition: the 400 names where
    await page.fill('textarea[aria-label="optimizer entries to add (JSON)"]', '[{"type": "SGD", "lr": -1}]');
    await page.getByRole('button', { name: 'Extend' }).click();
    await page.waitForSelector('.extend-panel ul.errors li');
    expect(await page.textContent('.extend-panel ul.errors li')).toMatch(/^\/optimizers\/0\/lr: /);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-extended.png'), fullPage: true });

    // the short id the CLI prints opens the sweep it belongs to
    await page.goto(`${base}/#/sweeps/${id.slice(0, 8)}`);
    await page.waitForFunction(`location.hash === ${JSON.stringify(`#/sweeps/${id}`)}`);
    await page.waitForSelector('h1[data-status="completed"]');
  });

  it("uploads a dataset from its page, shows a model sweep's layers as torchinfo does, deletes the dataset", async () => {
    await page.goto(`${base}/#/datasets`);
    await page.waitForSelector('.empty:not([hidden])');
    await enterApiKey(page);
    await page.setInputFiles('input[aria-label="dataset file"]', DIGITS_CSV);
    expect(await page.inputValue('input[aria-label="dataset name"]')).toBe('digits');
    await page.getByRole('button', { name: 'Upload' }).click();
    // The built-in dataset's row is there from the start: wait for the upload's.
    await page.waitForSelector('table.datasets tbody tr:has-text("digits")');
    const row = await page.textContent('table.datasets tbody tr:first-child');
    expect(row).toContain('digits');
    expect(row).toContain('1,797');
    expect(row).toContain('p0:int');
    // The built-in dataset is listed after the uploaded ones, with nothing to delete.
    const builtin = await page.textContent('table.datasets tbody tr:last-child');
    expect(builtin).toContain('mnist');
    expect(builtin).toContain('builtin:mnist');
    expect(builtin).toContain('built in');
    expect(await page.locator('table.datasets tbody tr:last-child button').count()).toBe(0);

    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      payload: {
        name: 'digits cnn',
        workload: {
          dataset: { id: 'digits', target: 'label', shape: [1, 8, 8], val: 0.2 },
          model: [
            { type: 'Conv2d', out_channels: 8, kernel_size: 3, padding: 1, name: 'features' },
            { type: 'ReLU' },
            { type: 'MaxPool2d', kernel_size: 2 },
            { type: 'Flatten' },
            { type: 'Linear', out_features: 10, name: 'classifier' },
          ],
          loss: { type: 'CrossEntropyLoss' },
        },
        training: { epochs: 1, batchSize: 64 },
        optimizers: [{ type: 'Adam', lr: 0.01 }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('.model-summary:not([hidden]) table.model-table tbody tr');
    expect(await page.textContent('.model-summary summary')).toBe('Model: 1,370 parameters, input [1, 8, 8]');
    expect(await page.locator('table.model-table tbody tr').allTextContents()).toEqual([
      '0Conv2d (features)[8, 8, 8]80',
      '1ReLU[8, 8, 8]0',
      '2MaxPool2d[8, 4, 4]0',
      '3Flatten[128]0',
      '4Linear (classifier)[10]1,290',
    ]);
    await page.waitForSelector('h1[data-status="completed"]', { timeout: 90_000 });

    // its sweep has ended: the dataset can go
    await page.goto(`${base}/#/datasets`);
    await page.waitForSelector('table.datasets tbody tr');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('.empty:not([hidden])');
    const left = (await stack.app.inject({ url: '/v1/datasets', headers: AUTH })).json() as {
      items: Array<{ id: string }>;
    };
    expect(left.items.map((d) => d.id)).toEqual(['builtin:mnist']);
  });

  it('grows a random search by samples from its Extend form', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      payload: {
        name: 'random lr',
        workload: 'rosenbrock',
        training: { epochs: 3 },
        optimizers: [{ type: 'Adam', lr: { loguniform: [0.001, 0.1] } }],
        search: { type: 'random', trials: 2 },
        objective: { metric: 'train_loss', mode: 'min' },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('h1[data-status="completed"]', { timeout: 90_000 });
    // a search offers samples, not seeds and entries
    await page.waitForSelector('.extend-search:not([hidden])');
    expect(await page.isHidden('.extend-grid')).toBe(true);
    await enterApiKey(page);
    await page.fill('input[aria-label="samples to add"]', '2');
    await page.getByRole('button', { name: 'Extend' }).click();
    await page.waitForSelector('.extend-result:has-text("The budget grew by 2 trials; 4 trials now.")');
    await page.waitForSelector('[data-count="trials"] .value:text-is("4")');
    await page.waitForSelector('h1[data-status="completed"]', { timeout: 90_000 });
    expect((await stack.app.inject({ url: `/v1/sweeps/${id}`, headers: AUTH })).json().counts.completed).toBe(
      4,
    );
  });

  it("shows a tune-then-evaluate sweep's Benchmark: table, tuning curves, strip plot, loss bands, performance profile", async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      payload: {
        name: 'fair comparison',
        workload: 'rosenbrock',
        training: { epochs: 3 },
        optimizers: [
          { type: 'SGD', lr: { loguniform: [1e-4, 1e-3] } },
          { type: 'Adam', lr: { loguniform: [1e-3, 1e-1] } },
        ],
        protocol: {
          type: 'tune-then-evaluate',
          tuning: { search: 'random', trials: 2, seeds: [1] },
          evaluation: { seeds: [2, 3, 4], top: 1 },
          target: { metric: 'train_loss', value: 1e9 },
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('h1[data-status="completed"]', { timeout: 90_000 });
    await page.waitForSelector('.benchmark-panel:not([hidden])');
    // one row per optimizer, its evaluation over seeds 2, 3, 4 and the target reached by all three
    await waitForCount(page, '.benchmark-table tbody tr', 2);
    const answer = (await stack.app.inject({ url: `/v1/sweeps/${id}/benchmark`, headers: AUTH })).json();
    for (const o of answer.optimizers as Array<{ label: string; evaluation: { mean: number } }>) {
      await page.waitForSelector(`.benchmark-table tr[data-optimizer="${o.label}"] td:text-is("3/3")`);
    }
    // the strip plot: a dot per evaluation seed and optimizer
    await waitForCount(page, '.benchmark-strip circle.strip-point', 6);
    // the tuning curves and the loss bands are drawn
    await page.waitForSelector('.benchmark-tuning canvas');
    await page.waitForSelector('.benchmark-loss canvas');
    expect(await paintedPixels(page, '.benchmark-tuning canvas')).toBeGreaterThan(0);
    expect(await paintedPixels(page, '.benchmark-loss canvas')).toBeGreaterThan(0);
    // the performance profile of this workload alone
    await page.getByRole('button', { name: 'Performance profile' }).click();
    await page.waitForSelector('.benchmark-profile[data-workloads="1"] canvas');
    expect(await paintedPixels(page, '.benchmark-profile canvas')).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'benchmark.png'), fullPage: true });
    // a sweep without a protocol shows no Benchmark view
    const plain = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', headers: AUTH, payload: SPEC });
    await page.goto(`${base}/#/sweeps/${plain.json().id}`);
    await page.waitForSelector('h1[data-status]');
    expect(await page.isHidden('.benchmark-panel')).toBe(true);
  });

  it('shows pruned trials for what they are: marked rows at the epoch they stopped, hollow points, pruned cells, counted effects', async () => {
    // tests/pruned-grid.ts: Adam lr 0.01 (1.0, 1.2), Adam lr 0.1 (0.8; seed 1 pruned after 2 epochs at
    // 2.5), SGD lr 0.01 (pruned after 1 epoch at 5.0 and after 3 at 4.0), SGD lr 0.1 (both pruned after 2
    // epochs, at 3.0 and 3.5); train_loss, min
    const { sweepId } = await insertPrunedGrid(stack.app, stack.db.url);
    await page.goto(`${base}/#/sweeps/${sweepId}`);
    await page.waitForSelector('h1[data-status="completed"]');
    await waitForCount(page, '.config-board tbody tr', 4);
    const cells = await page.locator('.config-board tbody tr td.mean').allTextContents();
    expect(cells).toEqual([
      // Adam 0.1: n 1, 0.8; its pruned seed noted, not averaged in
      '0.8+ 1 pruned at epoch 2: 2.5',
      // Adam 0.01: (1.0 + 1.2) / 2 = 1.1 ± sqrt(0.02) = 0.1414
      '1.1 ± 0.1414',
      // SGD 0.01: every trial pruned; the furthest stopped at epoch 3 at 4.0
      'pruned at epoch 3: 4',
      // SGD 0.1: both stopped at epoch 2; the better, 3.0
      'pruned at epoch 2: 3',
    ]);
    // the all-pruned rows are marked, unranked, with their counts, and visible without scrolling sideways
    await waitForCount(page, '.config-board tbody tr.pruned-row', 2);
    expect(await page.locator('.config-board tbody tr.pruned-row td.rank').allTextContents()).toEqual([
      '—',
      '—',
    ]);
    expect(await page.locator('.config-board tbody tr.pruned-row .status-counts').allTextContents()).toEqual([
      '2 pruned',
      '2 pruned',
    ]);
    expect(await page.textContent('.config-board tbody tr >> nth=0 >> .status-counts')).toBe(
      '1 completed1 pruned',
    );
    for (const marker of await page
      .locator('.config-board tr.pruned-row .pruned-value .badge.pruned')
      .all()) {
      expect(await marker.isVisible()).toBe(true);
      const box = (await marker.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(1400);
    }
    const overflow = await page.evaluate(`(() => {
      const box = document.querySelector('.config-board').parentElement;
      return box.scrollWidth - box.clientWidth;
    })()`);
    expect(overflow, `the board scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
    expect(await page.textContent('.config-board-panel .pruned-rule')).toContain(
      '5 pruned trials, never averaged with completed ones',
    );

    // objective vs lr: Adam's completed means as a line, SGD's all-pruned configs as hollow points
    await page.waitForSelector('.lr-sensitivity[data-hollow="1"][data-groups="2"] canvas');
    expect(await page.locator('.lr-sensitivity ul.legend li').allTextContents()).toEqual([
      'Adam',
      'SGD (pruned, at the epoch it stopped)',
    ]);
    expect(await page.locator('.lr-sensitivity ul.legend li.hollow').count()).toBe(1);

    // heatmap: Adam x none is the mean of its 3 completed trials, (1.0 + 1.2 + 0.8) / 3 = 1.0, with its 1
    // pruned one counted apart; SGD x none has only pruned trials (4): marked, no mean
    await waitForCount(page, 'table.heatmap td[data-mean]', 1);
    expect(Number(await page.getAttribute('table.heatmap td[data-mean]', 'data-mean'))).toBeCloseTo(1, 12);
    expect(await page.textContent('table.heatmap td[data-mean]')).toBe('1n 3 · 1 pruned');
    // the only mean is the best one: green (hue 120), whatever the direction
    // hsl(120 55% 80%) as the browser writes a style set through CSSOM
    expect(await page.getAttribute('table.heatmap td[data-mean]', 'style')).toContain('rgb(176, 232, 176)');
    expect(await page.getAttribute('table.heatmap td.pruned-cell', 'data-pruned')).toBe('4');
    expect(await page.textContent('table.heatmap td.pruned-cell')).toBe('pruned4 trials, none completed');

    // effects: over the 3 completed trials, the 5 pruned ones counted per level; SGD's lr (every trial
    // pruned) listed as pruned only, no share
    await waitForCount(page, '.effects .effect', 3);
    expect(await page.textContent('.effects .pruned-rule')).toContain('5 pruned trials left out');
    const rows = await page.locator('.effects .effect').allTextContents();
    // optimizer.lr within Adam: between 2 (1.1 - 1)^2 + (0.8 - 1)^2 = 0.06 of 0.08: 75.0%
    expect(rows[0]).toContain('75.0%');
    expect(rows[0]).toContain('0.1: 0.8 (n 1, 1 pruned)');
    expect(rows[1]).toContain('SGD: pruned only (4)');
    expect(await page.textContent('.effects .effect >> nth=2 >> .effect-row.pruned-only .num')).toBe(
      'pruned',
    );
    // the loss curves by config: each legend says how many of the config's trials were pruned
    await page.waitForSelector('.config-loss-chart[data-groups="4"] canvas');
    expect(await page.locator('.config-loss-chart ul.legend li').allTextContents()).toEqual([
      'Adam lr=0.1 (1 of 2 pruned)',
      'Adam lr=0.01',
      'SGD lr=0.01 (2 of 2 pruned)',
      'SGD lr=0.1 (2 of 2 pruned)',
    ]);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-pruned.png'), fullPage: true });
  });

  it('says plainly that an unknown or shortened sweep id is no sweep, with nothing to cancel or delete', async () => {
    for (const [id, text] of [
      ['00000000-0000-4000-8000-000000000000', 'There is no sweep with the id'],
      ['d6ba85ee', 'nor the start of exactly one'],
    ]) {
      await page.goto(`${base}/#/sweeps/${id}`);
      await page.waitForSelector('.not-found');
      expect(await page.textContent('.not-found')).toContain(text);
      expect(await page.locator('button:text-is("Delete")').count()).toBe(0);
      expect(await page.locator('button:text-is("Cancel")').count()).toBe(0);
    }
  });

  it('shows every error of a bad spec as "path: message" next to the editor', async () => {
    await page.goto(`${base}/#/new`);
    await enterApiKey(page);
    const editor = page.getByLabel('sweep spec (JSON)');
    await expect.poll(() => editor.inputValue()).toContain('"optimizers"');
    await editor.fill(
      JSON.stringify({
        name: 'bad',
        workload: 'rosenbrock',
        optimizers: [
          { type: 'Adamm', lr: 0.1 },
          { type: 'SGD', lr: -1, nestrov: true },
        ],
      }),
    );
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForSelector('ul.errors li');
    const errors = await page.locator('ul.errors li').allTextContents();
    expect(errors).toEqual([
      expect.stringMatching(/^\/optimizers\/0\/type: unknown optimizer type "Adamm"; did you mean "Adam"\?/),
      expect.stringMatching(/^\/optimizers\/1\/lr: Invalid learning rate/),
      expect.stringMatching(/^\/optimizers\/1\/nestrov: .*did you mean "nesterov"/),
    ]);

    await editor.fill('{"name": "no closing brace"');
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForSelector('ul.errors li:has-text("not valid JSON")');
  });

  it('previews a schedule as a curve', async () => {
    await page.goto(`${base}/#/preview`);
    await page.waitForSelector('.preview-chart canvas');
    expect(await paintedPixels(page, '.preview-chart canvas')).toBeGreaterThan(1000);
    // OneCycleLR also cycles SGD's momentum: it is drawn as a second series.
    const legend = await page.locator('.preview-chart .u-legend .u-series th').allTextContents();
    expect(legend.slice(1)).toEqual(['lr', 'momentum']);
    await page.screenshot({ path: join(SCREENSHOTS, 'preview.png'), fullPage: true });

    await page.getByLabel('scheduler options (JSON)').fill('{"max_lr": -1, "total_steps": 100}');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('ul.errors li');
    expect(await page.textContent('ul.errors li')).toMatch(/^\/scheduler\/options\/max_lr: /);
  });

  it('cancels a running sweep from its page and lists sweeps by status, page by page', async () => {
    const long = {
      name: 'long rosenbrock',
      workload: 'rosenbrock',
      training: { epochs: 100_000 },
      optimizers: [{ type: 'SGD', lr: 0.0001 }],
    };
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      payload: long,
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    // The worker is idle (every test before ended its sweeps): this one starts at once.
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('h1[data-status="running"]');
    await page.waitForSelector('.live.on');
    await enterApiKey(page);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForSelector('h1[data-status="cancelled"]');
    await page.waitForSelector('[data-count="running"] .value:text-is("0")');

    // More sweeps than one page of the list (25): "Load more" follows nextCursor.
    for (let i = 0; i < 25; i++) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: AUTH,
        payload: {
          name: `tiny ${i}`,
          workload: 'rosenbrock',
          training: { epochs: 1 },
          optimizers: [{ type: 'SGD', lr: 0.01 }],
        },
      });
      expect(res.statusCode).toBe(201);
    }
    await page.goto(`${base}/#/`);
    await waitForCount(page, 'table.sweeps tbody tr', 25);
    expect(await page.textContent('table.sweeps tbody tr >> nth=0')).toContain('tiny 24');
    await page.getByRole('button', { name: 'Load more' }).click();
    await waitForCount(page, 'table.sweeps tbody tr', 26);
    expect(await page.textContent('table.sweeps tbody tr >> nth=25')).toContain('long rosenbrock');
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);

    await page.selectOption('select[aria-label="status filter"]', 'cancelled');
    await waitForCount(page, 'table.sweeps tbody tr', 1);
    expect(await page.textContent('table.sweeps tbody')).toContain('long rosenbrock');
  });

  it('opens its event stream again after the server refuses it (a 503 while Redis is down)', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      payload: {
        name: 'refused stream',
        workload: 'rosenbrock',
        training: { epochs: 100_000 },
        optimizers: [{ type: 'SGD', lr: 0.0001 }],
      },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    // What the API answers while Redis is down: the browser does not retry a refused EventSource itself.
    // The first two requests are refused; the third, once Redis would be back, reaches the server.
    let refusals = 0;
    let passed = 0;
    await page.route(`**/v1/sweeps/${id}/events`, (route) => {
      if (refusals === 2) {
        passed += 1;
        return route.continue();
      }
      refusals += 1;
      return route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'live events are unavailable: Redis does not answer' }),
      });
    });
    // The sweep need not run (no worker has to be free): the page follows a queued one the same way.
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('h1[data-status="queued"], h1[data-status="running"]');
    // Refused, retried after 1 s, refused again: it backs off and says when it tries next ...
    await waitForText(page, '.live', 'reconnecting in 2 s');
    expect(refusals).toBe(2);
    // ... and then opens it.
    await page.waitForSelector('.live.on', { timeout: 15_000 });
    expect(await page.textContent('.live')).toBe('live');
    expect([refusals, passed]).toEqual([2, 1]);
  });

  it('with a read key, hides what the key cannot do: submit, cancel, delete, upload', async () => {
    const made = await stack.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: AUTH,
      payload: { project: 'default', role: 'read' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: AUTH,
      // long enough to stay live, where an admin key's page shows Cancel
      payload: {
        name: 'read only',
        workload: 'rosenbrock',
        training: { epochs: 100_000 },
        optimizers: [{ type: 'SGD', lr: 0.0001 }],
      },
    });
    const { id } = created.json() as { id: string };
    // after the init script of beforeEach: this key replaces the admin key
    await context.addInitScript(`localStorage.setItem('hypersweep.apiKey', '${made.json().key}')`);
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.waitForSelector('html[data-role="read"]');
    await page.waitForSelector('h1[data-status]');
    for (const name of ['Cancel', 'Delete'])
      expect(await page.getByRole('button', { name }).isVisible()).toBe(false);
    await page.goto(`${base}/#/new`);
    await page.waitForSelector('html[data-role="read"]');
    expect(await page.getByRole('button', { name: 'Submit sweep' }).isVisible()).toBe(false);
    await page.goto(`${base}/#/datasets`);
    await page.waitForSelector('html[data-role="read"]');
    expect(await page.getByRole('button', { name: 'Upload' }).isVisible()).toBe(false);
  });

  it('passes its Content-Security-Policy on every page, Swagger UI included: nothing refused', async () => {
    // A context that enforces the policies (the API's helmet; Swagger UI's own under /docs). Waits are CSS
    // selectors only: Playwright's string predicates would need the eval the policy refuses.
    const strict = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await strict.addInitScript(`localStorage.setItem('hypersweep.apiKey', '${API_KEY}')`);
    const refused: string[] = [];
    try {
      const tab = await strict.newPage();
      tab.on('pageerror', (error) => refused.push(error.message));
      tab.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
          refused.push(message.text());
      });
      const { sweepId } = await insertPrunedGrid(stack.app, stack.db.url);
      // Charts, legends' swatches, the heatmap's coloured cells and the effects' bars: the styled parts.
      await tab.goto(`${base}/#/sweeps/${sweepId}`);
      await tab.waitForSelector('table.heatmap td[data-mean]');
      await tab.waitForSelector('.effects .effect .bar-fill');
      await tab.waitForSelector('.lr-sensitivity canvas');
      for (const [hash, selector] of [
        ['#/', 'table tbody tr'],
        ['#/new', '.editor textarea, textarea'],
        ['#/datasets', 'table.datasets tbody tr'],
        ['#/preview', '.preview-chart canvas'],
      ] as const) {
        await tab.goto(`${base}/${hash}`);
        await tab.waitForSelector(selector);
      }
      await tab.goto(`${base}/docs`);
      await tab.waitForSelector('.opblock');
      // An operation opened: its parameters, examples and highlighted schemas render too.
      await tab.click('.opblock-summary');
      await tab.waitForSelector('.opblock-body');
      expect(refused).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('serves Swagger UI with every operation of the OpenAPI document', async () => {
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock');
    // Swagger UI breaks long paths with zero-width spaces
    const operations = (await page.locator('.opblock .opblock-summary-path').allTextContents()).map((p) =>
      p.replace(/\u200b/g, ''),
    );
    expect(operations).toEqual(
      expect.arrayContaining(['/v1/sweeps', '/v1/sweeps/{id}/events', '/v1/catalog']),
    );
    expect(
      operations.filter(
        (p) =>
          !p.startsWith('/v1/') && !p.startsWith('/health') && !p.startsWith('/ready') && p !== '/metrics',
      ),
    ).toEqual([]);
  });
});

describe("the dashboard's statuses", () => {
  const PUBLIC = fileURLToPath(new URL('../services/api/public/', import.meta.url));
  const STATUS = new Set<string>([...sweepStatuses, ...trialStatuses]);

  it('come from /statuses.js (packages/spec): no file under public/ lists statuses of its own', () => {
    const found: string[] = [];
    const files = readdirSync(PUBLIC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files).toContain('leaderboard.js');
    for (const file of files) {
      const text = readFileSync(join(PUBLIC, file), 'utf8');
      // a list literal with two or more statuses in it ...
      for (const [list, items] of text.matchAll(/\[([^[\]]*)\]/g)) {
        const named = [...items!.matchAll(/['"`](\w+)['"`]/g)].filter(([, name]) => STATUS.has(name!));
        if (named.length >= 2) found.push(`${file}: ${list}`);
      }
      // ... or a line that compares with two or more of them
      for (const line of text.split('\n')) {
        const compared = [...line.matchAll(/[!=]==?\s*['"`](\w+)['"`]/g)].filter(([, name]) =>
          STATUS.has(name!),
        );
        if (compared.length >= 2) found.push(`${file}: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });
});
