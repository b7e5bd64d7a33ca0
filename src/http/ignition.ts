import { DEFAULT_SPACE, sameName } from '../core/identity.js';
import { ignitionIntro, lastStateSection, peersOf, registerSteps } from '../core/directory.js';
import { visible } from '../core/text.js';
import { AGENT_STATUSES, backendNameOf, type AgentRecord } from '../core/records.js';
import { shellDoubleQuote, shellQuote } from '../backends/shell-quote.js';

/**
 * The ignition text: the Markdown document an agent reads when it starts (`GET
 * /spaces/{space}/ignition/{agent}`). It tells the agent who it is, who its peers are, what it
 * last reported, and how to report — MCP tools first, curl for agents without MCP. Pure: the route
 * gathers the data, this only renders it.
 */
export interface IgnitionInput {
  /** Origin the agent reached us at, e.g. `http://127.0.0.1:8899`. */
  baseUrl: string;
  space: string;
  agent: string;
  /** The agent's stored record, if it is registered. */
  self?: AgentRecord;
  /** Every agent of the space (the agent itself is left out of the peer table). */
  agents: readonly AgentRecord[];
  /** The server requires `Authorization: Bearer <token>`. */
  tokenRequired: boolean;
  /**
   * The server runs `--auth agents`: calls carry the agent's own token ($BOSS_AGENT_TOKEN);
   * `issued` is a token just issued to this agent, shown on this page once.
   */
  agentToken?: { issued?: string };
  /** The server's data directory and tmux socket, so a stdio server started by the agent shares them. */
  dataDir?: string;
  tmuxSocket?: string;
  /** Space a call that names none lands in; the MCP line adds `X-Agent-Space` only for another space. */
  defaultSpace?: string;
  /** What looked wrong in the registration this fetch made (no such session, a shared session). */
  warnings?: readonly string[];
}


/**
 * One line of stored text for this page: line breaks become spaces and every other control
 * character a visible escape, so text an agent stored (or an old database held) cannot reach the
 * reader's terminal as an escape sequence.
 */
const one = (s: string | null | undefined): string => visible((s ?? '').replace(/\r?\n|\r/g, ' '));

/** Makes a value safe inside one Markdown table cell. */
const cell = (s: string | null | undefined): string => one(s).replace(/\|/g, '\\|').trim() || '—';

const bullets = (items: readonly string[]): string => items.map((i) => `- ${one(i)}`).join('\n');

export function renderIgnition(input: IgnitionInput): string {
  const { baseUrl, space, agent, self, tokenRequired, agentToken } = input;
  const name = one(self?.name ?? agent);
  const spaceLabel = one(self?.space ?? space);
  const agentPath = `${baseUrl}/spaces/${encodeURIComponent(spaceLabel)}/agent/${encodeURIComponent(name)}`;
  const tokenVar = agentToken ? '$BOSS_AGENT_TOKEN' : '$BOSS_TOKEN';
  const auth = tokenRequired || agentToken ? ` -H "Authorization: Bearer ${tokenVar}"` : '';
  const mcpAuth = tokenRequired || agentToken ? ` --header "Authorization: Bearer ${tokenVar}"` : '';
  const spaceHeader = sameName(spaceLabel, input.defaultSpace ?? DEFAULT_SPACE) ? '' : ` --header ${shellDoubleQuote(`X-Agent-Space: ${spaceLabel}`)}`;
  const stdioExtra =
    (input.dataDir !== undefined ? ` --data-dir ${shellQuote(input.dataDir)}` : '') +
    (input.tmuxSocket !== undefined ? ` --tmux-socket ${shellQuote(input.tmuxSocket)}` : '');
  const peers = peersOf(input.agents, self?.name ?? agent);

  const out: string[] = [];
  out.push(`# Ignition: you are "${name}" in space "${spaceLabel}"`, '');
  out.push(ignitionIntro({ name, space: spaceLabel, role: self?.role, parent: self?.parent }, `at ${baseUrl}`, one));
  if (self?.session_id) out.push(`Your terminal session: \`${one(self.session_id)}\` (${one(backendNameOf(self))}).`);
  out.push('');

  if (input.warnings?.length) out.push('## Warning', '', 'This fetch registered you, but:', bullets(input.warnings), '');

  if (agentToken) {
    out.push('## Your credentials', '');
    if (agentToken.issued) {
      out.push(
        'This server accepts calls only with your own agent token. Here it is, shown this once: keep it secret and put it in your environment.',
        '',
        '```sh',
        `export BOSS_AGENT_TOKEN=${agentToken.issued}`,
        '```',
      );
    } else {
      out.push(
        `This server accepts calls only with your own agent token, in \`BOSS_AGENT_TOKEN\`. If you lost it, ask the operator to run \`agent-boss token issue --space ${shellQuote(spaceLabel)} --agent ${shellQuote(name)}\`.`,
      );
    }
    out.push('');
  }

  out.push(...lastStateSection(self, one));

  out.push('## Pending', '');
  const questions = self?.questions ?? [];
  const blockers = self?.blockers ?? [];
  const blockedPeers = peers.filter((p) => p.status === 'blocked' || (p.questions?.length ?? 0) > 0);
  if (questions.length === 0 && blockers.length === 0 && blockedPeers.length === 0) out.push('Nothing pending.');
  if (questions.length) out.push('Your open questions:', bullets(questions), '');
  if (blockers.length) out.push('Your blockers:', bullets(blockers), '');
  if (blockedPeers.length) {
    out.push('Peers waiting on someone:');
    for (const p of blockedPeers) out.push(`- ${one(p.name)} (${one(p.status)}): ${one([...(p.questions ?? []), ...(p.blockers ?? [])].join('; ') || p.summary)}`);
  }
  out.push('');

  out.push(`## Peers in "${spaceLabel}"`, '');
  if (peers.length === 0) out.push('No other agents yet.');
  else {
    out.push('| Agent | Status | Summary |', '|---|---|---|');
    for (const p of peers) out.push(`| ${cell(p.name)} | ${cell(p.status)} | ${cell(p.summary)} |`);
  }
  out.push('');

  out.push('## How to work: MCP tools first', '');
  out.push('If your client speaks MCP (Claude Code does), add this server once and use its tools:', '');
  out.push('```sh');
  out.push(`claude mcp add --transport http agent-boss ${baseUrl}/mcp --header ${shellDoubleQuote(`X-Agent-Name: ${name}`)}${spaceHeader}${mcpAuth}`);
  out.push('# or, as a local stdio server sharing the same database (needs agent-boss on PATH: "npm install -g ." in its clone):');
  out.push(`claude mcp add agent-boss -- agent-boss stdio --space ${shellQuote(spaceLabel)} --agent ${shellQuote(name)}${stdioExtra}`);
  out.push('```', '');
  out.push('Then (`register_session` is done for you if this URL carried `session_id`):', '');
  out.push(...registerSteps({ name, space: spaceLabel }, one), '');
  out.push('Other tools:');
  out.push('- `list_liveness`: see every agent: working, idle, waiting for approval, or gone.');
  out.push('- `send_input`, `approve`, `interrupt`: steer the agents you manage.');
  out.push('');

  out.push('## Without MCP: curl', '');
  out.push('Post your status (JSON; the reply contains `accepted for` when it worked):', '');
  out.push('```sh');
  out.push(
    `curl -s -X POST ${shellQuote(agentPath)} -H 'Content-Type: application/json' -H ${shellDoubleQuote(`X-Agent-Name: ${name}`)}${auth} \\`,
  );
  out.push(`  -d '{"status":"active","summary":"what you are doing now","items":["done so far"],"questions":[],"blockers":[]}'`);
  out.push('```', '');
  out.push('A plain-text body works too: its first line becomes the summary, status `active`.', '');
  out.push(`Re-register a new session: \`curl -s ${shellQuote(`${baseUrl}/spaces/${encodeURIComponent(spaceLabel)}/ignition/${encodeURIComponent(name)}?session_id=SESSION`)}${auth}\``);
  out.push(`See everyone's sessions: \`curl -s ${shellQuote(`${baseUrl}/api/session-status?space=${encodeURIComponent(spaceLabel)}`)}${auth}\``);
  out.push('');

  out.push('## Protocol rules', '');
  out.push(`- \`status\` is one of ${AGENT_STATUSES.map((s) => `\`${s}\``).join(', ')}; \`summary\` is required and is one line.`);
  out.push('- Report when you start, whenever your status changes (blocked, done, error), and at milestones.');
  out.push('- Report only for yourself: your `X-Agent-Name` must be your own name.');
  out.push('- Put what you need from others in `questions` and `blockers`; your manager and the operator see them.');
  out.push('- `session_id`, `repo_url`, `parent` and `role` are kept when you leave them out.');
  if (agentToken) out.push('- Every call needs `Authorization: Bearer $BOSS_AGENT_TOKEN`, your own agent token; it lets you act only as yourself.');
  else if (tokenRequired) out.push('- Every call needs `Authorization: Bearer $BOSS_TOKEN` (the token you used to fetch this page).');
  out.push('');
  return out.join('\n');
}
