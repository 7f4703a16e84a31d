#!/usr/bin/env node
// Launcher linked as `hypersweep` into node_modules/.bin by npm workspaces. `npm ci` does not build the
// workspace, so the compiled CLI may be missing: say how to build it instead of printing a stack trace.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/[/]$/, '');
  console.error(
    `hypersweep: the CLI is not built yet (${main} is missing); run \`npm run build\` in ${root}`,
  );
  process.exit(1);
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv);
