const BARS = '▁▂▃▄▅▆▇█';

/**
 * The series as one line of bar characters, `width` wide at most: each character is the mean of its
 * share of the steps, scaled between the series' min and max (a flat series is a flat line).
 */
export function sparkline(values: number[], width: number): string {
  if (values.length === 0) return '';
  const n = Math.min(width, values.length);
  const buckets = Array.from({ length: n }, (_, i) => {
    const from = Math.floor((i * values.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / n));
    const slice = values.slice(from, to);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
  const min = Math.min(...values);
  const max = Math.max(...values);
  const top = BARS.length - 1;
  return buckets
    .map((v) => BARS[max === min ? top >> 1 : Math.round(((v - min) / (max - min)) * top)])
    .join('');
}
