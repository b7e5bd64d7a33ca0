import { sameTarget } from './identity.js';
import type { Caller, Coordinator, Target } from './coordinator.js';

/**
 * Whether an agent reached its agent-boss tools: an MCP session bound to it (a stdio server its
 * program started with BOSS_AGENT or --agent, or an HTTP session naming it) finished its
 * initialization. Each one appends a `tools_reached` event to the feed, so the process that spawned
 * the agent sees it whichever process served the session. spawn_agent waits for it (bounded) before
 * typing the ignite prompt, which tells the agent to call those tools.
 */
export const TOOLS_REACHED_EVENT = 'tools_reached';

/**
 * Default wait for an agent's tools once its input box is drawn. An agent program starts its MCP
 * servers as it starts; a server that works has initialized within a few seconds of the input box
 * even on a loaded machine, and the whole spawn stays under the 60 s an MCP client waits by default.
 */
export const DEFAULT_TOOLS_TIMEOUT_S = 20;

/** Records that the agent `caller` is bound to reached its tools (nothing for the operator's sessions). */
export async function recordToolsReached(coordinator: Coordinator, caller: Caller, via: string): Promise<void> {
  const me = coordinator.bindingOf(caller);
  if (me === undefined) return;
  await coordinator.store.appendEvent(TOOLS_REACHED_EVENT, me.space, { space: me.space, agent: me.agent, via });
}

/**
 * Waits until a `tools_reached` event of `target` newer than `afterEventId` is on the feed, or
 * `timeoutS` passes (or `signal` aborts). True when it came.
 */
export async function waitForTools(
  coordinator: Coordinator,
  target: Target,
  afterEventId: number,
  timeoutS: number,
  wait: { pollMs?: number; signal?: AbortSignal; sleep: (ms: number, signal?: AbortSignal) => Promise<void> },
): Promise<boolean> {
  const deadline = Date.now() + timeoutS * 1000;
  let seen = afterEventId;
  for (;;) {
    for (;;) {
      const page = await coordinator.eventsSince(seen, 500);
      for (const e of page) {
        const p = e.payload as { space?: unknown; agent?: unknown } | null;
        if (e.kind === TOOLS_REACHED_EVENT && typeof p?.space === 'string' && typeof p.agent === 'string' && sameTarget({ space: p.space, agent: p.agent }, target)) return true;
      }
      if (page.length > 0) seen = page.at(-1)!.id;
      if (page.length < 500) break;
    }
    if (Date.now() >= deadline || wait.signal?.aborted) return false;
    await wait.sleep(wait.pollMs ?? 250, wait.signal);
  }
}
