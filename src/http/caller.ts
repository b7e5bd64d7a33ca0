import type { Context } from 'hono';
import type { Caller } from '../core/coordinator.js';
import { agentName, spaceName } from '../core/schemas.js';

/**
 * Who an HTTP request speaks for: `X-Agent-Name` (and optionally `X-Agent-Space`), validated with
 * the same schemas as the tools' agent and space fields. No header: the operator.
 */
export function callerFromHeaders(c: Context): { caller: Caller } | { error: string } {
  const caller: Caller = {};
  const name = c.req.header('x-agent-name');
  if (name !== undefined) {
    const r = agentName.safeParse(name);
    if (!r.success) return { error: `invalid X-Agent-Name header: ${r.error.issues[0]?.message ?? 'invalid agent name'}` };
    caller.agent = r.data;
  }
  const space = c.req.header('x-agent-space');
  if (space !== undefined) {
    const r = spaceName.safeParse(space);
    if (!r.success) return { error: `invalid X-Agent-Space header: ${r.error.issues[0]?.message ?? 'invalid space name'}` };
    caller.space = r.data;
  }
  return { caller };
}
