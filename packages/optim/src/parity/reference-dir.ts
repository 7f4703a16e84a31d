import { fileURLToPath } from 'node:url';

/**
 * The PyTorch reference trajectories recorded in the repository (`test/reference`, format and
 * recording script there). Resolved from this module, so it holds for `src/parity` (tests) and
 * `dist/parity` (the CLI) alike.
 */
export const REPOSITORY_REFERENCE_DIR = fileURLToPath(new URL('../../test/reference', import.meta.url));

/** Where the parity suite reads reference files: `GOLDENS_DIR` when set, else the repository's own. */
export function referenceDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['GOLDENS_DIR'];
  return override !== undefined && override !== '' ? override : REPOSITORY_REFERENCE_DIR;
}
