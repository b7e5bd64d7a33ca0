import { AGENT_STATUSES } from '../core/records.js';

/** How agents work together through agent-boss: the text of `boss://protocol`, and part of the ignite prompt. */
export const PROTOCOL = `# Working together through agent-boss

Every agent runs in its own terminal session (tmux) and has a **name** in a **space** (a team or
project), optionally a **role** and a **parent** (the manager it reports to). The operator and the
managers see every agent's session state and last report, and steer agents by typing into their
terminals.

## As an agent
1. When you start, call \`register_session\` once (with no \`session_id\` when this MCP server runs
   inside your tmux session; otherwise pass your tmux session name, from \`tmux display-message -p '#S'\`).
2. Call \`report_status\` with \`status\` and a one-line \`summary\` now, whenever your status changes,
   and at milestones. \`status\` is one of ${AGENT_STATUSES.map((s) => `\`${s}\``).join(', ')}.
3. Put what you need from others in \`questions\` and \`blockers\` of your report: your manager and the
   operator see them and answer by typing into your terminal, so a message that appears in your input
   comes from them.
4. Report only for yourself. \`session_id\`, \`repo_url\`, \`parent\` and \`role\` are kept when omitted.

## Seeing the others
- \`list_liveness\`: every agent's session state (\`working\`, \`idle\`, \`waiting_approval\`, \`missing\`,
  \`unknown\`) and last status.
- Resources \`boss://space/{space}/agents\` (registered agents and their last reports) and
  \`boss://liveness/{space}\` (live session states); subscribe to be told when they change.

## As a manager or the operator
- \`send_input\` types a message into an agent's terminal; \`approve\` answers its permission prompt
  (pass the \`prompt_id\` from \`list_liveness\`); \`interrupt\` stops its current work.
- \`spawn_agent\` starts a new agent in its own session, \`stop_agent\` ends one, \`capture_output\`
  shows its screen, \`wait_for\` waits until it is idle, working or waiting for approval.
- An agent may act only on itself and the agents it manages (whose parent chain leads to it).
`;
