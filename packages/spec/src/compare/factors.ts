import { canonicalJson } from '../canonical-json.js';
import { MODEL_WORKLOAD, type ModelWorkloadOptions } from '../model/types.js';
import type { TrialConfig } from '../trial-config.js';

/** A factor's value in one trial: a JSON value, or undefined where the factor does not apply (Adam has no momentum). */
export type FactorValue = unknown;

/** A swept factor: a readable path and the value each trial has for it. */
export interface Factor {
  /**
   * `optimizer.type`, `optimizer.lr`, `optimizer.param_groups.classifier.lr`, `scheduler.gamma`, a model's
   * `model.features.out_channels` (`model.<index>.<option>` for a layer without a name), `loss.label_smoothing`, `seed`.
   */
  name: string;
  values: FactorValue[];
}

/** The readable path of a model layer's option: by the layer's name, else its index. */
export function layerFactorName(layer: { name?: unknown }, index: number, option: string): string {
  return `model.${typeof layer.name === 'string' ? layer.name : index}.${option}`;
}

/**
 * Every setting of a trial under its readable path (a built-in workload and the training are the same for
 * the whole sweep; a model's layer and loss arguments may be swept).
 */
export function factorValues(config: TrialConfig): Map<string, FactorValue> {
  const out = new Map<string, FactorValue>();
  if (config.workload.name === MODEL_WORKLOAD && config.workload.options !== undefined) {
    const { model, loss } = config.workload.options as unknown as ModelWorkloadOptions;
    model.forEach((layer, index) => {
      for (const [option, value] of Object.entries(layer)) {
        if (option !== 'type' && option !== 'name') out.set(layerFactorName(layer, index, option), value);
      }
    });
    for (const [option, value] of Object.entries(loss))
      if (option !== 'type') out.set(`loss.${option}`, value);
  }
  const { optimizer, scheduler } = config;
  out.set('optimizer.type', optimizer.type);
  for (const [name, value] of Object.entries(optimizer.options)) out.set(`optimizer.${name}`, value);
  for (const group of optimizer.param_groups ?? []) {
    const { params, ...options } = group;
    const label = Array.isArray(params) ? params.join('+') : params;
    for (const [name, value] of Object.entries(options)) {
      out.set(`optimizer.param_groups.${label}.${name}`, value);
    }
  }
  // No scheduler is a level of its own: a constant learning rate.
  out.set('scheduler.type', scheduler?.type ?? 'none');
  if (scheduler) {
    for (const [name, value] of Object.entries(scheduler.options)) out.set(`scheduler.${name}`, value);
    out.set('scheduler.interval', scheduler.interval);
  }
  out.set('seed', config.seed);
  return out;
}

/**
 * Optimizer first, then its groups, the scheduler, the model's layers and loss, the seed (a stable sort
 * keeps each family's own order).
 */
function familyRank(name: string): number {
  if (name === 'optimizer.type') return 0;
  if (name.startsWith('optimizer.param_groups.')) return 2;
  if (name.startsWith('optimizer.')) return 1;
  if (name === 'scheduler.type') return 3;
  if (name.startsWith('scheduler.')) return 4;
  if (name.startsWith('model.')) return 5;
  if (name.startsWith('loss.')) return 6;
  return 7;
}

/**
 * The factors that vary across `configs`: paths with two or more distinct values among the trials they
 * apply to. A path that exists only for some optimizer or scheduler types but never varies among them is
 * not a factor: its presence is already the type's effect.
 */
export function sweptFactors(configs: readonly TrialConfig[]): Factor[] {
  const perTrial = configs.map(factorValues);
  const names: string[] = [];
  const distinct = new Map<string, Set<string>>();
  for (const values of perTrial) {
    for (const [name, value] of values) {
      let seen = distinct.get(name);
      if (!seen) {
        seen = new Set();
        distinct.set(name, seen);
        names.push(name);
      }
      seen.add(canonicalJson(value));
    }
  }
  return names
    .filter((name) => distinct.get(name)!.size > 1)
    .sort((a, b) => familyRank(a) - familyRank(b))
    .map((name) => ({ name, values: perTrial.map((values) => values.get(name)) }));
}
