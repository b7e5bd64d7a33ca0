/**
 * The words of tmux's command language, shared by the client and its control connection: commands,
 * their answers and failures, quoting, and loading execa on first use.
 */
import type { execa as Execa } from 'execa';

import { BackendError } from '../errors.js';

/**
 * execa is loaded on the first tmux command, not at import: a stdio server answers `initialize`
 * before it ever talks to tmux, and importing execa costs ~90 ms of that start-up here.
 */
let execaLoading: Promise<typeof Execa> | undefined;
export const loadExeca = (): Promise<typeof Execa> => (execaLoading ??= import('execa').then((m) => m.execa));

/** One tmux command as its words, e.g. `['capture-pane', '-p', '-t', '%3']`. */
export type TmuxCommand = readonly string[];

/** What one command of a batch answered: its output lines, or tmux's error text. */
export type CommandResult = { ok: true; lines: string[] } | { ok: false; error: string };

/** A tmux command failed; `stderr` is tmux's own words. */
export class TmuxCommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    /** Output printed before the failure (a batch's earlier commands). */
    readonly stdout = '',
  ) {
    super(message);
    this.name = 'TmuxCommandError';
  }
  /** No server runs on the socket (so no session exists). */
  get noServer(): boolean {
    return isNoServerMessage(this.stderr);
  }
  /** The target session, window or pane does not exist. */
  get missingTarget(): boolean {
    return isMissingTargetMessage(this.stderr);
  }
}

export const isNoServerMessage = (text: string): boolean =>
  /no server running|error connecting to|server exited unexpectedly|lost server|control connection closed/i.test(text);

export const isMissingTargetMessage = (text: string): boolean =>
  /can't find (session|window|pane)|no such (session|window|pane)|(session|window|pane) not found|no current (target|session)|no sessions/i.test(
    text,
  );

/**
 * Quote one word for a tmux command line (control mode, config files): single quotes, with `'`
 * written as `'\''`. Words holding control characters (which would end the line) use double quotes
 * with escapes instead; inside those, `$` and `\` and `"` are escaped so nothing is expanded.
 */
export function quoteArg(arg: string): string {
  if (!/[\x00-\x1f\x7f]/.test(arg)) return `'${arg.replaceAll("'", `'\\''`)}'`;
  let out = '"';
  for (const ch of arg) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '"' || ch === '$') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A whole command line for control mode. */
export const commandLine = (command: TmuxCommand): string => command.map(quoteArg).join(' ');

/**
 * Protect one argv word for a `tmux` process: tmux splits commands at any word that ENDS with `;`
 * (so `send-keys -l 'ls;'` would type `ls`), unless the `;` is preceded by `\`, which it then drops.
 */
export const escapeArgvArg = (arg: string): string => (arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg);

export const notInstalled = (): BackendError => new BackendError('tmux is not installed or not on PATH', 'unavailable');

export const splitLines = (text: string): string[] => (text === '' ? [] : text.split('\n'));
