import { crc32 } from 'node:zlib';
import { Unzip, UnzipInflate } from 'fflate';
import { tooLarge } from './bytes.js';
import { DatasetError, notFinite } from './errors.js';
import { NpyReader, shapeText } from './npy.js';
import type { DatasetSink } from './sink.js';
import { readCentralDirectory, TailBuffer } from './zip-directory.js';

/** A member that inflates more than this many times its compressed size is refused (once past MIN_BOMB). */
export const MAX_INFLATION_RATIO = 1000;
const MIN_BOMB = 1024 * 1024;
/** Input is handed to the inflater in pieces this large, which bounds what one step inflates (~1000x). */
const PIECE = 16 * 1024;
/** The central directory must lie within the archive's last bytes kept (about 10,000 members). */
const TAIL = 1024 * 1024;

const endsEarly = (member: Member) =>
  new DatasetError(`truncated zip: member "${member.array}.npy" ends early`, { array: member.array });

interface Member {
  array: string;
  reader: NpyReader;
  inflated: number;
  crc: number;
  done: boolean;
}

/**
 * An .npz upload: a zip of `<name>.npy` members (numpy.savez stores them, savez_compressed deflates
 * them; zip64 extra fields read), streamed through fflate's Unzip, each member read as NPY into the array
 * `<name>` as it inflates. Every array shares the first axis (the examples). Guards: all members together
 * inflate to at most `maxBytes`, and no member inflates more than MAX_INFLATION_RATIO times (413). The
 * central directory at the end is checked against what was read (names, CRC-32, sizes).
 */
export async function parseNpz<R>(
  chunks: AsyncIterable<Uint8Array>,
  sink: DatasetSink<R>,
  maxBytes: number,
): Promise<R> {
  const members = new Map<string, Member>();
  let rows: number | undefined;
  let firstArray = '';
  let pushed = 0;
  let inflatedTotal = 0;
  let failure: unknown;
  const tail = new TailBuffer(TAIL);

  const unzip = new Unzip((file) => {
    const name = file.name;
    if (name.endsWith('/')) {
      file.ondata = () => {};
      file.start();
      return;
    }
    const array = name.replace(/\.npy$/, '');
    const where = { array };
    try {
      if (!name.endsWith('.npy'))
        throw new DatasetError(`the .npz holds "${name}", which is not an .npy member`, where);
      if (members.has(array)) throw new DatasetError(`the .npz holds "${name}" twice`, where);
    } catch (error) {
      failure ??= error;
      file.ondata = () => {};
      return;
    }
    const startedAt = pushed;
    const reader = new NpyReader(where, (header) => {
      const { shape } = header;
      if (shape.length === 0)
        throw new DatasetError(
          `array "${array}" is 0-dimensional: its first axis must be the examples`,
          where,
        );
      const length = shape[0]!;
      if (rows === undefined) {
        rows = length;
        firstArray = array;
      } else if (length !== rows)
        throw new DatasetError(
          `array "${array}" has shape ${shapeText(shape)}, ${length} rows, but "${firstArray}" has ${rows}: the arrays must share their first axis (the examples)`,
          where,
        );
      if (length === 0)
        throw new DatasetError(`array "${array}" has no rows: shape ${shapeText(shape)}`, where);
      const series = sink.series({
        name: array,
        type: header.integer ? 'integer' : 'float',
        length: header.count,
        array: { dtype: header.dtype, shape, fortran: header.fortran },
      });
      const rowSize = header.count / length;
      const rowOf = header.fortran ? (i: number) => i % length : (i: number) => Math.floor(i / rowSize);
      return (index, value) => {
        const row = rowOf(index);
        if (!header.integer && !Number.isFinite(value)) throw notFinite(value, { array, row });
        series.add(value, row, index);
      };
    });
    const member: Member = { array, reader, inflated: 0, crc: 0, done: false };
    members.set(array, member);
    file.ondata = (error, data, final) => {
      if (failure !== undefined) return;
      try {
        if (error) throw new DatasetError(`corrupt zip: member "${name}": ${error.message}`, where);
        member.inflated += data.length;
        inflatedTotal += data.length;
        if (inflatedTotal > maxBytes) throw tooLarge('the arrays inflated from the .npz', maxBytes, where);
        const compressed = Math.max(1, file.size ?? pushed - startedAt);
        if (
          file.compression !== 0 &&
          member.inflated > MIN_BOMB &&
          member.inflated > MAX_INFLATION_RATIO * compressed
        )
          throw new DatasetError(
            `array "${array}" inflates more than ${MAX_INFLATION_RATIO} times its compressed size (${compressed} bytes): refused as a zip bomb`,
            where,
            413,
          );
        member.crc = crc32(data, member.crc);
        reader.push(data);
        if (final) {
          reader.end();
          member.done = true;
        }
      } catch (caught) {
        failure ??= caught;
        file.terminate();
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);

  const push = (piece: Uint8Array, final: boolean) => {
    try {
      unzip.push(piece, final);
    } catch (error) {
      const cut = [...members.values()].find((member) => !member.done);
      failure ??=
        final && cut ? endsEarly(cut) : new DatasetError(`corrupt zip: ${(error as Error).message}`);
    }
    if (failure !== undefined) throw failure;
  };
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += PIECE) {
      const piece = chunk.subarray(at, at + PIECE);
      pushed += piece.length;
      tail.push(piece);
      push(piece, false);
    }
  }
  push(new Uint8Array(0), true);

  if (members.size === 0)
    throw new DatasetError(
      'not an NPZ file: no zip member found (an .npz is a zip of .npy files, as numpy.savez writes it)',
    );
  for (const member of members.values()) if (!member.done) throw endsEarly(member);
  const listed = readCentralDirectory(tail.bytesKept()).filter((entry) => !entry.name.endsWith('/'));
  if (listed.length !== members.size)
    throw new DatasetError(
      `corrupt zip: the central directory lists ${listed.length} members, ${members.size} were read`,
    );
  for (const entry of listed) {
    const array = entry.name.replace(/\.npy$/, '');
    const member = members.get(array);
    if (!member) throw new DatasetError(`corrupt zip: "${entry.name}" is listed but was not read`, { array });
    if (member.crc >>> 0 !== entry.crc >>> 0 || member.inflated !== entry.size)
      throw new DatasetError(`corrupt zip: member "${entry.name}" fails its CRC-32 or size check`, { array });
  }
  return sink.finish(rows ?? 0);
}
