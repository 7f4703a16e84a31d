import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  type Dataset,
  type DatasetFormat,
  deleteDataset,
  listDatasets,
  uploadDataset,
} from '@hypersweep/client';
import { datasetFormats, formatFromFileName } from '@hypersweep/data';
import { type Command, Option } from 'commander';
import { clientFor } from '../api.js';
import { CliError, EXIT } from '../errors.js';
import { formatAge, formatBytes, formatTable, printJson } from '../format.js';

/** `rows x columns` or the arrays with their shapes. */
const shapeOf = (dataset: Dataset) =>
  dataset.arrays
    ? dataset.arrays.map((a) => `${a.name} ${a.dtype} (${a.shape.join(', ')})`).join(', ')
    : `${dataset.rows} rows x ${dataset.columns?.length ?? 0} columns`;

/** The file's name without its extension, as a dataset name may be spelt (letters, digits, . _ -). */
export const defaultName = (file: string) =>
  basename(file, extname(file))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|-+$/g, '') || 'dataset';

/** `datasets upload`, `datasets ls`, `datasets rm`: the datasets sweeps of your own model train on. */
export function registerDatasetCommands(program: Command): void {
  const datasets = program
    .command('datasets')
    .description('Upload, list and delete datasets (CSV, NPY, NPZ, Parquet) for sweeps of your own model');

  datasets
    .command('upload')
    .description('Upload a file (streamed); the API validates it and describes its columns or arrays')
    .argument('<file>', 'a .csv, .npy, .npz or .parquet file')
    .option(
      '--name <name>',
      "the dataset's name (default: the file's name without its extension, spaces as -)",
    )
    .addOption(
      new Option('--format <format>', 'the format (default: from the extension)').choices(datasetFormats),
    )
    .option('--json', 'print JSON')
    .action(
      async (file: string, options: { name?: string; format?: DatasetFormat; json?: boolean }, command) => {
        const format = options.format ?? formatFromFileName(file);
        if (!format)
          throw new CliError(
            `cannot tell the format of ${file} from its extension: pass --format ${datasetFormats.join('|')}`,
            EXIT.badInput,
          );
        const size = await stat(file).catch((error: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read ${file}: ${error.code ?? error.message}`, EXIT.badInput);
        });
        if (!size.isFile()) throw new CliError(`${file} is not a file`, EXIT.badInput);
        const name = options.name ?? defaultName(file);
        const { dataset, created } = await uploadDataset(clientFor(command), createReadStream(file), {
          name,
          format,
        });
        if (options.json) return printJson({ ...dataset, created });
        console.log(
          created
            ? `uploaded ${dataset.name} (${dataset.id}): ${dataset.format}, ${shapeOf(dataset)}, ${formatBytes(dataset.bytes)}`
            : `already uploaded as ${dataset.name} (${dataset.id}): the same bytes; nothing new stored`,
        );
      },
    );

  datasets
    .command('ls')
    .description('List datasets, newest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const items = await listDatasets(clientFor(command));
      if (options.json) return printJson(items);
      if (items.length === 0) return console.log('No datasets.');
      const now = Date.now();
      console.log(
        formatTable(
          ['name', 'id', 'format', 'rows', 'bytes', 'created'],
          items.map((d) => [
            d.name,
            d.builtin ? d.id : d.id.slice(0, 8),
            d.format,
            String(d.rows),
            formatBytes(d.bytes),
            d.builtin ? 'built in' : formatAge(d.createdAt, now),
          ]),
        ),
      );
    });

  datasets
    .command('rm')
    .description('Delete a dataset (refused while a queued or running sweep uses it)')
    .argument('<id>', 'dataset id or name')
    .action(async (id: string, _options: unknown, command: Command) => {
      await deleteDataset(clientFor(command), id);
      console.log(`deleted dataset ${id}`);
    });

  for (const sub of datasets.commands) sub.exitOverride();
}
