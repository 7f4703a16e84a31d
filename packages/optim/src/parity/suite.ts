import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OptimCase, runOptimCase } from './optim-case.js';
import type { CaseResult } from './types.js';

type SchedulerCaseRunner = (json: unknown) => CaseResult;

function caseFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
}

function nameOf(file: string): string {
  return file.replace(/\.json$/, '');
}

function readCase(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The scheduler engineer's runner (src/parity/schedulers.ts), when it has been built. */
async function loadSchedulerRunner(): Promise<SchedulerCaseRunner | string> {
  try {
    const module = (await import(new URL('./schedulers.js', import.meta.url).href)) as Record<
      string,
      unknown
    >;
    const run = module['runSchedulerCase'];
    return typeof run === 'function' ? (run as SchedulerCaseRunner) : 'runSchedulerCase is not exported';
  } catch (error) {
    return `scheduler parity runner unavailable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Runs every reference case under `<dir>/optim` and `<dir>/schedulers` on the active backend.
 * A case that cannot be read or run is a failed result, never an exception.
 */
export async function runParitySuite(
  dir: string,
  onResult?: (result: CaseResult) => void,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const report = (result: CaseResult) => {
    results.push(result);
    onResult?.(result);
  };
  for (const file of caseFiles(join(dir, 'optim'))) {
    const name = nameOf(file);
    try {
      report(runOptimCase(name, readCase(join(dir, 'optim', file)) as OptimCase));
    } catch (error) {
      report({ name, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }
  const schedulerFiles = caseFiles(join(dir, 'schedulers'));
  if (schedulerFiles.length > 0) {
    const runner = await loadSchedulerRunner();
    for (const file of schedulerFiles) {
      const name = nameOf(file);
      try {
        if (typeof runner === 'string') throw new Error(runner);
        const result = runner({ case: name, ...(readCase(join(dir, 'schedulers', file)) as object) });
        report({ ...result, name: result.name || name });
      } catch (error) {
        report({ name, ok: false, message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return results;
}
