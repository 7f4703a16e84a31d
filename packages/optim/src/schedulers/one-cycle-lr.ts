import { OptimError } from '../errors.js';
import type { OptimizerLike, ParamGroupLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { type MomentumSlot, requireMomentumSlot, writeMomentum } from './momentum.js';
import { perGroup } from './per-group.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface OneCycleLROptions {
  max_lr: number | number[];
  total_steps?: number | null;
  epochs?: number | null;
  steps_per_epoch?: number | null;
  pct_start?: number;
  anneal_strategy?: 'cos' | 'linear';
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
  div_factor?: number;
  final_div_factor?: number;
  three_phase?: boolean;
}

/** A phase of the cycle: from `start` to `end` (keys of the param group) until step `endStep`. */
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** Cosine anneal from `start` to `end` as pct goes from 0 to 1. */
function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * The 1cycle policy (Smith & Topin, https://arxiv.org/abs/1708.07120): warm up from
 * max_lr / div_factor to max_lr, then anneal to initial_lr / final_div_factor (fastai's two phases,
 * or the paper's three with `three_phase`), cycling momentum (or beta1) inversely. Like torch, it
 * keeps initial_lr, max_lr, min_lr, max_momentum and base_momentum in the param groups.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.OneCycleLR.html
 */
export class OneCycleLR extends LRScheduler {
  readonly type = 'OneCycleLR';
  readonly totalSteps: number;
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly momentumSlot: MomentumSlot | undefined;

  constructor(optimizer: OptimizerLike, options: OneCycleLROptions) {
    const resolved = resolveSchedulerOptions('OneCycleLR', options) as unknown as Required<OneCycleLROptions>;
    const totalSteps = oneCycleTotalSteps(resolved);
    const pctStart = resolved.pct_start;
    const phases: Phase[] = resolved.three_phase
      ? [
          phase(pctStart * totalSteps - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(2 * pctStart * totalSteps - 2, 'max_lr', 'initial_lr', 'base_momentum', 'max_momentum'),
          phase(totalSteps - 1, 'initial_lr', 'min_lr', 'max_momentum', 'max_momentum'),
        ]
      : [
          phase(pctStart * totalSteps - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(totalSteps - 1, 'max_lr', 'min_lr', 'base_momentum', 'max_momentum'),
        ];
    const maxLrs = perGroup(optimizer, 'max_lr', resolved.max_lr);
    const initialLrs = maxLrs.map((maxLr) => maxLr / resolved.div_factor);
    const minLrs = initialLrs.map((initialLr) => initialLr / resolved.final_div_factor);
    // torch would run on with inf or NaN learning rates; a schedule that cannot train is refused instead.
    assertFiniteLrs(initialLrs, 'div_factor', 'max_lr / div_factor');
    assertFiniteLrs(minLrs, 'final_div_factor', 'max_lr / div_factor / final_div_factor');
    optimizer.paramGroups.forEach((group, index) => {
      group['initial_lr'] = initialLrs[index]!;
      group['max_lr'] = maxLrs[index]!;
      group['min_lr'] = minLrs[index]!;
    });
    const slot = resolved.cycle_momentum ? requireMomentumSlot(optimizer) : undefined;
    if (slot !== undefined) {
      const maxMomentums = perGroup(optimizer, 'max_momentum', resolved.max_momentum);
      const baseMomentums = perGroup(optimizer, 'base_momentum', resolved.base_momentum);
      optimizer.paramGroups.forEach((group, index) => {
        writeMomentum(group, slot, maxMomentums[index]!);
        group['max_momentum'] = maxMomentums[index]!;
        group['base_momentum'] = baseMomentums[index]!;
      });
    }
    super(optimizer);
    this.totalSteps = totalSteps;
    this.phases = phases;
    this.anneal = resolved.anneal_strategy === 'cos' ? annealCos : annealLinear;
    this.cycleMomentum = slot !== undefined;
    this.momentumSlot = slot;
    this.initialStep();
  }

  /** Sets each group's momentum (or beta1) as a side effect, like torch's get_lr. */
  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new OptimError(
        `Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`,
        'total_steps',
      );
    }
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      for (const [index, phase] of this.phases.entries()) {
        const endStep = phase.endStep;
        if (stepNum <= endStep || index === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          if (this.momentumSlot !== undefined) {
            writeMomentum(
              group,
              this.momentumSlot,
              this.anneal(value(group, phase.startMomentum), value(group, phase.endMomentum), pct),
            );
          }
          return this.anneal(value(group, phase.startLr), value(group, phase.endLr), pct);
        }
        startStep = phase.endStep;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }
}

function phase(
  endStep: number,
  startLr: string,
  endLr: string,
  startMomentum: string,
  endMomentum: string,
): Phase {
  return { endStep, startLr, endLr, startMomentum, endMomentum };
}

function value(group: ParamGroupLike, key: string): number {
  return group[key] as number;
}

/**
 * total_steps, or epochs x steps_per_epoch when it is null, with torch's messages. Exported so the
 * service can tell whether a spec still needs its total_steps derived.
 */
export function oneCycleTotalSteps(options: {
  total_steps?: number | null;
  epochs?: number | null;
  steps_per_epoch?: number | null;
}): number {
  const { total_steps: totalSteps, epochs, steps_per_epoch: stepsPerEpoch } = options;
  if (totalSteps != null) return totalSteps;
  if (epochs == null && stepsPerEpoch == null) {
    throw new OptimError('You must define either total_steps OR (epochs AND steps_per_epoch)', 'total_steps');
  }
  if (epochs == null) throw new OptimError('Expected positive integer epochs, but got None', 'epochs');
  if (stepsPerEpoch == null) {
    throw new OptimError('Expected positive integer steps_per_epoch, but got None', 'steps_per_epoch');
  }
  return epochs * stepsPerEpoch;
}

function assertFiniteLrs(lrs: readonly number[], option: string, formula: string): void {
  const bad = lrs.find((lr) => !Number.isFinite(lr));
  if (bad !== undefined) {
    throw new OptimError(`OneCycleLR: ${formula} is ${bad}, not a finite learning rate`, option);
  }
}
