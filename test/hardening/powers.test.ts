/**
 * The table of docs/security.md ("Powers by mode"), cell by cell, against two running hubs (the
 * built `agent-boss serve`): the default mode, and `--auth agents --token OP`. Each cell is one
 * real request by one kind of caller; it is either refused for who the caller is (403, or an MCP
 * isError that says so; 401 without credentials under --auth agents) or let through to the action
 * (which may then fail for another reason: the agents' terminals do not exist, so an action that
 * passed the rule answers "no longer exists", never "cannot").
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.js';
import { CLI } from '../helpers/stdio-client.js';

const OP = 'powers-operator-token-0123456789';

type Who = 'operator' | 'named' | 'unnamed' | 'agent-token' | 'no-credential';
type Outcome = 'allowed' | 'refused' | 'unauthorized';

interface Hub {
  server: RunningServer;
  /** Headers that make each kind of caller, as boss of space web where it is named. */
  headers: Partial<Record<Who, Record<string, string>>>;
  mcp: Partial<Record<Who, Client>>;
}

/** The start of every refusal for who the caller is (identity.ts, hook-view.ts). */
const REFUSED = /^(only the operator may|agent "[^"]+" (of space "[^"]+" )?(cannot|may spawn only|may act only))/;

interface Answer {
  status: number;
  text: string;
}

const classify = (a: Answer): Outcome => (a.status === 401 ? 'unauthorized' : a.status === 403 || (a.status === 400 && REFUSED.test(a.text)) ? 'refused' : 'allowed');

let plain: Hub;
let agents: Hub;

async function mcpClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'powers', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return client;
}

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });

/** Seeds web/boss, web/worker (reports to boss), web/other as the operator: their terminals do not exist. */
async function seed(hub: RunningServer, operator: Record<string, string>): Promise<void> {
  for (const [agent, extra] of [['boss', ''], ['worker', '&parent=boss'], ['other', '']] as const) {
    const r = await fetch(`${hub.url}/spaces/web/ignition/${agent}?session_id=web-${agent}${extra}`, { headers: operator });
    if (r.status !== 200) throw new Error(`seeding ${agent}: ${r.status} ${await r.text()}`);
  }
}

beforeAll(async () => {
  const [a, b] = await Promise.all([startServer(), startServer({ args: ['--auth', 'agents', '--token', OP] })]);
  plain = {
    server: a,
    headers: { operator: a.asOperator, named: { 'X-Agent-Name': 'boss', 'X-Agent-Space': 'web' }, unnamed: {} },
    mcp: {},
  };
  await seed(a, a.asOperator);
  const issued = cli(['token', 'issue', '--space', 'web', '--agent', 'boss', '--data-dir', b.dataDir]);
  if (issued.status !== 0) throw new Error(issued.stderr);
  agents = {
    server: b,
    headers: { operator: { Authorization: `Bearer ${OP}` }, 'agent-token': { Authorization: `Bearer ${issued.stdout.trim()}` }, 'no-credential': {} },
    mcp: {},
  };
  await seed(b, agents.headers.operator!);
  for (const hub of [plain, agents]) {
    for (const [who, h] of Object.entries(hub.headers) as [Who, Record<string, string>][]) {
      if (who !== 'no-credential') hub.mcp[who] = await mcpClient(hub.server.url, h);
    }
  }
}, 60_000);

afterAll(async () => {
  for (const hub of [plain, agents]) {
    await Promise.all(Object.values(hub?.mcp ?? {}).map((c) => c.close().catch(() => undefined)));
    await hub?.server.stop();
  }
});

async function http(hub: Hub, who: Who, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${hub.server.url}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'Content-Type': 'application/json' }), ...hub.headers[who] },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let error = text;
  try {
    error = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // a text answer
  }
  return { status: res.status, text: error };
}

async function tool(hub: Hub, who: Who, name: string, args: Record<string, unknown>): Promise<Answer> {
  const client = hub.mcp[who];
  if (client === undefined) return http(hub, who, 'POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { status: r.isError ? (REFUSED.test(text) ? 403 : 400) : 200, text };
}

/** One power exercised on one target agent of space web ("self" is boss, "managed" worker, "stranger" other). */
type Act = (hub: Hub, who: Who, target: 'boss' | 'worker' | 'other') => Promise<Answer>;

const hookEvent = (agent: string) => ({ payload: { hook_event_name: 'Notification', session_id: 'powers', message: 'x' }, space: 'web', agent });

const ACTS: Record<string, Act> = {
  register: (h, w, t) => http(h, w, 'GET', `/spaces/web/ignition/${t}?session_id=web-${t}`),
  report: (h, w, t) => tool(h, w, 'report_status', { space: 'web', agent: t, status: 'active', summary: 'powers' }),
  send: (h, w, t) => http(h, w, 'POST', `/spaces/web/reply/${t}`, { message: 'x' }),
  approve: (h, w, t) => http(h, w, 'POST', `/spaces/web/approve/${t}`),
  interrupt: (h, w, t) => http(h, w, 'POST', `/spaces/web/agent/${t}/interrupt`),
  stop: (h, w, t) => tool(h, w, 'stop_agent', { space: 'web', agent: t }),
  resume: (h, w, t) => http(h, w, 'POST', `/spaces/web/agent/${t}/resume`),
  capture: (h, w, t) => tool(h, w, 'capture_output', { space: 'web', agent: t }),
  'hook events': (h, w, t) => http(h, w, 'POST', '/hooks/event', hookEvent(t)),
  read: (h, w) => http(h, w, 'GET', '/api/session-status'),
};

/**
 * The table: for each power, what each caller gets acting on boss itself, on worker (which boss
 * manages) and on other (which it does not). The operator and the unnamed caller name no agent of
 * their own: "self" is boss for them too.
 */
const A = 'allowed' as const;
const R = 'refused' as const;
const U = 'unauthorized' as const;
type Cells = [self: Outcome, managed: Outcome, stranger: Outcome];
const TABLE: Record<string, { default: Partial<Record<Who, Cells>>; agents: Partial<Record<Who, Cells>> }> = {
  register: { default: { operator: [A, A, A], named: [A, R, R], unnamed: [A, A, A] }, agents: { operator: [A, A, A], 'agent-token': [A, R, R], 'no-credential': [U, U, U] } },
  report: { default: { operator: [A, A, A], named: [A, R, R], unnamed: [A, A, A] }, agents: { operator: [A, A, A], 'agent-token': [A, R, R], 'no-credential': [U, U, U] } },
  send: { default: { operator: [A, A, A], named: [A, A, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [A, A, R], 'no-credential': [U, U, U] } },
  approve: { default: { operator: [A, A, A], named: [R, A, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [R, A, R], 'no-credential': [U, U, U] } },
  interrupt: { default: { operator: [A, A, A], named: [A, A, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [A, A, R], 'no-credential': [U, U, U] } },
  stop: { default: { operator: [A, A, A], named: [A, A, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [A, A, R], 'no-credential': [U, U, U] } },
  // Allowed: past the rule, the answer is resume_agent's own (these agents have no recorded conversation); never oneself.
  resume: { default: { operator: [A, A, A], named: [R, A, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [R, A, R], 'no-credential': [U, U, U] } },
  capture: { default: { operator: [A, A, A], named: [A, A, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [A, A, R], 'no-credential': [U, U, U] } },
  'hook events': { default: { operator: [A, A, A], named: [A, R, R], unnamed: [R, R, R] }, agents: { operator: [A, A, A], 'agent-token': [A, R, R], 'no-credential': [U, U, U] } },
  read: { default: { operator: [A, A, A], named: [A, A, A], unnamed: [A, A, A] }, agents: { operator: [A, A, A], 'agent-token': [A, A, A], 'no-credential': [U, U, U] } },
};

const cases = Object.entries(TABLE).flatMap(([power, modes]) =>
  (['default', 'agents'] as const).flatMap((mode) =>
    (Object.entries(modes[mode]) as [Who, Cells][]).flatMap(([who, cells]) =>
      (['boss', 'worker', 'other'] as const).map((target, i) => ({ power, mode, who, target, want: cells[i]! })),
    ),
  ),
);

describe('docs/security.md: powers by mode, against running hubs', () => {
  it.each(cases)('$power ($mode): $who on $target → $want', async ({ power, mode, who, target, want }) => {
    const hub = mode === 'default' ? plain : agents;
    const answer = await ACTS[power]!(hub, who, target);
    expect(classify(answer), `${answer.status} ${answer.text}`).toBe(want);
    if (power === 'resume' && want === A) expect(answer.text).toMatch(/has no recorded conversation to resume|is still running/);
  });

  it.each([
    ['default', 'operator', A],
    ['default', 'named', R],
    ['default', 'unnamed', R],
    ['agents', 'operator', A],
    ['agents', 'agent-token', R],
    ['agents', 'no-credential', U],
  ] as const)('rules (%s): %s sets and deletes an approval rule → %s', async (mode, who, want) => {
    const hub = mode === 'default' ? plain : agents;
    const set = await http(hub, who, 'POST', '/approval-rules', { tool: 'Bash', pattern: `powers ${who}`, decision: 'deny' });
    expect(classify(set), set.text).toBe(want);
    const op = await http(hub, 'operator', 'POST', '/approval-rules', { tool: 'Bash', pattern: 'to delete', decision: 'deny' });
    const id = (JSON.parse(JSON.stringify(await (await fetch(`${hub.server.url}/approval-rules`, { headers: hub.headers.operator })).json())) as { rules: { id: number; pattern: string }[] }).rules.find((r) => r.pattern === 'to delete')!.id;
    expect(op.status).toBeLessThan(300);
    expect(classify(await http(hub, who, 'DELETE', `/approval-rules/${id}`)), `delete as ${who}`).toBe(want);
    if (want !== A) await http(hub, 'operator', 'DELETE', `/approval-rules/${id}`);
  });

  it.each([
    ['default', 'operator', A],
    ['default', 'named', A],
    ['default', 'unnamed', R],
    ['agents', 'operator', A],
    ['agents', 'agent-token', A],
    ['agents', 'no-credential', U],
  ] as const)('spawn (%s): %s spawns an agent → %s', async (mode, who, want) => {
    const hub = mode === 'default' ? plain : agents;
    // work_dir does not exist: a spawn that passed the rule stops there, before any terminal is made.
    const answer = await tool(hub, who, 'spawn_agent', { space: 'web', agent: `new-${who}`, work_dir: '/nonexistent/powers', command: 'sleep 1' });
    expect(classify(answer), answer.text).toBe(want);
    if (want === A) expect(answer.text).toMatch(/work_dir|does not exist|no such/i);
  });

  it('tokens: only the operator\'s ignition page hands a new agent its token (--auth agents); an agent\'s reading of it issues none', async () => {
    const other = await http(agents, 'agent-token', 'GET', '/spaces/web/ignition/fresh');
    expect(other.status).toBe(200);
    expect(other.text).not.toMatch(/abt_[A-Za-z0-9_-]{43}/);
    const page = await http(agents, 'operator', 'GET', '/spaces/web/ignition/fresh');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/abt_[A-Za-z0-9_-]{43}/);
    expect((await http(agents, 'no-credential', 'GET', '/spaces/web/ignition/fresh')).status).toBe(401);
  });

  it('the operator key: made by serve in the data directory, readable by its user only; a wrong key is no key', async () => {
    const path = join(plain.server.dataDir, 'operator.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(plain.server.operatorKey).toMatch(/^abo_[A-Za-z0-9_-]{43}$/);
    const wrong = await fetch(`${plain.server.url}/spaces/web/reply/boss`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${plain.server.operatorKey.slice(0, -1)}x` },
      body: JSON.stringify({ message: 'x' }),
    });
    expect(wrong.status).toBe(403);
    // The key works under --auth agents too, and is never printed by serve.
    expect(classify(await (async () => {
      const r = await fetch(`${agents.server.url}/spaces/web/agent/other/interrupt`, { method: 'POST', headers: agents.server.asOperator });
      return { status: r.status, text: await r.text() };
    })())).toBe(A);
    expect(plain.server.stderr()).not.toContain(plain.server.operatorKey);
  });
});
