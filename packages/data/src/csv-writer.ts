/** What a spreadsheet would run as a formula when a cell starts with it (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Text a spreadsheet cannot run: a cell starting with = + - @, a tab or a carriage return gets a leading
 * single quote, as OWASP recommends (https://owasp.org/www-community/attacks/CSV_Injection), unless it is a
 * plain number written as text (`-0.5`, `+1e-3`), which stays as it is.
 */
export function neutralised(text: string): string {
  return FORMULA_START.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

/** How a cell writes a list or an object (default JSON.stringify). */
export type JsonWriter = (value: unknown) => string;

/**
 * One CSV cell (RFC 4180): numbers as JavaScript writes them, lists and objects as JSON, absent values empty,
 * text that a spreadsheet would run as a formula neutralised, quoted where needed.
 */
export function csvCell(value: unknown, json: JsonWriter = JSON.stringify): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = neutralised(
    typeof value === 'string' ? value : typeof value === 'object' ? json(value) : String(value),
  );
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: a header line and one line per row, every cell (headers too) as csvCell writes it. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
  json: JsonWriter = JSON.stringify,
): string {
  return `${[header, ...rows].map((row) => row.map((cell) => csvCell(cell, json)).join(',')).join('\n')}\n`;
}
