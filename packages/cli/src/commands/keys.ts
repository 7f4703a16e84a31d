import { unwrap } from '@hypersweep/client';
import { type Command, Option } from 'commander';
import { clientFor } from '../api.js';
import { formatAge, formatTable, printJson } from '../format.js';

const ROLES = ['read', 'write', 'admin'] as const;

/** `keys create`, `keys ls`, `keys revoke` and `audit`: projects' API keys and the log of every change. */
export function registerKeyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      "Create, list and revoke API keys of projects (admin keys: their project's; global admins: all)",
    );

  keys
    .command('create')
    .description('Create a key (a project is created by its first key); the key is printed once')
    .option(
      '--project <project>',
      "the key's project (default: the admin key's own, `default` for a global admin)",
    )
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .option('--json', 'print JSON')
    .action(
      async (
        options: { project?: string; role: (typeof ROLES)[number]; json?: boolean },
        command: Command,
      ) => {
        const body = { role: options.role, ...(options.project ? { project: options.project } : {}) };
        const created = await unwrap(clientFor(command).POST('/v1/keys', { body }));
        if (options.json) return printJson(created);
        console.log(created.key);
        console.error(
          `${created.role} key ${created.id} of project ${created.project ?? '(all projects)'}: shown this once, store it now`,
        );
      },
    );

  keys
    .command('ls')
    .description('List keys: prefix, project, role, created, last used, revoked')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { items } = await unwrap(clientFor(command).GET('/v1/keys'));
      if (options.json) return printJson(items);
      if (items.length === 0) return console.log('No keys.');
      const now = Date.now();
      console.log(
        formatTable(
          ['id', 'prefix', 'project', 'role', 'created', 'last used', 'revoked'],
          items.map((k) => [
            k.id,
            k.prefix,
            k.project ?? '(global)',
            k.role,
            formatAge(k.createdAt, now),
            formatAge(k.lastUsedAt, now),
            k.revokedAt ? formatAge(k.revokedAt, now) : '-',
          ]),
        ),
      );
    });

  keys
    .command('revoke')
    .description('Revoke a key: it stops working at once')
    .argument('<id>', 'the key id (the 8 characters after hs_, as `keys ls` shows)')
    .action(async (id: string, _options: unknown, command: Command) => {
      await unwrap(clientFor(command).DELETE('/v1/keys/{id}', { params: { path: { id } } }));
      console.log(`revoked key ${id}`);
    });

  for (const sub of keys.commands) sub.exitOverride();

  program
    .command('audit')
    .description('The audit log: every change (who, project, what, target, when), newest first (admin keys)')
    .option('-n, --limit <n>', 'entries to show', (value) => Number.parseInt(value, 10), 50)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }, command: Command) => {
      const { items } = await unwrap(
        clientFor(command).GET('/v1/audit', { params: { query: { limit: options.limit } } }),
      );
      if (options.json) return printJson(items);
      if (items.length === 0) return console.log('No changes recorded.');
      console.log(
        formatTable(
          ['when', 'key', 'project', 'action', 'target', 'status', 'request id'],
          items.map((e) => [
            e.at,
            e.keyId ?? '-',
            e.project,
            e.action,
            e.target ?? '-',
            String(e.status),
            e.requestId,
          ]),
        ),
      );
    });
}
