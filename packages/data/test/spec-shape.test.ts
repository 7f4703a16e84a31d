import { describe, expect, it } from 'vitest';
// A type-only look at @hypersweep/spec's declarations (this package may not depend on spec): typecheck
// fails when the two drift apart.
import type {
  DatasetInfo,
  DatasetArray as SpecArray,
  DatasetColumn as SpecColumn,
  ValueStats as SpecStats,
} from '../../spec/src/model/dataset-info.js';
import type {
  DatasetArray,
  DatasetColumn,
  DatasetDescription,
  DatasetFormat,
  ValueStats,
} from '../src/index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe('the description matches @hypersweep/spec DatasetInfo', () => {
  it('type for type', () => {
    const same: [
      Same<ValueStats, SpecStats>,
      Same<DatasetColumn, SpecColumn>,
      Same<DatasetArray, SpecArray>,
      Same<DatasetFormat, DatasetInfo['format']>,
      Same<DatasetDescription, Pick<DatasetInfo, 'rows' | 'columns' | 'arrays'>>,
    ] = [true, true, true, true, true];
    expect(same.every(Boolean)).toBe(true);
  });
});
