/**
 * Talking to tmux, nothing more: one-off `tmux` processes (`run`) and pipelined command batches
 * (`exec`) that go over a long-lived control-mode client (`tmux -C`) when one is worth keeping, or
 * over one `tmux` process per batch otherwise. Knows nothing of agents or screens.
 *
 * Control mode, in short: each command line written to the client's stdin is answered with
 * `%begin <time> <number> <flags>`, the output lines, then `%end …` or `%error …` with the same
 * three fields. Notifications (`%output`, `%session-changed`, …) arrive only between blocks.
 * Blocks with flags 0 answer commands this client did not write (the `attach-session` it was
 * started with), so they are skipped; blocks with flags 1 answer our commands, in the order we wrote
 * them. Output is not escaped (a captured screen may show a forged `%end`), so each command is
 * followed by an unguessable mark that ends its answer (see control-connection.ts), as the markers of
 * a single-process batch do.
 */

import { ControlClosedError, ControlConnection } from './control-connection.js';
import { BackendError } from '../errors.js';
import {
  escapeArgvArg,
  isMissingTargetMessage,
  isNoServerMessage,
  loadExeca,
  notInstalled,
  splitLines,
  TmuxCommandError,
  type CommandResult,
  type TmuxCommand,
} from './tmux-protocol.js';

export {
  commandLine,
  escapeArgvArg,
  isMissingTargetMessage,
  isNoServerMessage,
  quoteArg,
  TmuxCommandError,
  type CommandResult,
  type TmuxCommand,
} from './tmux-protocol.js';

export interface TmuxClientOptions {
  /** `tmux -L name`: a server socket by name. */
  socketName?: string;
  /** `tmux -S path`: a server socket by path (wins over socketName). */
  socketPath?: string;
  /** `tmux -f file`; only matters when our command starts the server. Tests pass /dev/null. */
  configFile?: string;
  /** The tmux program (default "tmux", looked up on PATH). */
  binary?: string;
  /** Use a control-mode client for batches when sessions exist (default true). */
  control?: boolean;
  /** Close an unused control client after this long, so it never lingers for nothing. */
  controlIdleMs?: number;
  log?: (msg: string) => void;
}

/** Why a single process may take this long: a busy server, never a healthy one. */
const PROCESS_TIMEOUT_MS = 15_000;
/** After a failed control-client start, use single processes for this long before trying again. */
const CONTROL_RETRY_MS = 30_000;
/** Command-line bytes per single-process batch (tmux refuses lines much over 16 KB). */
const MAX_BATCH_BYTES = 8 * 1024;
/** Default idle time after which the control client is closed (see controlIdleMs). */
const DEFAULT_CONTROL_IDLE_MS = 60_000;

export class TmuxClient {
  private readonly binary: string;
  private readonly globalArgs: string[];
  private readonly useControl: boolean;
  private readonly controlIdleMs: number;
  private readonly log: (msg: string) => void;

  private conn: ControlConnection | undefined;
  private connecting: Promise<ControlConnection | undefined> | undefined;
  /**
   * Start a control client only once a listing showed user sessions: it attaches to one of them, and
   * a probe of an empty machine must neither start a server nor keep one running.
   */
  private controlWanted = false;
  /** The user session the control client attaches to (see ControlConnection). */
  private attachTarget: string | undefined;
  private controlRetryAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** How many `tmux` processes this client started (control clients included). For tests/benchmarks. */
  spawnCount = 0;

  constructor(options: TmuxClientOptions = {}) {
    this.binary = options.binary ?? 'tmux';
    // -u: treat the client as UTF-8 whatever the locale. MCP clients start stdio servers with a
    // minimal environment (no LANG), and tmux would then turn every non-ASCII character of the
    // output (Claude Code's ❯ and ─, tab-separated formats) into "_", breaking screen parsing.
    this.globalArgs = ['-u'];
    if (options.socketPath) this.globalArgs.push('-S', options.socketPath);
    else if (options.socketName) this.globalArgs.push('-L', options.socketName);
    if (options.configFile) this.globalArgs.push('-f', options.configFile);
    this.useControl = options.control ?? true;
    this.controlIdleMs = options.controlIdleMs ?? DEFAULT_CONTROL_IDLE_MS;
    this.log = options.log ?? (() => {});
  }

  /** The control client is (or is being) attached to this session. */
  attachedTo(session: string): boolean {
    if (this.connecting !== undefined) return this.attachTarget === session;
    return this.conn?.alive === true && this.conn.current === session;
  }

  /**
   * About to destroy `session`: if the control client is attached to it, end the client now and
   * forget the session as a target, so no command is in flight on a client that tmux is detaching.
   */
  async releaseSession(session: string): Promise<void> {
    if (this.attachTarget === session) this.attachTarget = undefined;
    if (this.attachedTo(session) || (this.connecting !== undefined && (await this.connecting)?.current === session)) {
      await this.closeControl();
    }
  }

  /** A control client is attached right now. */
  get controlConnected(): boolean {
    return this.conn?.alive === true;
  }

  /** One `tmux` process. Resolves with its stdout (final newline stripped); rejects with TmuxCommandError. */
  async run(args: readonly string[], options: { input?: string } = {}): Promise<string> {
    return this.spawn(args.map(escapeArgvArg), options.input);
  }

  /**
   * Run commands in order and collect each one's answer. One failing command does not stop the
   * others. `idempotent` commands (queries) are re-run over a single process if the control client
   * dies before answering; others then fail, since they may already have taken effect.
   */
  async exec(commands: readonly TmuxCommand[], options: { idempotent?: boolean } = {}): Promise<CommandResult[]> {
    if (commands.length === 0) return [];
    const conn = await this.connection();
    if (!conn) return this.runBatch(commands);
    const settled = await conn.send(commands);
    // The client may end mid-batch (its session was destroyed, the server died). tmux drops the
    // commands it had not begun, so those are re-run over a process; the one it had begun may have
    // taken effect, so it is re-run only when it is a query.
    const results: (CommandResult | undefined)[] = [];
    const redo: number[] = [];
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') results[i] = r.value;
      else if (!(r.reason instanceof ControlClosedError)) throw r.reason;
      else if (!r.reason.started || options.idempotent) redo.push(i);
      else results[i] = { ok: false, error: `tmux closed the control connection before answering: ${r.reason.message}` };
    });
    if (redo.length > 0) {
      const again = await this.runBatch(redo.map((i) => commands[i]!));
      redo.forEach((i, k) => (results[i] = again[k]));
    }
    return results as CommandResult[];
  }

  /** One command via `exec`; its output lines, or a TmuxCommandError. */
  async command(command: TmuxCommand, options: { idempotent?: boolean } = {}): Promise<string[]> {
    const [result] = await this.exec([command], options);
    if (!result) throw new Error('tmux exec returned no result');
    if (!result.ok) throw new TmuxCommandError(`tmux ${command[0] ?? ''} failed: ${result.error}`, result.error);
    return result.lines;
  }

  /**
   * Tell the client which sessions the server holds (from a full listing; preferred ones first).
   * With no session left, the control client is closed. With sessions, the control client is
   * (re)started on the next batch, attached to the first of them unless its current one remains.
   */
  noteSessions(names: Iterable<string>): void {
    const users = [...names];
    if (this.attachTarget === undefined || !users.includes(this.attachTarget)) this.attachTarget = users[0];
    this.controlWanted = users.length > 0 && this.useControl && !this.closed;
    if (!this.controlWanted && this.conn) void this.closeControl();
  }

  /** A session was just created: worth a control client, which may attach to it. */
  noteSessionCreated(name: string): void {
    if (this.conn === undefined && this.connecting === undefined) this.attachTarget = name;
    this.controlWanted = this.useControl && !this.closed;
  }

  /** End the control client (if any). The client stays usable; a later batch may start another. */
  async closeControl(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const conn = this.conn ?? (await this.connecting?.catch(() => undefined));
    this.conn = undefined;
    await conn?.close();
  }

  /** End the control client for good. */
  async close(): Promise<void> {
    this.closed = true;
    this.controlWanted = false;
    await this.closeControl();
  }

  // ---------------------------------------------------------------------------------------------

  private async connection(): Promise<ControlConnection | undefined> {
    if (this.conn?.alive) {
      this.touch();
      return this.conn;
    }
    this.conn = undefined;
    if (!this.controlWanted || this.closed || Date.now() < this.controlRetryAt) return undefined;
    this.connecting ??= this.startControl().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async startControl(): Promise<ControlConnection | undefined> {
    const target = this.attachTarget;
    if (target === undefined) return undefined;
    const execa = await loadExeca();
    this.spawnCount++;
    const conn = new ControlConnection(execa, this.binary, this.globalArgs, target, (reason) => {
      if (this.conn === conn) {
        this.conn = undefined;
        this.attachTarget = undefined;
        // The server may be gone (kill-server): do not bring one back just to look at it. The next
        // listing that shows user sessions turns control mode on again.
        this.controlWanted = false;
        this.log(`tmux control client ended: ${reason}`);
      }
    });
    try {
      await conn.ready;
    } catch (err) {
      if (err instanceof BackendError) throw err;
      void conn.close();
      if (isMissingTargetMessage((err as Error).message)) {
        // The session went away between the listing and the attach: not a reason to give up
        // control mode; the next listing names another session.
        if (this.attachTarget === target) this.attachTarget = undefined;
        return undefined;
      }
      this.controlRetryAt = Date.now() + CONTROL_RETRY_MS;
      this.log(`tmux control mode unavailable, using single processes: ${(err as Error).message}`);
      return undefined;
    }
    if (this.closed || !this.controlWanted) {
      void conn.close();
      return undefined;
    }
    this.conn = conn;
    this.touch();
    return conn;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.closeControl(), this.controlIdleMs);
    this.idleTimer.unref();
  }

  /**
   * Several commands in ONE process: `cmd1 ; display-message -p MARK0 ; cmd2 ; …`. tmux stops a
   * sequence at the first failing command, so the markers seen tell which ones ran; the failing one
   * gets tmux's error and the rest go into another batch.
   */
  private async runBatch(commands: readonly TmuxCommand[]): Promise<CommandResult[]> {
    // One tmux process takes a command line of about 16 KB at most ("command too long"): split
    // long batches into several processes.
    const chunks: TmuxCommand[][] = [[]];
    let bytes = 0;
    for (const command of commands) {
      const size = command.reduce((n, word) => n + Buffer.byteLength(word) + 1, 64);
      if (chunks.at(-1)!.length > 0 && bytes + size > MAX_BATCH_BYTES) {
        chunks.push([]);
        bytes = 0;
      }
      chunks.at(-1)!.push(command);
      bytes += size;
    }
    if (chunks.length > 1) {
      const results: CommandResult[] = [];
      for (const chunk of chunks) results.push(...(await this.runChunk(chunk)));
      return results;
    }
    return this.runChunk(commands);
  }

  private async runChunk(commands: readonly TmuxCommand[]): Promise<CommandResult[]> {
    if (commands.length === 1) {
      const command = commands[0] as TmuxCommand;
      try {
        const out = await this.run(command);
        return [{ ok: true, lines: splitLines(out) }];
      } catch (err) {
        if (err instanceof TmuxCommandError) return [{ ok: false, error: err.stderr }];
        throw err;
      }
    }
    const tag = `__agent_boss_mark_${process.pid}_${Math.random().toString(36).slice(2)}_`;
    const argv: string[] = [];
    commands.forEach((command, i) => {
      if (i > 0) argv.push(';');
      argv.push(...command.map(escapeArgvArg), ';', 'display-message', '-p', `${tag}${i}`);
    });
    let stdout = '';
    let failure: string | undefined;
    try {
      stdout = await this.spawn(argv);
    } catch (err) {
      if (!(err instanceof TmuxCommandError)) throw err;
      stdout = err.stdout;
      failure = err.stderr || err.message;
    }
    const results: CommandResult[] = [];
    let lines: string[] = [];
    for (const line of splitLines(stdout)) {
      if (line === `${tag}${results.length}`) {
        results.push({ ok: true, lines });
        lines = [];
      } else {
        lines.push(line);
      }
    }
    if (results.length === commands.length) return results;
    results.push({ ok: false, error: failure ?? 'tmux stopped without an answer' });
    const rest = commands.slice(results.length);
    if (failure !== undefined && isNoServerMessage(failure)) {
      for (const _ of rest) results.push({ ok: false, error: failure });
      return results;
    }
    return results.concat(await this.runChunk(rest));
  }

  private async spawn(argv: readonly string[], input?: string): Promise<string> {
    this.spawnCount++;
    const execa = await loadExeca();
    const result = await execa(this.binary, [...this.globalArgs, ...argv], {
      reject: false,
      timeout: PROCESS_TIMEOUT_MS,
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    });
    if (!result.failed) return result.stdout;
    if (result.code === 'ENOENT') throw notInstalled();
    const stderr = (result.stderr || '').trim() || (result.shortMessage ?? 'tmux failed');
    throw new TmuxCommandError(`tmux ${argv[0] ?? ''} failed: ${stderr}`, stderr, result.stdout ?? '');
  }
}
