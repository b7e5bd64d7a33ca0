/**
 * "Did you mean …?": the closest of some names to a mistyped one. Zod-free and dependency-free, so
 * the command line, the hook command and the core's not-found sentences share it.
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
