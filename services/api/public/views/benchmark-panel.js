import { api } from '../api.js';
import { colorAt, lineChart } from '../charts.js';
import { errorList, fill, h } from '../dom.js';
import { formatNumber } from '../format.js';
import { finishedTrialStatuses } from '../statuses.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs, ...children) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
};

/**
 * A tune-then-evaluate sweep's Benchmark view (GET /v1/sweeps/:id/benchmark): the table per optimizer, the
 * tuning curves (expected best after k configs, with the 25-75% band), the evaluation results per optimizer
 * as a strip plot, the train loss of each tuned config over the evaluation seeds (mean, band min..max), and,
 * given the ids of the same protocol's sweeps on other workloads, the performance profile (GET
 * /v1/benchmarks). Hidden for a sweep without a protocol. The sweep page calls refresh(sweep).
 */
export function benchmarkPanel({ sweepId }) {
  const errors = h('ul', { class: 'errors' });
  const summary = h('div', { class: 'muted' });
  const table = h('table', { class: 'board benchmark-table' });
  const tuningBox = h('div', { class: 'chart benchmark-tuning' });
  const stripBox = h('div', { class: 'chart benchmark-strip' });
  const lossBox = h('div', { class: 'chart benchmark-loss' });
  const profileBox = h('div', { class: 'chart benchmark-profile' });
  const others = h('input', {
    type: 'text',
    'aria-label': 'other sweeps',
    placeholder: 'ids of the same protocol on other workloads, comma-separated',
    size: 60,
  });
  const profileButton = h('button', { onclick: () => showProfile() }, 'Performance profile');
  const element = h(
    'div',
    { class: 'panel benchmark-panel', hidden: true },
    h('h2', null, 'Benchmark'),
    summary,
    errors,
    h('div', { style: 'overflow-x: auto' }, table),
    h('div', { class: 'charts' }, tuningBox, stripBox),
    h('div', { class: 'charts' }, lossBox),
    h('div', { style: 'margin-top: 8px' }, others, ' ', profileButton),
    profileBox,
  );
  const tuningChart = lineChart(tuningBox, {
    title: 'Tuning curve: expected best objective after k configs (dashed: 25% and 75%)',
    xLabel: 'configs tried',
    yLabel: 'objective',
    emptyText: 'No tuning config has ended yet',
  });
  const lossChart = lineChart(lossBox, {
    title: 'Train loss of the tuned configs over the evaluation seeds (dashed: min and max)',
    xLabel: 'epoch',
    yLabel: 'train loss',
    logY: true,
    emptyText: 'No evaluation trial has finished an epoch yet',
  });
  let profileChart;
  let shownKey;
  /** trial id -> its epochs (ended trials only: they never change). */
  const epochsCache = new Map();

  async function refresh(sweep) {
    if (!sweep.spec?.protocol) return;
    element.hidden = false;
    const key = JSON.stringify([sweep.status, sweep.counts]);
    if (key === shownKey) return;
    try {
      const benchmark = await api(`/v1/sweeps/${encodeURIComponent(sweepId)}/benchmark`);
      fill(errors);
      render(benchmark);
      await renderLoss(benchmark);
      shownKey = key;
    } catch (error) {
      errorList(errors, error);
    }
  }

  function render(b) {
    const { tuning, evaluation, target } = b.protocol;
    fill(
      summary,
      `Tuning: ${tuning.search}, ${tuning.trials} configs per optimizer on seed(s) ${tuning.seeds.join(', ')}; `,
      `evaluation: top ${evaluation.top} on seeds ${evaluation.seeds.join(', ')}; target ${target.metric} `,
      `${target.direction === 'max' ? '≥' : '≤'} ${target.value}. Trials: tuning ${b.trials.tuning.finished}/${b.trials.tuning.created}, evaluation ${b.trials.evaluation.finished}/${b.trials.evaluation.created} finished. ${b.ranking.test}.`,
    );
    const ranks = new Map(b.ranking.rows.map((r) => [r.entry, r]));
    const head = [
      'rank',
      'optimizer',
      'tuned',
      'configs',
      `mean ${b.objective.metric}`,
      'std',
      '95% interval',
      'n',
      'reached',
      'steps to target',
      'p (Welch)',
      'vs best',
    ];
    fill(
      table,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c) => h('th', null, c)),
        ),
      ),
      h(
        'tbody',
        null,
        b.optimizers.map((o, i) => {
          const rank = ranks.get(o.entry);
          const e = o.evaluation;
          const lr = o.tuned[0]?.config?.optimizer?.options?.lr;
          return h(
            'tr',
            { dataset: { optimizer: o.label } },
            h('td', null, rank ? String(rank.rank) : '-'),
            h('td', null, h('span', { class: 'swatch', style: `background: ${colorAt(i)}` }), ' ', o.label),
            h('td', null, o.oneShot ? 'one-shot' : lr === undefined ? '-' : `lr ${formatNumber(lr)}`),
            h('td', null, `${o.tuning.configsTried}/${o.tuning.budget}`),
            h('td', { class: 'mean' }, formatNumber(e.mean)),
            h('td', null, formatNumber(e.std)),
            h('td', null, e.ci95 ? `${formatNumber(e.ci95.low)} .. ${formatNumber(e.ci95.high)}` : '-'),
            h('td', null, String(e.n)),
            h('td', null, `${o.target.reached}/${o.target.reached + o.target.never}`),
            h('td', null, o.target.steps.median === null ? '-' : formatNumber(o.target.steps.median)),
            h('td', null, rank?.pValue == null ? '-' : formatNumber(rank.pValue)),
            h('td', null, !rank ? '-' : rank.rank === 1 ? 'best' : rank.tiedWithBest ? 'tied' : 'worse'),
          );
        }),
      ),
    );
    const curves = b.optimizers.flatMap((o, i) => {
      const points = o.tuning.curve.filter((p) => p.mean !== null);
      const x = points.map((p) => p.k);
      return [
        { label: o.label, color: colorAt(i), x, y: points.map((p) => p.mean) },
        { label: `${o.label} 25%`, color: colorAt(i), x, y: points.map((p) => p.q25), dash: [4, 4] },
        { label: `${o.label} 75%`, color: colorAt(i), x, y: points.map((p) => p.q75), dash: [4, 4] },
      ];
    });
    tuningChart.update(curves);
    renderStrip(b);
  }

  /** One column per optimizer: a dot per evaluation seed, a bar at the mean. */
  function renderStrip(b) {
    const values = b.optimizers.flatMap((o) => o.evaluation.values.map((v) => v.value));
    if (values.length === 0) {
      fill(stripBox, h('div', { class: 'empty' }, 'No evaluation trial has completed yet'));
      return;
    }
    const width = 560;
    const height = 260;
    const pad = { left: 70, right: 10, top: 24, bottom: 40 };
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (lo === hi) {
      lo -= Math.abs(lo) * 0.01 || 1;
      hi += Math.abs(hi) * 0.01 || 1;
    }
    const y = (v) => pad.top + ((hi - v) / (hi - lo)) * (height - pad.top - pad.bottom);
    const column = (width - pad.left - pad.right) / b.optimizers.length;
    const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'strip-plot' });
    chart.append(
      svg(
        'text',
        { x: width / 2, y: 14, 'text-anchor': 'middle', 'font-size': 13 },
        `Evaluation ${b.objective.metric} per seed`,
      ),
    );
    for (const v of [lo, (lo + hi) / 2, hi]) {
      chart.append(
        svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, formatNumber(v)),
      );
      chart.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), stroke: '#ddd' }));
    }
    b.optimizers.forEach((o, i) => {
      const cx = pad.left + column * (i + 0.5);
      chart.append(svg('text', { x: cx, y: height - 16, 'text-anchor': 'middle', 'font-size': 12 }, o.label));
      o.evaluation.values.forEach((v, j) => {
        const jitter = ((j % 5) - 2) * 6;
        chart.append(
          svg('circle', { cx: cx + jitter, cy: y(v.value), r: 4, fill: colorAt(i), class: 'strip-point' }),
        );
      });
      if (o.evaluation.mean !== null) {
        const my = y(o.evaluation.mean);
        chart.append(
          svg('line', { x1: cx - 18, x2: cx + 18, y1: my, y2: my, stroke: '#222', 'stroke-width': 2 }),
        );
      }
    });
    fill(stripBox, chart);
  }

  async function renderLoss(b) {
    const series = [];
    for (const [i, o] of b.optimizers.entries()) {
      const ids = o.tuned[0]?.evaluationTrialIds ?? [];
      const runs = (await Promise.all(ids.map(epochsOf))).filter((e) => e && e.epoch.length > 0);
      if (runs.length === 0) continue;
      const epochs = Math.max(...runs.map((r) => r.epoch.length));
      const x = [];
      const mean = [];
      const min = [];
      const max = [];
      for (let e = 0; e < epochs; e++) {
        const at = runs.map((r) => r.trainLoss[e]).filter((v) => v !== null && v !== undefined);
        if (at.length === 0) continue;
        x.push(e + 1);
        mean.push(at.reduce((a, v) => a + v, 0) / at.length);
        min.push(Math.min(...at));
        max.push(Math.max(...at));
      }
      series.push(
        { label: `${o.label} (${runs.length} seeds)`, color: colorAt(i), x, y: mean },
        { label: `${o.label} min`, color: colorAt(i), x, y: min, dash: [4, 4] },
        { label: `${o.label} max`, color: colorAt(i), x, y: max, dash: [4, 4] },
      );
    }
    lossChart.update(series);
  }

  async function epochsOf(trialId) {
    const cached = epochsCache.get(trialId);
    if (cached) return cached;
    const [trial, metrics] = await Promise.all([
      api(`/v1/trials/${encodeURIComponent(trialId)}`),
      api(`/v1/trials/${encodeURIComponent(trialId)}/metrics?maxPoints=10`),
    ]);
    if (finishedTrialStatuses.includes(trial.status)) epochsCache.set(trialId, metrics.epochs);
    return metrics.epochs;
  }

  async function showProfile() {
    const ids = [
      sweepId,
      ...others.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ];
    try {
      const p = await api(`/v1/benchmarks?sweeps=${ids.map(encodeURIComponent).join(',')}`);
      fill(errors);
      profileChart ??= lineChart(profileBox, {
        title: `Performance profile over ${p.workloads.length} workload(s): fraction within tau x the fastest time to target`,
        xLabel: 'tau',
        yLabel: 'fraction of workloads',
      });
      profileChart.update(
        p.profiles.map((o, i) => ({ label: o.optimizer, color: colorAt(i), x: p.taus, y: o.fractions })),
      );
      profileBox.dataset.workloads = String(p.workloads.length);
    } catch (error) {
      errorList(errors, error);
    }
  }

  return {
    element,
    refresh,
    destroy() {
      tuningChart.destroy();
      lossChart.destroy();
      profileChart?.destroy();
    },
  };
}
