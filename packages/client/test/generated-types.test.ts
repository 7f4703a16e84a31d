import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generateOpenapiTypes } from '../scripts/openapi-types.js';

describe('the generated client types', () => {
  it("match the API's OpenAPI document (run `npm run client:generate` when this fails)", async () => {
    const checkedIn = await readFile(fileURLToPath(new URL(`../${GENERATED_FILE}`, import.meta.url)), 'utf8');
    const fresh = await generateOpenapiTypes();
    // toBe on the whole text: the failure shows the diff line by line.
    expect(checkedIn, 'src/generated/openapi.ts is stale: run `npm run client:generate`').toBe(fresh);
  });
});
