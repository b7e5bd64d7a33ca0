/**
 * Anchored globs without regular expressions: `*` any run of characters, `?` one character, `\*`,
 * `\?` and `\\` the character itself, everything else literal. Matching is the greedy two-pointer
 * algorithm: at most (pattern length + 1) × (subject length + 1) steps, never exponential, and
 * every step is charged to a budget the caller gives (so a prompt's rules together stay bounded).
 */

type Token = string | typeof STAR | typeof ONE;
const STAR = 0;
const ONE = 1;

/** Thrown when a budget runs out. */
export class BudgetExceeded extends Error {
  constructor() {
    super('glob matching budget exhausted');
    this.name = 'BudgetExceeded';
  }
}

/** Steps a match may still take; `used` counts them. */
export interface Budget {
  left: number;
  used: number;
}

export const budget = (steps: number): Budget => ({ left: steps, used: 0 });

function tokens(glob: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && (glob[i + 1] === '*' || glob[i + 1] === '?' || glob[i + 1] === '\\')) out.push(glob[++i]!);
    else if (c === '*') {
      if (out.at(-1) !== STAR) out.push(STAR);
    } else if (c === '?') out.push(ONE);
    else out.push(c);
  }
  return out;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Greedy two-pointer match of whole `s` against `p`. */
function matchTokens(p: readonly Token[], s: string, b: Budget): boolean {
  let i = 0;
  let j = 0;
  let starP = -1;
  let starS = 0;
  while (i < s.length) {
    if (--b.left < 0) throw new BudgetExceeded();
    b.used++;
    const t = p[j];
    if (t === ONE) {
      i += isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
      j++;
    } else if (t !== undefined && t !== STAR && t === s[i]) {
      i++;
      j++;
    } else if (t === STAR) {
      starP = j++;
      starS = i;
    } else if (starP >= 0) {
      j = starP + 1;
      i = ++starS;
    } else return false;
  }
  while (p[j] === STAR) j++;
  return j === p.length;
}

/**
 * `glob` matches the whole of `subject`. With `barrier` (a set of characters), `*` and `?` never
 * match one of them: such a character must stand literally in the glob, at the same place.
 */
export function globMatches(glob: string, subject: string, b: Budget, barrier?: ReadonlySet<string>): boolean {
  const p = tokens(glob);
  if (!barrier) return matchTokens(p, subject, b);
  // The barrier characters cut both into pieces: the same characters in the same order, and each piece matching.
  const pieces: Token[][] = [[]];
  const cuts: string[] = [];
  for (const t of p) {
    if (typeof t === 'string' && barrier.has(t)) {
      cuts.push(t);
      pieces.push([]);
    } else pieces.at(-1)!.push(t);
  }
  let from = 0;
  for (let k = 0; k <= cuts.length; k++) {
    let to = subject.length;
    for (let i = from; i < subject.length; i++) {
      if (barrier.has(subject[i]!)) {
        to = i;
        break;
      }
    }
    b.used += to - from;
    if ((b.left -= to - from) < 0) throw new BudgetExceeded();
    if (k < cuts.length ? subject[to] !== cuts[k] : to !== subject.length) return false;
    if (!matchTokens(pieces[k]!, subject.slice(from, to), b)) return false;
    from = to + 1;
  }
  return true;
}
