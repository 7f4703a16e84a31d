import { api, apiDownload } from '../api.js';
import { colorAt, lineChart, spansDecade } from '../charts.js';
import { errorList, fill, h, statusBadge } from '../dom.js';
import { configSummary, formatDuration, formatNumber } from '../format.js';
import { epochTable } from '../leaderboard.js';

const MAX_POINTS = 1000;

/**
 * One trial: its config, loss and lr on one chart (lr on the right axis), and the per-epoch metrics.
 * `show(trialId)` loads a trial; `refresh()` reloads it while it runs.
 */
export function trialPanel(root, { catalog, logY, closeHref }) {
  const title = h('h2');
  const meta = h('div', { class: 'config' });
  const errors = h('ul', { class: 'errors' });
  const failure = h('div', { class: 'errors trial-error', hidden: true });
  const chartBox = h('div', { class: 'chart trial-chart' });
  const epochChartBox = h('div', { class: 'chart epoch-chart' });
  const epochs = epochTable();
  const csv = h('a', { download: true }, 'Download CSV');
  apiDownload(csv);
  const config = h('pre', { class: 'mono' });
  const chart = lineChart(chartBox, {
    title: 'Loss and learning rate',
    yLabel: 'loss',
    y2Label: 'lr',
    logY,
    height: 300,
  });
  const epochChart = lineChart(epochChartBox, {
    title: 'Per-epoch metrics',
    xLabel: 'epoch',
    yLabel: 'loss',
    y2Label: 'accuracy',
    height: 300,
    emptyText: 'No epochs finished yet',
  });
  let trialId;
  let loadedKey = '';

  fill(
    root,
    h(
      'div',
      { class: 'row spread' },
      title,
      h('div', { class: 'row' }, csv, h('a', { href: closeHref }, 'Close')),
    ),
    meta,
    errors,
    failure,
    h('div', { class: 'charts' }, chartBox, epochChartBox),
    h('details', null, h('summary', null, 'Full config'), config),
    h('div', { style: 'max-height: 320px; overflow: auto; margin-top: 10px' }, epochs.element),
  );

  async function load() {
    const id = trialId;
    const trial = await api(`/v1/trials/${encodeURIComponent(id)}`);
    const key = `${trial.status}:${trial.stepsDone}`;
    if (id !== trialId || key === loadedKey) return;
    const metrics = await api(`/v1/trials/${encodeURIComponent(id)}/metrics?maxPoints=${MAX_POINTS}`);
    if (id !== trialId) return;
    loadedKey = key;
    render(trial, metrics);
  }

  function render(trial, metrics) {
    const c = configSummary(trial.config, catalog);
    fill(title, `Trial #${trial.index} `, statusBadge(trial.status));
    fill(
      meta,
      h('b', null, c.optimizerType),
      ' ',
      c.optimizerOptions,
      ' · ',
      h('b', null, c.schedulerType),
      ' ',
      c.schedulerOptions,
      ' · seed ',
      String(c.seed),
      ' · ',
      `best ${formatNumber(trial.bestValue)} at step ${trial.bestStep ?? '—'} · ${trial.stepsDone} steps · `,
      `${formatDuration(trial.durationMs)} · ${trial.backend ?? 'no backend yet'}`,
      trial.workerId ? ` · worker ${trial.workerId}` : '',
      trial.attempts > 1 ? ` · ${trial.attempts} attempts` : '',
    );
    fill(errors);
    failure.hidden = !trial.error;
    failure.textContent = trial.error ? `Error: ${trial.error}` : '';
    config.textContent = JSON.stringify(trial.config, null, 2);
    csv.href = `/v1/trials/${encodeURIComponent(trial.id)}/metrics?format=csv`;
    const sampled = metrics.downsampled ? ` (${metrics.step.length} of ${metrics.totalPoints} steps)` : '';
    chart.setLogY2(spansDecade(metrics.lr));
    chart.update([
      { label: `loss${sampled}`, color: colorAt(0), x: metrics.step, y: metrics.loss },
      { label: 'lr', color: colorAt(1), x: metrics.step, y: metrics.lr, scale: 'y2', dash: [6, 3] },
    ]);
    // Numbered from 1 like the steps (the API's epoch counts from 0).
    const e = { ...metrics.epochs, epoch: metrics.epochs.epoch.map((epoch) => epoch + 1) };
    const columns = [
      ['train loss', e.trainLoss],
      ['val loss', e.valLoss],
      ['val accuracy', e.valAccuracy],
      ['lr', e.lr],
    ].filter(([, values]) => values.some((v) => v !== null));
    epochChart.update(
      columns
        .filter(([name]) => name !== 'lr')
        .map(([name, values], i) => ({
          label: name,
          color: colorAt(i + 2),
          x: e.epoch,
          y: values,
          scale: name === 'val accuracy' ? 'y2' : 'y',
        })),
    );
    epochs.render(e.epoch, columns);
  }

  const report = (error) => errorList(errors, error);
  return {
    show(id) {
      if (id === trialId) return;
      trialId = id;
      loadedKey = '';
      fill(title, 'Trial');
      load().catch(report);
    },
    refresh: () => load().catch(report),
    setLogY: (value) => chart.setLogY(value),
    destroy() {
      chart.destroy();
      epochChart.destroy();
    },
  };
}
