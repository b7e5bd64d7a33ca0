/**
 * Private tmux servers for benchmarks, and an honest count of `tmux` processes.
 *
 * - `TmuxServer`: `tmux -L bench-<pid>-<label> -f /dev/null`, sessions running the fake Claude Code
 *   (idle) or a busy spinner program, `kill-server` on close — also on SIGINT (see cleanup.ts).
 *   The harness's own setup calls use the real tmux by absolute path, so they are never counted.
 * - `SpawnCounter`: a directory holding a `tmux` shell script that appends a line to a counter file
 *   and `exec`s the real tmux. Put first in PATH, every `tmux` started by name from this process
 *   (ours and legacy alike) is counted the same way.
 */
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAKE_AGENT } from '../../test/helpers/fake-agent.js';
import { onCleanup } from './cleanup.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export { FAKE_AGENT };
export const BUSY_AGENT = join(ROOT, 'bench', 'fixtures', 'busy-agent.mjs');

/** The real tmux, found on PATH before any shim is put in front. */
export const REAL_TMUX = findOnPath('tmux', process.env.PATH ?? '');

function findOnPath(name: string, path: string): string {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not on PATH`);
}

/** A temp directory removed at cleanup. */
export function benchTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `agent-boss-bench-${label}-`));
  // Retries: a program in a session being killed may still append to its log in there.
  onCleanup(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));
  return dir;
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export type SessionKind = 'idle' | 'busy';

export interface SessionSpec {
  name: string;
  kind: SessionKind;
}

export class TmuxServer {
  readonly socket: string;
  readonly dir: string;
  private readonly release: () => void;
  private sessions: SessionSpec[] = [];

  constructor(label: string) {
    this.socket = `bench-${process.pid}-${label}`;
    this.dir = benchTempDir(`tmux-${label}`);
    this.release = onCleanup(`tmux -L ${this.socket} kill-server`, () => {
      spawnSync(REAL_TMUX, ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
      // tmux leaves the socket file behind.
      rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
    });
  }

  /** One tmux command on this server, by absolute path (never counted). */
  async run(args: readonly string[], input?: string): Promise<string> {
    const r = await execa(REAL_TMUX, ['-L', this.socket, '-f', '/dev/null', ...args], {
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
      timeout: 30_000,
    });
    return r.stdout;
  }

  /** The JSON-lines log of an idle session's fake agent. */
  logFile(name: string): string {
    return join(this.dir, `${name}.jsonl`);
  }

  /** Names of the sessions created so far, in order. */
  get names(): string[] {
    return this.sessions.map((s) => s.name);
  }

  get specs(): readonly SessionSpec[] {
    return this.sessions;
  }

  /**
   * Creates sessions (200×50) in batches of one tmux command each, then waits until every program
   * has drawn its first screen (bounded).
   */
  async addSessions(specs: readonly SessionSpec[], options: { workMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const BATCH = 10;
    for (let i = 0; i < specs.length; i += BATCH) {
      const argv: string[] = [];
      for (const spec of specs.slice(i, i + BATCH)) {
        if (argv.length) argv.push(';');
        argv.push('new-session', '-d', '-s', spec.name, '-x', '200', '-y', '50', this.commandFor(spec, options.workMs ?? 200));
      }
      await this.run(argv);
      // Let a batch of node programs start before the next one: two cores.
      await this.waitReady(specs.slice(i, i + BATCH), options.timeoutMs ?? 60_000);
    }
    this.sessions.push(...specs);
  }

  private commandFor(spec: SessionSpec, workMs: number): string {
    const node = shellQuote(process.execPath);
    if (spec.kind === 'idle') {
      return `${node} ${shellQuote(FAKE_AGENT)} --log ${shellQuote(this.logFile(spec.name))} --work-ms ${workMs} --name ${shellQuote(spec.name)}`;
    }
    return `${node} ${shellQuote(BUSY_AGENT)} --ready ${shellQuote(join(this.dir, `${spec.name}.ready`))}`;
  }

  private async waitReady(specs: readonly SessionSpec[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const isReady = (s: SessionSpec) =>
      s.kind === 'busy'
        ? existsSync(join(this.dir, `${s.name}.ready`))
        : existsSync(this.logFile(s.name)) && readFileSync(this.logFile(s.name), 'utf8').includes('"ready"');
    for (;;) {
      const waiting = specs.filter((s) => !isReady(s));
      if (waiting.length === 0) return;
      if (Date.now() > deadline) throw new Error(`sessions not ready after ${timeoutMs} ms: ${waiting.map((s) => s.name).join(', ')}`);
      await sleep(50);
    }
  }

  /** kill-server now (also registered for SIGINT / exit). */
  close(): void {
    this.release();
  }
}

/** Half idle, half busy: session i is busy when i is even (so N = 1 is one busy session). */
export const mixedSpecs = (prefix: string, from: number, to: number): SessionSpec[] =>
  Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return { name: `${prefix}${String(i).padStart(3, '0')}`, kind: i % 2 === 0 ? 'busy' : 'idle' };
  });

/**
 * Counts `tmux` processes started by name from this process while enabled. Disabled, PATH is the
 * original one (so timings carry no shim cost).
 */
export class SpawnCounter {
  private readonly dir: string;
  private readonly counterFile: string;
  private readonly originalPath: string;

  constructor() {
    this.dir = benchTempDir('shim');
    const bin = join(this.dir, 'bin');
    mkdirSync(bin);
    this.counterFile = join(this.dir, 'count');
    writeFileSync(this.counterFile, '');
    const shim = join(bin, 'tmux');
    writeFileSync(shim, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${shellQuote(this.counterFile)}\nexec ${shellQuote(REAL_TMUX)} "$@"\n`);
    chmodSync(shim, 0o755);
    this.originalPath = process.env.PATH ?? '';
    this.shimPath = `${bin}${delimiter}${this.originalPath}`;
    onCleanup('restore PATH', () => this.disable());
  }

  private readonly shimPath: string;

  enable(): void {
    process.env.PATH = this.shimPath;
  }

  disable(): void {
    process.env.PATH = this.originalPath;
  }

  /** tmux processes counted so far. */
  count(): number {
    const text = readFileSync(this.counterFile, 'utf8');
    return text === '' ? 0 : text.split('\n').length - 1;
  }

  /** The command lines counted so far (for a sanity look). */
  lines(): string[] {
    return readFileSync(this.counterFile, 'utf8').split('\n').filter(Boolean);
  }

  /** Runs fn with the shim in PATH; returns its result and the tmux processes it started. */
  async measure<T>(fn: () => Promise<T>): Promise<{ value: T; spawned: number }> {
    this.enable();
    const before = this.count();
    try {
      const value = await fn();
      return { value, spawned: this.count() - before };
    } finally {
      this.disable();
    }
  }
}
