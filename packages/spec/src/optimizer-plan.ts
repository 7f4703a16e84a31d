import { optimizerCatalog, resolveOptimizerOptions } from '@hypersweep/optim';
import { canonicalJson } from './canonical-json.js';
import { readCatalogType, reportMissingRequired } from './catalog-type.js';
import { unknownNameMessage } from './closest-name.js';
import {
  combinationCount,
  combinationError,
  combinations,
  type OptionAxis,
  readEntryOptions,
} from './entry-options.js';
import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isJsonObject, type JsonObject, ownValue } from './json-value.js';
import { MODEL_WORKLOAD } from './model/types.js';
import type { OptimizerConfig, ParamGroupConfig } from './trial-config.js';

/** A validated optimizer entry of the spec, ready to expand into its grid of configs. */
export interface OptimizerPlan {
  path: string;
  type: string;
  axes: OptionAxis[];
  /** The `params` of each param_groups entry, in order. */
  groupParams: Array<string | string[]>;
  /** How many torch param groups the optimizer gets: the default group (if not empty) plus the listed ones. */
  groupCount: number;
  combinations: bigint;
}

/** A config with its canonical text, which decides equality when trials are merged. */
export interface KeyedConfig<T> {
  config: T;
  key: string;
}

/**
 * torch.optim.LBFGS raises "LBFGS doesn't support per-parameter options (parameter groups)".
 * https://pytorch.org/docs/1.13/generated/torch.optim.LBFGS.html
 */
const SINGLE_GROUP_OPTIMIZERS = new Set(['LBFGS']);

const ENTRY_KEYS = new Set(['type', 'param_groups']);
const GROUP_KEYS = new Set(['params']);

export function readOptimizerEntry(
  value: unknown,
  path: string,
  workloadGroups: readonly string[] | undefined,
  workloadName: string | undefined,
  report: ErrorReport,
): OptimizerPlan | undefined {
  if (!isJsonObject(value)) {
    report.add(
      path,
      `each optimizer is an object like {"type": "SGD", "lr": 0.01}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  const entry = readCatalogType(value, path, optimizerCatalog, 'optimizer', report);
  if (entry === undefined) return undefined;
  const complete = reportMissingRequired(value, path, entry, report);
  const axes = readEntryOptions(value, path, entry.options, ENTRY_KEYS, entry.type, -1, report);
  const groups = readParamGroups(value, path, entry.type, workloadGroups, workloadName, report);
  if (!complete || axes === undefined || groups === undefined) return undefined;
  const allAxes = [...axes, ...groups.axes];
  return {
    path,
    type: entry.type,
    axes: allAxes,
    groupParams: groups.params,
    groupCount: groups.count,
    combinations: combinationCount(allAxes),
  };
}

interface ParamGroups {
  params: Array<string | string[]>;
  axes: OptionAxis[];
  count: number;
}

function readParamGroups(
  entry: JsonObject,
  entryPath: string,
  type: string,
  workloadGroups: readonly string[] | undefined,
  workloadName: string | undefined,
  report: ErrorReport,
): ParamGroups | undefined {
  const value = ownValue(entry, 'param_groups');
  if (value === undefined) return { params: [], axes: [], count: 1 };
  const path = childPointer(entryPath, 'param_groups');
  if (SINGLE_GROUP_OPTIMIZERS.has(type)) {
    report.add(path, `${type} doesn't support per-parameter options (parameter groups); remove param_groups`);
    return undefined;
  }
  if (!Array.isArray(value)) {
    report.add(
      path,
      `param_groups must be a list of {"params": <group>, <option>: <value>}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  // Without a known workload the group names cannot be checked; the workload error is reported already.
  if (workloadGroups === undefined) return undefined;
  if (value.length > 0 && workloadGroups.length === 0) {
    report.add(
      path,
      workloadName === MODEL_WORKLOAD
        ? 'the model has no named layers, so param_groups cannot be used; give a layer a "name" to make it a parameter group'
        : `workload ${JSON.stringify(workloadName)} has no parameter groups, so param_groups cannot be used`,
    );
    return undefined;
  }
  const options = optimizerCatalog[type]!.options;
  const claimed = new Map<string, number>();
  const params: Array<string | string[]> = [];
  const axes: OptionAxis[] = [];
  let valid = true;
  value.forEach((group, index) => {
    const groupPath = childPointer(path, index);
    if (!isJsonObject(group)) {
      report.add(
        groupPath,
        `each param group is an object like {"params": "classifier", "lr": 0.001}, got ${describeValue(group)}`,
      );
      valid = false;
      return;
    }
    const names = readGroupParams(group, groupPath, workloadGroups, workloadName, claimed, index, report);
    const groupAxes = readEntryOptions(
      group,
      groupPath,
      options,
      GROUP_KEYS,
      `${type} param groups`,
      index,
      report,
    );
    if (names === undefined || groupAxes === undefined) {
      valid = false;
      return;
    }
    params.push(names);
    axes.push(...groupAxes);
  });
  if (!valid) return undefined;
  // Parameters in no listed group form the default group, which comes first when it is not empty.
  const defaultGroupEmpty = workloadGroups.every((name) => claimed.has(name));
  return { params, axes, count: params.length + (params.length === 0 || !defaultGroupEmpty ? 1 : 0) };
}

function readGroupParams(
  group: JsonObject,
  groupPath: string,
  workloadGroups: readonly string[],
  workloadName: string | undefined,
  claimed: Map<string, number>,
  groupIndex: number,
  report: ErrorReport,
): string | string[] | undefined {
  const value = ownValue(group, 'params');
  const path = childPointer(groupPath, 'params');
  const available = `workload ${JSON.stringify(workloadName)} has the groups ${workloadGroups.join(', ')}`;
  if (value === undefined) {
    report.add(
      groupPath,
      `missing "params": the workload parameter group(s) this entry covers; ${available}`,
    );
    return undefined;
  }
  const names = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string')) {
    report.add(
      path,
      `params must be a group name or a non-empty list of group names, got ${describeValue(value)}`,
    );
    return undefined;
  }
  let valid = true;
  names.forEach((name, index) => {
    const namePath = typeof value === 'string' ? path : childPointer(path, index);
    if (!workloadGroups.includes(name)) {
      report.add(
        namePath,
        unknownNameMessage({
          what: 'parameter group',
          name,
          where: ` in workload ${JSON.stringify(workloadName)}`,
          valid: workloadGroups,
          validLabel: 'its groups',
        }),
      );
      valid = false;
      return;
    }
    const owner = claimed.get(name);
    if (owner !== undefined) {
      // torch: "some parameters appear in more than one parameter group"
      report.add(
        namePath,
        owner === groupIndex
          ? `parameter group ${JSON.stringify(name)} is listed twice`
          : `parameter group ${JSON.stringify(name)} is already in param_groups/${owner}; a parameter can be in one group only`,
      );
      valid = false;
      return;
    }
    claimed.set(name, groupIndex);
  });
  return valid ? (value as string | string[]) : undefined;
}

/**
 * Every optimizer config of a plan, with torch's defaults filled in and torch's cross-field
 * rules applied (resolveOptimizerOptions, also for each param group's effective options).
 */
export function expandOptimizerPlan(
  plan: OptimizerPlan,
  report: ErrorReport,
): KeyedConfig<OptimizerConfig>[] {
  const configs: KeyedConfig<OptimizerConfig>[] = [];
  for (const indices of combinations(plan.axes)) {
    const options: Record<string, unknown> = {};
    const groups: ParamGroupConfig[] = plan.groupParams.map((params) => ({ params }));
    plan.axes.forEach((axis, position) => {
      const target = axis.group < 0 ? options : groups[axis.group]!;
      target[axis.option] = axis.values[indices[position]!];
    });
    const resolved = resolveOrReport(plan, options, indices, -1, report);
    const groupsValid = groups.every((group, index) => {
      const { params: _params, ...overrides } = group;
      return resolveOrReport(plan, { ...options, ...overrides }, indices, index, report) !== undefined;
    });
    if (resolved === undefined || !groupsValid) continue;
    const config: OptimizerConfig = { type: plan.type, options: resolved };
    if (groups.length > 0) config.param_groups = groups;
    configs.push({ config, key: canonicalJson(config) });
  }
  return configs;
}

function resolveOrReport(
  plan: OptimizerPlan,
  options: Record<string, unknown>,
  indices: readonly number[],
  group: number,
  report: ErrorReport,
): Record<string, unknown> | undefined {
  try {
    return resolveOptimizerOptions(plan.type, options);
  } catch (error) {
    const groupPath = group < 0 ? plan.path : childPointer(plan.path, 'param_groups', group);
    const where =
      group < 0 ? '' : `in param_groups/${group} (${[plan.groupParams[group]].flat().join(', ')}): `;
    const { path, message } = combinationError(error, plan.axes, indices, group, groupPath, where);
    report.add(path, message);
    return undefined;
  }
}
