import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DatasetError } from '../src/index.js';

export const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', name)));

/** `bytes` in chunks of `size` (the last one shorter), as a stream would hand them over. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

/** Every chunk size the streaming tests feed: one byte, an odd prime, and the whole file. */
export const CHUNK_SIZES = [1, 7, Number.MAX_SAFE_INTEGER] as const;

export const text = (s: string) => new TextEncoder().encode(s);

/**
 * The DatasetError `read(chunkSize)` throws at every chunk size of CHUNK_SIZES: the same message at
 * each, so that no chunk boundary changes what a file is told.
 */
export async function refusedAtEveryChunking(
  read: (size: number) => Promise<unknown>,
): Promise<DatasetError> {
  const errors = await Promise.all(
    CHUNK_SIZES.map((size) =>
      read(size).then(
        () => expect.fail(`accepted in chunks of ${size}`),
        (e: unknown) => e,
      ),
    ),
  );
  for (const error of errors) expect(error).toBeInstanceOf(DatasetError);
  expect(new Set(errors.map((e) => (e as Error).message)).size).toBe(1);
  return errors[0] as DatasetError;
}
