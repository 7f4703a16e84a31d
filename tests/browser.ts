import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

// Chromium comes from Debian (`apt-get install chromium`); playwright-core only drives it.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Screenshots kept for a person to look at (gitignored): tests/screenshots/*.png */
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

/** The browser tests' headless Chromium: no GPU, no sandbox, nothing fetched in the background. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
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

/**
 * Pixels a canvas has painted (uPlot draws the curves on one canvas per chart). Browser-side code is passed
 * as source text: the tests typecheck against Node's globals, not the DOM's.
 */
export const paintedPixels = (page: Page, selector: string): Promise<number> =>
  page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
  })()`);
