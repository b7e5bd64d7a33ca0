import { hostname } from 'node:os';
import type { BlockedReason } from '../backends/blocked.js';
import { agentKey } from './identity.js';
import type { LivenessRow } from './liveness.js';
import { visible } from './text.js';

/**
 * Telling the operator when an agent needs them: one decision per event, made from the liveness
 * rows of the monitor (so only the process holding the monitor's lease decides, and several hubs on
 * one database notify once), then handed to every sink (the event feed the dashboard reads, webhooks,
 * a command). Pure apart from the clock: the monitor calls `observe` once per tick.
 *
 * Events:
 *  - `prompt`: a permission prompt appeared. Once per prompt: the same prompt (one of its ids, the
 *    screen's or the hook's) seen again within PROMPT_MEMORY_MS is not a new one.
 *  - `blocked`: the agent stopped on the model API (rate limit, overloaded, server error, auth).
 *  - `gone`: an agent seen running is now gone (program exited), dead (pane kept) or missing
 *    (session gone). An agent first seen in such a state (say, after a reboot) is not announced.
 *  - `turn_done`: a turn that worked for at least `longTurnMs` ended (working → idle).
 * Rate limit: at most RATE.perAgent events per agent and RATE.total overall per RATE.windowMs; what
 * is over is dropped (and counted in the next event delivered as `suppressed`).
 */

export const NOTIFICATION_KINDS = ['prompt', 'blocked', 'gone', 'turn_done'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
/** The kind of the `events` row each notification is also recorded as (the dashboard reads it over SSE). */
export const NOTIFICATION_EVENT = 'notification';

/** The small JSON every sink receives (webhook body, command stdin, SSE `notification` event). */
export interface NotificationEvent {
  kind: NotificationKind;
  space: string;
  agent: string;
  /** The agent's host: its liveness row's (hubs on several hosts sharing one store), else the deciding hub's (`--host-name`, else its hostname). */
  host: string;
  /** The prompt's tool (prompt), else the agent's program. */
  tool?: string;
  /** What the prompt is about (the command, file, URL), or the block's reason, cut to SUBJECT_MAX. */
  subject?: string;
  prompt_id?: string;
  /** blocked: rate_limit, overloaded, server_error or auth. gone: the state (gone, dead, missing). */
  reason?: BlockedReason | 'gone' | 'dead' | 'missing';
  /** turn_done: how long the turn worked, in seconds. */
  duration_s?: number;
  /** One line for a person, and a short title. */
  title: string;
  text: string;
  /** The dashboard, opened at this prompt (or agent). */
  dashboard_url: string;
  /** prompt, when approval links are on: one-time links answering exactly this prompt. */
  approve_links?: { yes: string; no: string };
  /** Events of this process dropped by the rate limit since the last one delivered. */
  suppressed?: number;
  /** When it was decided (ISO). */
  at: string;
}

/** Where decided events go. `deliver` must not block: it queues and returns. */
export interface NotificationSink {
  readonly name: string;
  deliver(event: NotificationEvent): void;
  /** Waits for what is queued (bounded by each sink's own timeouts), at shutdown and in tests. */
  drain?(): Promise<void>;
}

export interface NotifierOptions {
  /** The dashboard's base URL as the operator reaches it (`--public-url`, else the address served). */
  baseUrl: string;
  /** A turn that worked this long is announced when it ends; 0 = never. */
  longTurnMs?: number;
  /** One-time approval links (paths under baseUrl) for a prompt, when enabled (see approval-links.ts). */
  approveLinks?: (row: { space: string; agent: string; prompt_id: string }) => { yes: string; no: string };
  /** The deciding hub's host (`--host-name`), named for agents whose rows carry none. */
  host?: string;
  clock?: () => number;
}

export const DEFAULT_LONG_TURN_MS = 5 * 60_000;
/** How far back a hub taking the lease looks at what was announced (blocks and exits; prompts: PROMPT_MEMORY_MS). */
const RECALL_MS = 60 * 60_000;
/** A prompt seen again within this time (a flicker of the screen, a hook id replacing the screen's) is the same prompt. */
const PROMPT_MEMORY_MS = 10 * 60_000;
/** Enough for a burst of real prompts; a flapping agent cannot flood a phone. */
export const RATE = { windowMs: 60_000, perAgent: 6, total: 30 } as const;
const SUBJECT_MAX = 300;

const ALIVE = new Set(['working', 'idle', 'waiting_approval']);
const ENDED = new Set(['gone', 'dead', 'missing']);

/** Per agent: what the previous tick showed. */
interface Last {
  state: string;
  blocked?: string;
  /** Since when the agent has been working (while it is). */
  workingSince?: number;
  everAlive: boolean;
}

const oneLine = (s: string, max: number): string => {
  const flat = visible(s.replace(/\s+/gu, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export class Notifier {
  private readonly baseUrl: string;
  private readonly longTurnMs: number;
  private readonly host: string;
  private readonly clock: () => number;
  private readonly approveLinks: NotifierOptions['approveLinks'];
  private last = new Map<string, Last>();
  /** Per agent: prompt id → when it was last seen pending. */
  private prompts = new Map<string, Map<string, number>>();
  private sent: { at: number; agent: string }[] = [];
  private suppressed = 0;

  constructor(opts: NotifierOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.longTurnMs = opts.longTurnMs ?? DEFAULT_LONG_TURN_MS;
    this.host = opts.host ?? hostname();
    this.clock = opts.clock ?? Date.now;
    this.approveLinks = opts.approveLinks;
  }

  /** Forgets everything seen (the lease went to another process; its holder decides meanwhile). */
  reset(): void {
    this.last.clear();
    this.prompts.clear();
  }

  /**
   * Takes in what was announced before this process held the lease (the `notification` events of
   * the feed, oldest first), so a hub taking over, or restarting, does not announce again a prompt
   * still pending or a block or exit already told.
   */
  remember(events: readonly NotificationEvent[]): void {
    const now = this.clock();
    for (const e of events) {
      const at = Date.parse(e.at);
      if (!(now - at <= RECALL_MS)) continue;
      const k = agentKey(e.space, e.agent);
      if (e.kind === 'prompt' && e.prompt_id !== undefined && now - at <= PROMPT_MEMORY_MS) {
        let seen = this.prompts.get(k);
        if (!seen) this.prompts.set(k, (seen = new Map()));
        seen.set(e.prompt_id, at);
      } else if (e.kind === 'blocked') {
        this.last.set(k, { state: 'idle', blocked: String(e.reason), everAlive: true });
      } else if (e.kind === 'gone') {
        this.last.set(k, { state: String(e.reason), everAlive: true });
      }
    }
  }

  /** The dashboard at this agent's card, or its prompt in the tray. */
  dashboardUrl(space: string, agent: string, prompt?: boolean): string {
    return `${this.baseUrl}/#${prompt ? 'prompt' : 'agent'}=${encodeURIComponent(space)}/${encodeURIComponent(agent)}`;
  }

  /** One tick of the monitor: the events these rows call for, after deduplication and the rate limit. */
  observe(rows: readonly LivenessRow[]): NotificationEvent[] {
    const now = this.clock();
    const decided: NotificationEvent[] = [];
    const next = new Map<string, Last>();
    for (const r of rows) {
      const k = agentKey(r.space, r.agent);
      const prev = this.last.get(k);
      // A turn runs from the first "working" until idle, through the prompts it asks on the way.
      const inTurn = r.state === 'working' || (r.state === 'waiting_approval' && prev?.workingSince !== undefined);
      const workingSince = inTurn ? (prev?.workingSince ?? now) : undefined;
      const cur: Last = {
        state: r.state,
        ...(r.blocked !== undefined && { blocked: r.blocked }),
        ...(workingSince !== undefined && { workingSince }),
        everAlive: (prev?.everAlive ?? false) || ALIVE.has(r.state),
      };
      next.set(k, cur);
      const event = this.decide(r, prev, now);
      if (event) decided.push(event);
    }
    this.last = next;
    // Prompts not seen for a while are forgotten (and agents that went away with them).
    for (const [k, ids] of this.prompts) {
      for (const [id, at] of ids) if (now - at > PROMPT_MEMORY_MS) ids.delete(id);
      if (ids.size === 0) this.prompts.delete(k);
    }
    return decided.filter((e) => this.admit(e, now));
  }

  private decide(r: LivenessRow, prev: Last | undefined, now: number): NotificationEvent | undefined {
    const k = agentKey(r.space, r.agent);
    if (r.needs_approval) {
      const ids = [r.prompt_id, r.screen_prompt_id].filter((id): id is string => id !== undefined);
      let seen = this.prompts.get(k);
      if (!seen) this.prompts.set(k, (seen = new Map()));
      const known = ids.some((id) => seen.has(id));
      for (const id of ids) seen.set(id, now);
      if (known || ids.length === 0) return undefined;
      const tool = r.tool_name ?? 'a tool';
      const subject = oneLine(r.subject ?? r.prompt_text ?? '', SUBJECT_MAX);
      const paths = this.approveLinks && r.prompt_id !== undefined ? this.approveLinks({ space: r.space, agent: r.agent, prompt_id: r.prompt_id }) : undefined;
      const links = paths && { yes: this.baseUrl + paths.yes, no: this.baseUrl + paths.no };
      return this.event(r, 'prompt', now, {
        tool,
        ...(subject !== '' && { subject }),
        ...(r.prompt_id !== undefined && { prompt_id: r.prompt_id }),
        title: `${r.agent} asks to use ${tool}`,
        text: `${r.agent} (${r.space}) waits for approval: ${tool}${subject !== '' ? `: ${subject}` : ''}`,
        ...(links && { approve_links: links }),
      });
    }
    if (r.blocked !== undefined && prev?.blocked !== r.blocked) {
      const why = r.error !== undefined ? oneLine(r.error, SUBJECT_MAX) : r.blocked;
      return this.event(r, 'blocked', now, {
        tool: r.agent_kind,
        reason: r.blocked,
        subject: why,
        title: `${r.agent} is blocked (${r.blocked.replace('_', ' ')})`,
        text: `${r.agent} (${r.space}) stopped on the model API: ${why}`,
      });
    }
    if (ENDED.has(r.state) && prev !== undefined && prev.everAlive && !ENDED.has(prev.state)) {
      const reason = r.state as 'gone' | 'dead' | 'missing';
      const what = reason === 'gone' ? 'its program exited' : reason === 'dead' ? 'its pane is dead' : 'its session no longer exists';
      return this.event(r, 'gone', now, {
        tool: r.agent_kind,
        reason,
        ...(r.resume_command !== undefined && { subject: oneLine(r.resume_command, SUBJECT_MAX) }),
        title: `${r.agent} is gone`,
        text: `${r.agent} (${r.space}) is gone: ${what}${r.resume_command !== undefined ? ` (resume: ${oneLine(r.resume_command, SUBJECT_MAX)})` : ''}`,
      });
    }
    if (this.longTurnMs > 0 && r.state === 'idle' && prev?.workingSince !== undefined && now - prev.workingSince >= this.longTurnMs) {
      const seconds = Math.round((now - prev.workingSince) / 1000);
      return this.event(r, 'turn_done', now, {
        tool: r.agent_kind,
        duration_s: seconds,
        title: `${r.agent} finished`,
        text: `${r.agent} (${r.space}) finished a turn of ${seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`}`,
      });
    }
    return undefined;
  }

  private event(
    r: LivenessRow,
    kind: NotificationKind,
    now: number,
    rest: Omit<NotificationEvent, 'kind' | 'space' | 'agent' | 'host' | 'dashboard_url' | 'at'>,
  ): NotificationEvent {
    return { kind, space: r.space, agent: r.agent, host: r.host ?? this.host, ...rest, dashboard_url: this.dashboardUrl(r.space, r.agent, kind === 'prompt'), at: new Date(now).toISOString() };
  }

  /** The rate limit: true when the event may go out (and counts it). */
  private admit(e: NotificationEvent, now: number): boolean {
    this.sent = this.sent.filter((s) => now - s.at < RATE.windowMs);
    const k = agentKey(e.space, e.agent);
    if (this.sent.length >= RATE.total || this.sent.filter((s) => s.agent === k).length >= RATE.perAgent) {
      this.suppressed++;
      return false;
    }
    this.sent.push({ at: now, agent: k });
    if (this.suppressed > 0) {
      e.suppressed = this.suppressed;
      this.suppressed = 0;
    }
    return true;
  }
}
