import { concatBytes } from './bytes.js';
import { DatasetError, type DatasetWhere } from './errors.js';

/** A dtype the service reads: its NumPy name, size in bytes and how to read one element. */
interface Dtype {
  name: string;
  size: number;
  integer: boolean;
  read(view: DataView, offset: number, littleEndian: boolean): number;
}

const DTYPES: Record<string, Dtype> = {
  f4: { name: 'float32', size: 4, integer: false, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { name: 'float64', size: 8, integer: false, read: (v, o, le) => v.getFloat64(o, le) },
  i1: { name: 'int8', size: 1, integer: true, read: (v, o) => v.getInt8(o) },
  i2: { name: 'int16', size: 2, integer: true, read: (v, o, le) => v.getInt16(o, le) },
  i4: { name: 'int32', size: 4, integer: true, read: (v, o, le) => v.getInt32(o, le) },
  i8: { name: 'int64', size: 8, integer: true, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u1: { name: 'uint8', size: 1, integer: true, read: (v, o) => v.getUint8(o) },
  u2: { name: 'uint16', size: 2, integer: true, read: (v, o, le) => v.getUint16(o, le) },
  u4: { name: 'uint32', size: 4, integer: true, read: (v, o, le) => v.getUint32(o, le) },
  u8: { name: 'uint64', size: 8, integer: true, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  b1: { name: 'bool', size: 1, integer: true, read: (v, o) => v.getUint8(o) },
};

const KINDS: Record<string, string> = {
  O: 'Python objects',
  c: 'complex numbers',
  U: 'unicode strings',
  S: 'byte strings',
  a: 'byte strings',
  V: 'raw or structured records',
  M: 'datetimes',
  m: 'timedeltas',
  f: 'floats of this size',
};

const SUPPORTED = 'float32/float64, int8..int64, uint8..uint64, bool';

/** What an NPY header says. */
export interface NpyHeader {
  /** As written, e.g. '<f8'. */
  descr: string;
  dtype: string;
  integer: boolean;
  itemSize: number;
  littleEndian: boolean;
  fortran: boolean;
  shape: number[];
  /** Elements: the product of the shape. */
  count: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_HEADER = 1024 * 1024;
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
export const shapeText = (shape: readonly number[]) =>
  `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

/** Reads the Python dict literal of an NPY header (`{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`). */
export function parseNpyHeader(text: string, where: DatasetWhere = {}): NpyHeader {
  const bad = (why: string) =>
    new DatasetError(`bad NPY header: ${why}; got ${JSON.stringify(text.trim())}`, where);
  const dict = text.trim();
  if (!dict.startsWith('{') || !dict.endsWith('}')) throw bad('expected a Python dict literal');
  if (/['"]descr['"]\s*:\s*\[/.test(dict))
    throw new DatasetError(
      `unsupported dtype: a structured array (record fields); supported: ${SUPPORTED}`,
      where,
    );
  const descr = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(dict)?.[2];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(dict)?.[1];
  const shapeText_ = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined) throw bad("no 'descr'");
  if (fortran === undefined) throw bad("no 'fortran_order' (True or False)");
  if (shapeText_ === undefined) throw bad("no 'shape' tuple");
  const parts = shapeText_
    .split(',')
    .map((p) => p.trim().replace(/L$/, ''))
    .filter((p) => p !== '');
  if (parts.some((p) => !/^\d+$/.test(p))) throw bad(`shape (${shapeText_}) is not a tuple of sizes`);
  const shape = parts.map(Number);
  const order = descr[0] ?? '';
  const code = /^[<>|=]/.test(order) ? descr.slice(1) : descr;
  const dtype = DTYPES[code];
  if (!dtype) {
    const kind = KINDS[code[0] ?? ''];
    throw new DatasetError(
      `unsupported dtype '${descr}'${kind ? ` (${kind})` : ''}: supported are ${SUPPORTED}`,
      where,
    );
  }
  return {
    descr,
    dtype: dtype.name,
    integer: dtype.integer,
    itemSize: dtype.size,
    littleEndian: order !== '>',
    fortran: fortran === 'True',
    shape,
    count: shape.reduce((a, b) => a * b, 1),
  };
}

/** Called for every element in file order: its position and value. */
export type ElementSink = (index: number, value: number) => void;

/**
 * Reads one NPY file pushed in chunks of any size: the header (versions 1.0, 2.0, 3.0) is handed to
 * `onHeader`, which answers with where the elements go; then every element is read as it arrives, never
 * holding more than one element's bytes between chunks. `end()` checks that the data was all there.
 */
export class NpyReader {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  /** Prelude plus header, once the prelude is read. */
  private needed: number | undefined;
  private header: NpyHeader | undefined;
  private dtype: Dtype | undefined;
  private sink: ElementSink | undefined;
  private index = 0;
  private partial: Uint8Array = new Uint8Array(8);
  private partialBytes = 0;
  /** Data bytes taken so far. */
  private dataBytes = 0;
  /** Bytes past the data (an error at end()). */
  private extraBytes = 0;

  constructor(
    private readonly where: DatasetWhere,
    private readonly onHeader: (header: NpyHeader) => ElementSink,
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.header === undefined) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      const rest = this.readHeader();
      if (rest !== undefined && rest.length > 0) this.pushData(rest);
      return;
    }
    this.pushData(chunk);
  }

  end(): NpyHeader {
    if (this.header === undefined) {
      const got = concatBytes(this.head, this.headBytes);
      if (got.length < 10 || this.checkMagic(got, true) === undefined)
        throw new DatasetError(
          `not a complete NPY file: ${got.length} bytes, shorter than its header (the magic, version and header length take 10 or 12 bytes)`,
          this.where,
        );
      throw new DatasetError(
        `truncated NPY file: the header is cut off after ${got.length} bytes (its prelude announces ${this.checkMagic(got)} bytes)`,
        this.where,
      );
    }
    const expected = this.header.count * this.header.itemSize;
    if (this.dataBytes < expected)
      throw new DatasetError(
        `truncated NPY data: shape ${shapeText(this.header.shape)} of '${this.header.descr}' needs ${expected} data bytes, got ${this.dataBytes}`,
        this.where,
      );
    if (this.extraBytes > 0)
      throw new DatasetError(
        `bad NPY file: ${this.extraBytes} bytes after the data of shape ${shapeText(this.header.shape)} of '${this.header.descr}' (${expected} bytes)`,
        this.where,
      );
    return this.header;
  }

  /** The header length the prelude announces plus the prelude, once the magic and version are read. */
  private checkMagic(bytes: Uint8Array, final = false): number | undefined {
    if (bytes.length < 6 && !final) return undefined;
    const magic = bytes.subarray(0, 6);
    if (MAGIC.some((b, k) => k < magic.length && magic[k] !== b))
      throw new DatasetError(
        `not an NPY file: expected the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY), got ${hex(magic)}`,
        this.where,
      );
    if (bytes.length < 8) return undefined;
    const major = bytes[6]!;
    const minor = bytes[7]!;
    if (![1, 2, 3].includes(major) || minor !== 0)
      throw new DatasetError(
        `unsupported NPY version ${major}.${minor}: 1.0, 2.0 and 3.0 are read`,
        this.where,
      );
    const prelude = major === 1 ? 10 : 12;
    if (bytes.length < prelude) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    if (length > MAX_HEADER)
      throw new DatasetError(
        `bad NPY header: ${length} bytes long, more than the ${MAX_HEADER} read`,
        this.where,
      );
    return prelude + length;
  }

  /** The header once all of it is here (then the bytes after it), else undefined. */
  private readHeader(): Uint8Array | undefined {
    if (this.needed !== undefined && this.headBytes < this.needed) return undefined;
    const peek = this.head.length === 1 ? this.head[0]! : concatBytes(this.head, this.headBytes);
    this.head = [peek];
    const total = this.checkMagic(peek);
    this.needed = total;
    if (total === undefined || peek.length < total) return undefined;
    const prelude = peek[6] === 1 ? 10 : 12;
    const text = new TextDecoder(peek[6] === 3 ? 'utf-8' : 'latin1').decode(peek.subarray(prelude, total));
    const header = parseNpyHeader(text, this.where);
    this.header = header;
    this.dtype = DTYPES[header.descr.replace(/^[<>|=]/, '')]!;
    this.sink = this.onHeader(header);
    this.head = [];
    return peek.subarray(total);
  }

  private pushData(data: Uint8Array): void {
    let chunk = data;
    const header = this.header!;
    const dtype = this.dtype!;
    const size = dtype.size;
    const le = header.littleEndian;
    const sink = this.sink!;
    const expected = header.count * size;
    if (this.dataBytes + chunk.length > expected) {
      // counted to the end, so that end() says how many
      this.extraBytes += this.dataBytes + chunk.length - expected;
      chunk = chunk.subarray(0, expected - this.dataBytes);
    }
    this.dataBytes += chunk.length;
    let offset = 0;
    if (this.partialBytes > 0) {
      const take = Math.min(size - this.partialBytes, chunk.length);
      this.partial.set(chunk.subarray(0, take), this.partialBytes);
      this.partialBytes += take;
      offset = take;
      if (this.partialBytes < size) return;
      sink(this.index, dtype.read(new DataView(this.partial.buffer), 0, le));
      this.index += 1;
      this.partialBytes = 0;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let index = this.index;
    for (; offset + size <= chunk.length; offset += size) {
      sink(index, dtype.read(view, offset, le));
      index += 1;
    }
    this.index = index;
    if (offset < chunk.length) {
      this.partial.set(chunk.subarray(offset), 0);
      this.partialBytes = chunk.length - offset;
    }
  }
}
