import { z } from 'zod';
import { DEFAULT_READY_TIMEOUT_S } from '../core/lifecycle.js';
import { resumeAgent } from '../core/resume.js';
import { agentName, spaceName } from '../core/schemas.js';
import { ignite } from '../prompts/ignite.js';
import { defineTool } from './define.js';
import { toolsOutput, toolsOutputShape, toolsTimeout } from './spawn-output.js';

export const resumeAgentTool = defineTool({
  name: 'resume_agent',
  title: 'Resume agent',
  description:
    "Start again an agent whose program exited or whose session is gone (after a reboot, a killed tmux server), with its conversation: a new tmux session {space}-{agent} in its recorded work directory running the command it was spawned with plus the program's resume flag and its recorded conversation id (claude --resume <id>), and its registration. Its conversation id is recorded from its SessionStart hook, or from the resume command its screen shows on exit; list_liveness shows it and marks the agents that can be resumed (resumable). The ignite prompt is typed only with ignite: true. The operator, or the agent's manager, may resume it; permission prompts stay unless the server runs with --allow-skip-permissions.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent to resume, e.g. "api-dev".'),
    ignite: z.boolean().optional().describe('Type the ignite prompt once its input box is drawn (default false: the conversation goes on where it was).'),
    ready_timeout_s: z
      .number()
      .int()
      .min(1)
      .max(600)
      .optional()
      .describe(`How long to wait for the program's input box (default ${DEFAULT_READY_TIMEOUT_S}). A program that exits at once is reported as an error.`),
    tools_timeout_s: toolsTimeout,
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    agent_kind: z.string().describe('The agent program its screen is read as.'),
    command: z.string().describe('What was started (after the BOSS_* environment).'),
    program_session_id: z.string().describe("The conversation resumed (the program's own session id)."),
    ready: z.boolean().describe("The program's input box appeared in time."),
    ignited: z.boolean().describe('The ignite prompt was typed in.'),
    ...toolsOutputShape,
    state: z.string().describe('Screen state when the wait ended.'),
    last_line: z.string().optional(),
    screen: z.array(z.string()).optional().describe('Last lines of the screen when the program was not ready.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handle(input, ctx) {
    const target = ctx.coordinator.resolveTarget(ctx.caller, input);
    const res = await resumeAgent(ctx.coordinator, ctx.caller, { ...input, ...target }, {
      allowSkipPermissions: ctx.allowSkipPermissions ?? false,
      ...(ctx.agentEnv !== undefined && { agentEnv: ctx.agentEnv }),
      ignition: (t) => ignite.render({ agent: t.agent, space: t.space }, { coordinator: ctx.coordinator, caller: {} }),
      ...(ctx.progress !== undefined && { progress: ctx.progress }),
      ...(ctx.signal !== undefined && { signal: ctx.signal }),
    });
    const next = res.problem !== undefined
      ? `Not ignited. ${res.problem}`
      : res.ready
      ? res.ignited
        ? 'It has its ignite prompt; wait_for {state: "idle"} to see it finish.'
        : 'Its conversation is back and it waits for input: send_input to give it work.'
      : res.state === 'waiting_approval'
        ? 'Its screen shows a dialog: capture_output to read it, approve (or send_input) to answer.'
        : `Its input box did not appear within ${input.ready_timeout_s ?? DEFAULT_READY_TIMEOUT_S} s (it may still be starting): capture_output to read its screen, wait_for {state: "idle"}; stop_agent if it is stuck.`;
    const screen = res.screen?.length ? `\nIts screen ends with:\n\`\`\`\n${res.screen.join('\n')}\n\`\`\`` : '';
    return {
      structured: {
        space: res.record.space,
        agent: res.record.name,
        session_id: res.session_id,
        agent_kind: res.agent_kind,
        command: res.command,
        program_session_id: res.program_session_id,
        ready: res.ready,
        ignited: res.ignited,
        ...toolsOutput(res),
        state: res.state,
        ...(res.last_line !== undefined && { last_line: res.last_line }),
        ...(res.screen !== undefined && { screen: res.screen }),
      },
      text: `Resumed "${res.record.name}" in space "${res.record.space}" with conversation ${res.program_session_id} (tmux session "${res.session_id}", ${res.command}). ${next}${screen}`,
    };
  },
});
