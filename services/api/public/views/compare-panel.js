import { api } from '../api.js';
import { colorAt, epochsFromOne, spansDecade } from '../charts.js';
import { bandChart, logXChart } from '../compare-charts.js';
import { errorList, fill, h, notify, submitWith } from '../dom.js';
import { configSummary, formatNumber, NO_SCHEDULER } from '../format.js';
import { configLeaderboard } from '../leaderboard.js';
import { extendableSweepStatuses, objectiveMetrics } from '../statuses.js';
import { throttle } from '../throttle.js';

const REFRESH_MS = 2000;
const MAX_POINTS = 1000;
/** A sweep that still runs can grow, and so can a completed one (it runs again); the API refuses the rest (409). */
const canGrow = (status) => extendableSweepStatuses.includes(status);

const configLabel = (config, catalog) => {
  const c = configSummary(config, catalog);
  const scheduler = c.schedulerType === NO_SCHEDULER ? '' : ` · ${c.schedulerType} ${c.schedulerOptions}`;
  return `${c.optimizerType} ${c.optimizerOptions}${scheduler}`;
};

/**
 * The comparison of a sweep: a leaderboard by configuration (mean ± std over seeds, n, 95% interval), loss,
 * lr and validation curves by configuration with a band over seeds (or of picked trials), EMA smoothing,
 * the objective against the learning rate per optimizer, an optimizer × scheduler heatmap, the factor
 * effects, and a form that grows the sweep. The sweep page places the three panels and calls refresh().
 */
export function comparePanel({ sweepId, catalog: getCatalog, onExtended }) {
  const enc = encodeURIComponent(sweepId);
  const errors = h('ul', { class: 'errors' });
  const pickedConfigs = new Set();
  const pickedTrials = new Set();
  let data = { configs: undefined, effects: undefined, curves: {} };
  let sweep;
  let destroyed = false;

  // ---- by-config leaderboard
  const board = configLeaderboard({
    catalog: getCatalog,
    isPicked: (key) => pickedConfigs.has(key),
    onPick: (key, picked) => {
      if (picked) pickedConfigs.add(key);
      else pickedConfigs.delete(key);
      by.value = 'config';
      refreshNow();
    },
  });
  const boardNote = h('div', { class: 'muted', style: 'margin-top: 8px' });
  const boardPanel = h(
    'div',
    { class: 'panel config-board-panel' },
    h('h2', null, 'By config'),
    h('div', { style: 'overflow-x: auto' }, board.element),
    boardNote,
  );

  // ---- curves and analysis
  const by = h(
    'select',
    { 'aria-label': 'overlay by', onchange: () => refreshNow() },
    h('option', { value: 'config', selected: true }, 'by config (band over seeds)'),
    h('option', { value: 'trial' }, 'by trial'),
  );
  const topN = h(
    'select',
    { 'aria-label': 'groups to chart', onchange: () => refreshNow() },
    [3, 5, 10].map((n) => h('option', { value: n, selected: n === 5 }, `top ${n}`)),
  );
  const band = h(
    'select',
    { 'aria-label': 'band', onchange: () => draw() },
    h('option', { value: 'minmax', selected: true }, 'band: min–max'),
    h('option', { value: 'std' }, 'band: ±1 std'),
    h('option', { value: 'none' }, 'no band'),
  );
  const smoothing = h('input', {
    type: 'range',
    min: 0,
    max: 0.95,
    step: 0.05,
    value: 0,
    'aria-label': 'smoothing',
    oninput: () => {
      smoothingValue.textContent = Number(smoothing.value).toFixed(2);
      draw();
    },
  });
  const smoothingValue = h('span', { class: 'mono' }, '0.00');
  const logY = h('input', { type: 'checkbox', checked: true, onchange: () => draw() });
  // Follows the sweep's objective (val_accuracy when it ranks by it) until the user picks another.
  let valMetricPicked = false;
  const valMetric = h(
    'select',
    {
      'aria-label': 'validation metric',
      onchange: () => {
        valMetricPicked = true;
        refreshNow();
      },
    },
    objectiveMetrics
      .filter((metric) => metric.startsWith('val_'))
      .map((metric) => h('option', { value: metric, selected: metric === 'val_loss' }, metric)),
  );
  const clearPicks = h('button', { onclick: () => clear(), hidden: true }, 'Clear picks');
  const pickNote = h('span', { class: 'muted' });
  const lossBox = h('div', { class: 'chart config-loss-chart' });
  const lrBox = h('div', { class: 'chart config-lr-chart' });
  const valBox = h('div', { class: 'chart val-chart' });
  const sensitivityBox = h('div', { class: 'chart lr-sensitivity' });
  const heatmapBox = h('div', { class: 'heatmap-box' });
  const effectsBox = h('div', { class: 'effects' });
  const analysisPanel = h(
    'div',
    { class: 'panel compare-panel' },
    h(
      'div',
      { class: 'row spread' },
      h('h2', null, 'Compare'),
      h(
        'div',
        { class: 'row' },
        by,
        topN,
        band,
        h('label', null, 'smoothing ', smoothing, ' ', smoothingValue),
        h('label', null, logY, ' log-scale loss'),
        valMetric,
        clearPicks,
      ),
    ),
    h('div', { class: 'muted', style: 'margin-bottom: 8px' }, pickNote),
    errors,
    h('div', { class: 'charts' }, lossBox, lrBox, valBox, sensitivityBox),
    h(
      'div',
      { class: 'charts', style: 'margin-top: 16px' },
      h('div', null, h('h3', null, 'Mean objective: optimizer × scheduler'), heatmapBox),
      h('div', null, h('h3', null, 'Effects: share of the objective variance'), effectsBox),
    ),
  );
  const lossChart = bandChart(lossBox, { title: 'Loss per step', yLabel: 'loss', emptyText: 'No steps yet' });
  // The learning rate is never smoothed: it is a schedule, not a noisy measurement.
  const lrChart = bandChart(lrBox, {
    title: 'Learning rate per step',
    yLabel: 'lr',
    emptyText: 'No steps yet',
  });
  const valChart = bandChart(valBox, {
    title: 'Validation per epoch',
    xLabel: 'epoch',
    yLabel: 'val_loss',
    emptyText: 'No validation metrics (yet, or the workload has no validation set)',
  });
  const sensitivityChart = logXChart(sensitivityBox, {
    title: 'Objective vs learning rate (best mean per lr)',
    xLabel: 'lr',
    yLabel: 'objective',
  });
  /** The two charts whose y axis is a metric the user or the sweep picks: named after it. */
  function nameMetricAxes() {
    valChart.setYLabel(valMetric.value);
    if (sweep) sensitivityChart.setYLabel(`${sweep.objective.metric} (${sweep.objective.mode})`);
  }

  // ---- extend
  const extendErrors = h('ul', { class: 'errors' });
  const extendResult = h('div', { class: 'extend-result muted' });
  const seedsInput = h('input', { type: 'text', placeholder: 'e.g. 2, 3', 'aria-label': 'seeds to add' });
  const optimizersInput = h('textarea', {
    rows: 3,
    placeholder: '[{"type": "SGD", "lr": [0.3]}]',
    'aria-label': 'optimizer entries to add (JSON)',
  });
  const schedulersInput = h('textarea', {
    rows: 3,
    placeholder: '[{"type": "StepLR", "step_size": 1, "gamma": 0.5}]',
    'aria-label': 'scheduler entries to add (JSON)',
  });
  // A random or TPE search grows by samples (its budget); a grid by seeds and entries.
  const trialsInput = h('input', {
    type: 'number',
    min: 1,
    step: 1,
    placeholder: 'e.g. 8',
    'aria-label': 'samples to add',
  });
  const gridFields = h(
    'div',
    { class: 'extend-grid' },
    h('label', null, 'Seeds to add', seedsInput),
    h('label', null, 'Optimizer entries to add (JSON list)', optimizersInput),
    h('label', null, 'Scheduler entries to add (JSON list)', schedulersInput),
  );
  const searchFields = h(
    'div',
    { class: 'extend-search', hidden: true },
    h('label', null, 'Samples to add (each runs once per seed)', trialsInput),
  );
  const extendNote = h(
    'p',
    { class: 'muted' },
    'Add seeds or values: they join the spec and only the new cells of the grid become trials; trials the sweep has are kept, never rerun. A completed sweep runs again.',
  );
  const extendButton = h('button', { type: 'submit', class: 'primary needs-write' }, 'Extend');
  const extendPanel = h(
    'div',
    { class: 'panel extend-panel' },
    h('h2', null, 'Extend'),
    extendNote,
    h(
      'form',
      { class: 'extend-form', onsubmit: submitWith(extend) },
      gridFields,
      searchFields,
      h('div', null, extendButton),
    ),
    extendErrors,
    extendResult,
  );

  const catalog = () => getCatalog();
  /** Whether the sweep is a random or TPE search (its `search` settings), not a grid. */
  const isSearch = () => Boolean(sweep?.search && sweep.search.type !== 'grid');

  const refresh = throttle(load, REFRESH_MS);
  function refreshNow() {
    refresh.cancel();
    load();
  }

  async function load() {
    try {
      const ids = by.value === 'config' ? [...pickedConfigs] : [...pickedTrials];
      const groupQuery = `by=${by.value}&${ids.length ? `ids=${ids.map(encodeURIComponent).join(',')}` : `limit=${topN.value}`}&maxPoints=${MAX_POINTS}`;
      const [configs, effects, loss, lr, val] = await Promise.all([
        api(`/v1/sweeps/${enc}/configs?limit=1000`),
        api(`/v1/sweeps/${enc}/effects`),
        api(`/v1/sweeps/${enc}/curves?metric=loss&${groupQuery}`),
        api(`/v1/sweeps/${enc}/curves?metric=lr&${groupQuery}`),
        api(`/v1/sweeps/${enc}/curves?metric=${valMetric.value}&${groupQuery}`),
      ]);
      if (destroyed) return;
      fill(errors);
      data = { configs, effects, curves: { loss, lr, val } };
      renderBoard();
      renderHeatmap();
      renderEffects();
      draw();
    } catch (error) {
      if (!destroyed) errorList(errors, error);
    }
  }

  function groupsOf(curves) {
    if (!curves) return [];
    // a group with pruned trials says so: its curve (or part of its band) ends where they stopped
    const prunedText = (g) =>
      !(g.pruned > 0)
        ? ''
        : curves.by === 'trial'
          ? ' (pruned)'
          : ` (${g.pruned} of ${g.trialIds.length} pruned)`;
    return curves.groups.map((g, i) => ({
      label:
        (curves.by === 'trial'
          ? `${configLabel(g.config, catalog())} · seed ${g.seeds[0]}`
          : configLabel(g.config, catalog())) + prunedText(g),
      color: colorAt(i),
      x: g.x,
      mean: g.y.mean,
      min: g.y.min,
      max: g.y.max,
      std: g.y.std,
    }));
  }

  function draw() {
    const view = { band: band.value, smoothing: Number(smoothing.value), logY: logY.checked };
    lossChart.update(groupsOf(data.curves.loss), view);
    // Learning rates a decade or more apart (lr 1 against 1e-3) are read on a log axis, or the small ones sit on zero.
    const lrGroups = groupsOf(data.curves.lr);
    lrChart.update(lrGroups, { ...view, smoothing: 0, logY: spansDecade(lrGroups.flatMap((g) => g.mean)) });
    nameMetricAxes();
    valChart.update(epochsFromOne(groupsOf(data.curves.val)), { ...view, logY: false });
    const picks = by.value === 'config' ? pickedConfigs.size : pickedTrials.size;
    clearPicks.hidden = picks === 0;
    pickNote.textContent =
      picks > 0
        ? `Overlaying ${picks} picked ${by.value === 'config' ? 'configs' : 'trials'}.`
        : `The best ${topN.value} ${by.value === 'config' ? 'configs' : 'trials'}; tick rows of the ${by.value === 'config' ? '"By config" board' : 'leaderboard'} to overlay others.`;
    renderSensitivity();
  }

  function renderBoard() {
    const { configs } = data;
    const metric = configs.objective.metric;
    board.render(configs.items, configs);
    const pruned = configs.pruned;
    fill(
      boardNote,
      `${configs.total} configs; mean, std (n − 1) and the t-interval over completed seeds, best first by ${metric} (${configs.objective.mode}).`,
      pruned?.trials > 0
        ? h(
            'div',
            { class: 'pruned-rule' },
            `${pruned.trials} pruned trials, never averaged with completed ones: each is shown at the epoch where it stopped with its best ${metric} up to there; ${pruned.configs} configs had every trial pruned (unranked, after the ranked ones, furthest first).`,
          )
        : null,
    );
  }

  /**
   * Per optimizer, the best mean at each lr (a line with filled points) and, apart, the configs whose
   * trials were all pruned at their furthest pruned trial's value (hollow points, no line: a cut-short
   * value is not a point of the completed curve).
   */
  function renderSensitivity() {
    const { configs } = data;
    if (!configs) return;
    const better = configs.objective.mode === 'max' ? Math.max : Math.min;
    const byOptimizer = new Map();
    const add = (type, kind, lr, value) => {
      if (!byOptimizer.has(type)) byOptimizer.set(type, { completed: new Map(), pruned: new Map() });
      const points = byOptimizer.get(type)[kind];
      points.set(lr, points.has(lr) ? better(points.get(lr), value) : value);
    };
    for (const row of configs.items) {
      const lr = row.config.optimizer?.options?.lr;
      if (typeof lr !== 'number') continue;
      const type = row.config.optimizer.type;
      if (row.mean !== null) add(type, 'completed', lr, row.mean);
      else if (typeof row.pruned?.furthest?.value === 'number')
        add(type, 'pruned', lr, row.pruned.furthest.value);
    }
    const series = [];
    [...byOptimizer].forEach(([type, { completed, pruned }], i) => {
      for (const [points, hollow] of [
        [completed, false],
        [pruned, true],
      ]) {
        if (points.size === 0) continue;
        const xs = [...points.keys()].sort((a, b) => a - b);
        series.push({
          label: hollow ? `${type} (pruned, at the epoch it stopped)` : type,
          color: colorAt(i),
          hollow,
          x: xs,
          y: xs.map((x) => points.get(x)),
        });
      }
    });
    sensitivityChart.update(series);
  }

  function renderHeatmap() {
    const { configs } = data;
    const cells = new Map();
    const optimizers = [];
    const schedulers = [];
    // the mean over completed trials; pruned trials counted apart (a cell only they reached says so)
    for (const row of configs.items) {
      const pruned = row.pruned?.n ?? 0;
      if (row.mean === null && pruned === 0) continue;
      const o = row.config.optimizer?.type ?? '?';
      const s = row.config.scheduler?.type ?? NO_SCHEDULER;
      if (!optimizers.includes(o)) optimizers.push(o);
      if (!schedulers.includes(s)) schedulers.push(s);
      const cell = cells.get(`${o}\u0000${s}`) ?? { sum: 0, n: 0, pruned: 0 };
      if (row.mean !== null) {
        cell.sum += row.mean * row.n;
        cell.n += row.n;
      }
      cell.pruned += pruned;
      cells.set(`${o}\u0000${s}`, cell);
    }
    if (cells.size === 0) {
      fill(heatmapBox, h('div', { class: 'empty' }, 'No completed trials yet'));
      return;
    }
    const means = [...cells.values()].filter((c) => c.n > 0).map((c) => c.sum / c.n);
    const lo = Math.min(...means);
    const hi = Math.max(...means);
    const goodness = (m) => {
      // one mean (every other cell pruned, or a single cell) is the best there is, whichever the direction
      if (hi === lo) return 1;
      const t = (m - lo) / (hi - lo);
      return configs.objective.mode === 'max' ? t : 1 - t;
    };
    fill(
      heatmapBox,
      h(
        'table',
        { class: 'heatmap' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'optimizer \\ scheduler'),
            schedulers.map((s) => h('th', null, s)),
          ),
        ),
        h(
          'tbody',
          null,
          optimizers.map((o) =>
            h(
              'tr',
              null,
              h('th', null, o),
              schedulers.map((s) => {
                const cell = cells.get(`${o}\u0000${s}`);
                if (!cell) return h('td', { class: 'missing' }, '—');
                const prunedNote = cell.pruned > 0 ? ` · ${cell.pruned} pruned` : '';
                if (cell.n === 0) {
                  return h(
                    'td',
                    {
                      class: 'pruned-cell',
                      dataset: { pruned: String(cell.pruned) },
                      title: `${o} × ${s}: every trial pruned (${cell.pruned}); no mean`,
                    },
                    h('span', { class: 'badge pruned' }, 'pruned'),
                    h('div', { class: 'muted small' }, `${cell.pruned} trials, none completed`),
                  );
                }
                const mean = cell.sum / cell.n;
                // green for the best cell, pale red for the worst
                const hue = Math.round(120 * goodness(mean));
                return h(
                  'td',
                  {
                    class: 'num',
                    dataset: { mean: String(mean), pruned: String(cell.pruned) },
                    style: `background: hsl(${hue} 55% 80%)`,
                    title: `${o} × ${s}: mean ${formatNumber(mean)} over ${cell.n} completed trials${prunedNote} (not in the mean)`,
                  },
                  formatNumber(mean),
                  h('div', { class: 'muted small' }, `n ${cell.n}${prunedNote}`),
                );
              }),
            ),
          ),
        ),
      ),
    );
  }

  function renderEffects() {
    const { effects } = data;
    const prunedCount = effects?.pruned?.trials ?? 0;
    if (!effects || effects.factors.length === 0) {
      fill(
        effectsBox,
        h(
          'div',
          { class: 'empty' },
          prunedCount > 0
            ? `No completed trials to compare yet (${prunedCount} pruned: effects are over completed trials only)`
            : 'No completed trials to compare yet',
        ),
      );
      return;
    }
    // a nested factor names the trials it was analysed within: "optimizer.amsgrad (within Adam)"
    const withinText = (within) => (within ? ` (within ${within.label})` : '');
    const bar = (name, within, share, title, cls = '', shareText = `${(share * 100).toFixed(1)}%`) =>
      h(
        'div',
        { class: `effect-row ${cls}`, title },
        h(
          'span',
          { class: 'effect-label', style: 'overflow: hidden; text-overflow: ellipsis; white-space: nowrap' },
          h('span', { class: 'effect-name mono' }, name),
          within ? h('span', { class: 'effect-within muted' }, withinText(within)) : null,
        ),
        h(
          'span',
          { class: 'bar' },
          h('span', { class: 'bar-fill', style: `width: ${(share * 100).toFixed(1)}%` }),
        ),
        h('span', { class: 'num' }, shareText),
      );
    const levelsText = (f) =>
      f.levels
        .map((l) =>
          l.n === 0
            ? `${l.label}: pruned only (${l.pruned})`
            : `${l.label}: ${formatNumber(l.mean)} (n ${l.n}${l.pruned > 0 ? `, ${l.pruned} pruned` : ''})`,
        )
        .join(' · ');
    const scopeText = (f) => {
      if (f.n === 0) return `no completed trial${f.within ? ` of ${f.within.label}` : ''}: no share · `;
      return f.within ? `share of the variance among the ${f.n} trials of ${f.within.label} · ` : '';
    };
    fill(
      effectsBox,
      h(
        'div',
        { class: 'muted', style: 'margin-bottom: 6px' },
        effects.method === 'functional-anova'
          ? `Exact functional ANOVA over ${effects.n} completed trials of a complete grid; an option only some optimizers (schedulers) have is analysed within their trials.`
          : `Per-factor correlation ratio over ${effects.n} completed trials (incomplete grid or search; numeric values binned); an option only some optimizers (schedulers) have is analysed within their trials; shares may overlap.`,
      ),
      prunedCount > 0
        ? h(
            'div',
            { class: 'muted pruned-rule', style: 'margin-bottom: 6px' },
            `${prunedCount} pruned trials left out (a cut-short value is not comparable with a completed one), counted per level; a level only pruned trials reached has no mean, and a mean over the survivors of a level with many pruned trials is optimistic.`,
          )
        : null,
      effects.factors.map((f) =>
        h(
          'div',
          { class: 'effect' },
          // a swept option only pruned trials reached has no share: it says so instead of 0%
          f.n === 0
            ? bar(
                f.name,
                f.within,
                0,
                `${f.name}${withinText(f.within)}: ${levelsText(f)}`,
                'pruned-only',
                'pruned',
              )
            : bar(f.name, f.within, f.share, `${f.name}${withinText(f.within)}: ${levelsText(f)}`),
          h('div', { class: 'levels muted' }, scopeText(f) + levelsText(f)),
        ),
      ),
      effects.interactions
        .filter((p) => p.share >= 0.005)
        .slice(0, 5)
        .map((p) => bar(p.factors.join(' × '), p.within, p.share, 'two-way interaction', 'interaction')),
      effects.residualShare === null
        ? null
        : bar('residual (seed noise)', null, effects.residualShare, '', 'residual'),
    );
  }

  async function extend() {
    fill(extendErrors);
    const body = {};
    if (isSearch()) {
      const trials = Number(trialsInput.value);
      if (!Number.isInteger(trials) || trials < 1) {
        errorList(extendErrors, {
          details: [{ path: '/trials', message: 'samples to add: a positive integer' }],
        });
        return;
      }
      body.trials = trials;
    }
    try {
      const seeds = seedsInput.value.trim();
      if (seeds)
        body.seeds = seeds
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(Number);
      if (optimizersInput.value.trim()) body.optimizers = JSON.parse(optimizersInput.value);
      if (schedulersInput.value.trim()) body.schedulers = JSON.parse(schedulersInput.value);
    } catch (error) {
      errorList(extendErrors, { message: `not valid JSON: ${error.message}` });
      return;
    }
    extendButton.disabled = true;
    try {
      const answer = await api(`/v1/sweeps/${enc}/extend`, { method: 'POST', body });
      const text =
        answer.createdBy === 'workers'
          ? `The budget grew by ${answer.grownBy} trials; ${answer.trialCount} trials now. The workers sample them as trials end.`
          : `Added ${answer.added.length} trials (${answer.reused} already in the sweep); ${answer.trialCount} trials now.`;
      extendResult.textContent = text;
      notify(text);
      seedsInput.value = '';
      optimizersInput.value = '';
      schedulersInput.value = '';
      trialsInput.value = '';
      onExtended?.();
      refreshNow();
    } catch (error) {
      errorList(extendErrors, error);
    } finally {
      extendButton.disabled = sweep ? !canGrow(sweep.status) : false;
    }
  }

  function clear() {
    pickedConfigs.clear();
    pickedTrials.clear();
    for (const box of document.querySelectorAll('input[data-pick-trial]')) box.checked = false;
    refreshNow();
  }

  return {
    boardPanel,
    analysisPanel,
    extendPanel,
    /** The sweep page's refresh: re-read at most every REFRESH_MS. */
    refresh(next) {
      sweep = next;
      const search = isSearch();
      gridFields.hidden = search;
      searchFields.hidden = !search;
      extendNote.textContent = search
        ? `A ${sweep.search.type} search grows by samples: its budget only; the workers sample the new configs (TPE from every trial so far) as trials end. A completed search runs again.`
        : 'Add seeds or values: they join the spec and only the new cells of the grid become trials; trials the sweep has are kept, never rerun. A completed sweep runs again.';
      const metric = sweep.objective.metric;
      // An external trainer's own metric (val_bleu) is an epoch metric too: offer it beside the service's.
      const trainersOwn = !objectiveMetrics.includes(metric);
      if (trainersOwn && ![...valMetric.options].some((option) => option.value === metric)) {
        valMetric.append(h('option', { value: metric }, metric));
      }
      if (!valMetricPicked && (trainersOwn || metric.startsWith('val_')) && valMetric.value !== metric) {
        valMetric.value = metric;
        refreshNow();
      }
      extendButton.disabled = !canGrow(sweep.status);
      extendButton.title = extendButton.disabled ? `a ${sweep.status} sweep cannot grow` : '';
      refresh();
    },
    /** A trial ticked or unticked in the per-trial leaderboard. */
    pickTrial(trialId, picked) {
      if (picked) pickedTrials.add(trialId);
      else pickedTrials.delete(trialId);
      by.value = 'trial';
      refreshNow();
    },
    isPicked: (trialId) => pickedTrials.has(trialId),
    destroy() {
      destroyed = true;
      refresh.cancel();
      for (const chart of [lossChart, lrChart, valChart, sensitivityChart]) chart.destroy();
    },
  };
}
