import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OptimCase, runOptimCase } from './optim-case.js';
import { runSchedulerCase } from './schedulers.js';
import type { CaseResult } from './types.js';

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

/**
 * Runs every reference case under `<dir>/optim` and `<dir>/schedulers` on the active backend, the optimizer
 * cases' tolerances times `rtolFactor` (see GPU_RTOL_FACTOR). A case that cannot be read or run is a failed
 * result, never an exception.
 */
export async function runParitySuite(
  dir: string,
  onResult?: (result: CaseResult) => void,
  rtolFactor = 1,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const report = (result: CaseResult) => {
    results.push(result);
    onResult?.(result);
  };
  for (const file of caseFiles(join(dir, 'optim'))) {
    const name = nameOf(file);
    try {
      report(await runOptimCase(name, readCase(join(dir, 'optim', file)) as OptimCase, rtolFactor));
    } catch (error) {
      report({ name, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const file of caseFiles(join(dir, 'schedulers'))) {
    const name = nameOf(file);
    try {
      const result = runSchedulerCase({ case: name, ...(readCase(join(dir, 'schedulers', file)) as object) });
      report({ ...result, name: result.name || name });
    } catch (error) {
      report({ name, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
