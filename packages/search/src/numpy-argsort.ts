/**
 * `numpy.argsort(values)` with NumPy's default kind (1.24: introsort, i.e. median-of-3 quicksort,
 * insertion sort up to 16 elements, heapsort past the depth limit; numpy/core/src/npysort/quicksort.cpp).
 * It is not stable, and Optuna's Parzen estimator gives equal observations their widths in its order,
 * so the port sorts exactly as NumPy does.
 */
const SMALL_QUICKSORT = 15;

/** NumPy's `less` for doubles: NaN sorts last. */
const less = (a: number, b: number): boolean => a < b || (Number.isNaN(b) && !Number.isNaN(a));

export function numpyArgsort(v: ArrayLike<number>): number[] {
  const num = v.length;
  const tosort = Array.from({ length: num }, (_, i) => i);
  if (num < 2) return tosort;
  let pl = 0;
  let pr = num - 1;
  const stack: number[] = [];
  const depths: number[] = [];
  let cdepth = 0;
  for (let n = num; n > 1; n >>= 1) cdepth++;
  cdepth *= 2;
  const swap = (i: number, j: number) => {
    const t = tosort[i]!;
    tosort[i] = tosort[j]!;
    tosort[j] = t;
  };
  for (;;) {
    if (cdepth < 0) {
      heapsort(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(v[tosort[pm]!]!, v[tosort[pl]!]!)) swap(pm, pl);
        if (less(v[tosort[pr]!]!, v[tosort[pm]!]!)) swap(pr, pm);
        if (less(v[tosort[pm]!]!, v[tosort[pl]!]!)) swap(pm, pl);
        const vp = v[tosort[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (less(v[tosort[pi]!]!, vp));
          do --pj;
          while (less(vp, v[tosort[pj]!]!));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = tosort[pi]!;
        const vp = v[vi]!;
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && less(vp, v[tosort[pk]!]!)) tosort[pj--] = tosort[pk--]!;
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depths.pop()!;
  }
  return tosort;
}

function heapsort(v: ArrayLike<number>, tosort: number[], start: number, count: number): void {
  // 1-based heap indexing on tosort[start .. start + count - 1], as NumPy's aheapsort.
  const at = (i: number) => tosort[start + i - 1]!;
  const siftDown = (tmp: number, from: number, n: number) => {
    let i = from;
    for (let j = from << 1; j <= n; ) {
      if (j < n && less(v[at(j)]!, v[at(j + 1)]!)) j += 1;
      if (!less(v[tmp]!, v[at(j)]!)) break;
      tosort[start + i - 1] = at(j);
      i = j;
      j += j;
    }
    tosort[start + i - 1] = tmp;
  };
  let n = count;
  for (let l = n >> 1; l > 0; --l) siftDown(at(l), l, n);
  while (n > 1) {
    const tmp = at(n);
    tosort[start + n - 1] = at(1);
    n -= 1;
    siftDown(tmp, 1, n);
  }
}
