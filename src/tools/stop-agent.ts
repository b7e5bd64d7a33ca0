import { z } from 'zod';
import { stopAgent } from '../core/lifecycle.js';
import { agentName, spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

export const stopAgentTool = defineTool({
  name: 'stop_agent',
  title: 'Stop agent',
  description:
    "End an agent's terminal session (the program in it is killed) and mark the agent done. Its record and report history stay; spawn_agent can start it again.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent to stop.'),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    ended: z.boolean().describe('The session was running and is now ended (false: it was already gone).'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const res = await stopAgent(coordinator, caller, target);
    return {
      structured: { space: res.record.space, agent: res.record.name, session_id: res.session_id, ended: res.ended },
      text: res.ended
        ? `Stopped "${res.record.name}": session "${res.session_id}" ended; the agent is marked done.`
        : `Session "${res.session_id}" of "${res.record.name}" was already gone; the agent is marked done.`,
    };
  },
});
