import type { ValueStats } from './types.js';

/** min, max (with the first row holding each) and integrality over values arriving in any row order. */
export class StatsAccumulator {
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private minRow = -1;
  private maxRow = -1;
  private firstNonIntegerRow: number | null = null;

  add(value: number, row: number): void {
    if (value < this.min || (value === this.min && row < this.minRow)) {
      this.min = value;
      this.minRow = row;
    }
    if (value > this.max || (value === this.max && row < this.maxRow)) {
      this.max = value;
      this.maxRow = row;
    }
    if (!Number.isInteger(value) && (this.firstNonIntegerRow === null || row < this.firstNonIntegerRow))
      this.firstNonIntegerRow = row;
  }

  result(): ValueStats {
    return {
      min: this.min,
      max: this.max,
      minRow: this.minRow,
      maxRow: this.maxRow,
      integer: this.firstNonIntegerRow === null,
      firstNonIntegerRow: this.firstNonIntegerRow,
    };
  }
}
