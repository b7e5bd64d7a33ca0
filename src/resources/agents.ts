import { completeFrom, listAgents, listSpaces } from '../core/directory.js';
import { DomainError } from '../core/errors.js';
import { spaceName } from '../core/schemas.js';
import type { AgentRecord } from '../core/records.js';
import type { TemplateResource } from './define.js';

/** An agent's record as the resource shows it: fields without a value are left out. */
const view = (a: AgentRecord) =>
  Object.fromEntries(
    Object.entries({
      agent: a.name,
      space: a.space,
      role: a.role,
      parent: a.parent,
      status: a.status,
      summary: a.summary,
      session_id: a.session_id,
      backend: a.backend_type,
      agent_kind: a.agent_kind,
      branch: a.branch,
      phase: a.phase,
      pr: a.pr,
      next_steps: a.next_steps,
      questions: a.questions?.length ? a.questions : undefined,
      blockers: a.blockers?.length ? a.blockers : undefined,
      reported_at: a.reported_at,
      updated_at: a.updated_at,
    }).filter(([, v]) => v !== null && v !== undefined),
  );

export const checkSpace = (space: string | undefined): string => {
  const r = spaceName.safeParse(space);
  if (!r.success) throw new DomainError('validation', `space: ${r.error.issues[0]?.message ?? 'invalid'}.`);
  return r.data;
};

export const spaceAgentsResource: TemplateResource = {
  kind: 'template',
  name: 'space-agents',
  uriTemplate: 'boss://space/{space}/agents',
  title: 'Agents of a space',
  description: 'Every agent registered in the space, with its role, parent and last report (JSON array).',
  mimeType: 'application/json',
  async list(ctx) {
    return (await listSpaces(ctx.coordinator)).map((s) => ({ uri: `boss://space/${encodeURIComponent(s)}/agents`, name: `${s} agents`, title: `Agents of "${s}"` }));
  },
  complete: {
    space: async (prefix, ctx) => completeFrom(await listSpaces(ctx.coordinator), prefix),
  },
  async read(vars, ctx) {
    const space = checkSpace(vars.space);
    const agents = (await listAgents(ctx.coordinator, space)).map(view);
    return { mimeType: 'application/json', text: JSON.stringify(agents, null, 2) };
  },
};
