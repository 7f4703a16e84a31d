// What the benchmarks share: quantiles, number formatting, timed GETs through the API, the markdown table,
// the load average and a timestamped log line.
import { loadavg } from 'node:os';
import type { FastifyInstance } from 'fastify';

export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
export const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The durations (ms) of `runs` GETs of `url`, each answered 200 and checked by `check`. */
export async function timeGetsMs(
  app: FastifyInstance,
  url: string,
  runs: number,
  check: (body: string) => void,
): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await app.inject(url);
    ms.push(performance.now() - t);
    if (res.statusCode !== 200) throw new Error(res.body.slice(0, 300));
    check(res.body);
  }
  return ms;
}

export const p50p95 = (ms: number[]) => `p50 ${fmt(quantile(ms, 0.5))} ms, p95 ${fmt(quantile(ms, 0.95))} ms`;

/** p50 and p95 of `runs` GETs of `url`. */
export async function timeGets(
  app: FastifyInstance,
  url: string,
  runs: number,
  check: (body: string) => void,
) {
  return p50p95(await timeGetsMs(app, url, runs, check));
}

/** A markdown table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(...rows.map((r) => r[i]!.length), h.length));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The 1, 5 and 15 minute load averages, as `1.23, 0.98, 0.75`. */
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** A progress line on stderr, prefixed with the UTC time of day. */
export const log = (...what: unknown[]) => console.error(new Date().toISOString().slice(11, 19), ...what);
