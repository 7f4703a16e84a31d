import { DatasetError, notFinite } from './errors.js';
import { NpyReader, shapeText } from './npy.js';
import type { DatasetSink } from './sink.js';

/** A .npy upload: a 1-D array is one column "0", a 2-D array a table of columns "0", "1", ... */
export async function parseNpy<R>(chunks: AsyncIterable<Uint8Array>, sink: DatasetSink<R>): Promise<R> {
  let rows = 0;
  const reader = new NpyReader({}, (header) => {
    const { shape } = header;
    if (shape.length < 1 || shape.length > 2)
      throw new DatasetError(
        `a .npy upload is a table, a 1-D or 2-D array; got shape ${shapeText(shape)}. Upload arrays of other shapes (images with their labels) together as an .npz`,
      );
    rows = shape[0]!;
    const width = shape[1] ?? 1;
    if (rows === 0) throw new DatasetError(`no rows: the array's shape is ${shapeText(shape)}`);
    if (width === 0) throw new DatasetError(`no columns: the array's shape is ${shapeText(shape)}`);
    const type = header.integer ? 'integer' : 'float';
    const columns = Array.from({ length: width }, (_, c) =>
      sink.series({ name: String(c), type, length: rows }),
    );
    const at = header.fortran
      ? (index: number) => [index % rows, Math.floor(index / rows)] as const
      : (index: number) => [Math.floor(index / width), index % width] as const;
    return (index, value) => {
      const [row, column] = at(index);
      if (!header.integer && !Number.isFinite(value)) throw notFinite(value, { column: String(column), row });
      columns[column]!.add(value, row, row);
    };
  });
  for await (const chunk of chunks) reader.push(chunk);
  reader.end();
  return sink.finish(rows);
}
