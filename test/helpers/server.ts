import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, CLI, spawnServe } from './cli.js';
import { killTmuxServer } from './tmux.js';
import { tempDir } from './tmp.js';

let counter = 0;

export interface ServeOptions {
  /** Extra CLI flags after `serve --port 0 --data-dir … --tmux-socket …`. */
  args?: string[];
  env?: Record<string, string>;
  /** Use this data directory (shared with another process) instead of a fresh one. */
  dataDir?: string;
  /** Use this tmux socket name instead of a fresh `boss-test-<pid>-http-<n>`. */
  tmuxSocket?: string;
  /** How long to wait for the "listening on" line. */
  timeoutMs?: number;
  /** Flags for node itself, before the script (`--max-old-space-size=64`). */
  nodeArgs?: string[];
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  dataDir: string;
  /** Private tmux socket the server talks to (tmux -L). */
  tmuxSocket: string;
  proc: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** The operator key the hub made in its data directory, and the headers that present it. */
  operatorKey: string;
  asOperator: Record<string, string>;
  /** SIGTERM, wait for exit (SIGKILL after a grace period); resolves with the exit code. */
  stop(): Promise<number | null>;
}


const childEnv = (env: Record<string, string> = {}) => {
  // Never let the server find the developer's own tmux (TMUX/TMUX_PANE) or a token in the environment.
  // A minimal environment (no LANG either), as a service manager would start the server with.
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  if (process.env.TMPDIR) base.TMPDIR = process.env.TMPDIR;
  return { ...base, ...env };
};

/** Kills the private tmux server on `socket` and removes its socket file (it may never have started). */
export const killTmux = (socket: string): void => killTmuxServer(socket);

/**
 * Starts the built CLI as `agent-boss serve --port 0` on a fresh data directory and a private tmux
 * socket, and resolves once it printed `agent-boss listening on http://HOST:PORT`. stop() ends the
 * process, kills the private tmux server and removes the data directory it created.
 */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  assertBuilt();
  const own = opts.dataDir === undefined ? tempDir('agent-boss-http-') : undefined;
  const dataDir = opts.dataDir ?? own!.dir;
  const tmuxSocket = opts.tmuxSocket ?? `boss-test-${process.pid}-http-${++counter}`;
  const cleanup = () => {
    if (opts.tmuxSocket === undefined) killTmux(tmuxSocket);
    own?.cleanup();
  };
  let started;
  try {
    started = await spawnServe(['--data-dir', dataDir, '--tmux-socket', tmuxSocket, ...(opts.args ?? [])], childEnv(opts.env), opts.timeoutMs ?? 10_000, opts.nodeArgs);
  } catch (e) {
    cleanup();
    throw e;
  }
  const { proc, port, exited } = started;
  const operatorKey = readFileSync(join(dataDir, 'operator.key'), 'utf8').trim();

  let stopping: Promise<number | null> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    tmuxSocket,
    proc,
    stderr: started.stderr,
    operatorKey,
    asOperator: { Authorization: `Bearer ${operatorKey}` },
    stop() {
      stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 8000);
        const code = await exited;
        clearTimeout(timer);
        cleanup();
        return code;
      })();
      return stopping;
    },
  };
}

/** Runs `agent-boss serve …` expecting it to refuse to start; resolves with its exit code and output. */
export async function runServeExpectingExit(args: string[], env: Record<string, string> = {}, timeoutMs = 10_000) {
  assertBuilt();
  const { dir, cleanup } = tempDir('agent-boss-http-');
  const socket = `boss-test-${process.pid}-http-${++counter}`;
  const proc = spawn(process.execPath, [CLI, 'serve', '--data-dir', dir, '--tmux-socket', socket, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  killTmux(socket);
  cleanup();
  return { code, stderr, stdout };
}

/** Reads SSE frames from a fetch response until `done(frames)` or the time runs out, then cancels the stream. */
export async function readSse(res: Response, done: (events: SseEvent[]) => boolean, timeoutMs = 5000): Promise<SseEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const events: SseEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(events) && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(1, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout' || chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = parseFrame(frame);
        if (ev) events.push(ev);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

export interface SseEvent {
  id?: number;
  event: string;
  data: unknown;
}

/** Parses one SSE frame; comment-only frames (keep-alive) give undefined. */
export function parseFrame(frame: string): SseEvent | undefined {
  let id: number | undefined;
  let event = 'message';
  const data: string[] = [];
  let any = false;
  for (const line of frame.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const [field, ...rest] = line.split(':');
    const value = rest.join(':').replace(/^ /, '');
    if (field === 'id') id = Number(value);
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else continue;
    any = true;
  }
  if (!any || data.length === 0) return undefined;
  return { ...(id !== undefined && { id }), event, data: JSON.parse(data.join('\n')) as unknown };
}
