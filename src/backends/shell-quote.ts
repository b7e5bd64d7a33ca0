/**
 * Quoting for a POSIX shell (sh, bash, zsh): the one rule for every command line agent-boss types
 * into a pane, writes into a hook setting or prints for the user to paste. (tmux's own command
 * language has its own quoting: backends/tmux/tmux-protocol.ts.)
 */

/** A word as the shell reads it back: bare when it has only safe characters, else single-quoted with `'` as `'\''`. */
export const shellQuote = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** A word double-quoted, `"`, `\`, `$` and backquote escaped (the form `claude mcp add --header "Name: value"` is shown in). */
export const shellDoubleQuote = (s: string): string => `"${s.replace(/["\\$`]/g, '\\$&')}"`;
