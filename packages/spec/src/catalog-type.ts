import type { CatalogEntry } from '@hypersweep/optim';
import { unknownNameMessage } from './closest-name.js';
import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, type JsonObject, ownValue } from './json-value.js';

/**
 * The catalog entry named by an entry's `type`, or undefined after reporting a missing, mistyped
 * or unknown type (with the closest name and the list of valid ones).
 */
export function readCatalogType(
  entry: JsonObject,
  entryPath: string,
  catalog: Record<string, CatalogEntry>,
  kind: 'optimizer' | 'scheduler',
  report: ErrorReport,
): CatalogEntry | undefined {
  const types = Object.keys(catalog);
  const type = ownValue(entry, 'type');
  if (type === undefined) {
    report.add(entryPath, `missing "type": the ${kind} class, one of ${types.join(', ')}`);
    return undefined;
  }
  const path = childPointer(entryPath, 'type');
  if (typeof type !== 'string') {
    report.add(path, `"type" must be a string naming the ${kind}, got ${describeValue(type)}`);
    return undefined;
  }
  if (!Object.hasOwn(catalog, type)) {
    report.add(
      path,
      unknownNameMessage({ what: `${kind} type`, name: type, valid: types, validLabel: 'valid types' }),
    );
    return undefined;
  }
  return catalog[type];
}

/** Reports options the torch class requires (no default) that the entry leaves out. */
export function reportMissingRequired(
  entry: JsonObject,
  entryPath: string,
  catalogEntry: CatalogEntry,
  report: ErrorReport,
): boolean {
  let complete = true;
  for (const option of catalogEntry.required) {
    if (!Object.hasOwn(entry, option)) {
      report.add(
        entryPath,
        `missing option ${JSON.stringify(option)}: ${catalogEntry.type} has no default for it`,
      );
      complete = false;
    }
  }
  return complete;
}
