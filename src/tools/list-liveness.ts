import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

const row = z.object({
  space: z.string(),
  agent: z.string(),
  session_id: z.string().nullable(),
  backend: z.string(),
  registered: z.boolean().describe('A session is registered for the agent.'),
  exists: z.boolean().describe('The session is alive.'),
  state: z.enum(['working', 'idle', 'waiting_approval', 'dead', 'missing', 'unknown']),
  needs_approval: z.boolean(),
  tool_name: z.string().optional().describe('Tool the pending prompt is about.'),
  prompt_text: z.string().optional(),
  prompt_id: z.string().optional().describe('Pass to approve to answer exactly this prompt.'),
  last_line: z.string().optional(),
  status: z.string().describe('Last reported status.'),
  summary: z.string(),
  updated_at: z.string(),
  stale: z.boolean().describe('No report for a long time.'),
});

export const listLiveness = defineTool({
  name: 'list_liveness',
  title: 'List agent liveness',
  description:
    "Show every registered agent with its session's live state (working, idle, waiting_approval with the tool and prompt_id, dead: its program exited, missing, unknown) and its last reported status. Use it to find agents that need approval, are idle and need work, or whose session died.",
  input: z.strictObject({
    space: spaceName.optional().describe('Space to list (default: the server\'s --space, else "default").'),
    all_spaces: z.boolean().optional().describe('List the agents of every space instead of one.'),
  }),
  output: z.object({ agents: z.array(row) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    if (input.all_spaces && input.space !== undefined) {
      throw new DomainError('validation', 'Pass either space or all_spaces, not both.');
    }
    const space = input.all_spaces ? undefined : (input.space ?? caller.space ?? coordinator.defaultSpace);
    const agents = await coordinator.listLiveness(space);
    const count = (s: string) => agents.filter((a) => a.state === s).length;
    return {
      structured: { agents },
      text:
        agents.length === 0
          ? `No agents registered${space ? ` in space "${space}" (pass all_spaces: true to see every space)` : ''}.`
          : `${agents.length} agents: ${count('working')} working, ${count('idle')} idle, ${count('waiting_approval')} waiting for approval, ${count('dead')} dead, ${count('missing')} missing, ${count('unknown')} unknown.`,
    };
  },
});
