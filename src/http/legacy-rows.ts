import type { LivenessRow } from '../core/liveness.js';

/**
 * A liveness row as legacy clients read it (`GET /api/session-status`): a view of the core's
 * LivenessRow, with the session under both names and `idle` spelled out.
 */
export type SessionStatusRow = Pick<
  LivenessRow,
  'space' | 'agent' | 'session_id' | 'backend' | 'registered' | 'exists' | 'needs_approval' | 'tool_name' | 'prompt_text' | 'prompt_id' | 'last_line' | 'state'
> & {
  /** Same as session_id; the legacy name. */
  session: string | null;
  idle: boolean;
};

export const toSessionStatusRow = (r: LivenessRow): SessionStatusRow => ({
  space: r.space,
  agent: r.agent,
  session_id: r.session_id,
  session: r.session_id,
  backend: r.backend,
  registered: r.registered,
  exists: r.exists,
  idle: r.state === 'idle',
  needs_approval: r.needs_approval,
  ...(r.tool_name !== undefined && { tool_name: r.tool_name }),
  ...(r.prompt_text !== undefined && { prompt_text: r.prompt_text }),
  ...(r.prompt_id !== undefined && { prompt_id: r.prompt_id }),
  ...(r.last_line !== undefined && { last_line: r.last_line }),
  state: r.state,
});
