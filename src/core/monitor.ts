import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Coordinator } from './coordinator.js';
import { agentKey as keyOf, nameKey } from './identity.js';
import { toEventRow, type LivenessEventRow, type LivenessRow } from './liveness.js';
import { NOTIFICATION_EVENT, type NotificationEvent, type NotificationSink, type Notifier } from './notifications.js';
import { recordShownConversations } from './resume.js';

export type { LivenessEventRow } from './liveness.js';

/**
 * The liveness monitor: a loop that probes every registered session about once a second and, when
 * what a session shows changes, appends a `session_liveness` event that SSE clients (in any process)
 * receive. Only the long-running HTTP server starts it, and of several such processes on one
 * database only the one holding the `liveness-monitor` lease runs it, so each change is recorded
 * once.
 *
 * Event payload: one `session_liveness` event per space whose rows changed, with the event's space
 * set, and as payload the JSON array of that space's rows (`LivenessEventRow`, a view of the
 * liveness row with `since`, `approval_since` and `prompt_since`). A space whose last agent went away gets
 * an empty array. Transitions (became idle, needs approval since T, approval cleared, session
 * missing) are read by comparing a row with the same agent's row in the previous event.
 */

export const LIVENESS_EVENT = 'session_liveness';
export const MONITOR_LEASE = 'liveness-monitor';

export interface LivenessMonitorOptions {
  coordinator: Coordinator;
  /** Probe period. One second: fast enough to notice a permission prompt, cheap with one batched probe. */
  intervalMs?: number;
  /** Lease lifetime; renewed each tick, so another process takes over within this time after a crash. */
  leaseTtlMs?: number;
  holderId?: string;
  clock?: () => number;
  onError?: (err: unknown) => void;
  /**
   * Decides the notifications from each tick's rows (only while this process holds the lease), records
   * each as a `notification` event and hands it to the sinks.
   */
  notifier?: Notifier;
  sinks?: readonly NotificationSink[];
}

/** What a session shows, minus what changes all the time (last_line) — the basis for "changed". */
const fingerprint = (r: LivenessRow): string =>
  JSON.stringify([r.session_id, r.exists, r.state, r.needs_approval, r.tool_name ?? null, r.prompt_text ?? null, r.prompt_id ?? null, r.source]);

const agentKey = (r: { space: string; agent: string }) => keyOf(r.space, r.agent);

/**
 * Per agent: the fingerprint and when it was first seen; while a prompt is pending, since when
 * (approvalSince: without a break, over several prompts in a row; promptSince: this prompt, whose
 * ids are promptIds).
 */
interface Seen {
  fp: string;
  since: number;
  approvalSince?: number;
  promptSince?: number;
  promptIds: string[];
}

export class LivenessMonitor {
  readonly holderId: string;
  private readonly coordinator: Coordinator;
  private readonly store: Store;
  private readonly intervalMs: number;
  private readonly leaseTtlMs: number;
  private readonly clock: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly notifier: Notifier | undefined;
  private readonly sinks: readonly NotificationSink[];
  /** Per agent: what was seen and since when; per space: the last rows emitted. */
  private seen = new Map<string, Seen>();
  private emitted = new Map<string, { space: string; sig: string }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private leader = false;
  /** Holds this host's lease (hubs sharing a store): probes and publishes this host's sessions. */
  private hostLeader = false;
  private stopped = false;
  /** Conversation ids already recorded from screens (see recordShownConversations). */
  private readonly shownConversations = new Set<string>();

  constructor(opts: LivenessMonitorOptions) {
    this.coordinator = opts.coordinator;
    this.store = opts.coordinator.store;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.leaseTtlMs = opts.leaseTtlMs ?? 5000;
    this.holderId = opts.holderId ?? `${process.pid}-${randomUUID()}`;
    this.clock = opts.clock ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
    this.notifier = opts.notifier;
    this.sinks = opts.sinks ?? [];
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    const loop = () => {
      this.running = this.tick()
        .then(
          () => undefined,
          (err: unknown) => this.onError(err),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops the loop, waits for a tick in flight, and releases the lease so another process can take over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.leader) {
      this.leader = false;
      try {
        await this.store.releaseLease(MONITOR_LEASE, this.holderId);
      } catch (err) {
        this.onError(err);
      }
    }
    if (this.hostLeader) {
      this.hostLeader = false;
      try {
        await this.store.releaseLease(this.hostLease, this.holderId);
        await this.coordinator.hosts.leave();
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** The lease of this host's probe: one process per host publishes its sessions' rows. */
  private get hostLease(): string {
    return `${MONITOR_LEASE}@${nameKey(this.coordinator.hosts.name)}`;
  }

  /**
   * One round: take or renew the lease; if held, probe and append an event per changed space.
   * Returns the ids of the events appended.
   */
  async tick(): Promise<number[]> {
    const hosts = this.coordinator.hosts;
    // Hubs sharing a store: each host's hub probes and publishes its own sessions every tick (its host
    // lease); the one holding the monitor lease also records the events of every host's rows.
    this.hostLeader = hosts.shared && (await this.store.acquireLease(this.hostLease, this.holderId, this.leaseTtlMs));
    const leader = await this.store.acquireLease(MONITOR_LEASE, this.holderId, this.leaseTtlMs);
    if (this.hostLeader && !leader) await hosts.publish(await this.coordinator.listLiveness(undefined, hosts.name), process.pid);
    if (!leader) {
      // Another process records transitions; start afresh if the lease comes back to us.
      this.leader = false;
      this.seen.clear();
      this.emitted.clear();
      this.notifier?.reset();
      return [];
    }
    if (!this.leader && this.notifier) await this.recallNotifications();
    this.leader = true;
    const rows = await this.coordinator.listLiveness();
    if (this.hostLeader) await hosts.publish(rows, process.pid);
    if (this.stopped) return [];
    // What an exited program's screen shows (its resume command) makes it resumable after a reboot.
    await recordShownConversations(this.coordinator, rows, this.shownConversations);
    const now = this.clock();
    const nextSeen = new Map<string, Seen>();
    const bySpace = new Map<string, { space: string; rows: LivenessEventRow[] }>();
    for (const r of rows) {
      const k = agentKey(r);
      const fp = fingerprint(r);
      const prev = this.seen.get(k);
      const since = prev && prev.fp === fp ? prev.since : now;
      const approvalSince = r.needs_approval ? (prev?.approvalSince ?? now) : undefined;
      // The same prompt while one of its ids stays: the screen's id and the hook's (which arrives
      // a moment later) name one prompt, a new prompt_id right after an answer names the next one.
      const promptIds = r.needs_approval ? [r.prompt_id, r.screen_prompt_id].filter((id): id is string => id !== undefined) : [];
      const samePrompt = prev?.promptSince !== undefined && promptIds.some((id) => prev.promptIds.includes(id));
      const promptSince = r.needs_approval ? (samePrompt ? prev.promptSince! : now) : undefined;
      nextSeen.set(k, { fp, since, promptIds, ...(approvalSince !== undefined && { approvalSince }), ...(promptSince !== undefined && { promptSince }) });
      const spaceKey = nameKey(r.space);
      if (!bySpace.has(spaceKey)) bySpace.set(spaceKey, { space: r.space, rows: [] });
      bySpace.get(spaceKey)!.rows.push(toEventRow(r, since, approvalSince, promptSince));
    }
    this.seen = nextSeen;

    const ids: number[] = [];
    const nextEmitted = new Map<string, { space: string; sig: string }>();
    for (const [spaceKey, { space, rows: spaceRows }] of bySpace) {
      // Compare without the timestamps: they only change when something else does.
      const sig = JSON.stringify(spaceRows.map(({ since: _s, approval_since: _a, prompt_since: _p, ...rest }) => rest));
      nextEmitted.set(spaceKey, { space, sig });
      if (this.emitted.get(spaceKey)?.sig !== sig) ids.push(await this.store.appendEvent(LIVENESS_EVENT, space, spaceRows));
    }
    for (const [spaceKey, { space }] of this.emitted) {
      if (!bySpace.has(spaceKey)) ids.push(await this.store.appendEvent(LIVENESS_EVENT, space, []));
    }
    this.emitted = nextEmitted;
    if (this.notifier) ids.push(...(await this.notify(rows)));
    return ids;
  }

  /** Hands the notifier what the feed says was announced already (the table keeps its last 10,000 events). */
  private async recallNotifications(): Promise<void> {
    const announced: NotificationEvent[] = [];
    for (let after = Math.max(0, (await this.store.lastEventId()) - 10_000); ; ) {
      const page = await this.store.eventsSince(after, 1000);
      if (page.length === 0) break;
      for (const e of page) if (e.kind === NOTIFICATION_EVENT) announced.push(e.payload as NotificationEvent);
      after = page.at(-1)!.id;
    }
    this.notifier!.remember(announced);
  }

  /** Records each notification the rows call for (after the liveness events, so a reader has the row first) and hands it to the sinks. */
  private async notify(rows: readonly LivenessRow[]): Promise<number[]> {
    const ids: number[] = [];
    for (const event of this.notifier!.observe(rows)) {
      // The feed is readable by agents: the one-time links go only to the operator's own sinks.
      const { approve_links: _links, ...recorded } = event;
      ids.push(await this.store.appendEvent(NOTIFICATION_EVENT, event.space, recorded));
      for (const sink of this.sinks) {
        try {
          sink.deliver(event);
        } catch (err) {
          this.onError(err);
        }
      }
    }
    return ids;
  }
}
