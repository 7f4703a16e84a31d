import { api, apiKey } from './api.js';
import { fill } from './dom.js';
import { datasetsPage } from './views/datasets.js';
import { lrRangeTestPage } from './views/lr-range-test.js';
import { newSweepPage } from './views/new-sweep.js';
import { schedulePreviewPage } from './views/schedule-preview.js';
import { sweepPage } from './views/sweep-page.js';
import { sweepsListPage } from './views/sweeps-list.js';

const view = document.getElementById('view');

/**
 * Hash routes: `#/` sweeps, `#/new`, `#/datasets`, `#/preview`, `#/sweeps/<id>`, `#/sweeps/<id>/trials/<trialId>`
 * and `#/lr-range-tests/<id>`.
 * A page is `(root, params) => { update?(params), destroy?() }`; moving between trials of the sweep that is
 * open updates it in place so its live stream and charts survive.
 */
function resolve(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'sweeps' && parts[1]) {
    return {
      key: `sweep:${parts[1]}`,
      nav: 'sweeps',
      page: sweepPage,
      params: { id: parts[1], trialId: parts[3] },
    };
  }
  if (parts[0] === 'lr-range-tests' && parts[1]) {
    return { key: `lr:${parts[1]}`, nav: 'sweeps', page: lrRangeTestPage, params: { id: parts[1] } };
  }
  if (parts[0] === 'new') return { key: 'new', nav: 'new', page: newSweepPage, params: {} };
  if (parts[0] === 'datasets') return { key: 'datasets', nav: 'datasets', page: datasetsPage, params: {} };
  if (parts[0] === 'preview')
    return { key: 'preview', nav: 'preview', page: schedulePreviewPage, params: {} };
  return { key: 'sweeps', nav: 'sweeps', page: sweepsListPage, params: {} };
}

let mounted;
function route() {
  const next = resolve(location.hash);
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === next.nav);
  }
  if (mounted?.key === next.key && mounted.instance.update) {
    mounted.instance.update(next.params);
    return;
  }
  mounted?.instance.destroy?.();
  fill(view);
  window.scrollTo(0, 0);
  mounted = { key: next.key, instance: next.page(view, next.params) };
}

const keyInput = document.getElementById('api-key');
keyInput.value = apiKey.get();
keyInput.addEventListener('change', () => {
  apiKey.set(keyInput.value.trim());
  showRole();
});

/**
 * The key's role on <html data-role>: a read key's page hides what it cannot do (style.css `.needs-write`).
 * No role (no key on a server with keys, or the API unreachable): nothing is hidden, the API answers 401.
 */
function showRole() {
  api('/v1/keys/me')
    .then((me) => {
      document.documentElement.dataset.role = me.role;
    })
    .catch(() => {
      delete document.documentElement.dataset.role;
    });
}
showRole();

window.addEventListener('hashchange', route);
route();
