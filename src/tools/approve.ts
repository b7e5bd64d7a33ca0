import { z } from 'zod';
import { agentName, promptId, spaceName } from '../core/schemas.js';
import { compact, defineTool } from './define.js';

export const approve = defineTool({
  name: 'approve',
  title: 'Answer permission prompt',
  description:
    'Answer the prompt an agent is waiting on: a tool permission ("Do you want to proceed?"), the folder-trust question, or a question the agent asked you (AskUserQuestion). decision "yes" allows once, "always" allows and stops asking for this kind of call (the dialog\'s "don\'t ask again" option, when it has one), "no" refuses. For a question, pick a choice with option N. Pass the prompt_id that list_liveness showed to be sure you answer exactly the prompt you saw; if the prompt changed, nothing is sent.',
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent whose prompt to answer.'),
    decision: z.enum(['yes', 'always', 'no']).optional().describe('yes (default), always, or no.'),
    prompt_id: promptId.optional(),
    option: z
      .number()
      .int()
      .min(1)
      .max(99)
      .optional()
      .describe("Pick the dialog's option with this number (e.g. a question's choice 2), instead of deciding by yes/always/no."),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    decision: z.enum(['yes', 'always', 'no']),
    tool_name: z.string().optional(),
    prompt_id: z.string().optional(),
    chosen: z
      .object({ number: z.number().int(), label: z.string() })
      .optional()
      .describe('The option taken (absent when the prompt was declined with Escape).'),
    cleared: z.boolean().describe('The prompt went away (or changed) after the answer.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const res = await coordinator.approve(caller, compact({ ...target, decision: input.decision, prompt_id: input.prompt_id, option: input.option }));
    return {
      structured: compact({
        space: res.agent.space,
        agent: res.agent.name,
        session_id: res.session_id,
        decision: res.decision,
        tool_name: res.tool_name,
        prompt_id: res.prompt_id,
        chosen: res.chosen,
        cleared: res.cleared,
      }),
      text: `${res.chosen ? `Chose ${res.chosen.number}. "${res.chosen.label}"` : 'Declined (Escape)'} on the ${res.tool_name ?? ''}${res.tool_name ? ' ' : ''}prompt of "${res.agent.name}"${res.cleared ? '' : ' (the prompt is still shown; check list_liveness)'}.`,
    };
  },
});
