/**
 * The robustness catalogue: table-driven cases against every face of a running system (the built
 * `agent-boss serve`, with and without --auth agents; `agent-boss stdio` bound to web/alice; MCP
 * over Streamable HTTP; the legacy curl routes; the CLI; the store; tmux faults). Each case states
 * its input and the answer it must get, and checks that the database did not change. The case
 * titles are "input → expected answer"; docs/robustness.md lists them with their results.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../src/backends/registry.js';
import { TmuxSessionBackend } from '../../src/backends/tmux/tmux-backend.js';
import { Coordinator } from '../../src/core/coordinator.js';
import { isDomainError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { CLI, stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';

const OPERATOR = 'catalogue-operator-token-0123';

type Face = 'mcp-stdio' | 'mcp-http' | 'legacy' | 'auth' | 'cli' | 'store' | 'tmux';

/** What came back, whatever the face: an HTTP status, an MCP isError, a CLI exit code, a thrown error. */
interface Answer {
  status?: number;
  isError?: boolean;
  protocolError?: number;
  exitCode?: number | null;
  threw?: string;
  text: string;
}

interface Want {
  status?: number;
  isError?: boolean;
  exitCode?: number;
  threw?: string;
  /** The answer's text must match. */
  match: RegExp;
}

interface Case {
  face: Face;
  /** "input → expected answer", as listed in docs/robustness.md. */
  title: string;
  run(): Promise<Answer>;
  want: Want;
  /** Which database must be unchanged (default: the one of the face). */
  db?: 'open' | 'auth' | 'store';
}

// ── the system under test ───────────────────────────────────────────────────

let tmux: TmuxTestServer;
let openDir: { dir: string; cleanup: () => void };
let authDir: { dir: string; cleanup: () => void };
let storeDir: { dir: string; cleanup: () => void };
let open: RunningServer;
let auth: RunningServer;
let stdio: Awaited<ReturnType<typeof stdioClient>>;
let operatorMcp: McpConn;
let aliceMcp: McpConn;
let tokens: { alice: string; bob: string; revoked: string };
let store: SqliteStore;
let storeDb: Database;
const readers: Record<'open' | 'auth', Database> = {} as never;

interface McpConn {
  client: Client;
  sessionId: string;
  call(name: string, args: Record<string, unknown>): Promise<Answer>;
}

async function mcp(url: string, headers: Record<string, string> = {}): Promise<McpConn> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'catalogue', version: '0' });
  await client.connect(transport);
  return { client, sessionId: transport.sessionId!, call: (name, args) => callTool(client, name, args) };
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<Answer> {
  try {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    return { isError: r.isError === true, text: r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n') };
  } catch (err) {
    return { isError: true, protocolError: (err as { code?: number }).code ?? 0, text: (err as Error).message };
  }
}

/** Every table but `leases`, and no liveness events (the hub's monitor writes both on its own). */
function snapshot(db: Database): Record<string, unknown[]> {
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'leases' ORDER BY name`)
    .pluck()
    .all() as string[];
  return Object.fromEntries(
    tables.map((t) => [t, db.prepare(t === 'events' ? `SELECT * FROM events WHERE kind != 'session_liveness' ORDER BY id` : `SELECT * FROM "${t}" ORDER BY rowid`).all()]),
  );
}

/** The message of a JSON error body (`{error}` or JSON-RPC `{error: {code, message}}`), else the body as is. */
const messageOf = (body: string): string => {
  try {
    const j = JSON.parse(body) as { error?: string | { code: number; message: string } };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error === 'object') return `${j.error.code} ${j.error.message}`;
  } catch {
    // not JSON: text answers (legacy routes) are taken as they are
  }
  return body;
};

const http = async (base: () => string, path: string, init: RequestInit = {}): Promise<Answer> => {
  const res = await fetch(`${base()}${path}`, init);
  return { status: res.status, text: messageOf(await res.text()) };
};

/**
 * A POST declaring a body over a limit. The server answers 413 from Content-Length alone, before
 * reading any of it, and closes the connection; so only the head is sent (a client still pushing
 * megabytes when the server closes gets a TCP reset that destroys the answer).
 */
const postLarge = (url: string, headers: Record<string, string>, bytes: number): Promise<Answer> =>
  new Promise((resolve) => {
    const u = new URL(url);
    const head = [`POST ${u.pathname} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${bytes}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    let text = '';
    const s = connect(Number(u.port), u.hostname, () => s.write(head.join('\r\n') + '\r\n\r\n'));
    const timer = setTimeout(() => s.destroy(), 10_000);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      const [, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text: messageOf(rest.join('\r\n\r\n').trim()) });
    });
  });

const openUrl = () => open.url;
const authUrl = () => auth.url;
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

/** A GET with headers fetch will not send (Host), over node:http. */
const rawGet = (url: string, headers: Record<string, string>): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: messageOf(text) }));
    });
    req.on('error', reject);
    req.end();
  });

/** A request whose header bytes go on the wire exactly as given. */
const rawBytes = (url: string, path: string, headerLines: Buffer[], body = ''): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const head = Buffer.concat([
      Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`),
      ...headerLines.flatMap((l) => [l, Buffer.from('\r\n')]),
      Buffer.from('\r\n'),
      Buffer.from(body),
    ]);
    const chunks: Buffer[] = [];
    const s = connect(Number(u.port), u.hostname, () => s.end(head));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text: text.replace(/\\"/g, '"') });
    });
  });

const cli = async (args: string[], env: Record<string, string> = {}): Promise<Answer> => {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { exitCode: r.status, text: `${r.stdout}${r.stderr}` };
};

const stdioCall = (name: string, args: Record<string, unknown>) => callTool(stdio.client, name, args);

/** Runs a store or core call, answering what it threw. */
const attempt = async (fn: () => unknown): Promise<Answer> => {
  try {
    const v = await fn();
    return { text: JSON.stringify(v ?? null) };
  } catch (err) {
    const e = err as Error;
    return { threw: isDomainError(err) ? `DomainError:${err.code}` : e.name, text: e.message };
  }
};

// ── the cases ───────────────────────────────────────────────────────────────

const big = (n: number) => 'x'.repeat(n);
const ESC = '\u001b[2J';

const cases: Case[] = [];
const add = (face: Face, title: string, want: Want, run: () => Promise<Answer>, db?: Case['db']) => cases.push({ face, title, want, run, ...(db && { db }) });

// MCP over stdio, bound to --space web --agent alice
{
  const f: Face = 'mcp-stdio';
  const s = (title: string, tool: string, args: Record<string, unknown>, match: RegExp) => add(f, title, { isError: true, match }, () => stdioCall(tool, args));
  s('report_status with a blank summary → isError "summary is required"', 'report_status', { status: 'active', summary: '  ' }, /summary is required/);
  s('report_status summary with ESC[2J → isError "one line without control characters"', 'report_status', { status: 'active', summary: `a${ESC}` }, /summary must be one line without control characters/);
  s('report_status summary with a newline → isError "one line"', 'report_status', { status: 'active', summary: 'a\nb' }, /summary must be one line/);
  s('report_status summary with BEL → isError', 'report_status', { status: 'active', summary: 'a\u0007' }, /summary must be one line/);
  s('report_status status "working" → isError listing the statuses', 'report_status', { status: 'working', summary: 's' }, /status must be one of active, blocked, done, idle, error/);
  s('report_status as space "mobile" while bound to web/alice → isError "bound to its own space"', 'report_status', { space: 'mobile', status: 'active', summary: 's' }, /cannot post to "alice" in space "mobile": an agent is bound to its own space/);
  s('report_status for agent "bob" → isError "reports status only for itself"', 'report_status', { agent: 'bob', status: 'active', summary: 's' }, /cannot post to "bob"'s channel/);
  s('report_status test_count -1 → isError', 'report_status', { status: 'active', summary: 's', test_count: -1 }, /test_count/);
  s('report_status 201 items → isError "at most 200"', 'report_status', { status: 'active', summary: 's', items: Array.from({ length: 201 }, () => 'i') }, /items must have at most 200 entries/);
  s('report_status free_text of 64 KiB + 1 → isError', 'report_status', { status: 'active', summary: 's', free_text: big(64 * 1024 + 1) }, /must be at most 65536 characters/);
  s('report_status summary of 4 KiB + 1 → isError', 'report_status', { status: 'active', summary: big(4097) }, /summary must be at most 4096/);
  s('report_status free_text with OSC 52 (clipboard write) → isError', 'report_status', { status: 'active', summary: 's', free_text: 'x\u001b]52;c;aGk=\u0007' }, /free_text: must not contain control characters other than newline and tab/);
  s('report_status with an unknown field → isError naming it', 'report_status', { status: 'active', summary: 's', colour: 'red' }, /colour|Unrecognized/i);
  s('report_status parent "bob" (bob already reports to alice) → isError "parent cycle"', 'report_status', { status: 'active', summary: 's', parent: 'bob' }, /parent cycle/);
  s('report_status parent "alice" (itself) → isError "self-parent not allowed"', 'report_status', { status: 'active', summary: 's', parent: 'alice' }, /self-parent not allowed/);
  s('register_session agent ".." → isError "must not be . or .."', 'register_session', { agent: '..', session_id: 'x' }, /must not be "\." or "\.\."/);
  s('register_session session_id "web:0" → isError "tmux rewrites"', 'register_session', { session_id: 'web:0' }, /cannot be used with tmux/);
  s('register_session session_id with ESC → isError', 'register_session', { session_id: `s${ESC}` }, /session_id must not contain control characters/);
  s('register_session role with ESC → isError', 'register_session', { session_id: 'web-alice', role: `dev${ESC}` }, /role: must be one line without control characters/);
  s('register_session backend "docker" → isError listing the configured backends', 'register_session', { session_id: 'web-alice', backend: 'docker' }, /docker.*tmux/s);
  s('register_session for space "mobile" → isError "bound to its own space"', 'register_session', { space: 'mobile', session_id: 'web-alice' }, /in space "mobile": an agent is bound to its own space/);
  s('send_input to mobile/bob (parent "alice", other space) → isError "acts only within its own space"', 'send_input', { space: 'mobile', agent: 'bob', text: 'pwned' }, /acts only within its own space/);
  s('send_input to carol (not managed) → isError "act only on itself and the agents it manages"', 'send_input', { agent: 'carol', text: 'x' }, /may act only on itself and the agents it manages/);
  s('send_input text with ESC → isError "control characters other than newline and tab"', 'send_input', { agent: 'bob', text: `hi${ESC}` }, /control characters other than newline and tab/);
  s('send_input blank text → isError "text is blank"', 'send_input', { agent: 'bob', text: '   ' }, /text is blank/);
  s('send_input to an unknown agent → isError "not registered"', 'send_input', { agent: 'nobody', text: 'x' }, /"nobody" is not registered in space "web"/);
  s('approve with prompt_id "../x" → isError', 'approve', { agent: 'bob', prompt_id: '../x' }, /prompt_id must be the id shown by list_liveness/);
  s('interrupt carol (not managed) → isError', 'interrupt', { agent: 'carol' }, /cannot interrupt "carol"/);
  s('list_liveness with space and all_spaces → isError "not both"', 'list_liveness', { space: 'web', all_spaces: true }, /either space or all_spaces, not both/);
  s('a tool that does not exist → error "not found"', 'delete_everything', {}, /not found|Unknown tool/i);
  s("register_session session_id \"web-carol\" take_over (carol's terminal) → isError \"which alice does not manage\"", 'register_session', { session_id: 'web-carol', take_over: true }, /it is the terminal of agent "carol" in space "web", which "alice" does not manage/);
  s('register_session session_id "operator-shell" (no agent holds it) → isError "nothing shows it runs there"', 'register_session', { session_id: 'operator-shell' }, /nothing shows it runs there/);
  add(f, 'spawn_agent into space "mobile" → isError "spawns only into its own space"', { isError: true, match: /cannot spawn "eve" in space "mobile": an agent spawns only into its own space/ }, () =>
    stdioCall('spawn_agent', { space: 'mobile', agent: 'eve', work_dir: openDir.dir, command: 'cat' }),
  );
  add(f, 'spawn_agent carol (registered, reports to no one) → isError "only the operator may start it again"', { isError: true, match: /cannot spawn "carol": .*only the operator may start it again/ }, () =>
    stdioCall('spawn_agent', { agent: 'carol', work_dir: openDir.dir, command: 'cat' }),
  );
}

// MCP over Streamable HTTP (the open hub): operator session and one bound by X-Agent-Name alice / X-Agent-Space web
{
  const f: Face = 'mcp-http';
  const op = (title: string, tool: string, args: Record<string, unknown>, match: RegExp) => add(f, title, { isError: true, match }, () => operatorMcp.call(tool, args));
  const al = (title: string, tool: string, args: Record<string, unknown>, match: RegExp) => add(f, title, { isError: true, match }, () => aliceMcp.call(tool, args));
  op('operator send_input to ghost (its tmux session is gone) → isError "no longer exists"', 'send_input', { space: 'web', agent: 'ghost', text: 'x' }, /no longer exists/);
  op('operator approve bob (no prompt on screen) → isError "No pending approval"', 'approve', { space: 'web', agent: 'bob' }, /No pending approval/);
  op('operator send_input to nosess (no session registered) → isError "has no session registered"', 'send_input', { space: 'web', agent: 'nosess', text: 'x' }, /has no session registered/);
  op('operator interrupt an unknown agent → isError "not registered"', 'interrupt', { space: 'web', agent: 'nobody' }, /not registered/);
  op('operator register_session space "." → isError', 'register_session', { space: '.', agent: 'a', session_id: 's' }, /space name must not be "\." or "\.\."/);
  op('operator register_session agent with NUL → isError', 'register_session', { space: 'web', agent: 'a\u0000b', session_id: 's' }, /agent name must not contain control characters/);
  op('operator register_session without session_id for another agent → isError "session_id is required"', 'register_session', { space: 'web', agent: 'newbie' }, /session_id is required for "newbie"/);
  op('operator register_session agent "parent" → isError "reserved"', 'register_session', { space: 'web', agent: 'parent', session_id: 's' }, /reserved/);
  op('operator report_status summary with CR → isError', 'report_status', { space: 'web', agent: 'bob', status: 'active', summary: 'ok\rBAD' }, /summary must be one line/);
  op('operator send_input of 1 MiB + 1 characters → isError', 'send_input', { space: 'web', agent: 'bob', text: big(1024 * 1024 + 1) }, /at most 1048576/);
  // Permission-skipping hidden by shell quoting: decided on the words the program gets.
  const skip = /this server does not start agents with permission prompts skipped/;
  const unknown = /its words cannot be known before it runs/;
  for (const [command, match] of [
    ["claude --dangerously-skip-permi''ssions", skip],
    ['claude --dangerously-skip-permission\\s', skip],
    ['claude --permission-mode bypass""Permissions', skip],
    ["claude $'--dangerously-skip-permission\\x73'", skip],
    ['sh -c \'claude --dangerously-skip-permi""ssions\'', skip],
    ['claude $(echo --dangerously-skip-permissions)', skip],
    ['claude $(printf %s --dangerously-skip-perm issions)', unknown],
    ['claude $FLAGS', unknown],
    ['claude --dangerously-skip-{permissions,}', unknown],
  ] as const) {
    op(`operator spawn_agent command ${JSON.stringify(command)} → isError "${match === skip ? 'permission prompts skipped' : 'cannot be known'}"`, 'spawn_agent', { space: 'web', agent: 'reckless', work_dir: '/tmp', command }, match);
  }
  al('X-Agent-Name alice: report_status as mobile → isError', 'report_status', { space: 'mobile', status: 'active', summary: 's' }, /bound to its own space/);
  al('X-Agent-Name alice: send_input to mobile/bob → isError', 'send_input', { space: 'mobile', agent: 'bob', text: 'pwned' }, /acts only within its own space/);
  al('X-Agent-Name alice: approve mobile/bob → isError', 'approve', { space: 'mobile', agent: 'bob' }, /acts only within its own space/);
  al('X-Agent-Name alice: register_session for bob → isError', 'register_session', { agent: 'bob', session_id: 'web-bob' }, /cannot register a session for "bob"/);
  al('X-Agent-Name alice: interrupt carol → isError', 'interrupt', { agent: 'carol' }, /act only on itself/);
  al("X-Agent-Name alice: register_session on carol's session with take_over → isError", 'register_session', { session_id: 'web-carol', take_over: true }, /terminal of agent "carol"/);
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '0' } } };
  const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  add(f, 'initialize with X-Agent-Name "a\\tb" → 400 "invalid X-Agent-Name header"', { status: 400, match: /invalid X-Agent-Name header/ }, () =>
    http(openUrl, '/mcp', { method: 'POST', headers: { ...mcpHeaders, 'X-Agent-Name': 'a\tb' }, body: JSON.stringify(init) }),
  );
  add(f, 'initialize with X-Agent-Name ".." → 400', { status: 400, match: /must not be "\." or "\.\."/ }, () =>
    http(openUrl, '/mcp', { method: 'POST', headers: { ...mcpHeaders, 'X-Agent-Name': '..' }, body: JSON.stringify(init) }),
  );
  add(f, 'initialize with X-Agent-Name bytes that are not UTF-8 (0xE9) → 400 "not valid UTF-8"', { status: 400, match: /not valid UTF-8/ }, () =>
    rawBytes(openUrl(), '/mcp', [Buffer.concat([Buffer.from('Accept: application/json, text/event-stream\r\nX-Agent-Name: caf'), Buffer.from([0xe9])])], JSON.stringify(init)),
  );
  add(f, "alice's session id used with X-Agent-Name bob → 403 \"opened under another X-Agent-Name\"", { status: 403, match: /opened under another X-Agent-Name/ }, () =>
    http(openUrl, '/mcp', {
      method: 'POST',
      headers: { ...mcpHeaders, 'Mcp-Session-Id': aliceMcp.sessionId, 'MCP-Protocol-Version': '2025-06-18', 'X-Agent-Name': 'bob', 'X-Agent-Space': 'web' },
      body: '{"jsonrpc":"2.0","id":5,"method":"tools/list"}',
    }),
  );
  add(f, 'a request other than initialize without Mcp-Session-Id → 400', { status: 400, match: /start with an initialize request/ }, () =>
    http(openUrl, '/mcp', { method: 'POST', headers: mcpHeaders, body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' }),
  );
  add(f, 'malformed JSON body → 400 JSON-RPC -32700', { status: 400, match: /-32700/ }, () => http(openUrl, '/mcp', { method: 'POST', headers: mcpHeaders, body: '{"jsonrpc":' }));
  add(f, 'an unknown Mcp-Session-Id → 404 "Session not found"', { status: 404, match: /Session not found/ }, () =>
    http(openUrl, '/mcp', { method: 'POST', headers: { ...mcpHeaders, 'Mcp-Session-Id': 'nope' }, body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' }),
  );
  add(f, 'a body declared over the 4 MiB + 64 KiB limit → 413', { status: 413, match: /Request body too large/ }, () =>
    postLarge(`${openUrl()}/mcp`, mcpHeaders, 4 * 1024 * 1024 + 64 * 1024 + 1),
  );
  add(f, 'PUT /mcp → 405 with Allow', { status: 405, match: /Method not allowed/ }, () => http(openUrl, '/mcp', { method: 'PUT' }));
  add(f, 'GET /mcp without a session → 400', { status: 400, match: /Mcp-Session-Id header is required/ }, () => http(openUrl, '/mcp', { method: 'GET', headers: { Accept: 'text/event-stream' } }));
}

// Legacy curl routes (the open hub)
{
  const f: Face = 'legacy';
  const post = (agent: string, body: unknown, headers: Record<string, string> = { 'X-Agent-Name': agent }, space = 'web') =>
    http(openUrl, `/spaces/${space}/agent/${agent}`, json(body, headers));
  const L = (title: string, status: number, match: RegExp, run: () => Promise<Answer>) => add(f, title, { status, match }, run);
  const ok = { status: 'active', summary: 's' };
  const hookEvent = (headers: Record<string, string>, body: Record<string, unknown>, base = openUrl) =>
    http(base, '/hooks/event', json({ payload: { hook_event_name: 'UserPromptSubmit', session_id: 'cc-1', prompt: 'forged' }, ...body }, headers));
  L('ignition alice?session_id=web-carol with X-Agent-Name alice → 403 "terminal of agent carol"', 403, /cannot register session "web-carol" for "alice": it is the terminal of agent "carol"/, () =>
    http(openUrl, '/spaces/web/ignition/alice?session_id=web-carol', { headers: { 'X-Agent-Name': 'alice' } }),
  );
  L('hook event with "space": "mobile" and X-Agent-Name alice → 403 "lands in its own space"', 403, /cannot record hook events in space "mobile"/, () => hookEvent({ 'X-Agent-Name': 'alice' }, { space: 'mobile' }));
  L('hook event with X-Agent-Space web and "space": "mobile" → 403', 403, /cannot record hook events in space "mobile"/, () =>
    hookEvent({ 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' }, { space: 'mobile', agent: 'alice' }),
  );
  L('hook SessionStart naming tmux session "operator-shell" with X-Agent-Name mallory → 403', 403, /agent "mallory" cannot register session "operator-shell"/, () =>
    http(openUrl, '/hooks/event', json({ payload: { hook_event_name: 'SessionStart', session_id: 'cc-1', source: 'startup' }, tmux_session: 'operator-shell' }, { 'X-Agent-Name': 'mallory' })),
  );
  L('status post without X-Agent-Name → 400 "missing X-Agent-Name header"', 400, /missing X-Agent-Name header/, () => post('bob', ok, {}));
  L('status post X-Agent-Name mallory to bob → 403 "cannot post to \\"bob\\"\'s channel"', 403, /agent "mallory" cannot post to "bob"'s channel/, () => post('bob', ok, { 'X-Agent-Name': 'mallory' }));
  L('status post X-Agent-Space mobile to /spaces/web → 403', 403, /bound to its own space/, () => post('bob', ok, { 'X-Agent-Name': 'bob', 'X-Agent-Space': 'mobile' }));
  L('status post status "working" → 400 "invalid status"', 400, /^validation: invalid status "working": must be one of/, () => post('bob', { status: 'working', summary: 's' }));
  L('status post blank summary → 400 "summary is required"', 400, /summary is required/, () => post('bob', { status: 'active', summary: ' ' }));
  L('status post without summary → 400 "summary is required"', 400, /summary is required/, () => post('bob', { status: 'active' }));
  L('status post summary with ESC → 400, answer free of control characters', 400, /^validation: summary must be one line[^\u001b]*$/, () => post('bob', { status: 'active', summary: `x${ESC}` }));
  L('status post agent "parent" → 400 "reserved"', 400, /reserved/, () => post('parent', ok));
  L('status post parent = itself → 400 "self-parent not allowed"', 400, /self-parent not allowed/, () => post('bob', { ...ok, parent: 'bob' }));
  L('status post alice parent bob (bob reports to alice) → 400 "parent cycle"', 400, /parent cycle/, () => post('alice', { ...ok, parent: 'bob' }));
  L('status post malformed JSON → 400 "malformed JSON body"', 400, /malformed JSON body/, () => post('bob', '{"status":'));
  L('status post JSON array → 400 "must be an object"', 400, /must be an object/, () => post('bob', '[1,2]'));
  L('status post session_id "web:0" → 400 "cannot be used with tmux"', 400, /session_id: Session id "web:0" cannot be used with tmux/, () => post('bob', { ...ok, session_id: 'web:0' }));
  L('status post tmux_session "a.b" → 400 "cannot be used with tmux"', 400, /cannot be used with tmux/, () => post('bob', { ...ok, tmux_session: 'a.b' }));
  L('status post test_count "seven" → 400', 400, /test_count/, () => post('bob', { ...ok, test_count: 'seven' }));
  L('status post items "x" (not a list) → 400', 400, /items/, () => post('bob', { ...ok, items: 'x' }));
  L('status post document slug ".." → 400', 400, /document slug must not be "\." or "\.\."/, () => post('bob', { ...ok, documents: [{ slug: '..', content: 'c' }] }));
  L('status post section title with BEL → 400', 400, /sections\.0\.title/, () => post('bob', { ...ok, sections: [{ title: 'a\u0007' }] }));
  L('status post backend_type "docker" → 400', 400, /docker/, () => post('bob', { ...ok, backend_type: 'docker' }));
  L('status post declaring a body of 1 MiB + 1 → 413', 413, /request body too large/, () =>
    postLarge(`${openUrl()}/spaces/web/agent/bob`, { 'Content-Type': 'application/json', 'X-Agent-Name': 'bob' }, 1024 * 1024 + 1),
  );
  L('plain-text status post with ESC in the body → 400', 400, /free_text: must not contain control characters/, () =>
    http(openUrl, '/spaces/web/agent/bob', { method: 'POST', headers: { 'X-Agent-Name': 'bob', 'Content-Type': 'text/plain' }, body: `working\nline${ESC}` }),
  );
  L('status post with X-Agent-Name bytes not UTF-8 → 400 "not valid UTF-8"', 400, /X-Agent-Name header is not valid UTF-8/, () =>
    rawBytes(openUrl(), '/spaces/web/agent/bob', [Buffer.concat([Buffer.from('X-Agent-Name: b'), Buffer.from([0xf6]), Buffer.from('b')])], JSON.stringify(ok)),
  );
  L('reply with a blank message → 400', 400, /message/, () => http(openUrl, '/spaces/web/reply/bob', json({ message: '' })));
  L('reply with ESC in the message → 400 "control characters"', 400, /control characters/, () => http(openUrl, '/spaces/web/reply/bob', json({ message: `x${ESC}` })));
  L('reply without "message" → 400 naming the body shape', 400, /send \{"message": "text to type"\}/, () => http(openUrl, '/spaces/web/reply/bob', json({ text: 'x' })));
  L('reply malformed JSON → 400', 400, /malformed JSON body/, () => http(openUrl, '/spaces/web/reply/bob', json('{')));
  L('reply to an unknown agent → 404', 404, /not registered/, () => http(openUrl, '/spaces/web/reply/nobody', json({ message: 'x' })));
  L('operator reply to nosess (no session) → 400 "no session registered"', 400, /has no session registered/, () => http(openUrl, '/spaces/web/reply/nosess', json({ message: 'x' }, open.asOperator)));
  L('operator reply to ghost (session gone) → 400 "no longer exists"', 400, /no longer exists/, () => http(openUrl, '/spaces/web/reply/ghost', json({ message: 'x' }, open.asOperator)));
  L('reply to bob without X-Agent-Name or the operator key → 403 "only the operator"', 403, /only the operator may send input to "bob"/, () => http(openUrl, '/spaces/web/reply/bob', json({ message: 'x' })));
  L('reply X-Agent-Name bob to carol → 403', 403, /agent "bob" cannot send input to "carol"/, () => http(openUrl, '/spaces/web/reply/carol', json({ message: 'x' }, { 'X-Agent-Name': 'bob' })));
  L('reply X-Agent-Name alice, X-Agent-Space web to mobile/bob → 403', 403, /acts only within its own space/, () =>
    http(openUrl, '/spaces/mobile/reply/bob', json({ message: 'pwned' }, { 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' })),
  );
  L('approve with prompt_id "a b" → 400', 400, /prompt_id/, () => http(openUrl, '/spaces/web/approve/bob?prompt_id=a%20b', { method: 'POST' }));
  L('operator approve bob (no prompt) → 409 "No pending approval"', 409, /No pending approval/, () => http(openUrl, '/spaces/web/approve/bob', { method: 'POST', headers: open.asOperator }));
  L('approve bob without X-Agent-Name or the operator key → 403 "only the operator"', 403, /only the operator may approve prompts of "bob"/, () => http(openUrl, '/spaces/web/approve/bob', { method: 'POST' }));
  L('approve an unknown agent → 404', 404, /not registered/, () => http(openUrl, '/spaces/web/approve/nobody', { method: 'POST' }));
  L('interrupt an unknown agent → 404', 404, /not registered/, () => http(openUrl, '/spaces/web/agent/nobody/interrupt', { method: 'POST' }));
  L('interrupt carol as X-Agent-Name bob → 403', 403, /cannot interrupt "carol"/, () => http(openUrl, '/spaces/web/agent/carol/interrupt', { method: 'POST', headers: { 'X-Agent-Name': 'bob' } }));
  L('DELETE alice as X-Agent-Name bob → 403 "cannot delete"', 403, /agent "bob" cannot delete "alice"/, () => http(openUrl, '/spaces/web/agent/alice', { method: 'DELETE', headers: { 'X-Agent-Name': 'bob' } }));
  L('DELETE mobile/bob as X-Agent-Name alice, X-Agent-Space web → 403', 403, /acts only within its own space/, () =>
    http(openUrl, '/spaces/mobile/agent/bob', { method: 'DELETE', headers: { 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' } }),
  );
  L('DELETE an unknown agent → 404', 404, /not registered/, () => http(openUrl, '/spaces/web/agent/nobody', { method: 'DELETE' }));
  L('GET an unknown agent → 404', 404, /not registered/, () => http(openUrl, '/spaces/web/agent/nobody'));
  L('GET agent in space "%07" (BEL) → 400', 400, /space name "\u0007": space name must not contain control characters/, () => http(openUrl, '/spaces/%07/agent/bob'));
  L('ignition parent = itself → 400 "self-parent not allowed"', 400, /self-parent not allowed/, () => http(openUrl, '/spaces/web/ignition/carol?parent=carol'));
  L('ignition session_id "a:b" → 400', 400, /cannot be used with tmux/, () => http(openUrl, '/spaces/web/ignition/carol?session_id=a%3Ab'));
  L('ignition role with ESC → 400', 400, /role/, () => http(openUrl, `/spaces/web/ignition/carol?role=${encodeURIComponent(`dev${ESC}`)}`));
  L('ignition backend "docker" → 400', 400, /docker/, () => http(openUrl, '/spaces/web/ignition/carol?backend=docker'));
  L('ignition parent ".." → 400', 400, /must not be "\." or "\.\."/, () => http(openUrl, '/spaces/web/ignition/carol?parent=..'));
  L('ignition registering carol as X-Agent-Name bob → 403', 403, /cannot register a session for "carol"/, () =>
    http(openUrl, '/spaces/web/ignition/carol?session_id=web-carol', { headers: { 'X-Agent-Name': 'bob' } }),
  );
  L('session-status ?space= with NUL → 400', 400, /space name/, () => http(openUrl, '/api/session-status?space=a%00b'));
  L('events in space with DEL → 400', 400, /invalid space name/, () => http(openUrl, '/spaces/a%7Fb/events'));
  L('Host: evil.example → 403 "forbidden host"', 403, /forbidden host "evil.example"/, () => rawGet(`${openUrl()}/api/session-status`, { Host: 'evil.example' }));
  L('Origin: http://evil.example → 403 "forbidden origin"', 403, /forbidden origin/, () => http(openUrl, '/api/session-status', { headers: { Origin: 'http://evil.example' } }));
  L('Sec-Fetch-Site: cross-site on ignition → 403', 403, /cross-site browser requests/, () => http(openUrl, '/spaces/web/ignition/carol?session_id=x', { headers: { 'Sec-Fetch-Site': 'cross-site' } }));
  L('an unknown route → 404 JSON', 404, /not found: GET \/nope/, () => http(openUrl, '/nope'));
}

// The hub under --auth agents
{
  const f: Face = 'auth';
  const A = (title: string, status: number, match: RegExp, run: () => Promise<Answer>) => add(f, title, { status, match }, run, 'auth');
  const report = JSON.stringify({ status: 'active', summary: 's' });
  const postAlice = (headers: Record<string, string>, space = 'web') => http(authUrl, `/spaces/${space}/agent/alice`, json(report, headers));
  A('status post with no token → 401', 401, /unauthorized: this server \(--auth agents\)/, () => postAlice({ 'X-Agent-Name': 'alice' }));
  A('status post with a forged abt_ token → 401', 401, /unauthorized/, () => postAlice({ 'X-Agent-Name': 'alice', ...bearer('abt_forged') }));
  A('status post with a revoked token → 401', 401, /unauthorized/, () => postAlice({ 'X-Agent-Name': 'alice', ...bearer(tokens.revoked) }));
  A("status post X-Agent-Name alice with the operator's token → 403 \"honoured only with that agent's own token\"", 403, /honoured only with that agent's own token/, () =>
    postAlice({ 'X-Agent-Name': 'alice', ...bearer(OPERATOR) }),
  );
  A("status post X-Agent-Name alice with bob's token → 403 \"belongs to agent bob\"", 403, /this token belongs to agent "bob"/, () => postAlice({ 'X-Agent-Name': 'alice', ...bearer(tokens.bob) }));
  A("status post to mobile/alice with web/alice's token → 403", 403, /bound to its own space/, () => postAlice({ 'X-Agent-Name': 'alice', ...bearer(tokens.alice) }, 'mobile'));
  A("X-Agent-Space mobile with web/alice's token → 403 \"not to space\"", 403, /not to space "mobile"/, () => postAlice({ 'X-Agent-Name': 'alice', 'X-Agent-Space': 'mobile', ...bearer(tokens.alice) }));
  A("reply to carol with alice's token (no header) → 403", 403, /agent "alice" cannot send input to "carol"/, () => http(authUrl, '/spaces/web/reply/carol', json({ message: 'x' }, bearer(tokens.alice))));
  A("DELETE bob with alice's token (bob not managed here) → 403", 403, /agent "alice" cannot delete "bob"/, () => http(authUrl, '/spaces/web/agent/bob', { method: 'DELETE', headers: bearer(tokens.alice) }));
  A("ignition registering bob with alice's token → 403", 403, /cannot register a session for "bob"/, () => http(authUrl, '/spaces/web/ignition/bob?session_id=x', { headers: bearer(tokens.alice) }));
  A('session-status with Authorization: Basic → 401', 401, /unauthorized/, () => http(authUrl, '/api/session-status', { headers: { Authorization: 'Basic b3A6b3A=' } }));
  A('/mcp initialize without a token → 401', 401, /unauthorized/, () =>
    http(authUrl, '/mcp', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{}' }),
  );
  A("/mcp initialize with the operator's token and X-Agent-Name → 403", 403, /honoured only with that agent's own token/, () =>
    http(authUrl, '/mcp', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'X-Agent-Name': 'alice', ...bearer(OPERATOR) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '0' } } }),
    }),
  );
  A('/events with no token → 401', 401, /unauthorized/, () => http(authUrl, '/events'));
  A("hook event with \"space\": \"mobile\" and web/alice's token → 403", 403, /agent "alice" of space "web" cannot record hook events in space "mobile"/, () =>
    http(authUrl, '/hooks/event', json({ payload: { hook_event_name: 'UserPromptSubmit', session_id: 'cc-1', prompt: 'forged' }, space: 'mobile' }, bearer(tokens.alice))),
  );
  A("ignition alice?session_id=web-carol with alice's token → 403", 403, /it is the terminal of agent "carol"/, () => http(authUrl, '/spaces/web/ignition/alice?session_id=web-carol', { headers: bearer(tokens.alice) }));
}

// The CLI
{
  const f: Face = 'cli';
  const C = (title: string, exitCode: number, match: RegExp, args: () => string[], env: Record<string, string> = {}) => add(f, title, { exitCode, match }, () => cli(args(), env));
  const d = () => ['--data-dir', openDir.dir];
  C('no command → exit 2 "missing command"', 2, /missing command/, () => []);
  C('command "start" → exit 2 "unknown command"', 2, /unknown command "start"/, () => ['start']);
  C('two commands → exit 2 "unexpected argument"', 2, /unexpected argument "serve"/, () => ['stdio', 'serve']);
  C('--port 70000 → exit 2', 2, /--port must be a whole number from 0 to 65535/, () => ['serve', '--port', '70000', ...d()]);
  C('--log-level loud → exit 2', 2, /--log-level must be debug, info, warn or error/, () => ['stdio', '--log-level', 'loud', ...d()]);
  C('--tmux-socket "a/b" → exit 2', 2, /--tmux-socket must be a socket name/, () => ['stdio', '--tmux-socket', 'a/b', ...d()]);
  C('--agent with BEL → exit 2', 2, /--agent: agent name must not contain control characters/, () => ['stdio', '--agent', 'a\u0007b', ...d()]);
  C('--space ".." → exit 2', 2, /--space: space name must not be "\." or "\.\."/, () => ['stdio', '--space', '..', ...d()]);
  C('--token of 8 characters → exit 2', 2, /--token must be at least 16 characters/, () => ['serve', '--token', 'short123', ...d()]);
  C('--auth everyone → exit 2', 2, /--auth must be none or agents/, () => ['serve', '--auth', 'everyone', ...d()]);
  C('serve --auth agents without --token → exit 2', 2, /--auth agents needs the operator's token/, () => ['serve', '--auth', 'agents', '--port', '0', ...d()]);
  C('serve --host 0.0.0.0 without --token → exit 2 "refusing to listen"', 2, /refusing to listen on 0\.0\.0\.0 without a token/, () => ['serve', '--host', '0.0.0.0', '--port', '0', ...d()]);
  C('an unknown flag --colour → exit 2', 2, /--colour/, () => ['stdio', '--colour', ...d()]);
  C('BOSS_LOG_LEVEL=verbose → exit 2', 2, /--log-level must be/, () => ['stdio', ...d()], { BOSS_LOG_LEVEL: 'verbose' });
  C('token mint → exit 2 "unknown token action"', 2, /unknown token action "mint"/, () => ['token', 'mint', ...d()]);
  C('token issue without --agent → exit 2', 2, /--agent NAME is required/, () => ['token', 'issue', ...d()]);
  C('token revoke "abc" → exit 2 "not a token id"', 2, /not a token id/, () => ['token', 'revoke', 'abc', ...d()]);
  C('token revoke 999 (no such token) → exit 1', 1, /no active token has id 999/, () => ['token', 'revoke', '999', ...d()]);
  C('token revoke --agent nobody → exit 1', 1, /has no active token/, () => ['token', 'revoke', '--agent', 'nobody', ...d()]);
  C('token list on a hub without tokens → exit 0 "no active agent tokens"', 0, /no active agent tokens/, () => ['token', 'list', ...d()]);
}

// The store, directly (its own database file)
{
  const f: Face = 'store';
  const S = (title: string, want: Want, fn: () => unknown) => add(f, title, want, () => attempt(fn), 'store');
  S('register with parent = itself → ParentCycleError', { threw: 'ParentCycleError', match: /self-parent/ }, async () => await store.register('s', 'a', { parent: 'A' }));
  S('report closing a cycle (a → b → a) → ParentCycleError', { threw: 'ParentCycleError', match: /parent cycle/ }, async () => await store.report('s', 'root', { status: 'active', summary: 'x', parent: 'leaf' }));
  S('deleteAgent of an unknown agent → false', { match: /^false$/ }, async () => await store.deleteAgent('s', 'nobody'));
  S('deleteAgent in an unknown space → false', { match: /^false$/ }, async () => await store.deleteAgent('nospace', 'root'));
  S('getAgent of an unknown agent → undefined', { match: /^null$/ }, async () => await store.getAgent('s', 'nobody'));
  S('parentChain of an unknown agent → [itself]', { match: /^\["nobody"\]$/ }, async () => await store.parentChain('s', 'nobody'));
  S('eventsSince past the newest id → []', { match: /^\[\]$/ }, async () => await store.eventsSince(1e12));
  S('acquireLease held by another holder → false', { match: /^false$/ }, async () => await store.acquireLease('monitor', 'intruder', 5000));
  S('releaseLease by a process that does not hold it → nothing released', { match: /^null$/ }, async () => await store.releaseLease('monitor', 'intruder'));
  S('a write that throws inside the transaction → rolled back, error passed on', { threw: 'Error', match: /boom/ }, () =>
    (store as unknown as { write(what: string, fn: () => unknown): Promise<unknown> }).write('test a rollback', () => {
      storeDb.prepare(`INSERT INTO spaces (name, name_key, created_at, updated_at) VALUES ('tmp', 'tmp', 0, 0)`).run();
      throw new Error('boom');
    }),
  );
}

// tmux faults, through the core
{
  const f: Face = 'tmux';
  const core = (backend: TmuxSessionBackend) => new Coordinator({ store, backends: new BackendRegistry([backend]) });
  const T = (title: string, want: Want, fn: () => Promise<unknown>) => add(f, title, want, () => attempt(fn), 'store');
  let missingBinary: TmuxSessionBackend;
  let noServer: TmuxSessionBackend;
  let live: TmuxSessionBackend;
  const backends = () => {
    missingBinary ??= new TmuxSessionBackend({ tmuxBinary: '/nonexistent/tmux', configFile: '/dev/null' });
    noServer ??= new TmuxSessionBackend({ socketName: `boss-test-${process.pid}-none`, configFile: '/dev/null' });
    live ??= new TmuxSessionBackend({ socketName: tmux.socketName, configFile: '/dev/null' });
    return { missingBinary, noServer, live };
  };
  T('send_input when the tmux binary is missing → DomainError backend_unavailable', { threw: 'DomainError:backend_unavailable', match: /Install it/ }, () =>
    core(backends().missingBinary).sendInput({}, { space: 's', agent: 'root', text: 'x' }),
  );
  T('interrupt when no tmux server runs on the socket → DomainError backend_unavailable naming the socket', { threw: 'DomainError:backend_unavailable', match: /no tmux server is running on socket .*Check the server's --tmux-socket/ }, () =>
    core(backends().noServer).interrupt({}, { space: 's', agent: 'root' }),
  );
  T('approve on a pane that shows no prompt → DomainError no_pending_approval', { threw: 'DomainError:no_pending_approval', match: /No pending approval/ }, () =>
    core(backends().live).approve({}, { space: 's', agent: 'leaf' }),
  );
  T('send_input to a session killed after registration → DomainError session_missing', { threw: 'DomainError:session_missing', match: /no longer exists/ }, () =>
    core(backends().live).sendInput({}, { space: 's', agent: 'root', text: 'x' }),
  );
  T('list_liveness with a missing binary → rows in state "unknown", nothing written', { match: /"state":"unknown"/ }, () => core(backends().missingBinary).listLiveness('s'));
  T('list_liveness with a killed session → exists false, state "missing"', { match: /"agent":"root".*"exists":false,"state":"missing"/ }, () => core(backends().live).listLiveness('s'));
  T('register_session with session id "x.y" → DomainError validation', { threw: 'DomainError:validation', match: /tmux rewrites/ }, () =>
    core(backends().live).registerSession({}, { space: 's', agent: 'newbie', session_id: 'x.y' }),
  );
  afterAll(async () => {
    await Promise.all([missingBinary, noServer, live].filter(Boolean).map((b) => b.close()));
  });
}

// ── set-up and the run ──────────────────────────────────────────────────────

beforeAll(async () => {
  tmux = await createTmuxServer();
  for (const s of ['web-alice', 'web-bob', 'web-carol', 'mobile-bob', 'store-leaf']) await tmux.tmux('new-session', '-d', '-s', s, '-x', '120', '-y', '30', 'cat');
  openDir = tempDir('boss-cat-open-');
  authDir = tempDir('boss-cat-auth-');
  storeDir = tempDir('boss-cat-store-');
  [open, auth] = await Promise.all([
    startServer({ dataDir: openDir.dir, tmuxSocket: tmux.socketName }),
    startServer({ dataDir: authDir.dir, tmuxSocket: tmux.socketName, args: ['--auth', 'agents', '--token', OPERATOR] }),
  ]);
  operatorMcp = await mcp(open.url, open.asOperator);
  const reg = async (space: string, agent: string, extra: Record<string, unknown> = {}) => {
    const r = await operatorMcp.call('register_session', { space, agent, ...extra });
    if (r.isError) throw new Error(`seeding ${space}/${agent}: ${r.text}`);
  };
  await reg('web', 'alice', { session_id: 'web-alice' });
  await reg('web', 'bob', { session_id: 'web-bob', parent: 'alice' });
  await reg('web', 'carol', { session_id: 'web-carol' });
  await reg('web', 'ghost', { session_id: 'ghost-gone' });
  await reg('mobile', 'bob', { session_id: 'mobile-bob', parent: 'alice' });
  const seeded = await http(openUrl, '/spaces/web/ignition/nosess?role=tester');
  if (seeded.status !== 200) throw new Error(`seeding nosess: ${seeded.text}`);
  aliceMcp = await mcp(open.url, { 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' });
  stdio = await stdioClient(['--data-dir', openDir.dir, '--tmux-socket', tmux.socketName, '--space', 'web', '--agent', 'alice']);

  const issue = async (agent: string) => {
    const r = await cli(['token', 'issue', '--space', 'web', '--agent', agent, '--data-dir', authDir.dir]);
    if (r.exitCode !== 0) throw new Error(r.text);
    return /^(abt_\S+)$/m.exec(r.text)![1]!;
  };
  tokens = { alice: await issue('alice'), bob: await issue('bob'), revoked: await issue('alice') };
  const revoked = await cli(['token', 'revoke', '3', '--data-dir', authDir.dir]);
  if (revoked.exitCode !== 0) throw new Error(revoked.text);
  for (const [agent, session] of [['alice', 'web-alice'], ['bob', 'web-bob'], ['carol', 'web-carol']]) {
    const r = await http(authUrl, `/spaces/web/ignition/${agent}?session_id=${session}`, { headers: bearer(OPERATOR) });
    if (r.status !== 200) throw new Error(r.text);
  }

  storeDb = openDatabase(join(storeDir.dir, 'boss.db'));
  store = new SqliteStore(storeDb);
  await store.register('s', 'root', { session_id: 'store-root-gone', backend_type: 'tmux' });
  await store.register('s', 'mid', { session_id: 'store-leaf', backend_type: 'tmux', parent: 'root' });
  await store.register('s', 'leaf', { session_id: 'store-leaf', backend_type: 'tmux', parent: 'mid' });
  await store.register('s', 'a', {});
  await store.acquireLease('monitor', 'holder', 60_000);

  readers.open = new BetterSqlite3(join(openDir.dir, 'boss.db'), { readonly: true, fileMustExist: true });
  readers.auth = new BetterSqlite3(join(authDir.dir, 'boss.db'), { readonly: true, fileMustExist: true });
}, 60_000);

afterAll(async () => {
  for (const db of Object.values(readers)) db?.close();
  await stdio?.close().catch(() => undefined);
  await operatorMcp?.client.close().catch(() => undefined);
  await aliceMcp?.client.close().catch(() => undefined);
  await Promise.all([open?.stop(), auth?.stop()]);
  storeDb?.close();
  await tmux?.kill();
  openDir?.cleanup();
  authDir?.cleanup();
  storeDir?.cleanup();
});

const dbOf = (c: Case): (() => Record<string, unknown[]>) => {
  const which = c.db ?? 'open';
  return () => {
    if (which === 'store') return { ...snapshot(storeDb), leases: storeDb.prepare('SELECT * FROM leases').all() };
    return snapshot(readers[which]);
  };
};

describe('robustness catalogue', () => {
  it('has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  for (const face of ['mcp-stdio', 'mcp-http', 'legacy', 'auth', 'cli', 'store', 'tmux'] as const) {
    describe(face, () => {
      it.each(cases.filter((c) => c.face === face).map((c) => [c.title, c] as const))('%s', async (_title, c) => {
        const snap = dbOf(c);
        const before = snap();
        const answer = await c.run();
        if (c.want.status !== undefined) expect(answer.status, answer.text).toBe(c.want.status);
        if (c.want.isError !== undefined) expect(answer.isError, answer.text).toBe(c.want.isError);
        if (c.want.exitCode !== undefined) expect(answer.exitCode, answer.text).toBe(c.want.exitCode);
        if (c.want.threw !== undefined) expect(answer.threw, answer.text).toBe(c.want.threw);
        else expect(answer.threw, answer.text).toBeUndefined();
        expect(answer.text).toMatch(c.want.match);
        expect(snap(), 'the database changed').toEqual(before);
      });
    });
  }
});
