/**
 * JSON Pointers (RFC 6901) into the submitted sweep spec, so a client can find the offending
 * value: `/optimizers/0/momentum`, `/schedulers/1/gamma/2`, `` for the whole body.
 */
export function pointer(...tokens: ReadonlyArray<string | number>): string {
  let out = '';
  for (const token of tokens) out += `/${escapeToken(String(token))}`;
  return out;
}

/** `base` extended by more reference tokens. */
export function childPointer(base: string, ...tokens: ReadonlyArray<string | number>): string {
  return base + pointer(...tokens);
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * The longest prefix of `path` that exists in `root`: errors about a missing value (a nested
 * scheduler without options) point at the object it is missing from, like every other error.
 */
export function existingPointer(root: unknown, path: string): string {
  let value = root;
  let existing = '';
  for (const token of path === '' ? [] : path.slice(1).split('/')) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) break;
    value = (value as Record<string, unknown>)[key];
    existing += `/${token}`;
  }
  return existing;
}
