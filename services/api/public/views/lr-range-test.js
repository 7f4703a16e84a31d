import { api } from '../api.js';
import { colorAt, lineChart } from '../charts.js';
import { errorList, fill, h } from '../dom.js';
import { formatNumber } from '../format.js';
import { endedSweepStatuses } from '../statuses.js';

const ENDED = new Set(endedSweepStatuses);
const POLL_MS = 1000;

/**
 * `#/lr-range-tests/<id>`: GET /v1/lr-range-tests/:id as a chart (loss and smoothed loss against lr on a
 * log axis, the steep and minimum suggestions marked on the smoothed curve) and the suggested lrs, polled
 * until the test ends.
 */
export function lrRangeTestPage(root, params) {
  const title = h('h1', null, 'LR range test');
  const status = h('span', { class: 'muted', id: 'lr-status' });
  const settings = h('p', { class: 'muted', id: 'lr-settings' });
  const suggestions = h('p', { id: 'lr-suggestions' });
  const errors = h('ul', { class: 'errors' });
  const chartBox = h('div', { class: 'chart', id: 'lr-chart' });
  fill(
    root,
    h(
      'div',
      { class: 'panel' },
      h('div', { class: 'row spread' }, title, status),
      settings,
      suggestions,
      errors,
      chartBox,
    ),
  );
  const chart = lineChart(chartBox, {
    title: 'Loss against learning rate',
    xLabel: 'lr (log)',
    yLabel: 'loss',
    logX: true,
    // the raw loss spikes by orders of magnitude as the test blows up: a log y keeps the valley readable
    logY: true,
    height: 340,
    emptyText: 'Waiting for the first steps…',
  });
  chart.update([]);
  let timer;
  let stopped = false;

  async function refresh() {
    try {
      const test = await api(`/v1/lr-range-tests/${encodeURIComponent(params.id)}`);
      fill(errors);
      show(test);
      if (!ENDED.has(test.status) && !stopped) timer = setTimeout(refresh, POLL_MS);
    } catch (error) {
      errorList(errors, error);
    }
  }

  function show(test) {
    const s = test.settings;
    fill(title, 'LR range test: ', test.name);
    root.dataset.status = test.status;
    fill(
      status,
      test.status,
      test.stoppedEarly ? ` · stopped at step ${test.curve.length} (smoothed loss above 4× its best)` : '',
    );
    fill(
      settings,
      `${s.mode} ramp from ${formatNumber(s.start_lr)} to ${formatNumber(s.end_lr)} in ${s.steps} steps, smoothing β ${s.smoothing}`,
      test.trial ? ` · trial ${test.trial.id.slice(0, 8)}, ${test.trial.stepsDone} steps` : '',
    );
    const { steep, minimum, lrAtMinimum } = test.suggestions;
    fill(
      suggestions,
      steep === null && minimum === null
        ? 'Suggested learning rates: none yet'
        : `Suggested learning rates: steepest descent ${formatNumber(steep)} · minimum ÷ 10 ${formatNumber(minimum)} (lowest smoothed loss at ${formatNumber(lrAtMinimum)})`,
    );
    const x = test.curve.map((p) => p.lr);
    const marker = (label, lr, color) => {
      const point = test.curve.find((p) => p.lr === lr);
      return point ? [{ label, color, x: [lr], y: [point.smoothed], markers: true }] : [];
    };
    chart.update([
      { label: 'loss', color: '#b9c2d0', x, y: test.curve.map((p) => p.loss) },
      { label: 'smoothed loss', color: colorAt(0), x, y: test.curve.map((p) => p.smoothed) },
      ...marker('steep', steep, colorAt(1)),
      ...marker('lowest (minimum × 10)', lrAtMinimum, colorAt(2)),
    ]);
  }

  refresh();
  return {
    destroy() {
      stopped = true;
      clearTimeout(timer);
      chart.destroy();
    },
  };
}
