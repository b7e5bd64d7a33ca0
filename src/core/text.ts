/**
 * Control characters in stored text. Validation (src/core/schemas.ts) refuses them on the way in;
 * `visible()` neutralises them on the way out, for text stored before that rule existed (a legacy
 * import, an older version) and rendered to a terminal or a page.
 */

/** C0 controls, DEL, C1 controls (U+009B is an 8-bit CSI), and the Unicode line/paragraph separators. */
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** The same, but keeping newline and tab (multi-line text). */
const CONTROL_BUT_NEWLINE_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

const escapeChar = (ch: string): string => {
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Shows every control character as a visible escape (`\x1b`, `\x07`, `\u2028`), so stored text
 * can never move a terminal's cursor, change its colours, ring its bell or end a line.
 * `multiLine` keeps newlines (CRLF becomes LF) and tabs.
 */
export function visible(s: string, opts: { multiLine?: boolean } = {}): string {
  if (opts.multiLine) return normalizeInput(s).replace(CONTROL_BUT_NEWLINE_TAB, escapeChar);
  return s.replace(ANY_CONTROL, escapeChar);
}

/** Typed text is submitted (Enter pressed after it) unless the caller says otherwise. */
export const SUBMIT_BY_DEFAULT = true;

/** Text as it is typed: a CRLF from a Windows client is one line break, not a line break plus an Enter. */
export const normalizeInput = (s: string): string => s.replace(/\r\n/g, '\n');
