import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Where tmux puts the socket of `-L name` (tmux leaves the file behind when its server exits). */
export const socketPathOf = (name: string): string =>
  join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, name);

/** Stops the private server `-L name` and removes its socket file. */
export function killTmuxServer(name: string): void {
  spawnSync('tmux', ['-L', name, 'kill-server'], { stdio: 'ignore' });
  rmSync(socketPathOf(name), { force: true });
}

/** A private tmux server for one test: never the user's default server. */
export interface TmuxTestServer {
  /** Pass as `socketName` (tmux -L) to whatever is under test. */
  readonly socketName: string;
  /** Run `tmux -L <socket> -f /dev/null ...args`; resolves with stdout, rejects on failure. */
  tmux(...args: string[]): Promise<string>;
  /** kill-server on this socket (no error if it is already gone). */
  kill(): Promise<void>;
}

let counter = 0;

/**
 * What every test server is started with: `exit-empty off`, so it keeps running without sessions
 * until kill(), and a pane shell that reads no rc file (`bash --norc --noprofile`), so the tests do
 * not depend on the machine's ~/.bashrc (a slow or locked rc file once made every shell take 60 s).
 */
export const START_TEST_SERVER = [
  'start-server', ';',
  'set-option', '-g', 'exit-empty', 'off', ';',
  'set-option', '-g', 'default-command', 'exec bash --norc --noprofile',
];

/**
 * Start a tmux server on a unique socket (`boss-test-<pid>-<n>`) with `-f /dev/null`, so a user's
 * ~/.tmux.conf cannot change behaviour, and the options of START_TEST_SERVER. Call kill() in
 * afterEach/afterAll.
 */
export async function createTmuxServer(): Promise<TmuxTestServer> {
  const socketName = `boss-test-${process.pid}-${++counter}`;
  const tmux = async (...args: string[]): Promise<string> =>
    (await execa('tmux', ['-L', socketName, '-f', '/dev/null', ...args], { stdin: 'ignore' })).stdout;
  await tmux(...START_TEST_SERVER);
  return {
    socketName,
    tmux,
    async kill() {
      killTmuxServer(socketName);
    },
  };
}
