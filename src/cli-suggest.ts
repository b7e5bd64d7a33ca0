/**
 * "Did you mean …?" for a mistyped command, target or flag. No dependencies: the hook's setup and
 * the token command use it without loading the rest.
 */

/** Edit distance counting an insertion, deletion, substitution or swap of two neighbours as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate `word` is most plausibly a typo of (case-insensitive), or undefined when none is close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(w, c.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  if (best === undefined) return undefined;
  // One edit for short words, two from five characters on; never a word that shares almost nothing.
  const allowed = w.length < 5 ? 1 : 2;
  return bestDistance > 0 && bestDistance <= allowed && bestDistance < best.length ? best : undefined;
}

/**
 * What follows `unknown thing "word"`: `: did you mean "x"? Use …` when a candidate is close, else
 * `: use …` (`rest` is the list of what is accepted, starting lower-case).
 */
export const didYouMean = (word: string, candidates: readonly string[], rest: string, quote = (s: string) => `"${s}"`): string => {
  const c = closest(word, candidates);
  return c === undefined ? `: ${rest}` : `: did you mean ${quote(c)}? ${rest.charAt(0).toUpperCase()}${rest.slice(1)}`;
};

/**
 * The message for a node:util parseArgs error, with the suggestion for a mistyped flag and where
 * to read the command's options: `Unknown option '--prot'; did you mean --port? (see agent-boss help serve)`.
 * `flags` are the option names the command accepts, without dashes.
 */
export function argErrorMessage(err: unknown, flags: readonly string[], seeHelp: string): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\. To specify.*$/s, '');
  const unknown = /^Unknown option '(-{1,2})([^'=]+)'/.exec(message);
  const c = unknown ? closest(unknown[2]!, flags) : undefined;
  return `${message}${c === undefined ? '' : `: did you mean --${c}?`} (see ${seeHelp})`;
}
