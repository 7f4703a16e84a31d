import { concatBytes } from './bytes.js';
import { DatasetError } from './errors.js';

/** A member as the central directory lists it. */
export interface ZipEntry {
  name: string;
  crc: number;
  size: number;
}

/** The last `limit` bytes of a stream, for the central directory at the end of a zip. */
export class TailBuffer {
  private parts: Uint8Array[] = [];
  private bytes = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.bytes += chunk.length;
    while (this.parts.length > 1 && this.bytes - this.parts[0]!.length >= this.limit)
      this.bytes -= this.parts.shift()!.length;
  }

  bytesKept(): Uint8Array {
    const all = concatBytes(this.parts, this.bytes);
    return all.subarray(Math.max(0, all.length - this.limit));
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const corrupt = (why: string) => new DatasetError(`corrupt or truncated zip: ${why}`);

/**
 * The central directory's entries, read from the end of the archive (`tail`, its last bytes): the end of
 * central directory record (zip64 too), then each entry with its CRC-32 and uncompressed size.
 */
export function readCentralDirectory(tail: Uint8Array): ZipEntry[] {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end of central directory record at the end of the file');
  let count = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let end = eocd;
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const record = eocd - 20 - 56;
    if (record < 0 || view.getUint32(record, true) !== ZIP64_EOCD)
      throw corrupt('bad zip64 end of central directory');
    count = Number(view.getBigUint64(record + 32, true));
    size = Number(view.getBigUint64(record + 40, true));
    end = record;
  }
  const start = end - size;
  if (start < 0) throw corrupt(`the central directory (${size} bytes) is not where its end record says`);
  const entries: ZipEntry[] = [];
  let at = start;
  for (let k = 0; k < count; k++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL)
      throw corrupt(`central directory entry ${k + 1} is damaged`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let entrySize = view.getUint32(at + 24, true);
    const name = new TextDecoder().decode(tail.subarray(at + 46, at + 46 + nameLength));
    if (entrySize === 0xffffffff) {
      // zip64 extra field (id 1): the uncompressed size comes first
      for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
        const id = view.getUint16(e, true);
        if (id === 1) {
          entrySize = Number(view.getBigUint64(e + 4, true));
          break;
        }
        e += 4 + view.getUint16(e + 2, true);
      }
    }
    entries.push({ name, crc: view.getUint32(at + 16, true), size: entrySize });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
