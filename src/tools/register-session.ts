import { z } from 'zod';
import { agentKind, agentName, backendName, line, sessionId, spaceName } from '../core/schemas.js';
import { agentSummary, agentSummaryShape } from './agent-output.js';
import { defineTool } from './define.js';

export const registerSession = defineTool({
  name: 'register_session',
  title: 'Register session',
  description:
    "Register (or re-register) the terminal session an agent runs in, so peers and the operator can see it, send it input and approve its prompts. Creates the space and agent when new. Call it once when you start; calling again with the same values changes nothing. session_id may be omitted when this server runs inside the agent's tmux session: it finds the session itself. A server bound to an agent registers only a session it can show is its own (the one it runs in, its current one, the one spawn_agent made for it) or one of an agent it manages; the operator registers any.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.optional().describe("Agent to register. Defaults to the server's --agent."),
    session_id: sessionId.optional().describe('Terminal session id, e.g. the tmux session name. Omit to detect the session this server runs in.'),
    backend: backendName.optional().describe('Session backend, e.g. "tmux" (default: the agent\'s current one, else tmux).'),
    agent_kind: agentKind.optional(),
    parent: agentName.optional().describe('Manager agent this agent reports to (set once; kept afterwards).'),
    role: line(200).optional().describe('Role of the agent, e.g. "backend", "reviewer" (set once; kept afterwards).'),
    take_over: z
      .boolean()
      .optional()
      .describe('The session is registered to another agent but now runs this one: move it here (the other agent is left without a session). Without it, registering a running session of another agent is refused. An agent may take over only the session of an agent it manages.'),
  }),
  output: z.object({
    ...agentSummaryShape,
    created: z.boolean().describe('The agent was new.'),
    warnings: z.array(z.string()).optional().describe('What looks wrong but was registered anyway (no such session now, a session shared with another agent).'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const { take_over, ...rest } = input;
    const { record, created, session_id, backend, warnings } = await coordinator.registerSession(
      caller,
      { ...rest, ...target },
      { sharedSession: take_over ? 'take_over' : 'refuse' },
    );
    return {
      structured: { ...agentSummary(record), created, ...(warnings.length > 0 && { warnings }) },
      text:
        `${created ? 'Registered' : 'Updated'} agent "${record.name}" in space "${record.space}" on ${backend} session "${session_id ?? ''}".` +
        warnings.map((w) => `\nWarning: ${w}`).join(''),
    };
  },
});
