import { resolveOptimizerOptions } from '../optimizers/resolve-options.js';
import type { OptimizerLike } from '../types.js';

/** An optimizer as data: what the goldens, the preview and the sweep spec give. */
export interface OptimizerDescription {
  type: string;
  options?: Record<string, unknown>;
  /** The initial lr of each param group; null or absent means one group with `options.lr`. */
  group_lrs?: readonly number[] | null;
}

/**
 * The param groups a torch optimizer of that type and options would have (every option with its
 * torch default filled in, e.g. SGD's momentum 0 or Adam's betas), without parameters or tensors:
 * all a scheduler reads and writes.
 */
export function plainOptimizer(description: OptimizerDescription): OptimizerLike {
  const groupLrs = description.group_lrs ?? null;
  // Groups that all set their lr need no default lr (torch 1.13's SGD has none).
  const groupLr = groupLrs === null ? {} : { lr: groupLrs[0] };
  const defaults = resolveOptimizerOptions(description.type, { ...groupLr, ...description.options });
  const lrs = groupLrs ?? [defaults['lr'] as number];
  return { paramGroups: lrs.map((lr) => ({ ...structuredClone(defaults), lr })) };
}
