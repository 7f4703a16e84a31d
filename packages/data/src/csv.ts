import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { DatasetError, notFinite } from './errors.js';
import type { DatasetSink, SeriesSink } from './sink.js';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
/** Line breaks inside a record's (quoted) fields: \n, \r\n or a lone \r each count one. */
function lineBreaksIn(record: readonly string[]): number {
  let breaks = 0;
  for (const field of record) {
    if (!field.includes('\n') && !field.includes('\r')) continue;
    breaks += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return breaks;
}

/** The longest record csv-parse assembles (a line without its end would otherwise grow without bound). */
const MAX_RECORD = 4 * 1024 * 1024;

/**
 * A CSV upload: a header row of unique names, then rows of numbers, every row as wide as the header.
 * Streams through csv-parse; lines are numbered as an editor shows them (the header is line 1, a quoted
 * field spanning lines is reported at its record's last line). Blank lines are skipped.
 */
export async function parseCsv<R>(chunks: AsyncIterable<Uint8Array>, sink: DatasetSink<R>): Promise<R> {
  let names: string[] | undefined;
  let columns: SeriesSink[] = [];
  let rows = 0;
  let headerLine = 1;
  const take = (record: string[], line: number) => {
    if (names === undefined) {
      headerLine = line;
      record.forEach((name, k) => {
        if (name === '')
          throw new DatasetError(
            `line ${line}: the header's field ${k + 1} is empty: every column needs a name`,
            {
              line,
            },
          );
        if (record.indexOf(name) !== k)
          throw new DatasetError(`line ${line}: the header names column "${name}" twice`, {
            line,
            column: name,
          });
      });
      names = record;
      columns = record.map((name) => sink.series({ name }));
      return;
    }
    if (record.length !== names.length)
      throw new DatasetError(`line ${line} has ${record.length} fields; the header has ${names.length}`, {
        line,
      });
    const row = rows;
    for (let k = 0; k < record.length; k++) {
      const text = record[k]!;
      const column = names[k]!;
      if (!NUMBER.test(text)) {
        const where = { line, column };
        if (text === '') throw new DatasetError(`line ${line}, column "${column}": empty cell`, where);
        if (NON_FINITE.test(text)) throw notFinite(text, where);
        throw new DatasetError(
          `line ${line}, column "${column}": ${JSON.stringify(text)} is not a number`,
          where,
        );
      }
      const value = Number(text);
      if (!Number.isFinite(value)) throw notFinite(text, { line, column });
      columns[k]!.add(value, row, row);
    }
    rows += 1;
  };
  // Records are read from the stream as they are, without csv-parse's per-record info objects (their
  // spread costs four times the parsing): lines are counted here, one per record plus the line breaks
  // inside its quoted fields, and a blank line is the record of one empty field.
  const parser = parse({ bom: true, trim: true, relax_column_count: true, max_record_size: MAX_RECORD });
  let line = 0;
  try {
    await pipeline(Readable.from(chunks), parser, async (records: AsyncIterable<string[]>) => {
      for await (const record of records) {
        line += 1 + lineBreaksIn(record);
        if (record.length === 1 && record[0] === '') continue;
        take(record, line);
      }
    });
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new DatasetError(
        `invalid CSV${line ? ` at line ${line}` : ''}: ${error.message}`,
        line ? { line } : {},
      );
    }
    throw error;
  }
  if (names === undefined) throw new DatasetError('empty file: no header row', { line: 1 });
  if (rows === 0)
    throw new DatasetError(`no data rows after the header (line ${headerLine})`, { line: headerLine });
  return sink.finish(rows);
}
