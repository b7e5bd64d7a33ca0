import { z } from 'zod';
import type { AgentRecord } from '../store/store.js';

/** The agent fields tools return (the report details stay in the store). */
export const agentSummaryShape = {
  space: z.string(),
  agent: z.string(),
  status: z.string(),
  summary: z.string(),
  session_id: z.string().nullable(),
  backend: z.string().nullable(),
  parent: z.string().nullable(),
  role: z.string().nullable(),
  updated_at: z.string(),
} as const;

export const agentSummary = (a: AgentRecord) => ({
  space: a.space,
  agent: a.name,
  status: a.status,
  summary: a.summary,
  session_id: a.session_id,
  backend: a.backend_type,
  parent: a.parent,
  role: a.role,
  updated_at: a.updated_at,
});
