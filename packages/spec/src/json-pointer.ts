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
