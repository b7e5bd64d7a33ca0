import { z } from 'zod';
import { agentName, promptId, spaceName } from '../core/schemas.js';
import { compact, defineTool } from './define.js';

export const approve = defineTool({
  name: 'approve',
  title: 'Answer permission prompt',
  description:
    'Answer the tool-permission prompt an agent is waiting on ("Do you want to proceed?"). decision "yes" allows once, "always" allows and stops asking for this kind of call (when the prompt offers it), "no" refuses. Pass the prompt_id that list_liveness showed to be sure you answer exactly the prompt you saw; if the prompt changed, nothing is sent.',
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent whose prompt to answer.'),
    decision: z.enum(['yes', 'always', 'no']).optional().describe('yes (default), always, or no.'),
    prompt_id: promptId.optional(),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    decision: z.enum(['yes', 'always', 'no']),
    tool_name: z.string().optional(),
    prompt_id: z.string().optional(),
    cleared: z.boolean().describe('The prompt went away after the answer.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const res = await coordinator.approve(caller, compact({ ...target, decision: input.decision, prompt_id: input.prompt_id }));
    return {
      structured: compact({
        space: res.agent.space,
        agent: res.agent.name,
        session_id: res.session_id,
        decision: res.decision,
        tool_name: res.tool_name,
        prompt_id: res.prompt_id,
        cleared: res.cleared,
      }),
      text: `Answered "${res.decision}" to ${res.tool_name ?? 'the'} prompt of "${res.agent.name}"${res.cleared ? '' : ' (the prompt is still shown; check list_liveness)'}.`,
    };
  },
});
