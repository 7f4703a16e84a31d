import { TrainerError } from '../errors.js';

/** Reads one constructor argument of a resolved layer or loss, with its type checked. */
export class Args {
  constructor(
    private readonly source: Readonly<Record<string, unknown>>,
    private readonly what: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new TrainerError(
      `${this.what}: argument "${key}" must be ${expected}, got ${JSON.stringify(this.source[key])}`,
    );
  }

  /** The argument as given (for arguments of more than one type, such as Conv's padding). */
  raw(key: string): unknown {
    return this.source[key];
  }

  number(key: string): number {
    const value = this.source[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, 'a number');
    return value;
  }

  integer(key: string): number {
    const value = this.number(key);
    if (!Number.isInteger(value)) this.fail(key, 'an integer');
    return value;
  }

  numberOrNull(key: string): number | null {
    return this.source[key] === null || this.source[key] === undefined ? null : this.number(key);
  }

  boolean(key: string): boolean {
    const value = this.source[key];
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  string(key: string): string {
    const value = this.source[key];
    if (typeof value !== 'string') this.fail(key, 'a string');
    return value;
  }

  /** An array of `rank` integers (a bare integer is repeated, as torch's _pair does; one of any length). */
  ints(key: string, rank?: number): number[] {
    const value = this.source[key];
    const list = typeof value === 'number' ? new Array(rank ?? 1).fill(value) : value;
    if (
      !Array.isArray(list) ||
      (rank !== undefined && list.length !== rank) ||
      list.some((item) => !Number.isInteger(item))
    ) {
      this.fail(key, rank === undefined ? 'an array of integers' : `${rank} integers`);
    }
    return list as number[];
  }

  /** A list of numbers or null (a loss's class weights). */
  numbersOrNull(key: string): number[] | null {
    const value = this.source[key];
    if (value === null || value === undefined) return null;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'number'))
      this.fail(key, 'numbers or null');
    return value as number[];
  }

  oneOf<T extends string>(key: string, choices: readonly T[]): T {
    const value = this.source[key];
    if (!choices.includes(value as T)) this.fail(key, `one of ${choices.join(', ')}`);
    return value as T;
  }
}
