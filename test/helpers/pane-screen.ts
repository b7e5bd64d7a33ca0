/** Reading a program's tmux pane in a test: its screen, whether it died, waiting for a screen. */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForExit } from './process-exit.js';
import type { TmuxTestServer } from './tmux.js';

const POLL_MS = 50;

/** POSIX single-quoting for a word of a command that tmux hands to the shell. */
export const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export interface PaneScreen {
  /** The pane's lines, trailing blanks cut, trailing empty lines dropped. */
  capture(): Promise<string[]>;
  /** Polls until `pred` holds for the screen; fails when the program (named `label`) exits or time is up. */
  waitForScreen(pred: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Presses keys by tmux name ("Enter", "Escape", "C-c"). */
  keys(...keys: string[]): Promise<void>;
  /** Types text literally (`send-keys -l`). */
  type(text: string): Promise<void>;
  /** Kills the session and waits (bounded) for the program to be gone, as it may still write to its HOME. */
  kill(): Promise<void>;
}

export function paneScreen(tmux: TmuxTestServer, session: string, label: string): PaneScreen {
  const capture = async (): Promise<string[]> => {
    const out = await tmux.tmux('capture-pane', '-p', '-J', '-t', `=${session}:`);
    const lines = out.split('\n').map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  };
  const paneDead = async (): Promise<boolean> =>
    (await tmux.tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_dead}').catch(() => '1')).trim() === '1';
  const waitForScreen = async (pred: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = (await capture().catch(() => [])).join('\n');
      if (pred(last)) return last;
      if (await paneDead()) throw new Error(`${label} exited while waiting for ${what}. Last screen:\n${last}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}. Last screen:\n${last}`);
      await sleep(POLL_MS);
    }
  };
  return {
    capture,
    waitForScreen,
    async keys(...keys) {
      for (const key of keys) await tmux.tmux('send-keys', '-t', `=${session}:`, key);
    },
    async type(text) {
      await tmux.tmux('send-keys', '-t', `=${session}:`, '-l', '--', text);
    },
    async kill() {
      const pid = Number((await tmux.tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}').catch(() => '')).trim());
      await tmux.tmux('kill-session', '-t', `=${session}`).catch(() => undefined);
      if (pid > 0) await waitForExit(pid, 5_000);
    },
  };
}
