import { type AshaOptions, ashaPruner } from './asha.js';
import { type HyperbandOptions, hyperbandPruner } from './hyperband.js';
import { type MedianPrunerOptions, medianPruner } from './median-pruner.js';
import type { Pruner } from './pruning.js';
import { type SuccessiveHalvingOptions, successiveHalvingPruner } from './successive-halving.js';

/** A sweep's pruner as its spec names it, options with their defaults filled in. */
export type PrunerSettings =
  | ({ type: 'MedianPruner' } & MedianPrunerOptions)
  | ({ type: 'SuccessiveHalvingPruner' } & SuccessiveHalvingOptions)
  | ({ type: 'HyperbandPruner' } & HyperbandOptions)
  | ({ type: 'ASHAScheduler' } & AshaOptions);

/** The pruner a sweep names, behind the one Pruner interface. */
export function createPruner(settings: PrunerSettings): Pruner {
  switch (settings.type) {
    case 'MedianPruner':
      return medianPruner(settings);
    case 'SuccessiveHalvingPruner':
      return successiveHalvingPruner(settings);
    case 'HyperbandPruner':
      return hyperbandPruner(settings);
    case 'ASHAScheduler':
      return ashaPruner(settings);
    default:
      // Settings come from stored JSON: a type this version does not know is refused, not ignored.
      throw new Error(`unknown pruner type ${(settings as { type: unknown }).type}`);
  }
}
