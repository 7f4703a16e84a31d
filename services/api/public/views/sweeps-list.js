import { api } from '../api.js';
import { errorList, fill, h } from '../dom.js';
import { sweepsTable } from '../leaderboard.js';
import { sweepStatuses } from '../statuses.js';

const PAGE_SIZE = 25;
const MAX_LIMIT = 200;
const POLL_MS = 5000;

/** Every sweep, newest first, filtered by status, with "Load more" following nextCursor. */
export function sweepsListPage(root) {
  const status = h(
    'select',
    { 'aria-label': 'status filter', onchange: () => reload() },
    h('option', { value: '' }, 'all statuses'),
    sweepStatuses.map((s) => h('option', { value: s }, s)),
  );
  const table = sweepsTable();
  const errors = h('ul', { class: 'errors' });
  const more = h('button', { onclick: () => loadPage() }, 'Load more');
  const empty = h(
    'div',
    { class: 'empty', hidden: true },
    'No sweeps yet. ',
    h('a', { href: '#/new' }, 'Submit one'),
    '.',
  );
  let cursor = null;
  let generation = 0;

  fill(
    root,
    h(
      'div',
      { class: 'panel' },
      h(
        'div',
        { class: 'row spread' },
        h('h1', null, 'Sweeps'),
        h(
          'div',
          { class: 'row' },
          status,
          h('button', { onclick: () => reload() }, 'Refresh'),
          h('a', { href: '#/new' }, h('button', { class: 'primary' }, 'New sweep')),
        ),
      ),
      errors,
      table.element,
      empty,
      h('div', { class: 'row', style: 'margin-top: 12px' }, more),
    ),
  );

  /**
   * Fetches `limit` sweeps after `after` (null: from the newest). `replace` swaps every row (the periodic
   * refresh, which asks for as many rows as are shown), otherwise the rows are appended ("Load more").
   */
  async function load({ after, limit, replace }) {
    const mine = generation;
    const query = new URLSearchParams({ limit: String(limit) });
    if (status.value) query.set('status', status.value);
    if (after) query.set('cursor', after);
    more.disabled = true;
    try {
      const page = await api(`/v1/sweeps?${query}`);
      if (mine !== generation) return;
      fill(errors);
      if (replace) table.render(page.items);
      else table.append(page.items);
      cursor = page.nextCursor;
      empty.hidden = table.body.childElementCount > 0;
    } catch (error) {
      errorList(errors, error);
    } finally {
      more.disabled = false;
      more.hidden = !cursor;
    }
  }

  function loadPage() {
    return load({ after: cursor, limit: PAGE_SIZE, replace: false });
  }

  function reload() {
    generation++;
    cursor = null;
    table.render([]);
    loadPage();
  }

  // Statuses and durations move while sweeps run: refresh the rows on screen every few seconds.
  const poller = setInterval(() => {
    if (document.hidden || more.disabled) return;
    const shown = Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, table.body.childElementCount));
    load({ after: null, limit: shown, replace: true });
  }, POLL_MS);

  reload();
  return { destroy: () => clearInterval(poller) };
}
