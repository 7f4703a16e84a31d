/**
 * "Did you mean" suggestions for misspelled names (`momentun` -> `momentum`, `adam` -> `Adam`).
 * Levenshtein distance, case-insensitive; a candidate is suggested only when it is close
 * enough to be a plausible typo (at most a third of the name's length, and at most 3 edits).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  for (const candidate of candidates) {
    const distance = levenshtein(wanted, candidate.toLowerCase());
    if (distance < bestDistance || (distance === bestDistance && best === undefined)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export interface UnknownName {
  /** What kind of name: "option", "optimizer type", ... */
  what: string;
  name: string;
  /** Where it was looked up: " for SGD". */
  where?: string;
  valid: readonly string[];
  /** How the list of valid names is introduced: "valid options". */
  validLabel: string;
}

/**
 * `unknown option "momentun" for SGD; did you mean "momentum"? Valid options: lr, momentum, ...`:
 * what was not found, the closest valid name when one is close, and every valid name.
 */
export function unknownNameMessage({ what, name, where = '', valid, validLabel }: UnknownName): string {
  const suggestion = closestName(name, valid);
  const list = valid.length === 0 ? `there are no ${validLabel}` : `${validLabel}: ${valid.join(', ')}`;
  const head = `unknown ${what} ${JSON.stringify(name)}${where}`;
  return suggestion === undefined
    ? `${head}; ${list}`
    : `${head}; did you mean ${JSON.stringify(suggestion)}? ${capitalise(list)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  // Names longer than this are never typos of a catalog name; bound the work.
  if (Math.abs(a.length - b.length) > 3 || a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}
