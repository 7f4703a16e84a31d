import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helpers.js';

// The dashboard in a real Chromium against the real API, an in-process worker, Postgres and Redis.
// Chromium comes from Debian (`apt-get install chromium`); playwright-core only drives it.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const API_KEY = 'dashboard-test-key';
const SCREENSHOTS = mkdtempSync(join(tmpdir(), 'hypersweep-dashboard-'));

// A name that would run script if the page ever put API data into innerHTML.
const HOSTILE_NAME = 'rosenbrock <img src=x onerror="window.__injected=1">';
const SPEC = {
  name: HOSTILE_NAME,
  workload: 'rosenbrock',
  training: { epochs: 200 },
  optimizers: [{ type: 'Adam', lr: [0.01, 0.1] }],
  objective: { metric: 'train_loss', mode: 'min' },
};

/** Pixels a canvas has painted (uPlot draws the curves on one canvas per chart). */
const paintedPixels = (page: Page, selector: string) =>
  page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  });

describe('the dashboard', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    stack = await startStack({ workers: 1, apiEnv: { API_KEYS: API_KEY } });
    base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => {
      throw error;
    });
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
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForSelector('ul.errors li');
    expect(await page.textContent('ul.errors')).toContain('/headers/authorization');

    await page.fill('#api-key', API_KEY);
    await page.dispatchEvent('#api-key', 'change');
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/sweeps/'));
    const sweepId = await page.evaluate(() => location.hash.split('/')[2]!);
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    await page.waitForSelector('h1[data-status="completed"]', { timeout: 60_000 });
    // Still the same document: the page went live through its event stream, not a reload.
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    );
    expect(await page.textContent('h1')).toContain(HOSTILE_NAME);
    expect(
      await page.evaluate(() => (window as unknown as { __injected?: number }).__injected),
    ).toBeUndefined();
    await page.waitForFunction(
      () => document.querySelector('[data-count="completed"] .value')?.textContent === '2',
    );

    // The leaderboard is the API's, best first.
    const board = (await stack.app.inject(`/v1/sweeps/${sweepId}/trials`)).json() as {
      items: { id: string; bestValue: number }[];
    };
    expect(board.items).toHaveLength(2);
    await page.waitForFunction(
      () => document.querySelectorAll('.leaderboard tbody tr[data-trial-id]').length === 2,
    );
    const rows = await page.$$eval('.leaderboard tbody tr', (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.trialId,
        best: Number(tr.querySelector('td.best-value')?.textContent),
      })),
    );
    expect(rows.map((r) => r.id)).toEqual(board.items.map((t) => t.id));
    expect(rows[0]!.best).toBeLessThan(rows[1]!.best);
    expect(rows[0]!.best).toBeCloseTo(board.items[0]!.bestValue, 3);

    // Both trials' loss curves are on the chart, and it is drawn.
    await page.waitForFunction(
      () => document.querySelectorAll('.loss-chart .u-legend .u-series').length === 3,
    );
    expect(await paintedPixels(page, '.loss-chart canvas')).toBeGreaterThan(1000);
    expect(await paintedPixels(page, '.lr-chart canvas')).toBeGreaterThan(1000);

    // A trial's own loss + lr chart and its per-epoch metrics.
    await page.click('.leaderboard tbody tr >> nth=0');
    await page.waitForSelector('.trial-chart canvas');
    await page.waitForFunction(() => document.querySelectorAll('table.epochs tbody tr').length > 100);
    expect(await paintedPixels(page, '.trial-chart canvas')).toBeGreaterThan(1000);
    expect(await page.textContent('.trial-panel h2')).toContain(`#`);

    const screenshot = join(SCREENSHOTS, 'sweep.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.info(`dashboard screenshot: ${screenshot}`);

    // Delete from the page: back to the list, and the sweep is gone from the API.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction(() => location.hash === '#/');
    expect((await stack.app.inject(`/v1/sweeps/${sweepId}`)).statusCode).toBe(404);
  });

  it('shows every error of a bad spec as "path: message" next to the editor', async () => {
    await page.goto(`${base}/#/new`);
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
    const errors = await page.$$eval('ul.errors li', (items) => items.map((li) => li.textContent));
    expect(errors).toEqual([
      expect.stringMatching(/^\/optimizers\/0\/type: unknown optimizer type "Adamm"; did you mean "Adam"\?/),
      expect.stringMatching(/^\/optimizers\/1\/lr: Invalid learning rate/),
      expect.stringMatching(/^\/optimizers\/1\/nestrov: .*did you mean "nesterov"/),
    ]);

    await editor.fill('{"name": "no closing brace"');
    await page.getByRole('button', { name: 'Submit sweep' }).click();
    await page.waitForFunction(() =>
      document.querySelector('ul.errors')?.textContent?.includes('not valid JSON'),
    );
  });

  it('previews a schedule as a curve', async () => {
    await page.goto(`${base}/#/preview`);
    await page.waitForSelector('.preview-chart canvas');
    expect(await paintedPixels(page, '.preview-chart canvas')).toBeGreaterThan(1000);
    // OneCycleLR also cycles SGD's momentum: it is drawn as a second series.
    const legend = await page.$$eval('.preview-chart .u-legend .u-series th', (ths) =>
      ths.map((th) => th.textContent),
    );
    expect(legend.slice(1)).toEqual(['lr', 'momentum']);
    await page.screenshot({ path: join(SCREENSHOTS, 'preview.png'), fullPage: true });

    await page.getByLabel('scheduler options (JSON)').fill('{"max_lr": -1, "total_steps": 100}');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('ul.errors li');
    expect(await page.textContent('ul.errors li')).toMatch(/^\/scheduler\/options\/max_lr: /);
  });

  it('serves Swagger UI with every operation of the OpenAPI document', async () => {
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock');
    const operations = await page.$$eval('.opblock .opblock-summary-path', (paths) =>
      paths.map((p) => p.textContent?.replace(/\u200b/g, '')),
    );
    expect(operations).toEqual(
      expect.arrayContaining(['/v1/sweeps', '/v1/sweeps/{id}/events', '/v1/catalog']),
    );
    expect(operations.some((p) => p?.startsWith('/assets'))).toBe(false);
  });
});
