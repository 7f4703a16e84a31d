import { unknownNameMessage } from './closest-name.js';
import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isJsonObject, ownValue } from './json-value.js';
import { readObjectFields } from './read-object-fields.js';
import type { WorkloadInfo } from './workload-info.js';

export interface ResolvedWorkload {
  info: WorkloadInfo;
  name: string;
  /** Options with the workload's defaults filled in. */
  options: Record<string, unknown>;
  trainExamples: number;
}

const WORKLOAD_KEYS = ['name', 'options'];

/** Reads `"workload": "mnist-mlp"` or `"workload": {"name": "mnist-mlp", "options": {...}}`. */
export function readWorkload(
  value: unknown,
  workloads: readonly WorkloadInfo[],
  report: ErrorReport,
): ResolvedWorkload | undefined {
  const path = '/workload';
  const names = workloads.map((workload) => workload.name);
  if (value === undefined) {
    report.add('', `missing "workload": one of ${names.join(', ')}`);
    return undefined;
  }
  let name: unknown = value;
  let options: unknown = {};
  let namePath = path;
  if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (!WORKLOAD_KEYS.includes(key)) {
        report.add(
          childPointer(path, key),
          unknownNameMessage({
            what: 'field',
            name: key,
            where: ' in workload',
            valid: WORKLOAD_KEYS,
            validLabel: 'valid fields',
          }),
        );
        return undefined;
      }
    }
    name = ownValue(value, 'name');
    const given = ownValue(value, 'options');
    options = given === undefined ? {} : given;
    namePath = childPointer(path, 'name');
    if (name === undefined) {
      report.add(path, `missing "name": one of ${names.join(', ')}`);
      return undefined;
    }
  }
  if (typeof name !== 'string') {
    report.add(
      namePath,
      `workload must be a workload name or {"name": ..., "options": {...}}, got ${describeValue(name)}`,
    );
    return undefined;
  }
  const info = workloads.find((workload) => workload.name === name);
  if (info === undefined) {
    report.add(
      namePath,
      unknownNameMessage({ what: 'workload', name, valid: names, validLabel: 'valid workloads' }),
    );
    return undefined;
  }
  const optionsPath = childPointer(path, 'options');
  if (!isJsonObject(options)) {
    report.add(optionsPath, `workload options must be an object, got ${describeValue(options)}`);
    return undefined;
  }
  const resolved = readObjectFields(
    options,
    optionsPath,
    info.options,
    `the options of ${info.name}`,
    report,
  );
  if (resolved === undefined) return undefined;
  const trainExamples = countTrainExamples(info, resolved);
  if (trainExamples === undefined) {
    report.add(optionsPath, `workload ${info.name} has no training examples with these options`);
    return undefined;
  }
  return { info, name: info.name, options: resolved, trainExamples };
}

function countTrainExamples(info: WorkloadInfo, options: Record<string, unknown>): number | undefined {
  try {
    const count = info.trainExamples(options);
    return Number.isSafeInteger(count) && count > 0 ? count : undefined;
  } catch {
    return undefined;
  }
}
