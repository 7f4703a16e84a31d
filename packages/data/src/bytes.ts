import { DatasetError } from './errors.js';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 3 : 1)} MiB`;

/** The 413 for more than `maxBytes` of `what`. */
export const tooLarge = (what: string, maxBytes: number, where = {}) =>
  new DatasetError(`${what} exceeds the limit of ${maxBytes} bytes (${mib(maxBytes)})`, where, 413);

/** Passes `chunks` on, throwing a 413 DatasetError as soon as they add up to more than `maxBytes`. */
export async function* limitBytes(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge('the file', maxBytes);
    yield chunk;
  }
}

/** One array of `parts`, in order. */
export function concatBytes(parts: readonly Uint8Array[], length = parts.reduce((n, p) => n + p.length, 0)) {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** `bytes` as one chunk of an async iterable. */
export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
