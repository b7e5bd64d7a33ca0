import { completeFrom, listAgents, listSpaces } from '../core/directory.js';
import { DomainError } from '../core/errors.js';
import { agentName, spaceName } from '../core/schemas.js';
import type { AgentRecord } from '../core/records.js';
import type { PromptArgument, PromptContext } from './define.js';

/** The `agent` and `space` arguments every prompt takes, completed from the registered agents. */
export const agentArgs: Record<'agent' | 'space', PromptArgument> = {
  agent: {
    description: 'Your agent name, e.g. "api-dev" (default: the agent this server is bound to).',
    async complete(prefix, ctx, args) {
      const space = args.space || ctx.caller.space || ctx.coordinator.defaultSpace;
      return completeFrom((await listAgents(ctx.coordinator, space)).map((a) => a.name), prefix);
    },
  },
  space: {
    description: 'Your space, e.g. "web" (default: the server\'s --space, else "default").',
    async complete(prefix, ctx) {
      return completeFrom(await listSpaces(ctx.coordinator), prefix);
    },
  },
};

/** Resolves and checks the agent and space a prompt was asked for. */
export function who(args: Record<string, string | undefined>, ctx: PromptContext): { agent: string; space: string } {
  const space = args.space || ctx.caller.space || ctx.coordinator.defaultSpace;
  const agent = args.agent || ctx.caller.agent || ctx.coordinator.defaultAgent;
  if (!agent) {
    throw new DomainError('validation', 'agent: name the agent this prompt is for (this server is not bound to one with --agent).');
  }
  for (const [field, schema, value] of [
    ['agent', agentName, agent],
    ['space', spaceName, space],
  ] as const) {
    const r = schema.safeParse(value);
    if (!r.success) throw new DomainError('validation', `${field}: ${r.error.issues[0]?.message ?? 'invalid'}.`);
  }
  return { agent, space };
}

/** One line of agent-written text, safe inside a Markdown table cell. */
export const cell = (s: string | null | undefined): string =>
  (s ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\|/g, '\\|').trim() || '—';

export function peerTable(peers: readonly AgentRecord[]): string {
  if (peers.length === 0) return 'No other agents yet.';
  const rows = peers.map((p) => `| ${cell(p.name)} | ${cell(p.role)} | ${cell(p.status)} | ${cell(p.summary)} | ${cell([...(p.questions ?? []), ...(p.blockers ?? [])].join('; '))} |`);
  return ['| Agent | Role | Status | Summary | Questions / blockers |', '|---|---|---|---|---|', ...rows].join('\n');
}
