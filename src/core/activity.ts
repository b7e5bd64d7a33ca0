import type { Caller, Coordinator } from './coordinator.js';
import { isDomainError } from './errors.js';

/**
 * One log line per coordination act (registration, report, send, approval, interrupt, removal) and
 * per refusal by a rule (who may act on whom), whichever face the call came through (MCP, legacy
 * HTTP). Wraps the coordinator's methods in place; results and errors pass through unchanged.
 */

export interface ActivityLog {
  info(msg: string): void;
  debug(msg: string): void;
}

/** Agent-written text as one short, quoted line (no control characters reach the log). */
const quote = (s: string | undefined, max = 80): string => {
  const one = (s ?? '').replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > max ? `${one.slice(0, max - 1)}…` : one);
};

const who = (c: Caller): string => (c.agent !== undefined ? `agent ${quote(c.agent)}` : 'operator');
const target = (t: { space: string; agent: string }): string => `${quote(t.agent)} in ${quote(t.space)}`;

type Describe = (args: unknown[], result: unknown) => string;

const DESCRIBE: Record<string, Describe> = {
  registerSession: ([caller, input], res) => {
    const r = res as { created: boolean; session_id: string | null; backend: string };
    return `${r.created ? 'registered' : 're-registered'} ${target(input as never)} on ${r.backend} session ${quote(r.session_id ?? '')} (by ${who(caller as Caller)})`;
  },
  reportStatus: ([caller, t, report]) => {
    const r = report as { status: string; summary: string };
    return `report from ${target(t as never)}: ${r.status} ${quote(r.summary)}${(caller as Caller).agent === undefined ? ' (by operator)' : ''}`;
  },
  sendInput: ([caller, input], res) => {
    const i = input as { space: string; agent: string; text: string; submit?: boolean };
    const r = res as { session_id: string };
    return `send to ${target(i)} (session ${quote(r.session_id)}): ${i.text.length} characters${i.submit === false ? '' : ' + Enter'} (by ${who(caller as Caller)})`;
  },
  approve: ([caller, input], res) => {
    const r = res as { decision: string; tool_name?: string; cleared: boolean };
    return `approval for ${target(input as never)}: ${r.decision}${r.tool_name ? ` (${quote(r.tool_name)})` : ''}${r.cleared ? '' : ', prompt still shown'} (by ${who(caller as Caller)})`;
  },
  interrupt: ([caller, input], res) => {
    const r = res as { stopped: boolean; escapes: number };
    return `interrupt ${target(input as never)}: ${r.stopped ? 'stopped' : 'still busy'} after ${r.escapes} Escape${r.escapes === 1 ? '' : 's'} (by ${who(caller as Caller)})`;
  },
  deleteAgent: ([t]) => `removed ${target(t as never)}`,
};

/** Logs every coordination act of `coordinator` at info, refusals by a rule at info, other failures at debug. */
export function logActivity(coordinator: Coordinator, log: ActivityLog): void {
  const methods = coordinator as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [name, describe] of Object.entries(DESCRIBE)) {
    const original = methods[name];
    if (typeof original !== 'function') continue;
    const done = (args: unknown[], result: unknown) => {
      try {
        log.info(describe(args, result));
      } catch {
        // A log line must never break the call it describes.
      }
      return result;
    };
    const failed = (err: unknown): never => {
      if (isDomainError(err)) {
        if (err.code === 'forbidden') log.info(`refused: ${err.message}`);
        else log.debug(`${name} failed (${err.code}): ${err.message}`);
      }
      throw err;
    };
    methods[name] = function (this: unknown, ...args: unknown[]) {
      let result: unknown;
      try {
        result = original.apply(coordinator, args);
      } catch (err) {
        return failed(err);
      }
      // The methods may be synchronous or asynchronous; keep each as it is.
      return result instanceof Promise ? result.then((r) => done(args, r), failed) : done(args, result);
    };
  }
}
