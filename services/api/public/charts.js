import uPlot from '/assets/uplot/uPlot.esm.js';
import { fill, h } from './dom.js';
import { formatNumber } from './format.js';

/** Distinct line colours; series keep their colour by rank so a legend reads the same after a refresh. */
export const PALETTE = [
  '#2f6fde',
  '#e0612b',
  '#23935a',
  '#c23b5e',
  '#7b61c4',
  '#b7791f',
  '#1c9aa8',
  '#8a5a2b',
  '#d14fb0',
  '#5b6b8a',
  '#6fa83a',
  '#a33b2f',
  '#3b8fd9',
  '#c7a21c',
  '#4d4d4d',
];
export const colorAt = (i) => PALETTE[i % PALETTE.length];

// Steps and epochs are whole numbers: x ticks at 1, 2, 5, 10, 20, ... never at 0.25.
const WHOLE_INCREMENTS = Array.from({ length: 10 }, (_, i) => [1, 2, 5].map((m) => m * 10 ** i)).flat();

/** Whether the positive values span more than a decade: a linear axis would flatten the small ones to zero. */
export function spansDecade(values) {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of values) {
    if (v === null || !(v > 0)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi > 0 && hi / lo > 10;
}

/**
 * Epoch records count epochs from 0 (the API's `epoch`); the charts and tables number them from 1, as steps
 * are: "epoch 1" is the first, whose record is written when it ends.
 */
export const epochsFromOne = (groups) => groups.map((g) => ({ ...g, x: g.x.map((epoch) => epoch + 1) }));

// A log axis labels its decades only (uPlot puts ticks at 2, 3, ... 9 times each power of ten too).
const decadeLabel = (v) =>
  v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? formatNumber(v) : '';

// A log axis cannot show zero or negative values; such points become gaps instead of breaking the scale.
const positiveOnly = (values) => values.map((v) => (v !== null && v > 0 ? v : null));

/**
 * A uPlot line chart of series sampled at different steps (trials downsampled apart, or running ones that
 * are at different steps): uPlot wants one shared x column, so uPlot.join aligns them and lines span the
 * gaps the alignment leaves.
 *
 * `spec`: { title, xLabel, yLabel, y2Label?, logX?, logY?, logY2?, height? }; each series: { label, color, x, y,
 * scale?: 'y' | 'y2', dash?, markers? } (markers: points without a line, e.g. a suggestion on a curve).
 * Returns { update(series), setLogY(bool), setLogY2(bool), destroy() }.
 */
export function lineChart(container, spec) {
  let plot;
  let shape = '';
  let current = [];
  const height = spec.height ?? 280;
  const logScale = (s) => ((s.scale ?? 'y') === 'y' ? spec.logY : spec.logY2);
  const aligned = (series) => uPlot.join(series.map((s) => [s.x, logScale(s) ? positiveOnly(s.y) : s.y]));
  const shapeOf = (series) => JSON.stringify(series.map((s) => [s.label, s.color, s.scale]));
  const width = () => Math.max(300, container.clientWidth || 600);

  const build = () => {
    plot?.destroy();
    plot = undefined;
    const drawable = current.filter((s) => s.x.length > 0);
    if (drawable.length === 0) {
      fill(container, h('div', { class: 'empty' }, spec.emptyText ?? 'No points yet'));
      return;
    }
    fill(container);
    const hasY2 = drawable.some((s) => s.scale === 'y2');
    const tickValues = (_u, ticks) => ticks.map(formatNumber);
    plot = new uPlot(
      {
        title: spec.title,
        width: width(),
        height,
        scales: {
          x: { time: false, distr: spec.logX ? 3 : 1 },
          y: { distr: spec.logY ? 3 : 1 },
          ...(hasY2 ? { y2: { distr: spec.logY2 ? 3 : 1 } } : {}),
        },
        axes: [
          spec.logX
            ? { label: spec.xLabel, values: (_u, ticks) => ticks.map(decadeLabel) }
            : { label: spec.xLabel ?? 'step', incrs: WHOLE_INCREMENTS },
          { label: spec.yLabel, scale: 'y', size: 64, values: tickValues },
          ...(hasY2
            ? [
                {
                  label: spec.y2Label,
                  scale: 'y2',
                  side: 1,
                  size: 64,
                  grid: { show: false },
                  values: tickValues,
                },
              ]
            : []),
        ],
        series: [
          { label: spec.xLabel ?? 'step' },
          ...drawable.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            dash: s.dash,
            scale: s.scale ?? 'y',
            spanGaps: !s.markers,
            ...(s.markers ? { paths: () => null, points: { show: true, size: 11, fill: s.color } } : {}),
            value: (_u, v) => formatNumber(v),
          })),
        ],
        cursor: { drag: { x: true, y: false } },
      },
      aligned(drawable),
      container,
    );
    shape = shapeOf(drawable);
  };

  const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height }));
  observer.observe(container);

  return {
    /** New data; an unchanged set of series keeps the chart and swaps its data (no flicker on live updates). */
    update(series) {
      current = series;
      const drawable = series.filter((s) => s.x.length > 0);
      if (plot && shapeOf(drawable) === shape) {
        plot.setData(aligned(drawable));
        return;
      }
      build();
    },
    setLogY(logY) {
      if (Boolean(spec.logY) === logY) return;
      spec.logY = logY;
      container.dataset.logY = String(logY);
      build();
    },
    setLogY2(logY2) {
      if (Boolean(spec.logY2) === logY2) return;
      spec.logY2 = logY2;
      container.dataset.logY2 = String(logY2);
      build();
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
    },
  };
}
