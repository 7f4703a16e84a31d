import { api, getCatalog, openEventStream } from '../api.js';
import { colorAt, lineChart, spansDecade } from '../charts.js';
import { errorList, fill, h, notify, statusBadge } from '../dom.js';
import {
  configSummary,
  formatAgo,
  formatCount,
  formatDuration,
  formatNumber,
  formatTime,
  trialLabel,
  withSwept,
} from '../format.js';
import { trialLeaderboard } from '../leaderboard.js';
import { NEW_SWEEP_HREF, SWEEPS_HREF, sweepHref, trialHref } from '../routes.js';
import { endedSweepStatuses, trialStatuses } from '../statuses.js';
import { throttle } from '../throttle.js';
import { benchmarkPanel } from './benchmark-panel.js';
import { comparePanel } from './compare-panel.js';
import { saveDraft } from './new-sweep.js';
import { trialPanel } from './trial-panel.js';

const ENDED = new Set(endedSweepStatuses);
const LIVE_EVENTS = ['sweep', 'trial.started', 'trial.progress', 'trial.finished'];
const REFRESH_MS = 1000;
/**
 * A stream the server refused (503 while Redis or Postgres is down) is not retried by the browser: the page
 * opens a new one after this long, doubling up to RECONNECT_MAX_MS while refusals go on.
 */
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;
const MAX_POINTS = 1000;
const BOARD_PAGE = 100;

/**
 * A sweep, live: status and counts, the best trial, the leaderboard, the loss and lr curves of the top
 * trials, and the selected trial's own charts. Server-Sent Events only say that something changed; the page
 * then refetches through the REST API at most once a second, so a busy sweep costs the same as a quiet one.
 */
export function sweepPage(root, params) {
  const id = params.id;
  const enc = encodeURIComponent(id);
  const errors = h('ul', { class: 'errors' });
  const title = h('h1');
  const live = h('span', { class: 'live' }, 'connecting');
  const meta = h('div', { class: 'muted' });
  const counts = h('div', { class: 'counts' });
  const best = h('div', { class: 'best', style: 'margin-top: 12px' });
  const cancelButton = h('button', { class: 'needs-write', onclick: () => cancel() }, 'Cancel');
  const deleteButton = h('button', { class: 'danger needs-write', onclick: () => remove() }, 'Delete');
  const cloneButton = h(
    'button',
    { onclick: () => clone(), title: 'Open this spec in the editor' },
    'Edit as new',
  );
  const specView = h('pre', { class: 'mono' });
  /** A model workload's layers (GET /v1/sweeps/:id `model`), as torchinfo lists them. */
  const modelView = h('details', {
    class: 'model-summary',
    open: true,
    hidden: true,
    style: 'margin-top: 10px',
  });
  let spec;
  const topN = h(
    'select',
    { 'aria-label': 'trials to chart', onchange: () => refresh() },
    [3, 5, 10, 15].map((n) => h('option', { value: n, selected: n === 5 }, `top ${n}`)),
  );
  const logY = h('input', { type: 'checkbox', checked: true, onchange: () => setLogY(logY.checked) });
  // Exponential and cyclic schedules span decades: a log axis shows their shape.
  let logLrPicked = false;
  const logLr = h('input', {
    type: 'checkbox',
    onchange: () => {
      logLrPicked = true;
      lrChart.setLogY(logLr.checked);
    },
  });
  const lossBox = h('div', { class: 'chart loss-chart' });
  const lrBox = h('div', { class: 'chart lr-chart' });
  const boardNote = h('div', { class: 'muted', style: 'margin-top: 8px' });
  const trialRoot = h('div', { class: 'panel trial-panel', hidden: true });
  /** The catalog, and as labels read it here: with the options this sweep sweeps (renderSweep). */
  let baseCatalog;
  let catalog;
  const compare = comparePanel({
    sweepId: id,
    catalog: () => catalog,
    // a finished sweep that grew runs again: listen again
    onExtended: () => {
      if (!stream) openStream();
      refresh();
    },
  });
  // a tune-then-evaluate sweep's answer (hidden for other sweeps)
  const benchmark = benchmarkPanel({ sweepId: id });
  let charted = [];
  const board = trialLeaderboard({
    sweepId: id,
    catalog: () => catalog,
    isPicked: (trialId) => compare.isPicked(trialId),
    onPick: (trialId, picked) => compare.pickTrial(trialId, picked),
    colourOf: (trialId) => charted.indexOf(trialId),
    isSelected: (trialId) => trialId === selected,
  });

  fill(
    root,
    h(
      'div',
      { class: 'panel' },
      h('div', { class: 'muted', style: 'margin-bottom: 6px' }, h('a', { href: SWEEPS_HREF }, '← Sweeps')),
      h(
        'div',
        { class: 'row spread' },
        h('div', { class: 'row' }, title, live),
        h('div', { class: 'row' }, cloneButton, cancelButton, deleteButton),
      ),
      meta,
      errors,
      h('div', { style: 'margin-top: 12px' }, counts),
      best,
      modelView,
      h('details', { style: 'margin-top: 10px' }, h('summary', null, 'Submitted spec'), specView),
    ),
    h(
      'div',
      { class: 'panel' },
      h(
        'div',
        { class: 'row spread' },
        h('h2', null, 'Curves'),
        h(
          'div',
          { class: 'row' },
          topN,
          h('label', null, logY, ' log-scale loss'),
          h('label', null, logLr, ' log-scale lr'),
        ),
      ),
      h('div', { class: 'charts' }, lossBox, lrBox),
    ),
    h(
      'div',
      { class: 'boards' },
      compare.boardPanel,
      h(
        'div',
        { class: 'panel' },
        h('h2', null, 'Leaderboard'),
        h('div', { style: 'overflow-x: auto' }, board.element),
        boardNote,
      ),
    ),
    benchmark.element,
    compare.analysisPanel,
    compare.extendPanel,
    trialRoot,
  );

  const lossChart = lineChart(lossBox, {
    title: 'Loss per step',
    yLabel: 'loss',
    logY: true,
    emptyText: 'No steps yet',
  });
  const lrChart = lineChart(lrBox, {
    title: 'Learning rate per step',
    yLabel: 'lr',
    emptyText: 'No steps yet',
  });
  let panel;
  let selected = params.trialId;
  let boardLimit = BOARD_PAGE;
  let stream;
  let reopenTimer;
  let reopenDelay = RECONNECT_MIN_MS;
  let destroyed = false;
  /** trial id -> { key: status and steps when fetched, metrics }; ended trials never change again. */
  const metricsCache = new Map();

  const refresh = throttle(async () => {
    try {
      const [sweep, trials] = await Promise.all([
        api(`/v1/sweeps/${enc}`),
        api(`/v1/sweeps/${enc}/trials?limit=${boardLimit}`),
      ]);
      if (destroyed) return;
      fill(errors);
      renderSweep(sweep);
      renderBoard(trials);
      compare.refresh(sweep);
      await benchmark.refresh(sweep);
      await renderCurves(trials.items);
      if (selected) await panel?.refresh();
      if (ENDED.has(sweep.status)) closeStream('finished');
    } catch (error) {
      if (destroyed) return;
      // No such sweep (404), or an id the API cannot read (400: a short prefix): nothing here will ever load.
      if (error.status === 404 || error.status === 400) {
        closeStream('not found');
        if (error.status === 400 && (await openByPrefix())) return;
        showMissing(error);
        return;
      }
      errorList(errors, error);
    }
  }, REFRESH_MS);

  function renderModel(model, submitted) {
    const swept = (submitted?.workload?.model ?? []).some((layer) =>
      Object.values(layer ?? {}).some((value) => Array.isArray(value) && value.length > 1),
    );
    const shape = (dims) => `[${dims.join(', ')}]`;
    fill(
      modelView,
      h(
        'summary',
        null,
        `Model: ${formatCount(model.totalParams)} parameters, input ${shape(model.inputShape)}`,
        swept ? " (the first trial's variant: the spec sweeps layer options)" : '',
      ),
      h(
        'table',
        { class: 'model-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['#', 'layer', 'output shape', 'parameters'].map((t) => h('th', null, t)),
          ),
        ),
        h(
          'tbody',
          null,
          model.rows.map((row) =>
            h(
              'tr',
              null,
              h('td', { class: 'num' }, String(row.index)),
              h('td', null, h('b', null, row.type), row.name ? ` (${row.name})` : ''),
              h('td', { class: 'mono' }, shape(row.outputShape)),
              h('td', { class: 'num' }, formatCount(row.params)),
            ),
          ),
        ),
      ),
    );
    modelView.hidden = false;
  }

  /** A short id (the CLI prints 8 characters): the one sweep whose id starts with it, if exactly one does. */
  async function openByPrefix() {
    if (!/^[0-9a-f-]{1,35}$/i.test(id)) return false;
    const { items } = await api(`/v1/sweeps?idPrefix=${enc}&limit=2`).catch(() => ({ items: [] }));
    if (items.length !== 1 || destroyed) return false;
    location.hash = sweepHref(items[0].id);
    return true;
  }

  /** The page of an id that is no sweep: what the API said, and the way back (no Cancel, no Delete). */
  function showMissing(error) {
    destroyed = true;
    refresh.cancel();
    document.title = 'Sweep not found · hypersweep';
    const message =
      error.status === 404
        ? `There is no sweep with the id ${id}: it was deleted, or the link is wrong.`
        : `"${id}" is no sweep's id, nor the start of exactly one: sweep links carry the full id (36 characters), as the sweep list shows it.`;
    fill(
      root,
      h(
        'div',
        { class: 'panel not-found' },
        h('h1', null, 'Sweep not found'),
        h('p', null, message),
        h('p', null, h('a', { href: SWEEPS_HREF }, '← All sweeps')),
      ),
    );
  }

  function renderSweep(sweep) {
    catalog = withSwept(baseCatalog, sweep.spec);
    if (sweep.model && modelView.hidden) renderModel(sweep.model, sweep.spec);
    document.title = `${sweep.name} · hypersweep`;
    fill(title, sweep.name, ' ', statusBadge(sweep.status));
    title.dataset.status = sweep.status;
    fill(
      meta,
      h('span', { class: 'mono' }, sweep.id),
      ` · objective ${sweep.objective.metric} (${sweep.objective.mode}) · created `,
      h('span', { title: formatTime(sweep.createdAt) }, formatAgo(sweep.createdAt)),
      // the API's run time leaves out the time an extended sweep sat completed before it was extended
      sweep.ranMs === null ? '' : ` · ran ${formatDuration(sweep.ranMs)}`,
      sweep.error ? ` · ${sweep.error}` : '',
    );
    const stat = (label, value, cls) =>
      h(
        'div',
        { class: `stat ${cls ?? ''}`, dataset: { count: label } },
        h('div', { class: 'value' }, value),
        h('div', { class: 'label' }, label),
      );
    fill(
      counts,
      stat('trials', sweep.trialCount),
      trialStatuses.map((s) => stat(s, sweep.counts[s] ?? 0, s)),
    );
    cancelButton.disabled = ENDED.has(sweep.status);
    if (spec === undefined) {
      spec = sweep.spec;
      specView.textContent = JSON.stringify(spec, null, 2);
    }
    if (sweep.best) {
      const c = configSummary(sweep.best.config, catalog);
      fill(
        best,
        'Best so far: ',
        h('b', { class: 'best-value' }, formatNumber(sweep.best.bestValue)),
        ` ${sweep.objective.metric} by `,
        h('a', { href: trialHref(id, sweep.best.id) }, `trial #${sweep.best.index}`),
        h(
          'span',
          { class: 'config' },
          ` ${c.optimizerType} ${c.optimizerOptions} · ${c.schedulerType} ${c.schedulerOptions} · seed ${c.seed}`,
        ),
      );
    } else fill(best, h('span', { class: 'muted' }, 'No trial has reported its objective yet.'));
  }

  function chartedIds(items) {
    return items
      .filter((t) => t.stepsDone > 0 || t.status === 'running')
      .slice(0, Number(topN.value))
      .map((t) => t.id);
  }

  function renderBoard(trials) {
    charted = chartedIds(trials.items);
    board.render(trials.items, trials);
    fill(
      boardNote,
      trials.total > trials.items.length
        ? [
            `Showing the best ${trials.items.length} of ${trials.total} trials. `,
            h('button', { onclick: showMore }, 'Show up to 1000'),
          ]
        : `${trials.total} trials, best first by ${trials.objective.metric} (${trials.objective.mode}).`,
    );
  }

  function showMore() {
    boardLimit = 1000;
    refresh();
  }

  async function metricsOf(trial) {
    const key = `${trial.status}:${trial.stepsDone}`;
    const cached = metricsCache.get(trial.id);
    if (cached?.key === key) return cached.metrics;
    const metrics = await api(`/v1/trials/${encodeURIComponent(trial.id)}/metrics?maxPoints=${MAX_POINTS}`);
    metricsCache.set(trial.id, { key, metrics });
    return metrics;
  }

  async function renderCurves(items) {
    const ids = chartedIds(items);
    const trials = ids.map((tid) => items.find((t) => t.id === tid));
    const metrics = await Promise.all(trials.map(metricsOf));
    if (destroyed) return;
    const series = (column) =>
      trials.map((trial, i) => ({
        label: trialLabel(trial, catalog),
        color: colorAt(i),
        x: metrics[i].step,
        y: metrics[i][column],
      }));
    lossChart.update(series('loss'));
    // Until the user sets it: a log lr axis when the rates span more than a decade (lr 1 against 1e-3).
    if (!logLrPicked) {
      logLr.checked = spansDecade(metrics.flatMap((m) => m.lr));
      lrChart.setLogY(logLr.checked);
    }
    lrChart.update(series('lr'));
  }

  function setLogY(value) {
    lossChart.setLogY(value);
    panel?.setLogY(value);
  }

  function select(trialId) {
    selected = trialId;
    board.select(selected);
    trialRoot.hidden = !selected;
    if (!selected) return;
    panel ??= trialPanel(trialRoot, { catalog, logY: logY.checked, closeHref: sweepHref(id) });
    panel.show(selected);
    trialRoot.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function openStream() {
    clearTimeout(reopenTimer);
    // fetch, not EventSource: it sends the API key. Dropped or refused, the page reopens it after a delay.
    stream = openEventStream(`/v1/sweeps/${enc}/events`, {
      onOpen() {
        reopenDelay = RECONNECT_MIN_MS;
        setLive('live', true);
      },
      onEvent(type) {
        if (LIVE_EVENTS.includes(type)) refresh();
      },
      onEnd() {
        stream = undefined;
        setLive(`reconnecting in ${Math.round(reopenDelay / 1000)} s`, false);
        reopenTimer = setTimeout(() => {
          if (!destroyed) openStream();
        }, reopenDelay);
        reopenDelay = Math.min(reopenDelay * 2, RECONNECT_MAX_MS);
      },
    });
  }

  function closeStream(why) {
    clearTimeout(reopenTimer);
    stream?.close();
    stream = undefined;
    setLive(why, false);
  }

  function setLive(text, on) {
    live.textContent = text;
    live.classList.toggle('on', on);
  }

  function clone() {
    saveDraft(spec);
    location.hash = NEW_SWEEP_HREF;
  }

  async function cancel() {
    try {
      const answer = await api(`/v1/sweeps/${enc}/cancel`, { method: 'POST' });
      notify(`Cancelled; ${answer.cancelledTrials} trials will not run.`);
      refresh();
    } catch (error) {
      notify(`Cancel failed: ${error.message}`, 'error');
    }
  }

  async function remove() {
    const running = title.dataset.status && !ENDED.has(title.dataset.status);
    const question = running
      ? 'This sweep is still running: its running trials are stopped first, then the sweep is deleted with all its trials and metrics. Delete it?'
      : 'Delete this sweep with all its trials and metrics?';
    if (!confirm(question)) return;
    try {
      await api(`/v1/sweeps/${enc}`, { method: 'DELETE' });
      notify('Sweep deleted.');
      location.hash = SWEEPS_HREF;
    } catch (error) {
      notify(`Delete failed: ${error.message}`, 'error');
    }
  }

  getCatalog()
    .catch(() => undefined)
    .then((value) => {
      if (destroyed) return;
      baseCatalog = value;
      catalog = value;
      openStream();
      refresh();
      if (selected) select(selected);
    });

  return {
    update(next) {
      if (next.trialId !== selected) select(next.trialId);
    },
    destroy() {
      destroyed = true;
      refresh.cancel();
      clearTimeout(reopenTimer);
      stream?.close();
      lossChart.destroy();
      lrChart.destroy();
      panel?.destroy();
      compare.destroy();
      benchmark.destroy();
    },
  };
}
