import { spawn } from 'node:child_process';
import type { NotificationEvent, NotificationSink } from '../core/notifications.js';
import { visible } from '../core/text.js';
import type { Logger } from '../log.js';

/**
 * `serve --notify-command CMD`: runs CMD with `/bin/sh -c` for each event, the event as JSON on its
 * stdin and in NOTIFY_JSON, and its fields in NOTIFY_* variables. Agent text reaches the command only
 * as the values of those variables and as stdin, never as part of the command line, so
 * `notify-send "$NOTIFY_TITLE" "$NOTIFY_TEXT"` shows a subject of `$(rm -rf ~)` as those characters.
 * Each run is bounded in time (its process group is killed after `timeoutMs`), at most
 * `maxConcurrent` run at once, and a queue past its bound drops its oldest event.
 */

export interface CommandOptions {
  log: Logger;
  /** The hub's environment, which the command inherits (without the hub's token). */
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  maxConcurrent?: number;
  maxQueue?: number;
}

export const COMMAND_DEFAULTS = { timeoutMs: 10_000, maxConcurrent: 2, maxQueue: 50 } as const;
/** What of a failing command's stderr is logged. */
const STDERR_SHOWN = 300;

/** The variables a command gets: one per field (absent ones empty), each on one line. */
export function commandEnv(event: NotificationEvent): Record<string, string> {
  const v = (s: string | number | undefined) => (s === undefined ? '' : visible(String(s)));
  return {
    NOTIFY_KIND: event.kind,
    NOTIFY_SPACE: v(event.space),
    NOTIFY_AGENT: v(event.agent),
    NOTIFY_HOST: v(event.host),
    NOTIFY_TOOL: v(event.tool),
    NOTIFY_SUBJECT: v(event.subject),
    NOTIFY_PROMPT_ID: v(event.prompt_id),
    NOTIFY_REASON: v(event.reason),
    NOTIFY_TITLE: v(event.title),
    NOTIFY_TEXT: v(event.text),
    NOTIFY_URL: v(event.dashboard_url),
    NOTIFY_APPROVE_URL: v(event.approve_links?.yes),
    NOTIFY_DENY_URL: v(event.approve_links?.no),
    NOTIFY_JSON: JSON.stringify(event),
  };
}

export class CommandSink implements NotificationSink {
  readonly name = 'notify command';
  private readonly command: string;
  private readonly opts: Required<Omit<CommandOptions, 'log' | 'env'>> & Pick<CommandOptions, 'log' | 'env'>;
  private readonly queue: NotificationEvent[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(command: string, opts: CommandOptions) {
    this.command = command;
    this.opts = { ...COMMAND_DEFAULTS, ...opts };
  }

  deliver(event: NotificationEvent): void {
    if (this.queue.length >= this.opts.maxQueue) {
      const dropped = this.queue.shift()!;
      this.opts.log.warn(`${this.name}: ${this.opts.maxQueue} events waiting; dropped the oldest (${dropped.kind} of ${dropped.agent})`);
    }
    this.queue.push(event);
    this.next();
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private next(): void {
    while (this.running.size < this.opts.maxConcurrent && this.queue.length > 0) {
      const run = this.run(this.queue.shift()!).finally(() => {
        this.running.delete(run);
        this.next();
      });
      this.running.add(run);
    }
  }

  private run(event: NotificationEvent): Promise<void> {
    const env = { ...this.opts.env, ...commandEnv(event) };
    delete env.BOSS_TOKEN;
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', this.command], { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, this.opts.timeoutMs);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (d: string) => {
        if (stderr.length < STDERR_SHOWN) stderr += d;
      });
      // A command that does not read its stdin closes it early: that is no failure.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(`${JSON.stringify(event)}\n`);
      child.on('error', (err) => {
        clearTimeout(timer);
        this.opts.log.warn(`${this.name}: cannot start /bin/sh: ${err.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) this.opts.log.warn(`${this.name}: killed after ${this.opts.timeoutMs} ms (the ${event.kind} event of ${event.agent})`);
        else if (code !== 0) {
          const said = visible(stderr.trim().slice(0, STDERR_SHOWN));
          this.opts.log.warn(`${this.name}: exited with ${code ?? signal} on the ${event.kind} event of ${event.agent}${said ? `: ${said}` : ''}`);
        }
        resolve();
      });
    });
  }
}
