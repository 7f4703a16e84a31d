import { toCsv as writeCsv } from '@hypersweep/data';
import { canonicalJson } from '@hypersweep/spec';

/** A CSV export (packages/data's writer: RFC 4180, formulas neutralised), lists and objects as canonical JSON. */
export const toCsv = (header: readonly string[], rows: readonly (readonly unknown[])[]) =>
  writeCsv(header, rows, canonicalJson);
