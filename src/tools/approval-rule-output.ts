import { z } from 'zod';
import { ruleJson } from '../core/hook-view.js';
import type { ApprovalRuleRecord } from '../core/records.js';

/** An approval rule as the rule tools return it. */
export const ruleShape = z.object({
  id: z.number().int(),
  // Left out rather than null (a null type is not portable across MCP clients).
  space: z.string().optional().describe('Left out: every space.'),
  agent: z.string().optional().describe('Left out: every agent of the space (or of every space).'),
  tool: z.string(),
  pattern: z.string(),
  decision: z.enum(['allow', 'deny']),
  created_at: z.string(),
  updated_at: z.string(),
});

export const ruleOut: (r: ApprovalRuleRecord) => z.infer<typeof ruleShape> = ruleJson;

export const describeRule = (r: ApprovalRuleRecord): string =>
  `#${r.id} ${r.decision} ${r.tool} "${r.pattern}" for ${r.agent ? `agent "${r.agent}" in space "${r.space}"` : r.space ? `space "${r.space}"` : 'every space'}`;

/** The hook store is part of every runtime; a core built without one (tests) answers with this. */
export const NO_HOOKS = 'This server has no hook store, so approval rules and decisions are unavailable.';
