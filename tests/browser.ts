import type { Page } from 'playwright-core';

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
