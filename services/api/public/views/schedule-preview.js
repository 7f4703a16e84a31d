import { api, getCatalog } from '../api.js';
import { colorAt, lineChart } from '../charts.js';
import { errorList, fill, h, submitWith } from '../dom.js';
import { catalogReference } from './catalog-reference.js';

const DEFAULT_STEPS = 100;

/**
 * Options that make each scheduler show its shape over `steps` (required ones have no default in the
 * catalog). Values follow the PyTorch docs' examples, scaled to the preview length.
 */
const exampleSchedulerOptions = (steps) => ({
  LambdaLR: { lr_lambda: '0.95 ** epoch' },
  MultiplicativeLR: { lr_lambda: '0.95' },
  StepLR: { step_size: Math.max(1, Math.round(steps / 4)), gamma: 0.5 },
  MultiStepLR: { milestones: [Math.round(steps * 0.3), Math.round(steps * 0.8)], gamma: 0.1 },
  ConstantLR: { factor: 0.5, total_iters: Math.round(steps / 4) },
  LinearLR: { start_factor: 0.1, total_iters: Math.round(steps / 4) },
  ExponentialLR: { gamma: 0.95 },
  SequentialLR: {
    schedulers: [
      { type: 'LinearLR', options: { start_factor: 0.1, total_iters: Math.round(steps / 10) } },
      { type: 'CosineAnnealingLR', options: { T_max: steps - Math.round(steps / 10) } },
    ],
    milestones: [Math.round(steps / 10)],
  },
  CosineAnnealingLR: { T_max: steps, eta_min: 0 },
  ChainedScheduler: {
    schedulers: [
      { type: 'ConstantLR', options: { factor: 0.5, total_iters: Math.round(steps / 5) } },
      { type: 'ExponentialLR', options: { gamma: 0.98 } },
    ],
  },
  ReduceLROnPlateau: { factor: 0.5, patience: 5 },
  CyclicLR: { base_lr: 0.01, max_lr: 0.1, step_size_up: Math.max(1, Math.round(steps / 8)) },
  CosineAnnealingWarmRestarts: { T_0: Math.max(1, Math.round(steps / 7)), T_mult: 2 },
  OneCycleLR: { max_lr: 0.1, total_steps: steps },
  PolynomialLR: { total_iters: steps, power: 2 },
});

const exampleOptimizerOptions = { SGD: { lr: 0.1, momentum: 0.9 }, Adam: { lr: 0.1 }, AdamW: { lr: 0.1 } };

const pretty = (value) => JSON.stringify(value, null, 2);

/** POST /v1/schedules/preview: the lr (and momentum or beta1) curve of an optimizer and a scheduler. */
export function schedulePreviewPage(root) {
  const optimizerType = h('select', { 'aria-label': 'optimizer' });
  const optimizerOptions = h('textarea', {
    class: 'editor small',
    spellcheck: 'false',
    'aria-label': 'optimizer options (JSON)',
  });
  const schedulerType = h('select', { 'aria-label': 'scheduler' });
  const schedulerOptions = h('textarea', {
    class: 'editor small',
    spellcheck: 'false',
    'aria-label': 'scheduler options (JSON)',
  });
  const steps = h('input', {
    type: 'number',
    min: 1,
    max: 100000,
    value: DEFAULT_STEPS,
    'aria-label': 'steps',
  });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Preview');
  const errors = h('ul', { class: 'errors' });
  const chartBox = h('div', { class: 'chart preview-chart' });
  const reference = h('div');
  const field = (label, control) => h('label', { class: 'field' }, h('span', null, label), control);

  const form = h(
    'form',
    { class: 'panel', onsubmit: submitWith(preview) },
    h(
      'div',
      { class: 'row spread', style: 'margin-bottom: 10px' },
      h('h1', null, 'Schedule preview'),
      submit,
    ),
    h(
      'p',
      { class: 'muted', style: 'margin-top: 0' },
      'Row i is the value before the i-th scheduler.step(), as the optimizer sees it during step i. Nothing is trained or stored.',
    ),
    h(
      'div',
      { class: 'charts' },
      h('div', null, field('Optimizer', optimizerType), field('Optimizer options (JSON)', optimizerOptions)),
      h('div', null, field('Scheduler', schedulerType), field('Scheduler options (JSON)', schedulerOptions)),
    ),
    field('Scheduler steps', steps),
    errors,
    chartBox,
  );
  fill(root, h('div', { class: 'grid-2' }, form, h('div', { class: 'panel' }, reference)));
  const chart = lineChart(chartBox, {
    title: 'Learning rate per step',
    yLabel: 'lr',
    y2Label: 'momentum / beta1',
    height: 320,
    emptyText: 'Choose an optimizer and a scheduler, then Preview.',
  });
  chart.update([]);
  catalogReference(reference);

  optimizerType.addEventListener('change', () => {
    optimizerOptions.value = pretty(exampleOptimizerOptions[optimizerType.value] ?? { lr: 0.1 });
  });
  schedulerType.addEventListener('change', () => {
    schedulerOptions.value = schedulerType.value
      ? pretty(exampleSchedulerOptions(Number(steps.value) || DEFAULT_STEPS)[schedulerType.value] ?? {})
      : '';
    schedulerOptions.disabled = !schedulerType.value;
  });

  getCatalog()
    .then((catalog) => {
      fill(
        optimizerType,
        Object.keys(catalog.optimizers).map((t) => h('option', { value: t, selected: t === 'SGD' }, t)),
      );
      fill(
        schedulerType,
        h('option', { value: '' }, 'none (constant lr)'),
        Object.keys(catalog.schedulers).map((t) =>
          h('option', { value: t, selected: t === 'OneCycleLR' }, t),
        ),
      );
      optimizerType.dispatchEvent(new Event('change'));
      schedulerType.dispatchEvent(new Event('change'));
      return preview();
    })
    .catch((error) => errorList(errors, error));

  const parseOptions = (textarea, path) => {
    if (!textarea.value.trim()) return {};
    try {
      return JSON.parse(textarea.value);
    } catch (error) {
      throw { details: [{ path, message: `not valid JSON: ${error.message}` }] };
    }
  };

  async function preview() {
    try {
      const body = {
        optimizer: {
          type: optimizerType.value,
          options: parseOptions(optimizerOptions, '/optimizer/options'),
        },
        scheduler: schedulerType.value
          ? { type: schedulerType.value, options: parseOptions(schedulerOptions, '/scheduler/options') }
          : null,
        steps: Number(steps.value),
      };
      submit.disabled = true;
      const result = await api('/v1/schedules/preview', { method: 'POST', body });
      fill(errors);
      const x = result.lrs.map((_, i) => i + 1);
      const groups = result.lrs[0]?.length ?? 0;
      const column = (rows, g) => rows.map((row) => row[g] ?? null);
      const series = [];
      for (let g = 0; g < groups; g++) {
        series.push({
          label: groups > 1 ? `lr (group ${g})` : 'lr',
          color: colorAt(g),
          x,
          y: column(result.lrs, g),
        });
      }
      for (const name of ['momentum', 'beta1']) {
        if (result[name])
          series.push({
            label: name,
            color: colorAt(groups + 1),
            x,
            y: column(result[name], 0),
            scale: 'y2',
            dash: [6, 3],
          });
      }
      chart.update(series);
    } catch (error) {
      errorList(errors, error);
    } finally {
      submit.disabled = false;
    }
  }

  return { destroy: () => chart.destroy() };
}
