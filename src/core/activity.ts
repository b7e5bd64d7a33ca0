import type { DomainError } from './errors.js';
import type { Caller, Target } from './identity.js';

/**
 * One log line per coordination act (registration, report, send, approval, interrupt, spawn, stop,
 * capture, removal, approval-rule changes) and one per refusal by a rule (who may act on whom),
 * whichever face the call came through (MCP, HTTP, dashboard). Every act ends in `Activity.did`;
 * every refusal reaches the caller through `Coordinator.explainFailure`, which calls
 * `Activity.failed`: one path each, so no act or refusal is left out by a face.
 */

export interface ActivityLog {
  info(msg: string): void;
  debug(msg: string): void;
}

/** Agent-written text as one short, quoted line (no control characters reach the log). */
export const quote = (s: string | undefined, max = 80): string => {
  const one = (s ?? '').replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > max ? `${one.slice(0, max - 1)}…` : one);
};

const who = (c: Pick<Caller, 'agent'>): string => (c.agent !== undefined ? `agent ${quote(c.agent)}` : 'operator');
/** An agent as it appears in a log line. */
export const target = (t: Target): string => `${quote(t.agent)} in ${quote(t.space)}`;

/** The activity log of one coordinator (silent until a log is attached). */
export class Activity {
  private log: ActivityLog | undefined;

  attach(log: ActivityLog): void {
    this.log = log;
  }

  /** Logs a finished act of `caller` (`line` says what was done) and hands `result` back. */
  did<T>(caller: Pick<Caller, 'agent'>, line: string, result: T): T {
    this.write('info', `${line} (by ${who(caller)})`);
    return result;
  }

  /** Logs a failure answered to a caller: a refusal by a rule at info, another failure the caller can fix at debug. */
  failed(err: DomainError, where: string): void {
    if (err.code === 'forbidden') this.write('info', `refused: ${err.message}`);
    else this.write('debug', `${where} failed (${err.code}): ${err.message}`);
  }

  private write(level: 'info' | 'debug', msg: string): void {
    try {
      this.log?.[level](msg);
    } catch {
      // A log line must never break the call it describes.
    }
  }
}

/** Logs every coordination act and refusal of `coordinator` to `log`. */
export function logActivity(coordinator: { activity: Activity }, log: ActivityLog): void {
  coordinator.activity.attach(log);
}
