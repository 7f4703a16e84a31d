import { describe, expect, it } from 'vitest';
import { type ExternalHeld, planReport, reportProblem } from '../src/external-trials.js';

// The rules of one report, apart from any store.
const held: ExternalHeld = {
  sweepId: 's',
  index: 0,
  config: {},
  sweepStatus: 'running',
  objectiveMetric: 'val_loss',
  objectiveMode: 'min',
  pruner: null,
  bestValue: 0.5,
  bestStep: 4,
  lastStep: 4,
  lastLr: 0.1,
  lastEpoch: 1,
};

describe('external reports', () => {
  it('names the first step out of order, repeated, or with another number of group lrs', () => {
    const step = (n: number, lrs?: number[]) => ({ step: n, loss: 1, lr: 0.1, ...(lrs ? { lrs } : {}) });
    expect(reportProblem({ steps: [step(1), step(2)] })).toBeNull();
    expect(reportProblem({ steps: [step(1), step(3), step(2)] })).toMatchObject({ path: '/steps/2/step' });
    expect(reportProblem({ steps: [step(1), step(1)] })?.message).toMatch(/repeated/);
    expect(reportProblem({ steps: [step(1, [0.1, 0.2]), step(2, [0.1])] })).toMatchObject({
      path: '/steps/1/lrs',
    });
    expect(
      reportProblem({
        epochs: [
          { epoch: 2, train_loss: 1 },
          { epoch: 2, train_loss: 1 },
        ],
      }),
    ).toMatchObject({
      path: '/epochs/1/epoch',
    });
    expect(reportProblem({ epochs: [{ epoch: 1 }] })).toMatchObject({ path: '/epochs/0' });
  });

  it('keeps only new steps, stores non-finite values as numbers and judges only new epochs', () => {
    const plan = planReport(held, {
      steps: [
        { step: 3, loss: 1, lr: 0.1 },
        { step: 5, loss: 'NaN', lr: 0.1 },
        { step: 6, loss: 0.2, lr: 0.05 },
      ],
      epochs: [
        { epoch: 1, train_loss: 0.9, val_loss: 0.5 },
        { epoch: 2, train_loss: 'Infinity', val_loss: 0.4 },
      ],
    });
    expect(plan.steps.map((s) => s.step)).toEqual([5, 6]);
    expect(Number.isNaN(plan.steps[0]!.loss)).toBe(true);
    expect(plan.steps[1]).toEqual({ step: 6, epoch: 2, loss: 0.2, lr: 0.05, lrs: [0.05] });
    expect(plan.epochs[1]).toMatchObject({ epoch: 2, trainLoss: Number.POSITIVE_INFINITY, lr: 0.05 });
    expect(plan.stepsDone).toBe(6);
    expect(plan.best).toEqual({ value: 0.4, step: 6 });
    expect(plan.judged).toEqual([{ epoch: 2, value: 0.4, best: 0.4 }]);
  });

  it('never judges a non-finite objective value', () => {
    const plan = planReport(held, { epochs: [{ epoch: 2, train_loss: 1, val_loss: 'NaN' }] });
    expect(plan.judged).toEqual([{ epoch: 2, value: null, best: 0.5 }]);
    expect(plan.best).toEqual({ value: 0.5, step: 4 });
  });

  it("keeps a trainer's own metrics and judges the objective on one of them", () => {
    const bleu = { ...held, objectiveMetric: 'val_bleu', objectiveMode: 'max' as const, bestValue: 20 };
    const plan = planReport(bleu, {
      epochs: [
        { epoch: 2, train_loss: 1, val_bleu: 25, chrf: 'NaN' },
        { epoch: 3, train_loss: 1, val_bleu: 22 },
      ],
    });
    expect(plan.epochs.map((e) => e.metrics)).toEqual([{ val_bleu: 25, chrf: Number.NaN }, { val_bleu: 22 }]);
    expect(plan.judged).toEqual([
      { epoch: 2, value: 25, best: 25 },
      { epoch: 3, value: 22, best: 25 },
    ]);
    // An epoch without the objective's metric has no value to judge.
    const silent = planReport(bleu, { epochs: [{ epoch: 2, train_loss: 1 }] });
    expect(silent.judged).toEqual([{ epoch: 2, value: null, best: 20 }]);
    expect(silent.epochs[0]!.metrics).toBeNull();
  });

  it("names a trainer's metric whose name is not one, and too many of them", () => {
    expect(reportProblem({ epochs: [{ epoch: 1, train_loss: 1, 'BLEU-4': 3 }] })).toMatchObject({
      path: '/epochs/0/BLEU-4',
    });
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, i]));
    expect(reportProblem({ epochs: [{ epoch: 1, train_loss: 1, ...many }] })?.message).toMatch(/at most 32/);
    expect(reportProblem({ epochs: [{ epoch: 1, train_loss: 1, val_bleu: 3 }] })).toBeNull();
  });
});
