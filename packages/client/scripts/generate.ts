import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILE, generateOpenapiTypes } from './openapi-types.js';

// `npm run client:generate` (root) or `npm run generate -w @hypersweep/client`: rewrite the checked-in types.
const target = fileURLToPath(new URL(`../${GENERATED_FILE}`, import.meta.url));
await writeFile(target, await generateOpenapiTypes());
console.log(`wrote ${target}`);
