import { z } from 'zod';
import { captureOutput } from '../core/lifecycle.js';
import { agentName, spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

export const captureOutputTool = defineTool({
  name: 'capture_output',
  title: 'Capture terminal output',
  description:
    "Show what an agent's terminal shows: the last non-empty lines of its screen (wrapped lines joined). Changes nothing. Use it to read a dialog before approving, or to see why an agent is stuck.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent whose screen to read.'),
    lines: z.number().int().min(1).max(2000).optional().describe('How many lines (default 50).'),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    lines: z.array(z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const res = await captureOutput(coordinator, caller, { ...target, ...(input.lines !== undefined && { lines: input.lines }) });
    const fence = res.lines.some((l) => l.includes('```')) ? '~~~~' : '```';
    return {
      structured: { space: res.agent.space, agent: res.agent.name, session_id: res.session_id, lines: res.lines },
      text: `Last ${res.lines.length} lines of "${res.agent.name}" (session "${res.session_id}"):\n${fence}\n${res.lines.join('\n')}\n${fence}`,
    };
  },
});
