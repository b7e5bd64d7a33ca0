/**
 * tmux as a Terminal: sessions, panes, captures, literal text and keys, over tmux-client.ts (one
 * long-lived control-mode client, or one process per batch). It knows nothing of the program in a
 * pane; agent-session-backend.ts decides what to send.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyName } from '../agent-ui.js';
import { BackendError } from '../errors.js';
import type { NewSession, PaneInfo, PaneState, Terminal } from '../terminal.js';
import { TmuxClient, TmuxCommandError, type TmuxCommand } from './tmux-client.js';

export interface TmuxTerminalOptions {
  /** `tmux -L name`; default: the user's default server (or the one `$TMUX` points at). */
  socketName?: string;
  /** `tmux -f file` when our command starts the server (tests: /dev/null). */
  configFile?: string;
  /** The tmux program (default "tmux" on PATH). */
  tmuxBinary?: string;
  log?: (msg: string) => void;
}

/** A negative `tmux -V` answer is trusted this long by available(). */
const AVAILABLE_CACHE_MS = 10_000;
/**
 * Paste text up to this many UTF-8 bytes is handed to tmux as a command argument (set-buffer, over
 * the control client: no process); longer text goes on a process's stdin (load-buffer), since tmux
 * refuses command lines much over 16 KB.
 */
const MAX_SET_BUFFER_BYTES = 4 * 1024;

/** What paneState looks at: pane_dead, pane_in_mode, pane_mode. */
const PANE_STATE_FORMAT = '#{pane_dead}\t#{pane_in_mode}\t#{pane_mode}';

// `#{session_name}` last: it is the only field that may contain the separator.
const PANE_FORMAT = ['#{pane_id}', '#{pane_dead}', '#{window_activity}', '#{window_active}#{pane_active}', '#{session_name}'].join('\t');

export class TmuxTerminal implements Terminal {
  readonly name = 'tmux';
  /** The tmux I/O layer (exposed for tests and diagnostics). */
  readonly client: TmuxClient;

  private readonly socketName: string | undefined;
  private readonly log: (msg: string) => void;
  private availableCache: { at: number; value: Promise<boolean>; yes: boolean } | undefined;
  /** Sessions that belong to agents (created here or told about). */
  private readonly tracked = new Set<string>();
  private bufferCounter = 0;

  constructor(options: TmuxTerminalOptions = {}) {
    this.socketName = options.socketName;
    this.log = options.log ?? (() => {});
    this.client = new TmuxClient({
      ...(options.socketName !== undefined && { socketName: options.socketName }),
      ...(options.configFile !== undefined && { configFile: options.configFile }),
      ...(options.tmuxBinary !== undefined && { binary: options.tmuxBinary }),
      log: this.log,
    });
  }

  available(): Promise<boolean> {
    const now = Date.now();
    // A yes is kept: liveness asks on every probe and must not start a `tmux -V` process in steady
    // state (tmux vanishing later still surfaces, as the "unavailable" error of the next command).
    // A no is asked again after a while, so installing tmux needs no restart.
    if (this.availableCache && (this.availableCache.yes || now - this.availableCache.at < AVAILABLE_CACHE_MS)) {
      return this.availableCache.value;
    }
    const value = this.client.run(['-V']).then(
      (out) => /^tmux /.test(out),
      () => false,
    );
    const entry = { at: now, value, yes: false };
    this.availableCache = entry;
    void value.then((yes) => {
      entry.yes = yes;
    });
    return value;
  }

  async problem(): Promise<string | undefined> {
    try {
      await this.client.run(['list-sessions', '-F', '#{session_name}']);
      return undefined;
    } catch (err) {
      if (err instanceof TmuxCommandError && err.noServer) return `no tmux server is running on ${this.serverLabel()}`;
      if (err instanceof TmuxCommandError && err.missingTarget) return undefined; // a server without sessions
      return err instanceof Error ? err.message : String(err);
    }
  }

  sessionIdProblem(id: string): string | undefined {
    if (!addressable(id)) {
      return `Session id "${id}" cannot be used with tmux: tmux rewrites ":", ".", "$" and "\\" in session names. Pick a name without them.`;
    }
    return undefined;
  }

  describe(sessionId: string): string {
    return `tmux session "${sessionId}"`;
  }

  track(sessionId: string): void {
    this.tracked.add(sessionId);
  }

  untrack(sessionId: string): void {
    this.tracked.delete(sessionId);
  }

  // ---------------------------------------------------------------------------------------------
  // Sessions and panes

  async createSession(options: NewSession): Promise<void> {
    const id = options.sessionId;
    if (await this.sessionExists(id)) throw sessionExists(id);
    // Always a directory: over the control client, new-session would otherwise start in the
    // directory of whichever session that client is attached to.
    const command = ['new-session', '-d', '-s', formatLiteral(id), '-x', String(options.width), '-y', String(options.height), '-c', formatLiteral(options.workDir)];
    try {
      await this.client.command(command);
    } catch (err) {
      if (err instanceof TmuxCommandError && /duplicate session/i.test(err.stderr)) throw sessionExists(id);
      throw this.failure(err, id);
    }
    this.tracked.add(id);
    this.client.noteSessionCreated(id);
  }

  async killSession(sessionId: string): Promise<void> {
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    try {
      // The control client is attached to some user session; killing that one would end the
      // client before it answers, so it is let go first (a later listing picks another session).
      await this.client.releaseSession(sessionId);
      await this.client.run(['kill-session', '-t', `=${sessionId}`]);
    } catch (err) {
      throw this.failure(err, sessionId);
    }
    this.tracked.delete(sessionId);
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    if (!addressable(sessionId)) return false;
    try {
      await this.client.command(['has-session', '-t', `=${sessionId}`], { idempotent: true });
      return true;
    } catch (err) {
      if (err instanceof TmuxCommandError && (err.missingTarget || err.noServer)) return false;
      throw this.failure(err, sessionId);
    }
  }

  async listSessions(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.client.command(['list-sessions', '-F', '#{session_name}'], { idempotent: true });
    } catch (err) {
      if (err instanceof TmuxCommandError && err.noServer) names = [];
      else throw this.failure(err);
    }
    this.client.noteSessions(this.preferTracked(names));
    return names;
  }

  async listPanes(): Promise<PaneInfo[]> {
    let lines: string[];
    try {
      lines = await this.client.command(['list-panes', '-a', '-F', PANE_FORMAT], { idempotent: true });
    } catch (err) {
      // No server, or a server without sessions ("no current target"): no panes at all.
      if (err instanceof TmuxCommandError && (err.noServer || err.missingTarget)) return [];
      throw this.failure(err);
    }
    const rows: PaneInfo[] = [];
    for (const line of lines) {
      const parts = line.split('\t');
      if (parts.length < 5) continue;
      const [paneId = '', dead, activity, active] = parts;
      rows.push({ paneId, dead: dead === '1', activity: Number(activity), active: active === '11', session: parts.slice(4).join('\t') });
    }
    this.client.noteSessions(this.preferTracked(new Set(rows.map((r) => r.session))));
    return rows;
  }

  async capture(sessionId: string, historyLines?: number): Promise<string[]> {
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    // -S -N: include up to N lines of history.
    const extra = historyLines === undefined ? [] : ['-S', `-${historyLines}`];
    try {
      const lines = await this.client.command(['capture-pane', '-p', '-J', ...extra, '-t', paneTarget(sessionId)], { idempotent: true });
      return trimScreen(lines);
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  async capturePanes(paneIds: readonly string[]): Promise<(string[] | undefined)[]> {
    const results = await this.client.exec(
      paneIds.map((id) => ['capture-pane', '-p', '-J', '-t', id]),
      { idempotent: true },
    );
    return paneIds.map((_, i) => {
      const r = results[i];
      return r?.ok ? trimScreen(r.lines) : undefined; // closed between the listing and the capture
    });
  }

  async paneCommand(sessionId: string): Promise<string> {
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    try {
      const [line = ''] = await this.client.command(['display-message', '-p', '-t', paneTarget(sessionId), '#{pane_current_command}'], { idempotent: true });
      return line.trim();
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  async paneState(sessionId: string): Promise<PaneState> {
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    try {
      const [line = ''] = await this.client.command(['display-message', '-p', '-t', paneTarget(sessionId), PANE_STATE_FORMAT], { idempotent: true });
      const [dead, inMode, mode = ''] = line.split('\t');
      return { dead: dead === '1', inMode: inMode === '1', mode };
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  async leaveMode(sessionId: string): Promise<void> {
    await this.client.command(['send-keys', '-t', paneTarget(sessionId), '-X', 'cancel']).catch((err: unknown) => {
      if (!(err instanceof TmuxCommandError && /not in a mode/i.test(err.stderr))) throw this.failure(err, sessionId);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  async typeLiteral(sessionId: string, text: string): Promise<void> {
    await this.act(sessionId, ['send-keys', '-t', paneTarget(sessionId), '-l', '--', text]);
  }

  /**
   * Put text literally into the pane: through a uniquely named paste buffer, pasted with -p
   * (bracketed paste when the app asked for it, so several lines arrive as ONE message, and a TUI
   * takes the text as one input event rather than one redraw per key: Claude Code showed 20 typed
   * characters ~50 ms later than the same 20 pasted) and -r (keep LF as LF: without it tmux turns
   * each LF into CR, the Enter key, which an app not in bracketed-paste mode would take as several
   * submissions; and CRLF text would double up). Words like "Enter" or "-t x" arrive as text.
   */
  async paste(sessionId: string, text: string): Promise<void> {
    const target = paneTarget(sessionId);
    if (!(await this.sessionExists(sessionId))) throw sessionMissing(sessionId);
    const buffer = `agent-boss-${process.pid}-${++this.bufferCounter}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      // A NUL cannot travel in a command argument (tmux cuts the text there): stdin it is.
      if (Buffer.byteLength(text) <= MAX_SET_BUFFER_BYTES && !text.includes('\0')) await this.client.command(['set-buffer', '-b', buffer, '--', text]);
      else await this.client.run(['load-buffer', '-b', buffer, '-'], { input: text });
    } catch (err) {
      throw this.failure(err, sessionId);
    }
    try {
      await this.act(sessionId, ['paste-buffer', '-b', buffer, '-t', target, '-p', '-r', '-d']);
    } catch (err) {
      await this.client.command(['delete-buffer', '-b', buffer]).catch(() => undefined);
      throw err;
    }
  }

  /**
   * A key by name, as its own send-keys. Enter is sent as `Enter`, not `C-m`: apps that turn on
   * extended keys (CSI u) may ignore a raw C-m.
   */
  async pressKey(sessionId: string, key: KeyName): Promise<void> {
    await this.act(sessionId, ['send-keys', '-t', paneTarget(sessionId), key]);
  }

  // ---------------------------------------------------------------------------------------------
  // Identity

  /**
   * The session this process runs in, from the `TMUX` (`socket_path,server_pid,session_index`)
   * and `TMUX_PANE` it inherited; undefined when not in a pane of the server this terminal uses.
   */
  async identifySelf(env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const tmuxVar = env.TMUX;
    const pane = env.TMUX_PANE;
    if (!tmuxVar || !pane || !/^%\d+$/.test(pane)) return undefined;
    const socketPath = tmuxVar.split(',')[0];
    if (!socketPath) return undefined;
    if (!sameFile(socketPath, this.ourSocketPath())) return undefined;
    const probe = new TmuxClient({ socketPath, control: false, log: this.log });
    try {
      const name = (await probe.run(['display-message', '-p', '-t', pane, '#{session_name}'])).trim();
      return name === '' ? undefined : name;
    } catch (err) {
      if (err instanceof TmuxCommandError) return undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Session names with the agents' first: the control client attaches to the first, and attaching
   * has small side effects on a session (its window's bell flag is cleared, `client-attached` hooks
   * run), better borne by an agent's session than the user's own.
   */
  private preferTracked(names: Iterable<string>): string[] {
    const all = [...names];
    return [...all.filter((n) => this.tracked.has(n)), ...all.filter((n) => !this.tracked.has(n))];
  }

  private async act(sessionId: string, command: TmuxCommand): Promise<void> {
    try {
      await this.client.command(command);
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  /** The tmux server this terminal talks to, for messages. */
  private serverLabel(): string {
    return this.socketName !== undefined ? `socket "${this.socketName}" (tmux -L ${this.socketName})` : 'the default socket';
  }

  /** Our server's socket path, as tmux computes it (for identifySelf). */
  private ourSocketPath(): string {
    const dir = join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    if (this.socketName !== undefined) return join(dir, this.socketName);
    const inherited = process.env.TMUX?.split(',')[0];
    return inherited || join(dir, 'default');
  }

  /** A tmux failure as the BackendError the caller can act on. */
  private failure(err: unknown, sessionId?: string): Error {
    if (err instanceof BackendError) return err;
    if (err instanceof TmuxCommandError) {
      if (sessionId !== undefined && err.noServer) {
        return new BackendError(`no tmux server is running on ${this.serverLabel()}, so session "${sessionId}" cannot be reached`, 'no_server');
      }
      if (sessionId !== undefined && err.missingTarget) return sessionMissing(sessionId);
      return new BackendError(`${err.message}`, 'command_failed');
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** A name tmux never gives a session (it rewrites these characters) cannot exist: treat as missing. */
const addressable = (id: string): boolean => !/[:.$\\]/.test(id);

/** Exact pane target: `=name:` is the active pane of exactly that session (bare `web` would match `web-2`). */
const paneTarget = (id: string): string => `=${id}:`;

/** tmux expands formats (`#{…}`, `#S`) in some arguments, e.g. new-session -s and -c. */
const formatLiteral = (s: string): string => s.replaceAll('#', '##');

/** Drop trailing blank lines and trailing spaces. */
function trimScreen(lines: readonly string[]): string[] {
  const out = lines.map((l) => l.trimEnd());
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function sameFile(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return a === b || real(a) === real(b);
}

const sessionMissing = (id: string): BackendError =>
  new BackendError(`tmux session "${id}" does not exist. Check the name with listSessions, or create the session first.`, 'session_missing');

const sessionExists = (id: string): BackendError =>
  new BackendError(`A tmux session named "${id}" already exists. Pick another name, or kill that session first.`, 'session_exists');
