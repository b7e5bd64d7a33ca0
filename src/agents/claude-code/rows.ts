/**
 * One screen line of a Claude Code pane with its box borders taken off: the unit the screen and
 * dialog parsers work on. Pure.
 */
export type BorderKind = 'top' | 'bottom' | 'rule' | 'dash';

export interface Row {
  /** The line without trailing whitespace. */
  raw: string;
  /** Text with borders stripped, trimmed; '' for blank and border-only lines. */
  content: string;
  /** Leading spaces before the content, after borders were stripped. */
  indent: number;
  /** How many `│ … │` frames enclose the line. */
  depth: number;
  border?: BorderKind;
}

const SIDE_BORDER = /^\s*[│┃║]/u;
const TRAILING_SIDE_BORDER = /\s*[│┃║]\s*$/u;

export function toRow(line: string): Row {
  const raw = line.replace(/\s+$/u, '');
  let s = raw;
  let depth = 0;
  for (let m = SIDE_BORDER.exec(s); m; m = SIDE_BORDER.exec(s)) {
    s = s.slice(m[0].length).replace(TRAILING_SIDE_BORDER, '');
    depth++;
  }
  const trimmed = s.trim();
  const indent = s.length - s.trimStart().length;
  const border = borderKind(trimmed);
  if (border) return { raw, content: '', indent, depth, border };
  return { raw, content: trimmed, indent, depth };
}

export function borderKind(text: string): BorderKind | undefined {
  if (/^[╭┌╔][─━═]/u.test(text)) return 'top';
  if (/^[╰└╚][─━═]/u.test(text)) return 'bottom';
  if (/^[─━═▔]{3,}$/u.test(text)) return 'rule';
  if (/^[╌┄┈╍┅]{3,}$/u.test(text)) return 'dash';
  return undefined;
}

/** A frame line at the outermost level: where a dialog or the input box begins or ends. */
export function isOuterBorder(row: Row): boolean {
  return row.depth === 0 && (row.border === 'top' || row.border === 'bottom' || row.border === 'rule');
}

export function lastRawRow(rows: readonly Row[]): number | undefined {
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.raw.trim() !== '') return i;
  return undefined;
}

export function prevNonBlank(rows: readonly Row[], from: number): number | undefined {
  for (let i = from - 1; i >= 0; i--) if (rows[i]!.raw.trim() !== '') return i;
  return undefined;
}

export function normaliseSpace(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** Claude Code's status line while it works ("✻ Thinking… (12s · esc to interrupt)"). */
export const WORKING_STATUS = /\besc to interrupt\b/iu;
