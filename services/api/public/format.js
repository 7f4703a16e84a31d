/** Number for a table cell: 4 significant digits, exponent notation for very small or large values. */
export function formatNumber(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e6) return Number(value.toPrecision(4)).toExponential();
  return String(Number(value.toPrecision(4)));
}

/** A count, every digit kept and grouped: 159010 reads "159,010" (formatNumber would round it to 4 digits). */
export const formatCount = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : '—');

/**
 * A duration at the precision it is read at: ms, then seconds to a tenth, then min + s, then h + min. Each
 * form rounds the whole duration once, before it is split (so 539.6 s is "9 min 0 s", never "8 min 60 s").
 */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "3 min ago" style time; the exact time goes in a title attribute. */
export function formatAgo(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export const formatTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

const formatValue = (value) =>
  Array.isArray(value)
    ? `[${value.map(formatValue).join(', ')}]`
    : typeof value === 'number'
      ? formatNumber(value)
      : typeof value === 'object' && value !== null
        ? JSON.stringify(value)
        : String(value);

const sameValue = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * `lr=0.01 momentum=0.9`: the lr always, then only the options that differ from the catalog's defaults
 * (the trial config has every default filled in, which would drown the few options that were swept).
 */
export function optionSummary(options, catalogEntry, always = ['lr']) {
  const defaults = catalogEntry?.options ?? {};
  return Object.entries(options ?? {})
    .filter(
      ([name, value]) =>
        always.includes(name) || !(name in defaults) || !sameValue(defaults[name].default, value),
    )
    .map(([name, value]) => `${name}=${formatValue(value)}`)
    .join(' ');
}

/**
 * A trial without a scheduler, as the API's effects and the CLI name it ("constant" would read as
 * torch's ConstantLR, which is a scheduler of its own).
 */
export const NO_SCHEDULER = 'none';

const isSwept = (value) =>
  (Array.isArray(value) && value.length > 1) ||
  (typeof value === 'object' && value !== null && !Array.isArray(value) && 'distribution' in value);

/**
 * The options a sweep spec gives more than one value (a list of two or more, or a distribution), by part and
 * type: 'optimizer.SGD' -> ['momentum', 'lr']. Labels always show them, even where a trial's value is the
 * catalog's default (a swept gamma=0.1 must not read as plain "StepLR step_size=1").
 */
export function sweptOptions(spec) {
  const swept = new Map();
  const add = (part, entries) => {
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (entry === null || typeof entry !== 'object' || typeof entry.type !== 'string') continue;
      const key = `${part}.${entry.type}`;
      const names = Object.keys(entry).filter((name) => name !== 'type' && isSwept(entry[name]));
      swept.set(key, [...new Set([...(swept.get(key) ?? []), ...names])]);
    }
  };
  add('optimizer', spec?.optimizers);
  add('scheduler', spec?.schedulers);
  return swept;
}

/** The catalog as labels read it on a sweep's pages: its defaults, and the options that sweep sweeps. */
export const withSwept = (catalog, spec) => (catalog ? { ...catalog, swept: sweptOptions(spec) } : catalog);

/** One-line summaries of a trial config's optimizer (with param groups), scheduler and seed. */
export function configSummary(config, catalog) {
  const optimizer = config?.optimizer ?? {};
  const groups = (optimizer.param_groups ?? []).map(
    ({ params, ...options }) => `${params}: ${optionSummary(options, undefined, [])}`,
  );
  const scheduler = config?.scheduler;
  return {
    optimizerType: optimizer.type ?? '?',
    optimizerOptions: [
      optionSummary(optimizer.options, catalog?.optimizers?.[optimizer.type], [
        'lr',
        ...(catalog?.swept?.get(`optimizer.${optimizer.type}`) ?? []),
      ]),
      ...groups,
    ]
      .filter(Boolean)
      .join(' · '),
    schedulerType: scheduler ? scheduler.type : NO_SCHEDULER,
    schedulerOptions: scheduler
      ? [
          optionSummary(
            scheduler.options,
            catalog?.schedulers?.[scheduler.type],
            catalog?.swept?.get(`scheduler.${scheduler.type}`) ?? [],
          ),
          scheduler.interval ? `per ${scheduler.interval}` : '',
        ]
          .filter(Boolean)
          .join(' ')
      : '',
    seed: config?.seed ?? '—',
  };
}

/** A short label for a trial in chart legends: its seed too, or two seeds of one config read the same. */
export function trialLabel(trial, catalog) {
  const c = configSummary(trial.config, catalog);
  const scheduler = c.schedulerType === NO_SCHEDULER ? '' : ` · ${c.schedulerType}`;
  return `#${trial.index} ${c.optimizerType} ${c.optimizerOptions}${scheduler} · seed ${c.seed}`;
}
