/**
 * Start one real agent program (Codex CLI, Gemini CLI, a shell) in a private tmux server with only
 * the environment given (`env -i`), in a temp work dir, with its pane kept after it exits so a failed
 * start can be read. The program-specific helpers (test/helpers/codex.ts, gemini.ts) write the
 * program's private HOME and pick its flags; this file is the session around it.
 */
import { realpathSync } from 'node:fs';
import { paneScreen, shellQuote } from './pane-screen.js';
import { tempDir } from './tmp.js';
import { createTmuxServer, type TmuxTestServer } from './tmux.js';

export interface TuiSession {
  readonly tmux: TmuxTestServer;
  /** tmux session name (also the id to register with the coordinator). */
  readonly session: string;
  readonly home: string;
  readonly workDir: string;
  readonly width: number;
  readonly height: number;
  /** The visible screen, lines joined across wraps (`capture-pane -p -J`), trailing blanks dropped. */
  capture(): Promise<string[]>;
  /** Polls the screen until `pred` holds (bounded); resolves with that screen. */
  waitForScreen(pred: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Key names for tmux send-keys (`Enter`, `Escape`, `Down`, `BTab`, ...). */
  keys(...keys: string[]): Promise<void>;
  /** Types text literally (send-keys -l). */
  type(text: string): Promise<void>;
  /** Ends the program and, when this helper made them, the tmux server and temp dirs. */
  stop(): Promise<void>;
}

export interface TuiOptions {
  /** Program name, for messages and the session name. */
  label: string;
  /** argv, the binary first. */
  argv: string[];
  /** The only environment (plus TMUX, TMUX_PANE, TERM from the pane). */
  env: (home: string, workDir: string) => Record<string, string>;
  /** Writes the private HOME's files before the start. */
  prepare?: (home: string, workDir: string) => void;
  width?: number;
  height?: number;
  tmux?: TmuxTestServer;
  session?: string;
  /**
   * What the pane shows once the program exits: "dead" (default: the pane stays, marked dead), or
   * "shell": an interactive shell with the prompt `work$ `, as when the program was started from one.
   */
  afterExit?: 'dead' | 'shell';
  /** Resolves when the first screen is up (default: no wait). */
  ready?: (screen: string) => boolean;
  readyTimeoutMs?: number;
}

let counter = 0;

export async function startTui(opts: TuiOptions): Promise<TuiSession> {
  const ownTmux = opts.tmux === undefined;
  const tmux = opts.tmux ?? (await createTmuxServer());
  const homeDir = tempDir(`boss-${opts.label}-home-`);
  const workTmp = tempDir(`boss-${opts.label}-work-`);
  const home = realpathSync(homeDir.dir);
  const workDir = realpathSync(workTmp.dir);
  const width = opts.width ?? 120;
  const height = opts.height ?? 40;
  const session = opts.session ?? `${opts.label}-${process.pid}-${++counter}`;
  opts.prepare?.(home, workDir);
  const env = opts.env(home, workDir);
  const run = [
    'env -i',
    'TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" TERM="$TERM"',
    ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    ...opts.argv.map(shellQuote),
  ].join(' ');
  const command =
    opts.afterExit === 'shell'
      ? `${run}; exec env -i TERM="$TERM" HOME=${shellQuote(home)} PATH=${shellQuote(env.PATH ?? '/usr/bin:/bin')} PS1='work$ ' bash --norc --noprofile -i`
      : `exec ${run}`;
  await tmux.tmux(
    'new-session', '-d', '-s', session, '-x', String(width), '-y', String(height), '-c', workDir, command,
    ';', 'set-option', '-w', '-t', `=${session}:`, 'remain-on-exit', 'on',
  );
  const pane = paneScreen(tmux, session, opts.label);
  let stopped = false;
  const tui: TuiSession = {
    tmux,
    session,
    home,
    workDir,
    width,
    height,
    capture: pane.capture,
    waitForScreen: pane.waitForScreen,
    keys: pane.keys,
    type: pane.type,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pane.kill();
      if (ownTmux) await tmux.kill();
      homeDir.cleanup();
      workTmp.cleanup();
    },
  };
  if (opts.ready) {
    try {
      await pane.waitForScreen(opts.ready, `the first screen of ${opts.label}`, opts.readyTimeoutMs ?? 60_000);
    } catch (err) {
      await tui.stop();
      throw new Error(`${opts.label} (${opts.argv[0]}) did not start: ${(err as Error).message}`);
    }
  }
  return tui;
}
