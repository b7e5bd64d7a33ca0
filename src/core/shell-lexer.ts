/**
 * The word level of the shell-words parser (src/core/shell-words.ts): blanks, quotes, escapes,
 * `$'…'`, parameter expansions and substitutions. Pure, no I/O.
 */

import type { SimpleCommand } from './shell-words.js';

export interface Word {
  text: string;
  /** Written without quotes, escapes or expansions (a reserved word counts only then). */
  plain: boolean;
  static: boolean;
  /** An unquoted expansion or glob: the value may become several words, or none. */
  loose?: boolean;
  /** `name()` of a function definition (its body follows as commands). */
  functionName?: boolean;
}

export const BLANK = new Set([' ', '\t']);
export const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
/** Deepest nesting of subshells, substitutions and `${…}` read; deeper is refused. */
const MAX_NESTING = 100;
const ANSI_C: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** Reads words; the command level (`list`, `sub`) is the subclass in shell-words.ts. */
export abstract class ShellLexer {
  pos = 0;

  constructor(
    protected readonly src: string,
    protected readonly out: SimpleCommand[],
    protected readonly problems: string[],
    protected nesting: number,
  ) {}

  /** Parses commands until `closer` (`)` or end of input), consuming the closer. */
  abstract list(closer: ')' | ''): void;

  /** A nested line (a backtick substitution): its own source, the same lists. */
  protected abstract sub(text: string): void;

  protected problem(p: string): void {
    if (!this.problems.includes(p)) this.problems.push(p);
  }

  /** Enters one level of nesting; false (and the rest of the line skipped) past MAX_NESTING. */
  protected enter(): boolean {
    if (++this.nesting <= MAX_NESTING) return true;
    this.problem('nesting too deep');
    this.pos = this.src.length;
    this.nesting--;
    return false;
  }

  /** The expansions of an unquoted here-document body (its substitutions run). */
  expansionsIn(): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '$' || c === '`') this.expansion();
      else this.pos += c === '\\' ? 2 : 1;
    }
  }

  protected skipBlanks(): void {
    while (BLANK.has(this.src[this.pos]!)) this.pos++;
  }

  /** Skips from the `(` at `open` to its matching `)`. */
  protected skipBalanced(open: number): void {
    let depth = 0;
    for (this.pos = open; this.pos < this.src.length; this.pos++) {
      const c = this.src[this.pos];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        this.pos++;
        return;
      }
    }
    this.problem('unbalanced parentheses');
  }

  /** One word at pos, or undefined at a metacharacter. */
  protected word(): Word | undefined {
    const src = this.src;
    const start = this.pos;
    let text = '';
    let plain = true;
    let stat = true;
    let loose = false;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (META.has(c)) {
        if (c === '(' && this.pos > start && src[this.pos + 1] === ')') {
          this.problem('function definition');
          this.pos += 2;
          return { text, plain: false, static: false, functionName: true };
        }
        if (c === '(' && this.pos > start) {
          this.problem('a ( inside a word (array or extglob)');
          const from = this.pos;
          this.skipBalanced(this.pos);
          text += src.slice(from, this.pos);
          stat = false;
          loose = true;
          continue;
        }
        break;
      }
      if (c === '\\') {
        plain = false;
        if (src[this.pos + 1] === '\n') this.pos += 2;
        else {
          text += src[this.pos + 1] ?? '';
          this.pos += 2;
        }
      } else if (c === "'") {
        plain = false;
        const end = src.indexOf("'", this.pos + 1);
        if (end < 0) {
          this.problem('an unclosed quote');
          text += src.slice(this.pos + 1);
          this.pos = src.length;
        } else {
          text += src.slice(this.pos + 1, end);
          this.pos = end + 1;
        }
      } else if (c === '"') {
        plain = false;
        this.pos++;
        const q = this.doubleQuoted();
        text += q.text;
        stat &&= q.static;
      } else if (c === '$' && src[this.pos + 1] === "'") {
        plain = false;
        this.pos += 2;
        text += this.ansiC();
      } else if (c === '$' && src[this.pos + 1] === '"') {
        plain = false;
        this.pos += 2;
        const q = this.doubleQuoted();
        text += q.text;
        stat &&= q.static;
      } else if (c === '$' || c === '`') {
        const e = this.expansion();
        plain = false;
        if (e === undefined) text += c;
        else {
          text += e;
          stat = false;
          loose = true;
        }
      } else {
        // A lone `{` / `}` is a reserved word or a literal; anywhere else it (like * ? [) may expand.
        if ('*?[{}'.includes(c) && !('{}'.includes(c) && this.pos === start && META.has(src[this.pos + 1] ?? ' '))) {
          stat = false;
          loose = true;
        }
        text += c;
        this.pos++;
      }
    }
    return this.pos > start ? { text, plain, static: stat, ...(loose && { loose }) } : undefined;
  }

  /** Inside "…" (after the opening quote): its text after quote removal. */
  protected doubleQuoted(): { text: string; static: boolean } {
    const src = this.src;
    let text = '';
    let stat = true;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === '"') {
        this.pos++;
        return { text, static: stat };
      }
      if (c === '\\' && '$`"\\\n'.includes(src[this.pos + 1] ?? '')) {
        if (src[this.pos + 1] !== '\n') text += src[this.pos + 1];
        this.pos += 2;
      } else if (c === '$' || c === '`') {
        const e = this.expansion();
        if (e === undefined) text += c;
        else {
          text += e;
          stat = false;
        }
      } else {
        text += c;
        this.pos++;
      }
    }
    this.problem('an unclosed quote');
    return { text, static: stat };
  }

  /** $'…' after its opening quote. */
  protected ansiC(): string {
    const src = this.src;
    let text = '';
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === "'") {
        this.pos++;
        return text;
      }
      if (c !== '\\') {
        text += c;
        this.pos++;
        continue;
      }
      const n = src[this.pos + 1] ?? '';
      const hex = /^(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3})|c(.))/.exec(src.slice(this.pos + 1, this.pos + 11));
      if (n in ANSI_C) {
        text += ANSI_C[n];
        this.pos += 2;
      } else if (hex) {
        const [all, x, u, U, oct, ctl] = hex;
        const code = x ?? u ?? U ? parseInt((x ?? u ?? U)!, 16) : oct ? parseInt(oct, 8) : ctl!.charCodeAt(0) & 0x1f;
        text += code <= 0x10ffff ? String.fromCodePoint(code) : '';
        this.pos += 1 + all.length;
      } else {
        text += `\\${n}`;
        this.pos += 2;
      }
    }
    this.problem('an unclosed quote');
    return text;
  }

  /** A `$…` or backtick expansion at pos: its text as written (substitutions parsed as commands), or undefined for a lone `$`. */
  protected expansion(): string | undefined {
    const src = this.src;
    const start = this.pos;
    const c = src[start];
    if (c === '`') {
      let body = '';
      let i = start + 1;
      for (; i < src.length && src[i] !== '`'; i++) {
        if (src[i] === '\\' && '$`\\'.includes(src[i + 1] ?? '')) i++;
        body += src[i];
      }
      if (i >= src.length) this.problem('an unclosed backtick');
      this.pos = Math.min(i + 1, src.length);
      this.sub(body);
      return src.slice(start, this.pos);
    }
    const n = src[start + 1];
    if (n === '(' && src[start + 2] === '(') {
      this.problem('arithmetic $(( ))');
      this.skipBalanced(start + 1);
      return src.slice(start, this.pos);
    }
    if (n === '(') {
      this.pos = start + 2;
      this.list(')');
      return src.slice(start, this.pos);
    }
    if (n === '{') {
      this.pos = start + 2;
      if (!this.enter()) return src.slice(start);
      while (this.pos < src.length && src[this.pos] !== '}') {
        const d = src[this.pos]!;
        if (d === '$' || d === '`') this.expansion();
        else if (d === '"') {
          this.pos++;
          this.doubleQuoted();
        } else if (d === "'") {
          const end = src.indexOf("'", this.pos + 1);
          this.pos = end < 0 ? src.length : end + 1;
        } else this.pos += d === '\\' ? 2 : 1;
      }
      if (this.pos >= src.length) this.problem('an unclosed ${');
      this.pos = Math.min(this.pos + 1, src.length);
      this.nesting--;
      return src.slice(start, this.pos);
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(src.slice(start + 1, start + 200));
    if (!name) {
      this.pos++;
      return undefined;
    }
    this.pos = start + 1 + name[0].length;
    return src.slice(start, this.pos);
  }

  /** `<( … )` / `>( … )`: its content is commands; the word is not static. */
  protected processSubstitution(): Word {
    const start = this.pos;
    this.pos += 2;
    this.list(')');
    return { text: this.src.slice(start, this.pos), plain: false, static: false };
  }
}
