import type { AgentRecord } from '../store/store.js';
import type { Coordinator } from './coordinator.js';

/**
 * Read-only views of who is registered, for prompts, resources and completions. Always awaited, so
 * they keep working whether the store answers synchronously or not.
 */

export async function listAgents(coordinator: Coordinator, space?: string): Promise<AgentRecord[]> {
  return await coordinator.listAgents(space);
}

export async function findAgent(coordinator: Coordinator, space: string, agent: string): Promise<AgentRecord | undefined> {
  return await coordinator.findAgent({ space, agent });
}

/** Every space that has agents, in first-seen casing, sorted. */
export async function listSpaces(coordinator: Coordinator): Promise<string[]> {
  const seen = new Map<string, string>();
  for (const a of await listAgents(coordinator)) if (!seen.has(a.space.toLowerCase())) seen.set(a.space.toLowerCase(), a.space);
  return [...seen.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/** Names starting with `prefix` (case-insensitive), at most `max`, for argument completion. */
export const completeFrom = (names: readonly string[], prefix: string, max = 100): string[] =>
  names.filter((n) => n.toLowerCase().startsWith(prefix.toLowerCase())).slice(0, max);
