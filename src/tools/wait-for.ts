import { z } from 'zod';
import { WAIT_STATES, waitForState } from '../core/lifecycle.js';
import { agentName, spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

export const waitForTool = defineTool({
  name: 'wait_for',
  title: 'Wait for agent state',
  description:
    "Wait until an agent's session reaches a state: idle (finished its turn), working, waiting_approval (a permission prompt is up) or missing (its session ended). Sends progress notifications while waiting when the client asks for them. Reaching the timeout is not an error: reached is false and state says where it is.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent to watch.'),
    state: z.enum(WAIT_STATES).describe('State to wait for.'),
    timeout_s: z.number().int().min(1).max(600).optional().describe('Longest wait in seconds (default 60).'),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    reached: z.boolean(),
    state: z.string().describe('The state when the wait ended.'),
    waited_s: z.number(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller, progress, signal }) {
    const target = coordinator.resolveTarget(caller, input);
    const res = await waitForState(coordinator, { ...target, state: input.state, timeout_s: input.timeout_s ?? 60 }, {
      ...(progress !== undefined && { progress }),
      ...(signal !== undefined && { signal }),
    });
    return {
      structured: res,
      text: res.reached
        ? `"${res.agent}" is ${res.state} (after ${res.waited_s} s).`
        : `"${res.agent}" is still ${res.state} after ${res.waited_s} s (wanted ${input.state}). Call wait_for again, or capture_output to see its screen.`,
    };
  },
});
