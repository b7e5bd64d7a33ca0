import { z } from 'zod';
import type { AgentRecord } from '../core/records.js';

/** The agent fields tools return (the report details stay in the store). */
export const agentSummaryShape = {
  space: z.string(),
  agent: z.string(),
  status: z.string(),
  summary: z.string(),
  session_id: z.string().optional().describe('Terminal session (left out while none is registered).'),
  backend: z.string().optional(),
  agent_kind: z.string().optional().describe('Agent program the agent runs, when named (left out: the default, claude-code).'),
  parent: z.string().optional(),
  role: z.string().optional(),
  updated_at: z.string(),
} as const;

/** Fields without a value are left out (the output schemas use optional fields, not null). */
export const agentSummary = (a: AgentRecord) => ({
  space: a.space,
  agent: a.name,
  status: a.status,
  summary: a.summary,
  ...(a.session_id != null && { session_id: a.session_id }),
  ...(a.backend_type != null && { backend: a.backend_type }),
  ...(a.agent_kind != null && { agent_kind: a.agent_kind }),
  ...(a.parent != null && { parent: a.parent }),
  ...(a.role != null && { role: a.role }),
  updated_at: a.updated_at,
});
