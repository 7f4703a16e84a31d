import { canonicalJson } from '@hypersweep/spec';

/** One CSV cell (RFC 4180): lists and objects as JSON, absent values empty, quoted where needed. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text =
    typeof value === 'string' ? value : typeof value === 'object' ? canonicalJson(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: a header line and one line per row. */
export const toCsv = (header: readonly string[], rows: readonly (readonly unknown[])[]) =>
  `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
