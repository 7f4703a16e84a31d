import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceDir } from '../src/parity/reference-dir.js';
import { runSchedulerCase } from '../src/parity/schedulers.js';

/** The PyTorch 1.13 reference trajectories (test/reference/schedulers, or GOLDENS_DIR's). */
const GOLDENS = join(referenceDir(), 'schedulers');

function readCase(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(GOLDENS, file), 'utf8')) as Record<string, unknown>;
}

const files = existsSync(GOLDENS) ? readdirSync(GOLDENS).filter((file) => file.endsWith('.json')) : [];

describe('scheduler parity with PyTorch 1.13', () => {
  it('finds the reference cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(24);
  });

  it.each(files)('%s matches every lr, momentum and beta1 to 1e-12', (file) => {
    const result = runSchedulerCase(readCase(file));
    expect(result.message).toBeUndefined();
    expect(result.ok).toBe(true);
  });
});

describe('runSchedulerCase reports failures instead of throwing', () => {
  const steplr = () =>
    readCase('steplr_groups.json') as { rows: Array<{ lrs: number[]; momentum: number[] }> };

  it('names the epoch, group and values of the first lr that differs', () => {
    const golden = steplr();
    const want = golden.rows[7]!.lrs[1]!;
    golden.rows[7]!.lrs[1] = want * (1 + 1e-9);
    const result = runSchedulerCase(golden);
    expect(result.ok).toBe(false);
    expect(result.message).toBe(`epoch 7, group 1 lr: got ${want}, want ${want * (1 + 1e-9)}`);
  });

  it('compares momentum too', () => {
    const golden = steplr();
    golden.rows[3]!.momentum[0] = 0.8;
    expect(runSchedulerCase(golden)).toMatchObject({
      ok: false,
      message: 'epoch 3, group 0 momentum: got 0.9, want 0.8',
    });
  });

  it('accepts differences below 1e-12 relative', () => {
    const golden = steplr();
    golden.rows[9]!.lrs[0] = golden.rows[9]!.lrs[0]! * (1 + 1e-13);
    expect(runSchedulerCase(golden).ok).toBe(true);
  });

  it('fails (without throwing) on an unknown scheduler type or option', () => {
    const unknownType = { ...steplr(), scheduler: { type: 'WarmupLR', options: {} } };
    expect(runSchedulerCase(unknownType)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Unknown scheduler type 'WarmupLR'; valid types: LambdaLR/),
    });
    const unknownOption = {
      ...steplr(),
      scheduler: { type: 'StepLR', options: { step_size: 7, gama: 0.5 } },
    };
    expect(runSchedulerCase(unknownOption)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Unknown option "gama" for StepLR/),
    });
  });

  it('fails on malformed cases', () => {
    for (const json of [null, 42, {}, { rows: [], epochs: 'x' }]) {
      expect(runSchedulerCase(json).ok).toBe(false);
    }
  });
});
