import type { Parameter } from '../autograd/parameter.js';
import { optimizerCatalogEntry } from '../catalog/optimizers.js';
import { OptimError } from '../errors.js';
import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import { AdamW } from './adamw.js';
import { ASGD } from './asgd.js';
import { LBFGS } from './lbfgs.js';
import { NAdam } from './nadam.js';
import type { Optimizer, ParamGroupInput } from './optimizer.js';
import { RAdam } from './radam.js';
import { RMSprop } from './rmsprop.js';
import { Rprop } from './rprop.js';
import { SGD } from './sgd.js';
import { SparseAdam } from './sparse-adam.js';

type OptimizerClass = new (
  params: readonly ParamGroupInput[],
  options?: Record<string, unknown>,
) => Optimizer;

/** torch class name -> implementation; the catalog lists the same names. */
const optimizerClasses: Record<string, OptimizerClass> = {
  SGD,
  ASGD,
  Rprop,
  Adagrad,
  Adadelta,
  RMSprop,
  Adam,
  AdamW,
  Adamax,
  NAdam,
  RAdam,
  SparseAdam,
  LBFGS,
};

/** An optimizer as a sweep spec or a reference file names it. */
export interface OptimizerSpec {
  type: string;
  options?: Record<string, unknown>;
  /** Groups by parameter NAME, each overriding `options`. */
  param_groups?: Array<{ params: string[]; [override: string]: unknown }>;
}

/**
 * Builds the optimizer `spec` describes over `params`. Parameters named in no listed group form
 * a default group placed first (omitted when empty); then the listed groups in order, each
 * overriding the spec's options.
 */
export function createOptimizer(params: readonly Parameter[], spec: OptimizerSpec): Optimizer {
  optimizerCatalogEntry(spec.type);
  const OptimizerClass = optimizerClasses[spec.type]!;
  const byName = new Map(params.map((param) => [param.name, param]));
  const listed = new Set<string>();
  const groups: ParamGroupInput[] = (spec.param_groups ?? []).map(
    ({ params: names, ...overrides }, index) => {
      if (!Array.isArray(names) || names.length === 0) {
        throw new OptimError(
          `param_groups[${index}].params must name at least one parameter`,
          `param_groups/${index}`,
        );
      }
      const groupParams = names.map((name) => {
        const param = byName.get(name);
        if (param === undefined) {
          throw new OptimError(
            `param_groups[${index}] names unknown parameter ${JSON.stringify(name)}; parameters: ${[...byName.keys()].join(', ')}`,
            `param_groups/${index}/params`,
          );
        }
        if (listed.has(name)) throw new OptimError('some parameters appear in more than one parameter group');
        listed.add(name);
        return param;
      });
      return { ...overrides, params: groupParams };
    },
  );
  const rest = params.filter((param) => !listed.has(param.name));
  if (rest.length > 0) groups.unshift({ params: rest });
  return new OptimizerClass(groups, spec.options ?? {});
}
