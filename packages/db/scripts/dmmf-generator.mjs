#!/usr/bin/env node
// A Prisma generator that writes Prisma's own reading of schema.prisma (the DMMF datamodel) as JSON.
// The schema-drift test compares it with a database built by the SQL migrations, so the migrations cannot
// drift from schema.prisma. It speaks the generator JSON-RPC protocol of @prisma/generator-helper:
// requests arrive as JSON lines on stdin, responses go to stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

const respond = (message) => process.stderr.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
  const request = JSON.parse(line);
  try {
    if (request.method === 'getManifest') {
      respond({
        id: request.id,
        result: { manifest: { prettyName: 'DMMF JSON', defaultOutput: 'dmmf.json' } },
      });
    } else if (request.method === 'generate') {
      const out = request.params.generator.output.value;
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify(request.params.dmmf.datamodel, null, 2));
      respond({ id: request.id, result: null });
    }
  } catch (error) {
    respond({ id: request.id, error: { code: -32000, message: String(error?.stack ?? error), data: null } });
  }
});
