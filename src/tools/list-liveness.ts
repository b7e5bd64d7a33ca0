import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { BLOCKED_REASONS, LIVENESS_STATES, SCREEN_STATES, STATE_SOURCES, ownTurn, stateCounts, type LivenessRow } from '../core/liveness.js';
import { spaceName } from '../core/schemas.js';
import { defineTool } from './define.js';

const row = z.object({
  space: z.string(),
  agent: z.string(),
  session_id: z.string().optional().describe('Registered session (left out while none is).'),
  backend: z.string(),
  agent_kind: z.string().describe('Agent program the session runs (e.g. "claude-code"); its screen is read with that program\'s UI.'),
  registered: z.boolean().describe('A session is registered for the agent.'),
  exists: z.boolean().describe('The session is alive.'),
  state: z
    .enum(LIVENESS_STATES)
    .describe(
      'dead: the terminal pane exists but its program ended (actions are refused); gone: the agent program exited (SessionEnd, or its shell prompt is back on screen) though its terminal may still be open; unknown: the screen shows nothing that can be placed (see last_line).',
    ),
  needs_approval: z.boolean(),
  tool_name: z.string().optional().describe('Tool the pending prompt is about.'),
  prompt_text: z.string().optional(),
  prompt_id: z.string().optional().describe('Pass to approve to answer exactly this prompt.'),
  last_line: z.string().optional(),
  status: z.string().describe('Last reported status.'),
  summary: z.string(),
  updated_at: z.string(),
  stale: z.boolean().describe('No report for a long time.'),
  // Provenance: where the state comes from (Claude Code hooks or the screen) and since when.
  source: z.enum(STATE_SOURCES).describe('hook: from a hook event of the agent program (exact); screen: read from the terminal; call: the agent is the caller, so it is in a turn; acp: from the agent\'s Agent Client Protocol session (exact).'),
  since: z.string().describe('When the state began (ISO time), as its source knows it.'),
  tool_input: z.unknown().optional().describe('Exact input of the tool the pending prompt is about (from the hook).'),
  subject: z.string().optional().describe('The command, file, URL or MCP arguments the pending prompt is about (from the hook).'),
  screen_prompt_id: z.string().optional().describe("The screen's id of the same prompt; approve accepts either."),
  error: z.string().optional().describe('The API error of the last turn (StopFailure).'),
  blocked: z.enum(BLOCKED_REASONS).optional().describe('The agent gave up on the model API: rate_limit, overloaded, server_error or auth (from its screen or StopFailure). It waits for input until someone fixes the cause and resends.'),
  retrying: z.string().optional().describe('The agent is retrying the model API (state working); its status line, e.g. "529 Overloaded · retrying in 3s · attempt 3/10".'),
  resume_command: z.string().optional().describe('The agent program exited (state gone): the command its screen shows to resume the conversation.'),
  program_session_id: z.string().optional().describe("The agent program's own id of its conversation (Claude Code's session id): the one its screen shows on exit, else the one recorded from its SessionStart hook."),
  resumable: z.boolean().describe('resume_agent can restart it with its conversation: its program exited or its session is gone, and its conversation id, work directory and a way to resume are known.'),
  subagent: z.string().optional().describe('The pending prompt comes from this subagent (e.g. "general-purpose"); approve answers it like any prompt.'),
  activity: z.string().optional().describe('What the agent does beyond its state, e.g. "subagent Explore running", "compacting (auto)".'),
  hook_state: z.string().optional().describe('State the latest hook event implies.'),
  hook_event: z.string().optional().describe('Latest hook event, e.g. "PreToolUse".'),
  hook_at: z.string().optional().describe('When the latest hook event arrived.'),
  screen_state: z.enum(SCREEN_STATES).describe('What the screen shows.'),
  conflict: z.string().optional().describe('The hook and the screen disagree: what each says and which one the row follows.'),
  host: z.string().optional().describe('The host whose hub owns the session (hubs on several hosts sharing one PostgreSQL store).'),
  host_down: z.string().optional().describe("That host's hub is not running (stopped, killed or cut off from the database): why, since when; the state reads unknown meanwhile."),
});

/**
 * The schema is the core's LivenessRow (session_id left out while null): the same keys, and every
 * row the core makes fits it. Checked when the source is compiled.
 */
type SchemaRow = z.infer<typeof row>;
type CoreRow = Omit<LivenessRow, 'session_id'> & { session_id?: string };
true satisfies [Exclude<keyof SchemaRow, keyof CoreRow> | Exclude<keyof CoreRow, keyof SchemaRow>] extends [never] ? true : false;
true satisfies CoreRow extends SchemaRow ? true : false;

export const listLiveness = defineTool({
  name: 'list_liveness',
  title: 'List agent liveness',
  description:
    "Show every registered agent with its session's live state (working, idle, waiting_approval with the tool and prompt_id, dead: its program exited, missing, unknown) and its last reported status. Use it to find agents that need approval, are idle and need work, or whose session died.",
  input: z.strictObject({
    space: spaceName.optional().describe('Space to list (default: the server\'s --space, else "default").'),
    all_spaces: z.boolean().optional().describe('List the agents of every space instead of one.'),
    host: z.string().min(1).max(100).optional().describe('Only the agents whose sessions run on this host (hubs sharing one store).'),
  }),
  output: z.object({ agents: z.array(row) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    if (input.all_spaces && input.space !== undefined) {
      throw new DomainError('validation', 'Pass either space or all_spaces, not both.');
    }
    const space = input.all_spaces ? undefined : coordinator.spaceOf(caller, input.space);
    const agents = ownTurn(await coordinator.listLiveness(space, input.host), caller, coordinator.spaceOf(caller), coordinator.now());
    const rows = agents.map(({ session_id, ...rest }) => (session_id === null ? rest : { ...rest, session_id }));
    return {
      structured: { agents: rows },
      text:
        agents.length === 0
          ? `No agents registered${space ? ` in space "${space}" (pass all_spaces: true to see every space)` : ''}.`
          : `${agents.length} agent${agents.length === 1 ? '' : 's'}: ${stateCounts(agents.map((a) => a.state))}.\n\n${livenessTable(agents, space === undefined)}`,
    };
  },
});

/** One agent-written value as a short table cell (one line, no pipes, at most `max` characters). */
const cell = (s: string | null | undefined, max = 60): string => {
  const one = (s ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').replace(/\|/g, '/').trim();
  return (one.length > max ? `${one.slice(0, max - 1)}…` : one) || '-';
};

/** The rows as a compact Markdown table, for clients that read the text content only. */
/** Why the state is what it is, when the row knows: blocked, retrying, resumable, a subagent asks. */
function stateNote(r: LivenessRow): string {
  if (r.blocked) return ` (blocked: ${r.blocked})`;
  if (r.retrying) return ` (retrying: ${cell(r.retrying, 60)})`;
  if (r.resumable) return ` (resume_agent can resume it${r.program_session_id ? `: conversation ${cell(r.program_session_id, 40)}` : ''})`;
  if (r.resume_command) return ` (resume: ${cell(r.resume_command, 80)})`;
  if (r.subagent) return ` (from subagent ${cell(r.subagent, 30)})`;
  return '';
}

function livenessTable(rows: readonly LivenessRow[], withSpace: boolean): string {
  const head = [...(withSpace ? ['space'] : []), 'agent', 'state', 'session', 'status', 'summary', 'pending prompt'];
  const lines = rows.map((r) =>
    [
      ...(withSpace ? [cell(r.space, 30)] : []),
      cell(r.agent, 30),
      r.state + stateNote(r) + (r.stale ? ' (stale)' : ''),
      cell(r.session_id, 30),
      r.status,
      cell(r.summary),
      r.needs_approval ? `${cell(r.tool_name ?? 'prompt', 30)} (prompt_id ${r.prompt_id ?? '?'})` : '-',
    ].join(' | '),
  );
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l} |`)].join('\n');
}
