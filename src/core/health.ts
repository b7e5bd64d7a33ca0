import type { BackendRegistry } from '../backends/registry.js';
import type { Store } from '../store/store.js';

/** How long the health check waits for one backend's probe. */
const PROBE_MS = 2000;

export interface Health {
  /** The store can serve (the backends only inform: an agent host without tmux still serves reports). */
  ok: boolean;
  /** "ok", or what is wrong with the store. */
  db: string;
  /** Per configured backend: "ok", "unavailable", "timeout", or what is wrong (e.g. no server on the socket). */
  backends: Record<string, string>;
}

/** Runs a probe with a time bound: "ok", "unavailable" or "timeout". */
async function probe(fn: () => Promise<boolean>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), PROBE_MS);
  });
  try {
    return await Promise.race([fn().then((up) => (up ? 'ok' : 'unavailable'), () => 'unavailable'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(store: Store, backends: BackendRegistry): Promise<Health> {
  let db: string;
  try {
    db = (await store.health()).detail;
  } catch (err) {
    db = `error: ${(err as Error).message}`;
  }
  const states = await Promise.all(
    backends.all().map(async (b): Promise<[string, string]> => {
      const up = await probe(() => b.available());
      // Installed; but does it serve where this process looks (a wrong --tmux-socket shows here)?
      if (up !== 'ok') return [b.name, up];
      return [b.name, (await b.problem?.().catch((e: Error) => e.message)) ?? 'ok'];
    }),
  );
  return { ok: db === 'ok', db, backends: Object.fromEntries(states) };
}
