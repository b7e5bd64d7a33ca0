import { z } from 'zod';
import { agentName, inputText, spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

export const sendInput = defineTool({
  name: 'send_input',
  title: 'Send input',
  description:
    "Type a message into an agent's terminal, exactly as written (words like Enter or C-c arrive as text, never as keys), and press Enter unless submit is false. Multi-line text arrives as one message. Use it to give an agent instructions or answer its questions.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent whose terminal receives the text.'),
    text: inputText.describe('The message to type; newlines and tabs are kept, other control characters are refused.'),
    submit: z.boolean().optional().describe('Press Enter after the text (default true).'),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    chars: z.number().int().describe('Characters typed.'),
    submitted: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const submitted = input.submit ?? true;
    const { agent, session_id } = await coordinator.sendInput(caller, { ...target, text: input.text, submit: submitted });
    return {
      structured: { space: agent.space, agent: agent.name, session_id, chars: input.text.length, submitted },
      text: `Sent ${input.text.length} characters to "${agent.name}" (session "${session_id}")${submitted ? ' and pressed Enter' : ''}.`,
    };
  },
});
