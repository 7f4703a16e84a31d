import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where docker/ and deploy/ live. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface DockerStage {
  name: string;
  from: string;
  lines: string[];
}

/** The stages of a Dockerfile (a path under the repository root) with their instructions, continuation lines joined. */
export function dockerfile(path: string): DockerStage[] {
  const text = readFileSync(join(repoRoot, path), 'utf8').replace(/\\\n/g, ' ');
  const stages: DockerStage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1]!, name: from[2] ?? String(stages.length), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}
