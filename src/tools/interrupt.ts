import { z } from 'zod';
import { agentName, spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

export const interrupt = defineTool({
  name: 'interrupt',
  title: 'Interrupt agent',
  description:
    "Stop what an agent is doing right now (like pressing Escape in its terminal) without ending its session. The agent then waits for new input; use send_input to tell it what to do instead.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent to interrupt.'),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    stopped: z.boolean().describe('The agent no longer looks busy.'),
    escapes: z.number().int().describe('Escape presses sent.'),
    nothing_to_interrupt: z.boolean().optional().describe('The agent was idle: no key was sent.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const res = await coordinator.interrupt(caller, target);
    return {
      structured: {
        space: res.agent.space,
        agent: res.agent.name,
        session_id: res.session_id,
        stopped: res.stopped,
        escapes: res.escapes,
        ...(res.nothingToInterrupt && { nothing_to_interrupt: true }),
      },
      text: res.message,
    };
  },
});
