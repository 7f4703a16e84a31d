import { describe, expect, it } from 'vitest';
import { defaultName } from '../src/commands/datasets.js';

describe('datasets upload', () => {
  it('names a dataset after its file, spelt as names may be', () => {
    expect(defaultName('examples/data/digits.csv')).toBe('digits');
    expect(defaultName('/tmp/my train set (v2).npz')).toBe('my-train-set-v2');
    expect(defaultName('_private.npy')).toBe('private');
    expect(defaultName('ü.csv')).toBe('dataset');
  });
});
