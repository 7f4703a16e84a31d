import { OptimError } from '../errors.js';
import type { OptimizerLike, ParamGroupLike } from '../types.js';

/**
 * Where CyclicLR and OneCycleLR cycle "momentum": SGD-like groups have `momentum`, Adam-like groups
 * have `betas` and the cycled value is beta1 (torch: `use_beta1 = 'betas' in optimizer.defaults`).
 */
export type MomentumSlot = 'momentum' | 'betas';

export function momentumSlot(optimizer: OptimizerLike): MomentumSlot | undefined {
  const groups = optimizer.paramGroups;
  if (groups.length > 0 && groups.every((group) => Array.isArray(group['betas']))) return 'betas';
  if (groups.length > 0 && groups.every((group) => typeof group['momentum'] === 'number')) return 'momentum';
  return undefined;
}

/** The slot to cycle, or torch's error when the optimizer has neither. */
export function requireMomentumSlot(optimizer: OptimizerLike): MomentumSlot {
  const slot = momentumSlot(optimizer);
  if (slot === undefined) {
    throw new OptimError(
      'optimizer must support momentum with `cycle_momentum` option enabled',
      'cycle_momentum',
    );
  }
  return slot;
}

export function readMomentum(group: ParamGroupLike, slot: MomentumSlot): number {
  return slot === 'betas' ? (group['betas'] as number[])[0]! : (group['momentum'] as number);
}

/** torch replaces the betas tuple: `group['betas'] = (momentum, *group['betas'][1:])`. */
export function writeMomentum(group: ParamGroupLike, slot: MomentumSlot, value: number): void {
  if (slot === 'betas') group['betas'] = [value, ...(group['betas'] as number[]).slice(1)];
  else group['momentum'] = value;
}
