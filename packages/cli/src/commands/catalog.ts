import { unwrap } from '@hypersweep/client';
import type { Command } from 'commander';
import { clientFor } from '../api.js';
import { CliError } from '../errors.js';
import { formatTable, formatValue, printJson } from '../format.js';

interface Entry {
  description?: string;
  reference?: string;
  options?: Record<string, { default?: unknown; description?: string; type?: string }>;
  required?: string[];
  /** A layer's arguments filled from the shape flowing in when left out. */
  inferred?: string[];
  paramGroups?: string[];
}

/** `catalog [NAME]`: every optimizer, scheduler, workload, torch.nn layer and loss, or one with its options. */
export function registerCatalogCommand(program: Command): void {
  program
    .command('catalog')
    .description(
      'List optimizers, schedulers, workloads and the torch.nn layers and losses of a model, or show one with its options and defaults',
    )
    .argument(
      '[name]',
      'an optimizer (Adam), scheduler (OneCycleLR), workload (mnist-mlp), layer (Conv2d) or loss',
    )
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, options: { json?: boolean }, command: Command) => {
      const catalog = await unwrap(clientFor(command).GET('/v1/catalog'));
      const sections = {
        optimizer: catalog.optimizers as Record<string, Entry>,
        scheduler: catalog.schedulers as Record<string, Entry>,
        workload: catalog.workloads as Record<string, Entry>,
        layer: catalog.layers as Record<string, Entry>,
        loss: catalog.losses as Record<string, Entry>,
      };
      if (name === undefined) {
        if (options.json) return printJson(catalog);
        const parts = Object.entries(sections).map(
          ([kind, entries]) =>
            `${kind.toUpperCase()}S\n${Object.entries(entries)
              .map(([n, e]) => `  ${n.padEnd(28)}${e.description ?? ''}`)
              .join('\n')}`,
        );
        return console.log(`${parts.join('\n\n')}\n\nhypersweep catalog NAME shows one with its options.`);
      }
      // torch's names are case sensitive, but `adamw` should still find AdamW
      const found = Object.entries(sections).flatMap(([kind, entries]) =>
        Object.entries(entries)
          .filter(([n]) => n === name || n.toLowerCase() === name.toLowerCase())
          .map(([n, entry]) => ({ kind, name: n, entry })),
      );
      const match = found.find((f) => f.name === name) ?? found[0];
      if (!match) {
        throw new CliError(
          `no optimizer, scheduler, workload, layer or loss is named "${name}" (see hypersweep catalog)`,
        );
      }
      if (options.json) return printJson(match.entry);
      const { entry } = match;
      const required = new Set(entry.required ?? []);
      const inferred = new Set(entry.inferred ?? []);
      const lines = [`${match.name} (${match.kind})`, entry.description ?? ''];
      if (entry.reference) lines.push(entry.reference);
      if (entry.paramGroups) lines.push(`parameter groups: ${entry.paramGroups.join(', ')}`);
      const rows = Object.entries(entry.options ?? {}).map(([option, schema]) => [
        option,
        required.has(option)
          ? '(required)'
          : inferred.has(option)
            ? '(inferred)'
            : formatValue(schema.default),
        schema.description ?? '',
      ]);
      if (rows.length) lines.push('', formatTable(['option', 'default', 'description'], rows));
      console.log(lines.join('\n'));
    });
}
