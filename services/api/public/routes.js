/** Hash links of the dashboard's pages (app.js resolves them). */
export const sweepHref = (id) => `#/sweeps/${encodeURIComponent(id)}`;
export const trialHref = (sweepId, trialId) => `${sweepHref(sweepId)}/trials/${encodeURIComponent(trialId)}`;
export const SWEEPS_HREF = '#/';
export const NEW_SWEEP_HREF = '#/new';
