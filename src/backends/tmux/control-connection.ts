/**
 * One control-mode client (`tmux -C attach-session -f no-output,ignore-size`): writes command
 * batches to its stdin and settles each command from its `%begin … %end/%error` block.
 *
 * tmux passes a command's output through unescaped, so a screen read by `capture-pane` may itself
 * show `%end <time> <number> 1` (a program can print it, and the number is easy to guess): a footer
 * cannot end a block on its own. Each command is therefore followed by a mark,
 * `display-message -p <random word>`, which no screen can show: a command's answer is everything up
 * to the last footer of its block before the mark's block.
 */
import { randomBytes } from 'node:crypto';
import type { execa as Execa, ResultPromise } from 'execa';

import { commandLine, notInstalled, type CommandResult, type TmuxCommand } from './tmux-protocol.js';

/** A control client that has not attached by then is treated as unavailable. */
const CONTROL_START_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// The control-mode connection

export class ControlClosedError extends Error {
  constructor(
    message: string,
    /** tmux had begun this command (its %begin arrived) before the client ended. */
    readonly started = false,
  ) {
    super(message);
  }
}

const CONTROL_PROCESS_OPTIONS = { buffer: false, reject: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' } as const;

interface Pending {
  resolve: (result: CommandResult) => void;
  reject: (err: Error) => void;
  /** Its %begin arrived: tmux is running (or ran) it. */
  started: boolean;
  /** The line the mark written after it prints. */
  mark: string;
}

/** A block that answers no command of ours (the attach-session the client was started with). */
interface Block {
  footerFields: string;
  lines: string[];
}

/** The answer of our first pending command, read until its mark shows. */
interface Reading {
  footerFields: string;
  lines: string[];
}

export class ControlConnection {
  readonly ready: Promise<void>;
  alive = true;
  private readonly proc: ResultPromise<typeof CONTROL_PROCESS_OPTIONS>;
  private readonly queue: Pending[] = [];
  private partial = '';
  private block: Block | undefined;
  private reading: Reading | undefined;
  /** Footer fields of a mark's block, skipped up to its end. */
  private markFooter: string | undefined;
  /** Unguessable prefix of the marks; a counter makes each one distinct. */
  private readonly markPrefix = `agent-boss-mark-${randomBytes(12).toString('hex')}-`;
  private marks = 0;
  private stderr = '';
  private attached = false;
  /** The session this client is attached to (from `%session-changed`). */
  current: string | undefined;
  private settleReady!: (err?: Error) => void;

  constructor(
    execa: typeof Execa,
    binary: string,
    globalArgs: readonly string[],
    /** The user session to attach to. */
    private readonly sessionName: string,
    private readonly onClosed: (reason: string) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (err) => (err ? reject(err) : resolve());
    });
    // Swallow the rejection if nobody awaits `ready` (e.g. closed before use).
    this.ready.catch(() => {});
    // The control client attaches to an existing user session instead of creating one of its own:
    // with tmux 3.3a, a control client that created its own session (`-C new-session`) exiting
    // while another control client is attached crashed the whole server in 1–3 of 8 trials here,
    // taking every agent's session with it; control clients attached to an existing session never
    // did. `ignore-size` keeps it from resizing the user's windows, `no-output` spares it the
    // session's %output stream. It creates nothing, so it never keeps a server alive on its own.
    this.proc = execa(
      binary,
      // -E: do not copy our environment's update-environment variables (DISPLAY, SSH_AUTH_SOCK…)
      // into the session; an MCP client starts us with almost none, which would unset them there.
      [...globalArgs, '-C', 'attach-session', '-E', '-f', 'no-output,ignore-size', '-t', `=${sessionName}`],
      CONTROL_PROCESS_OPTIONS,
    );
    const timer = setTimeout(() => this.settleReady(new Error('timed out attaching')), CONTROL_START_TIMEOUT_MS);
    timer.unref();
    this.ready.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    this.proc.stdin.on('error', () => {}); // EPIPE when tmux is gone; the exit handler reports it
    void this.proc.then((result) => {
      const spawnFailed = result.code === 'ENOENT';
      const reason = spawnFailed
        ? 'tmux is not installed'
        : this.stderr.trim() || `exited (code ${result.exitCode ?? result.signal ?? '?'})`;
      this.shutdown(spawnFailed ? notInstalled() : new ControlClosedError(reason), reason);
    });
    // Held (ref'd) only while starting or while answers are awaited: an idle control client
    // must never keep the Node process alive, and a pending answer must.
    this.ready.then(
      () => this.updateRef(),
      () => this.updateRef(),
    );
  }

  private updateRef(): void {
    const hold = this.queue.length > 0;
    for (const handle of [this.proc, this.proc.stdout, this.proc.stderr, this.proc.stdin] as unknown as Array<{
      ref?: () => void;
      unref?: () => void;
    }>) {
      if (hold) handle.ref?.();
      else handle.unref?.();
    }
  }

  /** Writes a batch; each answer settles on its own (a rejection is a ControlClosedError). */
  send(commands: readonly TmuxCommand[]): Promise<PromiseSettledResult<CommandResult>[]> {
    if (!this.alive) {
      return Promise.resolve(commands.map(() => ({ status: 'rejected' as const, reason: new ControlClosedError('control client is closed') })));
    }
    const wasIdle = this.queue.length === 0;
    const lines: string[] = [];
    const answers = commands.map((command) => {
      const mark = `${this.markPrefix}${this.marks++}`;
      lines.push(commandLine(command), commandLine(['display-message', '-p', mark]));
      return new Promise<CommandResult>((resolve, reject) => {
        this.queue.push({ resolve, reject, started: false, mark });
      });
    });
    if (wasIdle) this.updateRef();
    // One write keeps the batch contiguous; tmux answers in order.
    this.proc.stdin.write(`${lines.join('\n')}\n`);
    return Promise.allSettled(answers);
  }

  /** Detach from the session (closing stdin ends the client; SIGTERM if it lingers). */
  async close(): Promise<void> {
    if (!this.alive) return;
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill('SIGTERM'), 1000);
    await this.proc.catch(() => undefined);
    clearTimeout(timer);
  }

  private onData(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    if (this.markFooter !== undefined) {
      if (line === `%end ${this.markFooter}` || line === `%error ${this.markFooter}`) this.markFooter = undefined;
      return;
    }
    const reading = this.reading;
    if (reading) {
      if (line === this.queue[0]?.mark) this.finishReading(reading);
      else reading.lines.push(line);
      return;
    }
    const block = this.block;
    if (block) {
      if (line === `%end ${block.footerFields}` || line === `%error ${block.footerFields}`) {
        this.block = undefined;
        this.finishAttach(block, line.startsWith('%end '));
        return;
      }
      block.lines.push(line);
      return;
    }
    if (line.startsWith('%begin ')) {
      const footerFields = line.slice('%begin '.length);
      const flags = Number(footerFields.split(' ')[2] ?? '0');
      const pending = this.queue[0];
      if ((flags & 1) === 1 && pending) {
        pending.started = true;
        this.reading = { footerFields, lines: [] };
      } else {
        this.block = { footerFields, lines: [] };
      }
      return;
    }
    if (line.startsWith('%session-changed ')) {
      // `%session-changed $ID NAME`: the session this client is attached to now.
      this.current = line.split(' ').slice(2).join(' ');
      if (this.current === this.sessionName) {
        this.attached = true;
        this.settleReady();
      }
      return;
    }
    if (line === '%exit' || line.startsWith('%exit ')) {
      this.shutdown(new ControlClosedError(line), line);
    }
    // Other notifications (%output, %window-add, …): not ours to handle.
  }

  /**
   * The mark showed: what was read is the command's block (its output, then its real footer),
   * maybe notifications, then the mark's `%begin`. The last footer with the block's fields is the
   * real one; any earlier one is output.
   */
  private finishReading(reading: Reading): void {
    this.reading = undefined;
    const markBegin = reading.lines.pop() ?? '';
    this.markFooter = markBegin.slice('%begin '.length);
    const end = reading.lines.findLastIndex((l) => l === `%end ${reading.footerFields}` || l === `%error ${reading.footerFields}`);
    const pending = this.queue.shift();
    if (!pending) return;
    if (this.queue.length === 0) this.updateRef();
    if (end < 0) {
      pending.resolve({ ok: false, error: 'tmux answered without closing the command (unreadable control-mode output)' });
      return;
    }
    const lines = reading.lines.slice(0, end);
    if (reading.lines[end]!.startsWith('%end ')) pending.resolve({ ok: true, lines });
    else pending.resolve({ ok: false, error: lines.join('\n') || 'tmux reported an error' });
  }

  /** The attach-session the client was started with: a failure there means no control mode. */
  private finishAttach(block: Block, ok: boolean): void {
    if (!ok && !this.attached) this.settleReady(new Error(block.lines.join(' ') || 'attach failed'));
  }

  private shutdown(err: Error, reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.settleReady(err);
    for (const pending of this.queue.splice(0)) {
      pending.reject(err instanceof ControlClosedError ? new ControlClosedError(err.message, pending.started) : err);
    }
    this.onClosed(reason);
  }
}
