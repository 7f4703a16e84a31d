import { compileExpression } from '../expr/compile-expression.js';
import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { type MomentumSlot, readMomentum, requireMomentumSlot, writeMomentum } from './momentum.js';
import { perGroup } from './per-group.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface CyclicLROptions {
  base_lr: number | number[];
  max_lr: number | number[];
  step_size_up?: number;
  step_size_down?: number | null;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  gamma?: number;
  /** A custom amplitude scale as an expression in `x`; overrides `mode`. */
  scale_fn?: string | null;
  scale_mode?: 'cycle' | 'iterations';
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
}

/**
 * Cyclical learning rates (Smith, 2017, https://arxiv.org/abs/1506.01186) with torch 1.13's
 * scale functions; momentum is cycled inversely, on SGD's `momentum` or, as in later torch
 * versions, on beta1 of Adam-like optimizers (torch 1.13 itself refuses optimizers without `momentum`).
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CyclicLR.html
 */
export class CyclicLR extends LRScheduler {
  readonly type = 'CyclicLR';
  readonly maxLrs: number[];
  readonly totalSize: number;
  readonly stepRatio: number;
  readonly mode: string;
  readonly gamma: number;
  readonly scaleMode: 'cycle' | 'iterations';
  readonly cycleMomentum: boolean;
  private readonly scaleFn: (x: number) => number;
  private readonly momentumSlot: MomentumSlot | undefined;
  private readonly baseMomentums: number[] = [];
  private readonly maxMomentums: number[] = [];

  constructor(optimizer: OptimizerLike, options: CyclicLROptions) {
    const resolved = resolveSchedulerOptions('CyclicLR', options) as unknown as Required<CyclicLROptions>;
    const baseLrs = perGroup(optimizer, 'base_lr', resolved.base_lr);
    for (const [index, group] of optimizer.paramGroups.entries()) group.lr = baseLrs[index]!;
    const maxLrs = perGroup(optimizer, 'max_lr', resolved.max_lr);
    const customScale =
      resolved.scale_fn === null
        ? undefined
        : compileExpression(resolved.scale_fn, { variable: 'x', path: 'scale_fn' });
    const slot = resolved.cycle_momentum ? requireMomentumSlot(optimizer) : undefined;
    const baseMomentums =
      slot === undefined ? [] : perGroup(optimizer, 'base_momentum', resolved.base_momentum);
    const maxMomentums = slot === undefined ? [] : perGroup(optimizer, 'max_momentum', resolved.max_momentum);
    super(optimizer);

    this.maxLrs = maxLrs;
    const stepSizeUp = resolved.step_size_up;
    const stepSizeDown = resolved.step_size_down ?? stepSizeUp;
    this.totalSize = stepSizeUp + stepSizeDown;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = resolved.mode;
    this.gamma = resolved.gamma;
    if (customScale !== undefined) {
      this.scaleFn = customScale;
      this.scaleMode = resolved.scale_mode;
    } else if (this.mode === 'triangular') {
      this.scaleFn = () => 1;
      this.scaleMode = 'cycle';
    } else if (this.mode === 'triangular2') {
      this.scaleFn = (x) => 1 / 2 ** (x - 1);
      this.scaleMode = 'cycle';
    } else {
      this.scaleFn = (x) => this.gamma ** x;
      this.scaleMode = 'iterations';
    }
    this.cycleMomentum = slot !== undefined;
    this.momentumSlot = slot;
    if (slot !== undefined) {
      optimizer.paramGroups.forEach((group, index) => {
        writeMomentum(group, slot, baseMomentums[index]!);
      });
      this.baseMomentums = optimizer.paramGroups.map((group) => readMomentum(group, slot));
      this.maxMomentums = maxMomentums;
    }
    this.initialStep();
    // torch assigns base_lrs after its initial step, which used the groups' initial_lr.
    this.baseLrs = baseLrs;
  }

  /** Sets each group's momentum as a side effect, like torch's get_lr. */
  getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scaleFn(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((baseLr, index) => {
      const baseHeight = (this.maxLrs[index]! - baseLr) * scaleFactor;
      return baseLr + baseHeight * scale;
    });
    const slot = this.momentumSlot;
    if (slot !== undefined) {
      this.optimizer.paramGroups.forEach((group, index) => {
        const maxMomentum = this.maxMomentums[index]!;
        const baseHeight = (maxMomentum - this.baseMomentums[index]!) * scaleFactor;
        writeMomentum(group, slot, maxMomentum - baseHeight * scale);
      });
    }
    return lrs;
  }
}
