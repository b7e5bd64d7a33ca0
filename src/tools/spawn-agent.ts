import { z } from 'zod';
import { DEFAULT_READY_TIMEOUT_S, spawnAgent } from '../core/lifecycle.js';
import { agentKind, agentName, backendName, line, spaceName, text } from '../core/schemas.js';
import { ignite } from '../prompts/ignite.js';
import { defineTool } from './define.js';
import { toolsOutput, toolsOutputShape, toolsTimeout } from './spawn-output.js';

export const spawnAgentTool = defineTool({
  name: 'spawn_agent',
  title: 'Spawn agent',
  description:
    "Start a new agent: a session named {space}-{agent} in work_dir (a tmux session, or with backend \"acp\" a headless agent over the Agent Client Protocol), the agent program in it once the shell is ready (by default its kind's own command: \"claude\", \"codex --no-daemon\", \"gemini\"; a shell kind types nothing), its registration, and the ignite prompt typed in once its input box is drawn. The program is found on this server's PATH and started by its absolute path with that PATH (a login shell that resets PATH still starts it); an agent whose last start failed is started clean. The program gets BOSS_AGENT and BOSS_SPACE in its environment, so an agent-boss stdio server it starts (claude mcp add agent-boss -- agent-boss stdio) is bound to it. Permission prompts are never skipped unless the operator started this server with --allow-skip-permissions and skip_permissions is true. Use wait_for and capture_output to follow it.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Name of the new agent, e.g. "api-dev".'),
    work_dir: text(4096)
      .min(1, 'work_dir must not be empty')
      .describe('Directory the agent works in (absolute, or relative to the server\'s directory); must exist.'),
    command: line(4096).optional().describe('Program to start, as typed into the shell (default: the agent kind\'s own command, e.g. "claude", "codex --no-daemon").'),
    agent_kind: agentKind.optional(),
    backend: backendName
      .optional()
      .describe('Session backend: "tmux" (default: the agent\'s current one, else tmux) runs the program in a terminal; "acp" runs it headless over the Agent Client Protocol (claude-agent-acp, "gemini --acp") under its own runner, with exact state, approvals and interrupts.'),
    parent: agentName.optional().describe('Manager the agent reports to (a bound agent spawning is always the parent).'),
    role: line(200).optional().describe('Role of the agent, e.g. "backend", "reviewer".'),
    skip_permissions: z.boolean().optional().describe("Add the program's own flag that skips its permission prompts (claude --dangerously-skip-permissions, codex --dangerously-bypass-approvals-and-sandbox, gemini --yolo); refused unless the server runs with --allow-skip-permissions."),
    ready_timeout_s: z
      .number()
      .int()
      .min(1)
      .max(600)
      .optional()
      .describe(`How long to wait for the program's input box before giving up on the ignite prompt (default ${DEFAULT_READY_TIMEOUT_S}). A program that exits or is not found is reported at once as an error.`),
    tools_timeout_s: toolsTimeout,
    host: z.string().min(1).max(100).optional().describe("Host to start the agent on, when hubs of several hosts share one store (default: this hub's host); that host's hub starts it."),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    backend: z.string().describe('The session backend it runs on (tmux, acp).'),
    agent_kind: z.string().describe('The agent program its screen is read as.'),
    command: z.string().describe('What was started (after the BOSS_* environment).'),
    ready: z.boolean().describe("The program's input box appeared in time."),
    ignited: z.boolean().describe('The ignite prompt was typed in.'),
    ...toolsOutputShape,
    state: z.string().describe('Screen state when the wait ended (waiting_approval: a dialog such as folder trust needs an answer).'),
    last_line: z.string().optional(),
    screen: z.array(z.string()).optional().describe('Last lines of the screen when the program was not ready.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handle(input, ctx) {
    const space = ctx.coordinator.spaceOf(ctx.caller, input.space);
    const res = await spawnAgent(ctx.coordinator, ctx.caller, { ...input, space }, {
      allowSkipPermissions: ctx.allowSkipPermissions ?? false,
      ...(ctx.agentEnv !== undefined && { agentEnv: ctx.agentEnv }),
      ignition: (t) => ignite.render({ agent: t.agent, space: t.space }, { coordinator: ctx.coordinator, caller: {} }),
      ...(ctx.progress !== undefined && { progress: ctx.progress }),
      ...(ctx.signal !== undefined && { signal: ctx.signal }),
    });
    const next = res.ignited
      ? 'It has its ignite prompt; wait_for {state: "idle"} to see it finish its first turn.'
      : res.problem !== undefined
        ? `Not ignited. ${res.problem}`
      : res.state === 'waiting_approval'
        ? 'Its screen shows a dialog: capture_output to read it, approve (or send_input) to answer, then send_input the ignite prompt.'
        : `Its input box did not appear within ${input.ready_timeout_s ?? DEFAULT_READY_TIMEOUT_S} s (it may still be starting): capture_output to read its screen, wait_for {state: "idle"}, then send_input the ignite prompt (prompt "ignite"); stop_agent if it is stuck.`;
    const screen = res.screen?.length ? `\nIts screen ends with:\n\`\`\`\n${res.screen.join('\n')}\n\`\`\`` : '';
    return {
      structured: {
        space: res.record.space,
        agent: res.record.name,
        session_id: res.session_id,
        backend: res.backend,
        agent_kind: res.agent_kind,
        command: res.command,
        ready: res.ready,
        ignited: res.ignited,
        ...toolsOutput(res),
        state: res.state,
        ...(res.last_line !== undefined && { last_line: res.last_line }),
        ...(res.screen !== undefined && { screen: res.screen }),
      },
      text: `Started "${res.record.name}" in space "${res.record.space}" (${res.backend} session "${res.session_id}", ${res.command}). ${next}${screen}`,
    };
  },
});
