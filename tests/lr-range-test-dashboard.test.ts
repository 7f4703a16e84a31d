import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, paintedPixels, SCREENSHOTS } from './browser.js';
import { type Stack, startStack } from './helpers.js';
import { mnistRangeTest } from './lr-range-fixtures.js';

// The lr range test page in a real Chromium against the real API and an in-process worker (Chromium from
// Debian, as tests/dashboard.test.ts).

describe('the lr range test page', () => {
  let stack: Stack;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
    base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('draws loss and smoothed loss against lr on a log axis, with steep and the minimum marked', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/lr-range-tests',
      payload: { ...mnistRangeTest, name: 'SGD momentum <b>on</b> mnist' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`${base}/#/lr-range-tests/${id}`);
      // the page polls the test until it ends: no reload
      await page.waitForSelector('#view[data-status="completed"]', { timeout: 120_000 });
      const test = (await stack.app.inject(`/v1/lr-range-tests/${id}`)).json();
      expect(await page.textContent('h1')).toBe('LR range test: SGD momentum <b>on</b> mnist');
      expect(await page.textContent('#lr-status')).toMatch(/^completed · stopped at step \d+/);
      const shown = (await page.textContent('#lr-suggestions'))!;
      // the suggestions as formatNumber writes them (4 significant digits)
      const short = (x: number) => String(Number(x.toPrecision(4)));
      expect(shown).toContain(`steepest descent ${short(test.suggestions.steep)}`);
      expect(shown).toContain(`minimum ÷ 10 ${short(test.suggestions.minimum)}`);
      // four series: loss, smoothed loss and the two marked suggestions
      const labels = await page.locator('#lr-chart .u-legend .u-series .u-label').allTextContents();
      expect(labels.slice(1)).toEqual(['loss', 'smoothed loss', 'steep', 'lowest (minimum × 10)']);
      await page.waitForFunction(`document.querySelector('#lr-chart canvas')?.width > 0`);
      expect(await paintedPixels(page, '#lr-chart canvas')).toBeGreaterThan(1000);
      // a log x axis: halfway across the plot is the geometric mean of the ends (~0.07), not their mean (~25)
      const over = (await page.locator('#lr-chart .u-over').boundingBox())!;
      await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
      const first = test.curve[0].lr;
      const last = test.curve.at(-1).lr;
      await page.waitForFunction(
        `Number(document.querySelector('#lr-chart .u-legend .u-series .u-value')?.textContent) > 0`,
      );
      const x = Number(await page.locator('#lr-chart .u-legend .u-series .u-value').first().textContent());
      expect(Math.log(x)).toBeCloseTo((Math.log(first) + Math.log(last)) / 2, 0);
      expect(x).toBeLessThan((first + last) / 4);
      await page.screenshot({ path: `${SCREENSHOTS}lr-range-test.png`, fullPage: true });
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
  }, 180_000);
});
