import { colorAt } from './charts.js';
import { fill, h, statusBadge } from './dom.js';
import { configSummary, formatAgo, formatDuration, formatNumber, formatTime } from './format.js';
import { sweepHref, trialHref } from './routes.js';
import { trialStatuses } from './statuses.js';

/**
 * The dashboard's tables, leaderboards first: a table is a list of columns, each a header and a cell per
 * row, and every view that shows one builds it here, so a column (a config, a status, a number) looks
 * the same everywhere. Rows keep the API's order: the server ranks (best first by the objective,
 * ungraded trials last; newest sweep first) and the page never sorts again.
 *
 * A column: `head` (text, or a function of the render's context), `num` (right-aligned, tabular
 * figures), `title` (of the header cell), `class` (of its cells), `cellTitle(item)`, and
 * `cell(item, index, context)` returning the cell's children.
 */
export function dataTable({ class: className, columns, row }) {
  const head = h('thead');
  const body = h('tbody');
  const element = h('table', { class: className }, head, body);
  let shown = [];
  const classOf = (column) => [column.num ? 'num' : '', column.class ?? ''].filter(Boolean).join(' ');
  const tr = (item, index, context) =>
    h(
      'tr',
      row?.(item, index, context) ?? null,
      shown.map((column) =>
        h(
          'td',
          { class: classOf(column) || undefined, title: column.cellTitle?.(item) },
          column.cell(item, index, context),
        ),
      ),
    );
  return {
    element,
    body,
    /** Replaces the header and every row; `context` reaches `columns` (when a function), heads and cells. */
    render(items, context) {
      shown = typeof columns === 'function' ? columns(context) : columns;
      fill(
        head,
        h(
          'tr',
          null,
          shown.map((column) =>
            h(
              'th',
              { class: column.num ? 'num' : undefined, title: column.title },
              typeof column.head === 'function' ? column.head(context) : column.head,
            ),
          ),
        ),
      );
      fill(
        body,
        items.map((item, index) => tr(item, index, context)),
      );
    },
    /** Adds rows under the ones shown (a next page), same columns. */
    append(items, context) {
      const offset = body.childElementCount;
      body.append(...items.map((item, index) => tr(item, offset + index, context)));
    },
  };
}

// ---- columns

/** A number cell: 4 significant digits, "—" for none. */
export const numberColumn = (head, value, more = {}) => ({
  head,
  num: true,
  cell: (item, index) => formatNumber(value(item, index)),
  ...more,
});

/** A tick box per row (the overlays of Compare); clicking it never clicks the row. */
const pickColumn = ({ title, label, checked, onChange, dataset }) => ({
  head: '✓',
  title,
  cell: (item) =>
    h('input', {
      type: 'checkbox',
      checked: checked(item),
      'aria-label': label(item),
      dataset: dataset?.(item),
      onclick: (event) => event.stopPropagation(),
      onchange: (event) => onChange(item, event.target.checked),
    }),
});

/** The rank: "—" for a row the objective has not graded yet; `marker` goes before it (a chart colour). */
const rankColumn = (rankOf, marker) => ({
  head: '#',
  class: 'rank',
  cell: (item, index) => [marker?.(item), rankOf(item, index) ?? '—'],
});

/** The optimizer and the scheduler of a trial's or a group's config, options that differ from defaults. */
function configColumns(catalog) {
  // one summary per row object per render (rows are fresh objects on every fetch)
  const summaries = new WeakMap();
  const summary = (item) => {
    if (!summaries.has(item)) summaries.set(item, configSummary(item.config, catalog()));
    return summaries.get(item);
  };
  const named = (type, options) => [h('b', null, type), ' ', options];
  return {
    summary,
    optimizer: {
      head: 'optimizer',
      class: 'config',
      cell: (item) => named(summary(item).optimizerType, summary(item).optimizerOptions),
    },
    scheduler: {
      head: 'scheduler',
      class: 'config',
      cell: (item) => named(summary(item).schedulerType, summary(item).schedulerOptions),
    },
  };
}

const statusColumn = (head = 'status') => ({ head, cell: (item) => statusBadge(item.status) });

/** A count per trial status, in the statuses' order, only those that have any. */
const statusCountsColumn = (head) => ({
  head,
  class: 'status-counts',
  cell: (item) =>
    trialStatuses
      .filter((s) => item.status[s] > 0)
      .map((s) => h('span', { class: `badge ${s}`, title: s }, `${item.status[s]} ${s}`)),
});

/** "pruned at epoch 3: 0.512": where a pruned trial stopped (epochs from 1, as the charts count) and its value there. */
export const prunedText = (trial) => `pruned at epoch ${trial.epochs ?? '?'}: ${formatNumber(trial.value)}`;

/**
 * A configuration's objective: mean ± std over its completed trials; a configuration whose trials were all
 * pruned shows its furthest pruned trial, marked, never a bare "—"; pruned trials beside completed ones are
 * noted under the mean (never averaged into it).
 */
function configObjective(group) {
  const furthest = group.pruned?.furthest;
  if (group.n === 0 && furthest) {
    return h(
      'span',
      {
        class: 'pruned-value',
        title: group.pruned.trials.map((t) => `seed ${t.seed}: ${prunedText(t)}`).join('\n'),
      },
      h('span', { class: 'badge pruned' }, 'pruned'),
      ` at epoch ${furthest.epochs ?? '?'}: ${formatNumber(furthest.value)}`,
    );
  }
  return [
    formatNumber(group.mean),
    group.std === null ? '' : h('span', { class: 'muted' }, ` ± ${formatNumber(group.std)}`),
    group.pruned?.n > 0
      ? h(
          'div',
          {
            class: 'pruned-note muted small',
            title: group.pruned.trials.map((t) => `seed ${t.seed}: ${prunedText(t)}`).join('\n'),
          },
          group.pruned.n === 1
            ? `+ 1 ${prunedText(group.pruned.trials[0])}`
            : `+ ${group.pruned.n} pruned (not in the mean)`,
        )
      : '',
  ];
}

// ---- the leaderboards

/**
 * A sweep's trials, best first (GET /v1/sweeps/:id/trials): tick boxes that overlay trials in Compare,
 * the rank with the trial's colour on the charts, config, status and results. A row opens its trial.
 * `render(board.items, board)`.
 */
export function trialLeaderboard({ sweepId, catalog, isPicked, onPick, colourOf, isSelected }) {
  const config = configColumns(catalog);
  const board = dataTable({
    class: 'leaderboard',
    row: (trial) => ({
      class: `clickable${isSelected(trial.id) ? ' selected' : ''}`,
      dataset: { trialId: trial.id },
      onclick: () => {
        location.hash = trialHref(sweepId, trial.id);
      },
    }),
    columns: [
      pickColumn({
        title: 'overlay in Compare',
        label: (trial) => `overlay trial #${trial.index}`,
        checked: (trial) => isPicked(trial.id),
        dataset: (trial) => ({ pickTrial: trial.id }),
        onChange: (trial, picked) => onPick(trial.id, picked),
      }),
      rankColumn(
        (trial, index) => (trial.bestValue === null ? null : index + 1),
        (trial) => {
          const colour = colourOf(trial.id);
          return colour >= 0 ? h('span', { class: 'swatch', style: `background: ${colorAt(colour)}` }) : null;
        },
      ),
      { head: 'trial', cell: (trial) => h('a', { href: trialHref(sweepId, trial.id) }, `#${trial.index}`) },
      config.optimizer,
      config.scheduler,
      { head: 'seed', cell: (trial) => config.summary(trial).seed },
      statusColumn(),
      numberColumn(
        ({ objective }) => `best ${objective.metric}`,
        (trial) => trial.bestValue,
        {
          class: 'best-value',
        },
      ),
      { head: 'best step', num: true, cell: (trial) => trial.bestStep ?? '—' },
      numberColumn('final loss', (trial) => trial.finalLoss),
      { head: 'steps', num: true, cell: (trial) => trial.stepsDone },
      { head: 'duration', num: true, cell: (trial) => formatDuration(trial.durationMs) },
      { head: 'backend', cell: (trial) => trial.backend ?? '—' },
    ],
  });
  return {
    ...board,
    /** Marks the open trial's row without rendering again. */
    select(trialId) {
      for (const row of board.body.rows) row.classList.toggle('selected', row.dataset.trialId === trialId);
    },
  };
}

/**
 * A sweep's configurations, best mean first (GET /v1/sweeps/:id/configs): seeds grouped, mean ± std (n − 1),
 * the 95% t-interval, min, max, mean final loss and the trials per status; tick boxes overlay configs.
 * `render(configs.items, configs)`.
 */
export function configLeaderboard({ catalog, isPicked, onPick }) {
  const config = configColumns(catalog);
  return dataTable({
    class: 'config-board',
    row: (group) => ({
      class: group.n === 0 && group.pruned?.n > 0 ? 'pruned-row' : undefined,
      dataset: { configKey: group.key },
    }),
    columns: [
      pickColumn({
        title: 'overlay',
        label: (group) => `overlay config ${group.rank ?? ''}`,
        checked: (group) => isPicked(group.key),
        onChange: (group, picked) => onPick(group.key, picked),
      }),
      rankColumn((group) => group.rank),
      config.optimizer,
      config.scheduler,
      { head: 'seeds', cell: (group) => group.seeds.join(', ') },
      { head: 'n', num: true, cell: (group) => group.n },
      {
        head: ({ objective }) => `mean ${objective.metric} ± std`,
        num: true,
        class: 'mean',
        cell: configObjective,
      },
      {
        head: '95% interval',
        num: true,
        cell: (group) =>
          group.interval ? `${formatNumber(group.interval.low)} – ${formatNumber(group.interval.high)}` : '—',
      },
      numberColumn('min', (group) => group.min),
      numberColumn('max', (group) => group.max),
      numberColumn('final loss', (group) => group.meanFinalLoss),
      statusCountsColumn('trials'),
    ],
  });
}

/** Every sweep, newest first (GET /v1/sweeps): name and id, status, trials, objective, age, run time. */
export function sweepsTable() {
  // The API's run time: an extended sweep's idle time between its end and its extension is not in it.
  const duration = (sweep) => sweep.ranMs;
  const table = dataTable({
    class: 'sweeps',
    row: (sweep) => ({ dataset: { sweepId: sweep.id } }),
    columns: [
      {
        head: 'Name',
        cell: (sweep) => [
          h('a', { href: sweepHref(sweep.id) }, sweep.name),
          h('div', { class: 'muted mono' }, sweep.id),
        ],
      },
      statusColumn('Status'),
      { head: 'Trials', num: true, cell: (sweep) => sweep.trialCount },
      { head: 'Objective', cell: (sweep) => `${sweep.objective.metric} (${sweep.objective.mode})` },
      {
        head: 'Created',
        cellTitle: (sweep) => formatTime(sweep.createdAt),
        cell: (sweep) => formatAgo(sweep.createdAt),
      },
      { head: 'Duration', num: true, cell: (sweep) => formatDuration(duration(sweep)) },
    ],
  });
  table.render([]);
  return table;
}

/**
 * A trial's per-epoch metrics (the `epochs` of GET /v1/trials/:id/metrics): the epoch, then one column
 * per metric the trial recorded. `render(epochs.epoch, columns)` with `columns` as [name, values] pairs.
 */
export function epochTable() {
  return dataTable({
    class: 'epochs',
    columns: (metrics) => [
      { head: 'epoch', num: true, cell: (epoch) => epoch },
      ...metrics.map(([name, values]) => numberColumn(name, (_, index) => values[index])),
    ],
  });
}
