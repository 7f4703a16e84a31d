import uPlot from '/assets/uplot/uPlot.esm.js';
import { fill, h } from './dom.js';
import { formatNumber } from './format.js';

const WHOLE_INCREMENTS = Array.from({ length: 10 }, (_, i) => [1, 2, 5].map((m) => m * 10 ** i)).flat();

/** `#rrggbb` with an alpha in [0, 1]. */
export const withAlpha = (hex, alpha) =>
  `${hex}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;

/**
 * Exponential moving average as TensorBoard smooths: s_t = w·s_{t-1} + (1 - w)·v_t, debiased by 1 - w^t so
 * the start is not pulled toward zero. Gaps (null) stay gaps and do not count.
 */
export function ema(values, weight) {
  if (!(weight > 0)) return values;
  let s = 0;
  let t = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    t++;
    s = weight * s + (1 - weight) * v;
    return s / (1 - weight ** t);
  });
}

// uPlot leaves minor log-axis ticks unlabeled (null)
const tickValues = (_u, ticks) => ticks.map((v) => (v === null ? '' : formatNumber(v)));

const positive = (values) => values.map((v) => (v !== null && v > 0 ? v : null));

/** A legend of our own: one swatch and label per group (uPlot's would list every band edge). */
function legend(groups) {
  return h(
    'ul',
    { class: 'legend' },
    groups.map((g) =>
      h(
        'li',
        { title: g.title ?? g.label, class: g.hollow ? 'hollow' : undefined },
        h('span', {
          class: 'swatch',
          // a hollow series (pruned configs): a ring, as its points are drawn
          style: g.hollow
            ? `background: transparent; box-shadow: inset 0 0 0 2px ${g.color}`
            : `background: ${g.color}`,
        }),
        g.label,
      ),
    ),
  );
}

/**
 * A chart box with a legend of our own beneath: `show(options, data, legendGroups)` replaces the plot,
 * `empty(text)` shows a note instead; the plot follows the container's width.
 */
function chartFrame(container, height) {
  let plot;
  const chartBox = h('div');
  const legendBox = h('div');
  fill(container, chartBox, legendBox);
  const width = () => Math.max(300, container.clientWidth || 600);
  const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height }));
  observer.observe(container);
  return {
    show(options, data, groups) {
      plot?.destroy();
      fill(chartBox);
      plot = new uPlot({ ...options, width: width(), height, legend: { show: false } }, data, chartBox);
      fill(legendBox, legend(groups));
    },
    empty(text) {
      plot?.destroy();
      plot = undefined;
      fill(chartBox, h('div', { class: 'empty' }, text));
      fill(legendBox);
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
    },
  };
}

/**
 * Mean curves with a band per group (min–max or ±std over the group's seeds), optionally smoothed with an
 * EMA whose raw curve stays faint behind it.
 *
 * `spec`: { title, xLabel, yLabel, height? }. `update(groups, view)`: groups [{ label, color, x, mean, min,
 * max, std }], view { smoothing (0..0.99), band: 'minmax' | 'std' | 'none', logY }.
 */
export function bandChart(container, spec) {
  const frame = chartFrame(container, spec.height ?? 260);

  function update(groups, view) {
    const drawable = groups.filter((g) => g.x.length > 0);
    container.dataset.groups = String(drawable.length);
    container.dataset.logY = String(Boolean(view.logY));
    container.dataset.smoothing = String(view.smoothing ?? 0);
    if (drawable.length === 0) {
      frame.empty(spec.emptyText ?? 'No points yet');
      return;
    }
    const smooth = view.smoothing > 0;
    const series = [{ label: spec.xLabel ?? 'step' }];
    const bands = [];
    const tables = [];
    for (const g of drawable) {
      const lo =
        view.band === 'std'
          ? g.mean.map((m, i) => (m === null || g.std[i] === null ? m : m - g.std[i]))
          : g.min;
      const hi =
        view.band === 'std'
          ? g.mean.map((m, i) => (m === null || g.std[i] === null ? m : m + g.std[i]))
          : g.max;
      const columns = [g.x];
      const base = series.length;
      if (view.band !== 'none') {
        columns.push(lo, hi);
        series.push(
          { label: `${g.label} low`, stroke: withAlpha(g.color, 0.25), width: 0.5, spanGaps: true },
          { label: `${g.label} high`, stroke: withAlpha(g.color, 0.25), width: 0.5, spanGaps: true },
        );
        bands.push({ series: [base + 1, base], fill: withAlpha(g.color, 0.12) });
      }
      if (smooth) {
        columns.push(g.mean);
        series.push({ label: `${g.label} raw`, stroke: withAlpha(g.color, 0.3), width: 1, spanGaps: true });
      }
      columns.push(smooth ? ema(g.mean, view.smoothing) : g.mean);
      series.push({ label: g.label, stroke: g.color, width: 1.75, spanGaps: true });
      tables.push(view.logY ? [columns[0], ...columns.slice(1).map(positive)] : columns);
    }
    frame.show(
      {
        title: spec.title,
        scales: { x: { time: false }, y: { distr: view.logY ? 3 : 1 } },
        axes: [
          { label: spec.xLabel ?? 'step', incrs: WHOLE_INCREMENTS },
          { label: spec.yLabel, size: 64, values: tickValues },
        ],
        series,
        bands,
        cursor: { drag: { x: true, y: false } },
      },
      uPlot.join(tables),
      drawable,
    );
  }

  return {
    update,
    /** Names the y axis (the metric it shows) from the next update on. */
    setYLabel: yLabelSetter(container, spec),
    destroy: () => frame.destroy(),
  };
}

/** `setYLabel` of both charts: the axis names the metric it shows (tests read data-y-label). */
function yLabelSetter(container, spec) {
  container.dataset.yLabel = spec.yLabel;
  return (label) => {
    spec.yLabel = label;
    container.dataset.yLabel = label;
  };
}

/**
 * Points joined by lines over a log x axis: `update(series)` with series [{ label, color, x, y, hollow }]
 * (x ascending). For the objective against the learning rate, one series per optimizer; a `hollow` series
 * (its pruned configs) is drawn as hollow points without a line.
 */
export function logXChart(container, spec) {
  const frame = chartFrame(container, spec.height ?? 260);
  return {
    update(series) {
      const drawable = series.filter((s) => s.x.some((x) => x > 0));
      container.dataset.groups = String(drawable.length);
      container.dataset.hollow = String(drawable.filter((s) => s.hollow).length);
      if (drawable.length === 0) {
        frame.empty(spec.emptyText ?? 'No completed trials yet');
        return;
      }
      frame.show(
        {
          title: spec.title,
          scales: { x: { time: false, distr: 3 }, y: {} },
          axes: [
            { label: spec.xLabel, values: tickValues },
            { label: spec.yLabel, size: 64, values: tickValues },
          ],
          series: [
            { label: spec.xLabel },
            ...drawable.map((s) =>
              s.hollow
                ? {
                    label: s.label,
                    stroke: s.color,
                    width: 1.5,
                    paths: () => null,
                    points: { show: true, size: 9, width: 1.5, stroke: s.color, fill: '#ffffff' },
                  }
                : {
                    label: s.label,
                    stroke: s.color,
                    width: 1.5,
                    spanGaps: true,
                    points: { show: true, size: 7, fill: s.color },
                  },
            ),
          ],
          cursor: { drag: { x: true, y: false } },
        },
        uPlot.join(drawable.map((s) => [s.x, s.y])),
        drawable,
      );
    },
    setYLabel: yLabelSetter(container, spec),
    destroy: () => frame.destroy(),
  };
}
