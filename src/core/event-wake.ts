import { EVENTS_CHANNEL, type Store } from '../store/store.js';

/**
 * "The feed has new events", from the store's notifications (PostgreSQL: every event insert NOTIFYs
 * `boss_events` when it commits, in whichever hub or process wrote it). One listening connection per
 * process, shared by every subscriber (the SSE hub, each MCP session's resource subscriptions), which
 * then read the database once instead of polling it every second each. Undefined on a store without
 * notifications (SQLite): they poll.
 */
export interface EventWake {
  /** Calls `onWake` after each batch of new events; returns the unsubscribe. */
  subscribe(onWake: () => void): () => void;
  close(): Promise<void>;
}

export function eventWake(store: Store): EventWake | undefined {
  if (!store.listen) return undefined;
  const listeners = new Set<() => void>();
  let stop: (() => Promise<void>) | undefined;
  return {
    subscribe(onWake) {
      stop ??= store.listen!(EVENTS_CHANNEL, () => {
        for (const l of listeners) l();
      });
      listeners.add(onWake);
      return () => listeners.delete(onWake);
    },
    async close() {
      listeners.clear();
      await stop?.();
      stop = undefined;
    },
  };
}
