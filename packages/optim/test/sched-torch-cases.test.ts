import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_REFERENCE_DIR } from '../src/parity/reference-dir.js';
import { runSchedulerCase } from '../src/parity/schedulers.js';

/**
 * More PyTorch 1.13 reference trajectories in the goldens' format (test/reference/schedulers-extra,
 * recorded by test/reference/record.py) for combinations the 24 scheduler cases do not cover:
 * SequentialLR handing over to CosineAnnealingWarmRestarts, LambdaLR and OneCycleLR,
 * ChainedScheduler with CyclicLR, CyclicLR with a custom scale_fn (per cycle and per iteration)
 * and per-group momentum, unsorted MultiStepLR milestones, ConstantLR with total_iters 0,
 * ReduceLROnPlateau in max mode with per-group min_lr, floor/ceil/log lambdas, three-phase
 * OneCycleLR on Adam, warm restarts with T_mult 3, CosineAnnealingLR with T_max 1,
 * per-group MultiplicativeLR, a decreasing LinearLR, and a ChainedScheduler holding a SequentialLR.
 * They belong to the repository, so GOLDENS_DIR does not move them.
 */
const EXTRA = join(REPOSITORY_REFERENCE_DIR, 'schedulers-extra');
const files = readdirSync(EXTRA).filter((file) => file.endsWith('.json'));

describe('more PyTorch 1.13 scheduler trajectories', () => {
  it('finds the recorded cases', () => expect(files.length).toBe(15));

  it.each(files)('%s', (file) => {
    const result = runSchedulerCase(JSON.parse(readFileSync(join(EXTRA, file), 'utf8')));
    expect(result.message).toBeUndefined();
    expect(result.ok).toBe(true);
  });
});
