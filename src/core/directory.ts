import type { AgentRecord } from '../store/store.js';
import type { Coordinator } from './coordinator.js';
import { nameKey, sameName } from './identity.js';

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
  for (const a of await listAgents(coordinator)) if (!seen.has(nameKey(a.space))) seen.set(nameKey(a.space), a.space);
  return [...seen.values()].sort((a, b) => nameKey(a).localeCompare(nameKey(b)));
}

/** Names starting with `prefix` (case-insensitive), at most `max`, for argument completion. */
export const completeFrom = (names: readonly string[], prefix: string, max = 100): string[] =>
  names.filter((n) => nameKey(n).startsWith(nameKey(prefix))).slice(0, max);

/** An agent's peers in the order every face lists them: the other agents of its space, by name (names folded as everywhere: nameKey). */
export const peersOf = <T extends { name: string }>(agents: readonly T[], name: string): T[] =>
  agents.filter((a) => !sameName(a.name, name)).sort((a, b) => nameKey(a.name).localeCompare(nameKey(b.name)));

/**
 * The ignition's opening sentence, the same in the HTTP ignition page and the `ignite` prompt;
 * `esc` makes a value safe where it is shown, `where` says how agent-boss is reached.
 */
export const ignitionIntro = (who: { name: string; space: string; role?: string | null; parent?: string | null }, where: string, esc: (s: string) => string): string =>
  `You are **${esc(who.name)}**, an AI coding agent in the space **${esc(who.space)}**, coordinated by agent-boss ${where}.` +
  (who.role ? ` Your role: **${esc(who.role)}**.` : '') +
  (who.parent ? ` You report to **${esc(who.parent)}**.` : '');

/** The ignition's "Your last state" section, the same in the HTTP ignition page and the `ignite` prompt. */
export const lastStateSection = (self: AgentRecord | undefined, esc: (s: string) => string): string[] => [
  '## Your last state',
  '',
  ...(self
    ? [
        `- status: **${esc(self.status)}**`,
        `- summary: ${esc(self.summary)}`,
        ...(self.phase ? [`- phase: ${esc(self.phase)}`] : []),
        ...(self.branch ? [`- branch: ${esc(self.branch)}`] : []),
        ...(self.pr ? [`- pr: ${esc(self.pr)}`] : []),
        ...(self.next_steps ? [`- next steps: ${esc(self.next_steps)}`] : []),
        `- last report: ${self.reported_at ?? 'never'}`,
      ]
    : ['You are not registered yet. Register your session first (see below).']),
  '',
];

/** The ignition's first steps (register, report, keep reporting), the same in the HTTP ignition page and the `ignite` prompt. */
export const registerSteps = (who: { name: string; space: string }, esc: (s: string) => string): string[] => [
  `1. Call \`register_session\` with agent "${esc(who.name)}" and space "${esc(who.space)}" (leave out \`session_id\` if this MCP server runs inside your tmux session; otherwise pass your tmux session name from \`tmux display-message -p '#S'\`).`,
  '2. Call `report_status` with `status: "active"` and a one-line `summary` of what you are starting on.',
  '3. Then work, and call `report_status` whenever your status changes (blocked, done, error) and at milestones.',
];
