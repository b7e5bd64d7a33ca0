import { z } from 'zod';
import { agentName, spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

export const deleteAgentTool = defineTool({
  name: 'delete_agent',
  title: 'Delete agent',
  description:
    "Remove an agent's registration (for example one created by a mistyped name): its record leaves list_liveness and its agent tokens are revoked. Its terminal session, if any, is not touched: call stop_agent first to end it. The operator may delete any agent; an agent itself and the agents it manages.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent to remove.'),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string().optional().describe('The terminal session it had registered (left running).'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const gone = await coordinator.deleteAgent(caller, target);
    const session = gone.session_id ?? undefined;
    return {
      structured: { space: gone.space, agent: gone.name, ...(session !== undefined && { session_id: session }) },
      text:
        `Deleted agent "${gone.name}" from space "${gone.space}".` +
        (session !== undefined ? ` Its session "${session}" was not touched (end it with tmux if nothing else uses it).` : ''),
    };
  },
});
