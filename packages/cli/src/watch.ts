import { type HypersweepClient, type SweepDetail, sweepEvents } from '@hypersweep/client';
import { endedSweepStatuses } from '@hypersweep/core';
import cliProgress from 'cli-progress';
import { getSweep } from './api.js';
import { formatDuration, formatNumber } from './format.js';

/** A sweep in one of these has ended: nothing of it runs any more. */
export const FINISHED = new Set<string>(endedSweepStatuses);

/** What one sweep's bar or line shows. */
export interface SweepProgress {
  id: string;
  name: string;
  status: string;
  total: number;
  /** Trials that have ended, whatever their status. */
  done: number;
  /** Of those, the ones that completed (a cancelled sweep's bar must not read as trials done). */
  completed: number;
  metric: string;
  /** The best objective value so far, running trials included. */
  best: number | null;
  /** Time left at the rate trials have ended since the sweep started; null until one has. */
  etaMs: number | null;
}

function progressOf(detail: SweepDetail, liveBest: number | null, now: number): SweepProgress {
  const waiting = (detail.counts.queued ?? 0) + (detail.counts.running ?? 0);
  const done = detail.trialCount - waiting;
  const started = detail.startedAt ? new Date(detail.startedAt).getTime() : null;
  const etaMs = FINISHED.has(detail.status)
    ? 0
    : started !== null && done > 0
      ? ((now - started) / done) * (detail.trialCount - done)
      : null;
  return {
    id: detail.id,
    name: detail.name,
    status: detail.status,
    total: detail.trialCount,
    done,
    completed: detail.counts.completed ?? 0,
    metric: detail.objective.metric,
    best: better(detail.objective.mode, detail.best?.bestValue ?? null, liveBest),
    etaMs,
  };
}

function better(mode: 'min' | 'max', a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return mode === 'min' ? Math.min(a, b) : Math.max(a, b);
}

/** Refetches on `trial.finished` at most this often; `sweep` events always refetch. */
const REFRESH_MS = 250;

/**
 * Follows one sweep until it has finished (or `signal` aborts): a snapshot, then its live events. Counts
 * come from refetching the sweep when a trial finishes or its status changes (each SSE connection opens
 * with a `sweep` snapshot, so nothing is lost across reconnects); progress events move the best value.
 */
export async function followSweep(
  client: HypersweepClient,
  id: string,
  onProgress: (progress: SweepProgress) => void,
  signal?: AbortSignal,
): Promise<SweepDetail> {
  let detail = await getSweep(client, id);
  let liveBest: number | null = null;
  let fetchedAt = Date.now();
  onProgress(progressOf(detail, liveBest, fetchedAt));
  if (FINISHED.has(detail.status)) return detail;
  for await (const event of sweepEvents(client, id, signal ? { signal } : {})) {
    if (event.type === 'trial.progress' || event.type === 'trial.finished') {
      liveBest = better(detail.objective.mode, liveBest, event.bestValue);
    }
    const now = Date.now();
    if (event.type === 'sweep' || (event.type === 'trial.finished' && now - fetchedAt >= REFRESH_MS)) {
      detail = await getSweep(client, id);
      fetchedAt = now;
    }
    onProgress(progressOf(detail, liveBest, now));
    if (FINISHED.has(detail.status)) return detail;
  }
  return detail; // aborted
}

/** Draws the progress of several sweeps: bars on a terminal, one line per change otherwise. */
export interface ProgressView {
  update(progress: SweepProgress): void;
  /** Takes the bars off the terminal's bottom lines (before a prompt or the final output). */
  stop(): void;
}

const short = (id: string) => id.slice(0, 8);
const eta = (p: SweepProgress) =>
  FINISHED.has(p.status) ? '-' : p.etaMs === null ? '?' : formatDuration(p.etaMs);
/** Columns the rest of a bar's line takes (bar, counts, best, ETA, status): the name gets what is left. */
const BAR_LINE_REST = 115;

export function barView(stream: NodeJS.WriteStream): ProgressView {
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      format:
        '{name} {bar} {value}/{total} trials ended, {completed} completed | best {metric} {best} | ETA {left} | {status}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 24,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(p) {
      const payload = {
        name: `${short(p.id)} ${p.name}`.slice(0, Math.max(24, (stream.columns ?? 80) - BAR_LINE_REST)),
        completed: p.completed,
        metric: p.metric,
        best: formatNumber(p.best),
        left: eta(p),
        status: p.status,
      };
      const bar = bars.get(p.id);
      if (!bar) bars.set(p.id, multibar.create(p.total, p.done, payload));
      else {
        bar.setTotal(p.total);
        bar.update(p.done, payload);
      }
    },
    stop() {
      multibar.stop();
    },
  };
}

export function lineView(write: (line: string) => void): ProgressView {
  const last = new Map<string, string>();
  return {
    update(p) {
      const key = `${p.done}/${p.total} ${p.completed} ${p.status}`;
      if (last.get(p.id) === key) return; // a line per change, not per event
      last.set(p.id, key);
      write(
        `${short(p.id)} ${p.name}: ${p.done}/${p.total} trials ended, ${p.completed} completed, best ${p.metric} ${formatNumber(p.best)}, ETA ${eta(p)}, ${p.status}`,
      );
    },
    stop() {},
  };
}
