/**
 * Shell words: splits a bash command line into the simple commands it runs, each as its argv words
 * after quote removal. Pure, no I/O, no schema library (the hook command loads it per event).
 *
 * What is understood: blanks, `'…'`, `"…"` (with `\` before `$ \` " \\` and newline), `$'…'` (the
 * ANSI-C escapes), backslash escapes and line continuations, comments; the separators `;` `&` `|`
 * `&&` `||` `|&` newline; subshells `( … )` and groups `{ …; }`; the reserved words of `if`, `while`,
 * `until`, `for`, `select` and `case` (only the commands inside are commands: a `for` list, a `case`
 * word and its patterns are not); redirections (`>`, `2>>`, `&>`, `<&3` …, their target is no argv
 * word); command substitutions `$( … )`, backticks and process substitutions `<( … )`, whose content
 * is parsed as commands too (they run).
 *
 * What is refused (`sure` false, with `problems` saying why, but every part recognised is still
 * listed): unbalanced quotes or parentheses, here-documents (the body is not a command line; an
 * unquoted one is still scanned for substitutions), arithmetic `$(( ))` / `(( ))`, `[[ ]]`, function
 * definitions, `coproc`, a `(` inside a word (arrays, extglob), a redirection of a whole compound
 * command, a `case` without `in`.
 *
 * A word is `static` when its value is known without running anything: no parameter expansion, no
 * substitution, no unquoted glob or brace character (`*` `?` `[` `{` `}`).
 */

import { BLANK, META, ShellLexer, type Word } from './shell-lexer.js';

export interface SimpleCommand {
  /** The argv words after quote removal (expansions kept as written, e.g. `$HOME`). */
  words: string[];
  /** The command as written in the line (its words and redirections). */
  text: string;
  /** Every word is static (see the module comment). */
  static: boolean;
  /**
   * The words whose value is known only when the line runs, as written; an assignment (`NAME=…`)
   * whose expansions are all inside double quotes is not among them (it stays one assignment).
   */
  unknown: string[];
}

export interface ShellParse {
  /** Every simple command (a substitution's commands come before the command whose word holds them). */
  commands: SimpleCommand[];
  /** The whole line was understood: `commands` are all it runs. */
  sure: boolean;
  problems: string[];
}

interface Building {
  words: Word[];
  start: number;
  end: number;
}

const STAY_IN_COMMAND_POSITION = new Set(['if', 'then', 'elif', 'else', 'while', 'until', 'do', '!', '{', 'time']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
const CLOSERS = new Set(['fi', 'done', '}', 'esac']);
const REDIRECT = /^(?:\d+|&)?(?:<<<|<<-|<<|<>|<&|>>|>&|>\||<|>)/;

class Parser extends ShellLexer {
  private readonly heredocs: { delim: string; strip: boolean; expand: boolean }[] = [];

  /** A nested line (a backtick substitution): its own source, the same lists. */
  protected sub(text: string): void {
    new Parser(text, this.out, this.problems, this.nesting + 1).list('');
  }

  /** Parses commands until `closer` (`)` or end of input), consuming the closer. */
  list(closer: ')' | ''): void {
    if (!this.enter()) return;
    try {
      this.commands(closer);
    } finally {
      this.nesting--;
    }
  }

  private commands(closer: ')' | ''): void {
    const src = this.src;
    let cur: Building | undefined;
    let commandPosition = true;
    let afterCompound = false;
    /** Open `case` statements: true while their next pattern is expected. */
    const cases: boolean[] = [];
    const finish = (): void => {
      if (cur) {
        const words = cur.words.map((w) => w.text);
        const unknown = cur.words.filter((w) => !w.static && (w.loose || !ASSIGNMENT.test(w.text))).map((w) => w.text);
        this.out.push({ words, text: src.slice(cur.start, cur.end), static: cur.words.every((w) => w.static), unknown });
      }
      cur = undefined;
    };
    const separate = (): void => {
      finish();
      commandPosition = true;
      afterCompound = false;
    };
    const building = (at: number): Building => (cur ??= { words: [], start: at, end: at });
    for (;;) {
      while (BLANK.has(src[this.pos]!) || (src[this.pos] === '\\' && src[this.pos + 1] === '\n')) this.pos += src[this.pos] === '\\' ? 2 : 1;
      const at = this.pos;
      const c = src[at];
      if (c === undefined) {
        finish();
        if (closer) this.problem('unbalanced parentheses');
        if (cases.length) this.problem('case without esac');
        return;
      }
      if (c === '#' ) {
        while (this.pos < src.length && src[this.pos] !== '\n') this.pos++;
        continue;
      }
      if (c === '\n') {
        this.pos++;
        separate();
        this.readHeredocBodies();
        continue;
      }
      if (cases.at(-1) === true) {
        // A case pattern list: `(`? word (| word)* `)`, or esac.
        const w = src[at] === '(' ? (this.pos++, undefined) : this.word();
        if (w?.plain && w.text === 'esac') {
          cases.pop();
          afterCompound = true;
          commandPosition = false;
          continue;
        }
        while (this.pos < src.length && src[this.pos] !== ')' && src[this.pos] !== '\n') {
          if (BLANK.has(src[this.pos]!) || src[this.pos] === '|') this.pos++;
          else if (!this.word()) break;
        }
        if (src[this.pos] !== ')') {
          this.problem('a case pattern without )');
          cases.pop();
          continue;
        }
        this.pos++;
        cases[cases.length - 1] = false;
        commandPosition = true;
        continue;
      }
      const rest = src.slice(at, at + 3);
      if (/^;;&|^;;|^;&/.test(rest)) {
        this.pos += rest.startsWith(';;&') ? 3 : 2;
        separate();
        if (cases.length) cases[cases.length - 1] = true;
        else this.problem('a ;; outside case');
        continue;
      }
      if (c === ';' || c === '|' || (c === '&' && src[at + 1] !== '>')) {
        this.pos += /^(?:&&|\|\||\|&)/.test(rest) ? 2 : 1;
        separate();
        continue;
      }
      if (c === ')') {
        this.pos++;
        if (closer === ')') return finish();
        this.problem('unbalanced parentheses');
        separate();
        continue;
      }
      if (c === '(') {
        if (cur || !commandPosition) this.problem('a ( after a word (function definition or array)');
        if (src[at + 1] === '(') {
          this.problem('arithmetic (( ))');
          this.skipBalanced(at);
          afterCompound = true;
          continue;
        }
        const odd: boolean = cur !== undefined || !commandPosition;
        finish();
        this.pos++;
        this.list(')');
        afterCompound = !odd;
        commandPosition = odd; // `f ()`: a function body may follow
        continue;
      }
      if ((c === '<' || c === '>') && src[at + 1] === '(') {
        building(at).words.push(this.processSubstitution());
        building(at).end = this.pos;
        commandPosition = false;
        continue;
      }
      const redirect = REDIRECT.exec(src.slice(at, at + 8));
      if (redirect) {
        if (afterCompound && !cur) this.problem('a redirection of a compound command');
        const op = redirect[0].replace(/^\d+|^&/, '');
        this.pos += redirect[0].length;
        while (BLANK.has(src[this.pos]!)) this.pos++;
        const targetStart = this.pos;
        const target = this.word();
        if (!target) this.problem('a redirection without a target');
        if (op === '<<' || op === '<<-') {
          this.problem('here-document');
          if (target) this.heredocs.push({ delim: target.text, strip: op === '<<-', expand: src.slice(targetStart, this.pos) === target.text });
        }
        building(at).end = this.pos;
        continue;
      }
      const w = this.word();
      if (!w) {
        this.problem(`unexpected character ${JSON.stringify(c)}`);
        this.pos++;
        continue;
      }
      if (w.functionName) continue;
      if (commandPosition && !cur && w.plain) {
        if (STAY_IN_COMMAND_POSITION.has(w.text)) continue;
        if (CLOSERS.has(w.text)) {
          if (w.text === 'esac') {
            if (cases.length) cases.pop();
            else this.problem('esac without case');
          }
          afterCompound = true;
          commandPosition = false;
          continue;
        }
        if (w.text === 'for' || w.text === 'select') {
          this.forHeader();
          continue;
        }
        if (w.text === 'case') {
          this.skipBlanks();
          this.word();
          this.skipBlanks();
          const inWord = this.word();
          if (!inWord || inWord.text !== 'in') this.problem('a case without in');
          else cases.push(true);
          continue;
        }
        if (w.text === 'function' || w.text === 'coproc' || w.text === '[[' || w.text === '((') this.problem(`${w.text} is not understood`);
      }
      building(at).words.push(w);
      cur!.end = this.pos;
      commandPosition = false;
    }
  }

  /** `for name [in words]` up to `;` / newline / `do` (its words are no command; their substitutions are). */
  private forHeader(): void {
    const src = this.src;
    for (;;) {
      this.skipBlanks();
      const c = src[this.pos];
      if (c === undefined || c === '\n' || c === ';') {
        if (c === ';') this.pos++;
        return;
      }
      if (c === '(') {
        this.problem('arithmetic for (( ))');
        this.skipBalanced(this.pos);
        continue;
      }
      const w = this.word();
      if (!w) {
        this.problem('a for loop not understood');
        return;
      }
      if (w.plain && w.text === 'do') return;
    }
  }

  /** After a newline: the bodies of the here-documents begun on the line before (scanned for substitutions when unquoted). */
  private readHeredocBodies(): void {
    for (const h of this.heredocs.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.src.length) {
          this.problem('a here-document without its end line');
          break;
        }
        let end = this.src.indexOf('\n', this.pos);
        if (end < 0) end = this.src.length;
        const line = this.src.slice(this.pos, end);
        this.pos = Math.min(end + 1, this.src.length);
        if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delim) break;
        lines.push(line);
      }
      if (h.expand) new Parser(lines.join('\n'), this.out, this.problems, this.nesting + 1).expansionsIn();
    }
  }

}


/** The simple commands of a bash command line (see the module comment). */
export function parseShell(line: string): ShellParse {
  const commands: SimpleCommand[] = [];
  const problems: string[] = [];
  const p = new Parser(line, commands, problems, 0);
  p.list('');
  return { commands, sure: problems.length === 0, problems };
}

/** What skips a program's permission prompts: parts of words, and whole flags and option values. */
export interface SkipSpec {
  skipPermissionWords: readonly string[];
  skipPermissionFlags?: {
    readonly flags: readonly string[];
    readonly options: readonly { readonly names: readonly string[]; readonly values: readonly string[] }[];
  };
}

const OFF = /^(?:false|0|no|off)$/iu;

/**
 * The words of a command mean running an agent program with its permission prompts skipped (as
 * the program receives them, after quote removal; compared ignoring case, and ignoring quotes and
 * backslashes a nested shell, `sh -c '…'`, would remove): a word contains one of the program's
 * `skipPermissionWords` (a distinctive flag, or a value like a permission mode's, which also
 * catches it inside a JSON settings argument or `env -S "…"`), or is one of its whole flags, or
 * gives one of its options a skipping value.
 */
export function skipsPermissions(words: readonly string[], spec: SkipSpec | readonly string[]): boolean {
  const { skipPermissionWords, skipPermissionFlags } = Array.isArray(spec) ? { skipPermissionWords: spec as readonly string[], skipPermissionFlags: undefined } : (spec as SkipSpec);
  const bare = words.map((w) => w.replace(/["'\\]/g, '').toLowerCase());
  const parts = skipPermissionWords.map((f) => f.toLowerCase());
  // Spaces around "=" do not hide a setting (`-c 'approval_policy = "never"'`).
  if (bare.some((w) => parts.some((f) => (f.includes('=') ? w.replace(/\s*=\s*/gu, '=') : w).includes(f)))) return true;
  if (!skipPermissionFlags) return false;
  const flags = skipPermissionFlags.flags.map((f) => f.toLowerCase());
  const short = flags.filter((f) => /^-[a-z]$/u.test(f)).map((f) => f[1]!);
  const isFlag = (w: string): boolean => {
    const [name, value] = w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, undefined];
    if (flags.includes(name!)) return value === undefined || !OFF.test(value);
    // A cluster of one-letter flags (-dy).
    return /^-[a-z]{2,}$/u.test(w) && short.some((c) => w.includes(c));
  };
  const givesValue = (w: string, next: string | undefined): boolean =>
    skipPermissionFlags.options.some(({ names, values }) => {
      const vs = values.map((v) => v.toLowerCase());
      return names.some((n) => {
        const name = n.toLowerCase();
        if (w === name) return next !== undefined && vs.includes(next);
        if (w.startsWith(`${name}=`)) return vs.includes(w.slice(name.length + 1));
        // A one-letter option with its value attached (-anever).
        return /^-[a-z]$/u.test(name) && w.startsWith(name) && vs.includes(w.slice(2));
      });
    });
  return bare.some((w, i) => isFlag(w) || givesValue(w, bare[i + 1]));
}

/**
 * Why the words `line` runs cannot be known before it runs (undefined when they can): a construct the
 * reader does not understand, or a word that expands (a variable, a substitution, a glob or brace;
 * an assignment of a double-quoted value, `TERM="$TERM"`, is known to stay one assignment).
 */
export function dynamicWords(line: string): string | undefined {
  const parsed = parseShell(line);
  if (!parsed.sure) return parsed.problems.join(', ');
  const word = parsed.commands.flatMap((c) => c.unknown)[0];
  return word !== undefined ? `"${word.slice(0, 200)}" expands when it runs (a variable, a substitution, a glob or a brace)` : undefined;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);

/**
 * The shell code a command's words hand to another shell: the argument after a `-c` option of a
 * shell (`sh`, `bash`, … by any path, wherever it stands: `env sh -c …`, `nohup bash -o x -c …`),
 * what `eval` evaluates, and the string `env -S` splits. What runs there must be read as well.
 */
export function nestedShellCode(words: readonly string[]): string[] {
  const code: string[] = [];
  words.forEach((w, i) => {
    const program = w.slice(w.lastIndexOf('/') + 1);
    if (program === 'eval') code.push(words.slice(i + 1).join(' '));
    if (SHELLS.has(program)) {
      const c = words.findIndex((o, j) => j > i && /^-[A-Za-z]*c[A-Za-z]*$/.test(o));
      if (c > 0 && words[c + 1] !== undefined) code.push(words[c + 1]!);
    }
    const split = /^(?:-[A-Za-z]*S|--split-string=?)(.*)$/s.exec(w);
    if (split && words.slice(0, i).some((x) => x.slice(x.lastIndexOf('/') + 1) === 'env')) code.push(split[1] || (words[i + 1] ?? ''));
  });
  return code;
}
