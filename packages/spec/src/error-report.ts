/** One problem with a submitted spec: a JSON Pointer into the body and a message a person can act on. */
export interface SpecError {
  path: string;
  message: string;
}

/** Past this many, further errors are counted, not listed: a 10,000-trial grid can fail in every trial. */
const MAX_LISTED_ERRORS = 100;

/** Collects every error (not just the first), each path+message once, in the order found. */
export class ErrorReport {
  private readonly listed: SpecError[] = [];
  private readonly seen = new Set<string>();
  private unlisted = 0;

  add(path: string, message: string): void {
    const key = `${path}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.listed.length < MAX_LISTED_ERRORS) this.listed.push({ path, message });
    else this.unlisted++;
  }

  get count(): number {
    return this.listed.length + this.unlisted;
  }

  errors(): SpecError[] {
    if (this.unlisted === 0) return [...this.listed];
    return [...this.listed, { path: '', message: `${this.unlisted} more errors not listed` }];
  }
}
