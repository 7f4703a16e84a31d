import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type DatasetFormat, type LoadedDataset, readDataset } from '@hypersweep/data';

/** A stored dataset as a worker needs it: where to fetch it, and what its bytes hash to. */
export interface DatasetRef {
  id: string;
  /** Hex sha256 of the file: the cache's key, checked after every download. */
  sha256: string;
}

export interface DatasetFilesOptions {
  /** The cache folder (DATASET_CACHE_DIR), shared by every worker process of the machine. */
  dir: string;
  /** Bytes the cache keeps (DATASET_CACHE_MAX_BYTES): past it, the least recently used files go. */
  maxBytes: number;
  /** The dataset's bytes, in order (the worker passes the dataset store's readChunks). */
  fetch: (ref: DatasetRef) => AsyncIterable<Uint8Array>;
}

export interface DatasetFiles {
  /** The local file holding the dataset's bytes, downloaded if this machine does not have it yet. */
  path(ref: DatasetRef): Promise<string>;
  /** The dataset read into memory (packages/data readDataset) from its local file. */
  load(ref: DatasetRef & { format: DatasetFormat }): Promise<LoadedDataset>;
  /** Waits for the downloads under way. */
  close(): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The datasets of trials on this machine, one file per sha256 under `dir`. A dataset is downloaded once
 * per machine: into a temporary file, its sha256 checked, then renamed into place (atomic: another process
 * sees the whole file or none); requests for one sha256 in this process share one download; a file another
 * process put there is used as is. Each use touches the file's mtime; after a download the least recently
 * used files are removed until the cache holds at most `maxBytes` (never the file just fetched).
 */
export function createDatasetFiles(options: DatasetFilesOptions): DatasetFiles {
  const { dir, maxBytes, fetch } = options;
  const downloads = new Map<string, Promise<string>>();
  let lastStamp = 0;

  /** Marks a file used now; stamps strictly increase within the process so that order is kept. */
  async function touch(file: string) {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    const when = new Date(lastStamp);
    await utimes(file, when, when);
  }

  async function download(ref: DatasetRef, file: string) {
    const temporary = join(dir, `.${ref.sha256}.${randomUUID()}.part`);
    const hash = createHash('sha256');
    try {
      await pipeline(
        Readable.from(
          (async function* () {
            for await (const chunk of fetch(ref)) {
              hash.update(chunk);
              yield chunk;
            }
          })(),
        ),
        createWriteStream(temporary, { flags: 'wx' }),
      );
      const got = hash.digest('hex');
      if (got !== ref.sha256)
        throw new Error(
          `dataset ${ref.id}: the downloaded bytes hash to sha256 ${got}, expected ${ref.sha256}`,
        );
      await rename(temporary, file);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error;
    }
  }

  /** Removes least recently used files until the cache fits in maxBytes, keeping `keep`. */
  async function evict(keep: string) {
    const names = (await readdir(dir)).filter((name) => SHA256.test(name));
    const files = (
      await Promise.all(
        names.map(async (name) => {
          const info = await stat(join(dir, name)).catch(() => undefined);
          return info ? { name, bytes: info.size, used: info.mtimeMs } : undefined;
        }),
      )
    ).filter((file) => file !== undefined);
    let total = files.reduce((sum, file) => sum + file.bytes, 0);
    files.sort((a, b) => a.used - b.used);
    for (const file of files) {
      if (total <= maxBytes) break;
      if (file.name === keep || downloads.has(file.name)) continue;
      await unlink(join(dir, file.name)).catch(() => {});
      total -= file.bytes;
    }
  }

  async function obtain(ref: DatasetRef): Promise<string> {
    const file = join(dir, ref.sha256);
    await mkdir(dir, { recursive: true });
    try {
      await touch(file);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await download(ref, file);
    await touch(file);
    await evict(ref.sha256);
    return file;
  }

  return {
    path(ref) {
      if (!SHA256.test(ref.sha256))
        return Promise.reject(new Error(`dataset ${ref.id}: "${ref.sha256}" is not a hex sha256`));
      let pending = downloads.get(ref.sha256);
      if (!pending) {
        pending = obtain(ref).finally(() => downloads.delete(ref.sha256));
        downloads.set(ref.sha256, pending);
      }
      return pending;
    },

    async load(ref) {
      const bytes = await readFile(await this.path(ref));
      return readDataset(ref.format, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },

    async close() {
      await Promise.allSettled([...downloads.values()]);
    },
  };
}
