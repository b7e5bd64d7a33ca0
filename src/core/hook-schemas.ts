import { z } from 'zod';
import { agentName, line, sessionId, spaceName } from './schemas.js';

/** Fields of an approval rule, shared by the set_approval_rule tool and POST /approval-rules. */
export const approvalRuleShape = {
  space: spaceName.optional().describe('Space the rule applies to; omit for every space.'),
  agent: agentName.optional().describe('One agent of that space; omit for every agent. Needs space.'),
  tool: line(200)
    .min(1, 'tool must not be empty')
    .describe(
      'Tool name as the agent\'s program names it in its permission requests (each program has its own: see list_approval_decisions for the names seen), e.g. "mcp__github__create_issue"; a glob such as "mcp__github__*" matches several.',
    ),
  pattern: line(4096)
    .min(1, 'pattern must not be empty')
    .describe('Glob over the subject, e.g. "npm test", "npm run *", "/repo/src/*", "https://docs.example.com/*".'),
  decision: z.enum(['allow', 'deny']).describe('allow: approve without asking; deny: refuse (the agent is told why).'),
} as const;

/** Filters of the decision log, shared by list_approval_decisions and GET /approval-decisions. */
export const decisionFilterShape = {
  space: spaceName.optional(),
  agent: agentName.optional().describe("Only this agent's decisions."),
  after_id: z.coerce.number().int().min(0).optional().describe('Only decisions with a larger id (to read new ones since the last call).'),
  limit: z.coerce.number().int().min(1).max(500).optional().describe('At most this many (default 50).'),
} as const;

/** The body `agent-boss hook --url` posts to the hub's /hooks/event. */
export const hookEventBody = z.object({
  payload: z.record(z.string(), z.unknown()),
  /** The agent program whose hook sent it (`agent-boss hook --kind`); default: the server's default kind. */
  kind: z.string().min(1).max(40).optional(),
  agent: agentName.optional(),
  space: spaceName.optional(),
  tmux_session: sessionId.optional(),
});
