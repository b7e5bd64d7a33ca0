import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/core.js';
import { readEvents, startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { readSse, runServeExpectingExit, startServer, type RunningServer, type SseEvent } from '../helpers/server.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { TOOL_NAMES } from '../helpers/tool-names.js';

const TOKEN = 'e2e-token-0123456789abcdef';

type StatusRow = { space: string; agent: string; session: string | null; session_id: string | null; exists: boolean; needs_approval: boolean; tool_name?: string; state: string };
type LivenessEventRow = StatusRow & { since: string; approval_since?: string };

async function mcpClient(url: string, headers: Record<string, string> = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'e2e-http', version: '0' });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { client, transport, call, close: () => client.close() };
}

/** A raw request with a chosen Host header (fetch does not let a caller set Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('agent-boss serve over a real port', () => {
  let tmux: TmuxTestServer;
  let server: RunningServer;
  let logs: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    logs = tempDir('agent-boss-http-logs-');
    tmux = await createTmuxServer();
    server = await startServer({ tmuxSocket: tmux.socketName });
  });
  afterAll(async () => {
    await server?.stop();
    await tmux?.kill();
    logs?.cleanup();
  });

  const url = (path: string) => `${server.url}${path}`;
  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url(path), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const statusRows = async (space: string) => (await (await fetch(url(`/api/session-status?space=${encodeURIComponent(space)}`))).json()) as StatusRow[];
  const fakeAgent = async (session: string, workMs = 300) => {
    const log = join(logs.dir, `${session}.jsonl`);
    await startFakeAgent(tmux, session, log, workMs);
    return { log, events: () => readEvents(log) };
  };

  it('prints the actual port and answers /healthz', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.stderr()).toContain(`agent-boss listening on http://127.0.0.1:${server.port}`);
    const r = await fetch(url('/healthz'));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/), db: 'ok', tmux: 'ok' });
  });

  it('serves MCP to two clients at once: every tool, calls, and sessions kept apart', async () => {
    const agentLog = await fakeAgent('mcp-dev');
    const agent = await mcpClient(server.url, { 'X-Agent-Name': 'dev', 'X-Agent-Space': 'mcp' });
    const operator = await mcpClient(server.url, server.asOperator);
    try {
      expect(agent.transport.sessionId).toBeTruthy();
      expect(operator.transport.sessionId).toBeTruthy();
      expect(agent.transport.sessionId).not.toBe(operator.transport.sessionId);
      const [a, o] = await Promise.all([agent.client.listTools(), operator.client.listTools()]);
      expect(a.tools.map((t) => t.name)).toEqual(TOOL_NAMES);
      expect(o.tools.map((t) => t.name)).toEqual(TOOL_NAMES);

      const reg = await agent.call('register_session', { session_id: 'mcp-dev' });
      expect(reg.isError, textOf(reg)).toBeFalsy();
      expect(reg.structuredContent).toMatchObject({ space: 'mcp', agent: 'dev', session_id: 'mcp-dev' });
      const rep = await agent.call('report_status', { status: 'active', summary: 'wiring the API' });
      expect(rep.isError, textOf(rep)).toBeFalsy();
      // Bound to "dev": reporting for someone else is refused as a tool error.
      const other = await agent.call('report_status', { agent: 'boss', status: 'active', summary: 'x' });
      expect(other.isError).toBe(true);

      const live = await operator.call('list_liveness', { space: 'mcp' });
      expect(live.structuredContent).toMatchObject({ agents: [expect.objectContaining({ agent: 'dev', session_id: 'mcp-dev', exists: true, status: 'active', summary: 'wiring the API' })] });
      const sent = await operator.call('send_input', { space: 'mcp', agent: 'dev', text: 'hello from the operator' });
      expect(sent.isError, textOf(sent)).toBeFalsy();
      await waitFor(() => agentLog.events().some((e) => e.type === 'message' && e.text === 'hello from the operator'), 5000, 'message typed');

      // The same report is visible on the legacy face.
      const rec = (await (await fetch(url('/spaces/mcp/agent/dev'))).json()) as { status: string; summary: string };
      expect(rec).toMatchObject({ status: 'active', summary: 'wiring the API' });

      // DELETE ends a session; its id is then unknown (404), the other session lives on.
      const sid = agent.transport.sessionId!;
      await agent.transport.terminateSession();
      const gone = await fetch(url('/mcp'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': sid },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }),
      });
      expect(gone.status).toBe(404);
      expect((await operator.client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
    } finally {
      await agent.close();
      await operator.close();
    }
  });

  it('answers an unknown Mcp-Session-Id with 404', async () => {
    const r = await fetch(url('/mcp'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
  });

  it('runs the legacy curl flow of an old agent and the operator routes against a real session', async () => {
    const agent = await fakeAgent('legacy-api');
    const ign = await fetch(url('/spaces/Legacy%20Team/ignition/api?tmux_session=legacy-api&role=backend'));
    expect(ign.status).toBe(200);
    expect(ign.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await ign.text();
    expect(text).toContain(`claude mcp add --transport http agent-boss ${server.url}/mcp --header "X-Agent-Name: api"`);
    expect(text).toMatch(/agent-boss stdio --space 'Legacy Team' --agent api/);

    const h = { 'X-Agent-Name': 'api' };
    const ok = await postJson('/spaces/Legacy%20Team/agent/api', { status: 'active', summary: 'porting routes', tmux_session: 'legacy-api', extra: true }, h);
    expect(ok.status).toBe(202);
    // The legacy line first (scripts look for "accepted for"), then the ignored key named.
    expect((await ok.text()).split('\n')).toEqual(['accepted for [api] in space "Legacy Team"', expect.stringMatching(/^ignored unknown field "extra" /)]);
    expect(ok.headers.get('x-ignored-fields')).toBe('extra');
    const rec = (await (await fetch(url('/spaces/Legacy%20Team/agent/api'))).json()) as Record<string, unknown>;
    expect(rec).toMatchObject({ session_id: 'legacy-api', role: 'backend', status: 'active' });

    const wrong = await postJson('/spaces/Legacy%20Team/agent/api', { status: 'active', summary: 'x' }, { 'X-Agent-Name': 'intruder' });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain(`agent "intruder" cannot post to "api"'s channel`);
    const noName = await postJson('/spaces/Legacy%20Team/agent/api', { status: 'active', summary: 'x' });
    expect(noName.status).toBe(400);
    expect(await noName.text()).toMatch(/missing X-Agent-Name header/);
    const badStatus = await postJson('/spaces/Legacy%20Team/agent/api', { status: 'sleeping', summary: 'x' }, h);
    expect(badStatus.status).toBe(400);
    expect(await badStatus.text()).toMatch(/^validation: invalid status "sleeping": must be one of active, blocked, done, idle, error/);
    const blank = await postJson('/spaces/Legacy%20Team/agent/api', { status: 'active', summary: '' }, h);
    expect(blank.status).toBe(400);
    expect(await blank.text()).toMatch(/^validation: summary is required/);
    const malformed = await postJson('/spaces/Legacy%20Team/agent/api', '{"status":', h);
    expect(malformed.status).toBe(400);
    const big = await postJson('/spaces/Legacy%20Team/agent/api', { status: 'active', summary: 'x', free_text: 'z'.repeat(1_100_000) }, h);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: expect.stringMatching(/too large/) });

    const plain = await fetch(url('/spaces/Legacy%20Team/agent/api'), { method: 'POST', headers: { ...h, 'Content-Type': 'text/plain' }, body: 'Tests green, opening PR\nDetails follow.' });
    expect(plain.status).toBe(202);
    const after = (await (await fetch(url('/spaces/Legacy%20Team/agent/api'))).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ status: 'active', summary: 'Tests green, opening PR', free_text: 'Tests green, opening PR\nDetails follow.', session_id: 'legacy-api', role: 'backend' });

    // Operator routes act on the real tmux session.
    const reply = await postJson('/spaces/Legacy%20Team/reply/api', { message: 'PERMIT deploy' }, server.asOperator);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ status: 'sent', agent: 'api' });
    const waiting = await waitFor(async () => (await statusRows('Legacy Team')).find((r) => r.needs_approval), 8000, 'approval prompt');
    expect(waiting).toMatchObject({ agent: 'api', session: 'legacy-api', session_id: 'legacy-api', exists: true, tool_name: 'Bash', state: 'waiting_approval' });
    const approved = await fetch(url('/spaces/Legacy%20Team/approve/api'), { method: 'POST', headers: server.asOperator });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toEqual({ status: 'approved', agent: 'api', tool: 'Bash' });
    await waitFor(() => agent.events().some((e) => e.type === 'approval' && e.option === 1), 5000, 'approval answered');

    await waitFor(async () => (await statusRows('Legacy Team'))[0]?.state === 'idle', 8000, 'idle again');
    const idle = await fetch(url('/spaces/Legacy%20Team/agent/api/interrupt'), { method: 'POST', headers: server.asOperator });
    expect(await idle.json()).toEqual({ ok: true, agent: 'api', interrupted: false, stopped: true, message: '"api" is idle: there was nothing to interrupt, so no key was sent.' });
    const noMessage = await postJson('/spaces/Legacy%20Team/reply/api', { msg: 'hi' }, server.asOperator);
    expect(noMessage.status).toBe(400);
    expect(await noMessage.json()).toMatchObject({ error: '"message" is required: send {"message": "text to type"}' });
    await postJson('/spaces/Legacy%20Team/reply/api', { message: 'HANG here' }, server.asOperator);
    await waitFor(async () => (await statusRows('Legacy Team'))[0]?.state === 'working', 8000, 'working');
    const intr = await fetch(url('/spaces/Legacy%20Team/agent/api/interrupt'), { method: 'POST', headers: server.asOperator });
    expect(intr.status).toBe(200);
    expect(await intr.json()).toMatchObject({ ok: true, agent: 'api', interrupted: true });
    await waitFor(() => agent.events().some((e) => e.type === 'interrupt'), 5000, 'interrupted');

    expect((await postJson('/spaces/Legacy%20Team/reply/ghost', { message: 'x' }, server.asOperator)).status).toBe(404);
    expect((await postJson('/spaces/Legacy%20Team/reply/api', { message: '   ' }, server.asOperator)).status).toBe(400);
    expect(await (await fetch(url('/api/session-status?space=nobody'))).json()).toEqual([]);
  });

  it('streams agent_updated over SSE and replays after Last-Event-ID without duplicates', async () => {
    const h = { 'X-Agent-Name': 'sse-dev' };
    const stream = await fetch(url('/spaces/sse/events'));
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readSse(stream, (evs) => evs.filter((e) => e.event === 'agent_updated').length >= 2, 8000);
    expect((await postJson('/spaces/sse/agent/sse-dev', { status: 'active', summary: 'first' }, h)).status).toBe(202);
    expect((await postJson('/spaces/sse/agent/sse-dev', { status: 'active', summary: 'second' }, h)).status).toBe(202);
    const got = (await reading).filter((e) => e.event === 'agent_updated');
    expect(got.map((e) => e.data)).toEqual([
      { space: 'sse', agent: 'sse-dev', status: 'active', summary: 'first' },
      { space: 'sse', agent: 'sse-dev', status: 'active', summary: 'second' },
    ]);
    expect(got[0]!.id).toBeGreaterThan(0);

    // Disconnected after "first": reconnecting with its id gets "second", then the new "third", once each.
    await postJson('/spaces/sse/agent/sse-dev', { status: 'done', summary: 'third' }, h);
    const resumed = await fetch(url('/spaces/sse/events'), { headers: { 'Last-Event-ID': String(got[0]!.id) } });
    const replay = (await readSse(resumed, (evs) => evs.some((e) => (e.data as { summary?: string }).summary === 'third'), 8000)).filter(
      (e) => e.event === 'agent_updated',
    );
    expect(replay.map((e) => (e.data as { summary: string }).summary)).toEqual(['second', 'third']);
    expect(replay[0]!.id).toBe(got[1]!.id);
    expect(new Set(replay.map((e) => e.id)).size).toBe(replay.length);
  });

  it('delivers reports made by a separate stdio server process to SSE clients', async () => {
    const stream = await fetch(url('/events?space=cross'));
    const reading = readSse(stream, (evs) => evs.some((e) => e.event === 'agent_updated'), 10_000);
    const stdio = await stdioClient(['--data-dir', server.dataDir, '--tmux-socket', server.tmuxSocket, '--space', 'cross', '--agent', 'remote']);
    try {
      const r = await stdio.call('report_status', { status: 'blocked', summary: 'from another process' });
      expect(r.isError, textOf(r)).toBeFalsy();
      const evs = await reading;
      expect(evs.find((e) => e.event === 'agent_updated')?.data).toEqual({ space: 'cross', agent: 'remote', status: 'blocked', summary: 'from another process' });
    } finally {
      await stdio.close();
    }
  });

  it('pushes session_liveness transitions from the monitor: approval needed, then cleared', async () => {
    await fakeAgent('mon-a');
    const stream = await fetch(url('/spaces/mon/events'));
    const events: SseEvent[] = [];
    const rowsOf = (e: SseEvent) => e.data as LivenessEventRow[];
    const reading = readSse(
      stream,
      (evs) => {
        events.splice(0, events.length, ...evs);
        const live = evs.filter((e) => e.event === 'session_liveness');
        const i = live.findIndex((e) => rowsOf(e)[0]?.needs_approval);
        return i >= 0 && live.slice(i + 1).some((e) => rowsOf(e)[0]?.needs_approval === false);
      },
      15_000,
    );
    expect((await fetch(url('/spaces/mon/ignition/a?session_id=mon-a'))).status).toBe(200);
    await waitFor(() => events.some((e) => e.event === 'session_liveness' && rowsOf(e)[0]?.exists), 8000, 'first liveness event');
    await postJson('/spaces/mon/reply/a', { message: 'PERMIT ship it' }, server.asOperator);
    await waitFor(() => events.some((e) => e.event === 'session_liveness' && rowsOf(e)[0]?.needs_approval), 8000, 'needs approval event');
    expect((await fetch(url('/spaces/mon/approve/a'), { method: 'POST', headers: server.asOperator })).status).toBe(200);
    const all = (await reading).filter((e) => e.event === 'session_liveness');
    const pending = all.find((e) => rowsOf(e)[0]?.needs_approval)!;
    expect(rowsOf(pending)[0]).toMatchObject({ space: 'mon', agent: 'a', session: 'mon-a', exists: true, needs_approval: true, tool_name: 'Bash', state: 'waiting_approval' });
    expect(Date.parse(rowsOf(pending)[0]!.approval_since!)).toBeGreaterThan(0);
    const ids = all.map((e) => e.id!);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  });

  it('refuses a foreign Host or Origin with 403 (DNS-rebinding defence)', async () => {
    const evil = await rawGet(url('/api/session-status'), { Host: 'evil.example' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error: expect.stringMatching(/forbidden host/) });
    expect((await rawGet(url('/healthz'), { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await rawGet(url('/healthz'), { Host: `localhost:${server.port}` })).status).toBe(200);
    expect((await fetch(url('/api/session-status'), { headers: { Origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const r = await fetch(url('/no/such/thing'));
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: expect.stringMatching(/not found/) });
  });
});

describe('agent-boss serve with a token', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ args: ['--token', TOKEN] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('requires the bearer token everywhere but /healthz, MCP included', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    for (const path of ['/api/session-status', '/spaces/t/ignition/a', '/spaces/t/ignition/a?session_id=x', '/events']) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.status, path).toBe(401);
      expect(await r.json()).toMatchObject({ error: expect.stringMatching(/unauthorized/) });
    }
    expect((await fetch(`${server.url}/api/session-status`, { headers: { Authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${server.url}/api/session-status`, { headers: auth })).status).toBe(200);
    const post = await fetch(`${server.url}/spaces/t/agent/a`, { method: 'POST', headers: { ...auth, 'X-Agent-Name': 'a', 'Content-Type': 'application/json' }, body: '{"status":"idle","summary":"ok"}' });
    expect(post.status).toBe(202);

    await expect(mcpClient(server.url)).rejects.toThrow();
    const c = await mcpClient(server.url, auth);
    try {
      expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    } finally {
      await c.close();
    }
  });
});

describe('agent-boss serve start-up and shutdown', () => {
  it('refuses a non-loopback bind without a token: exit code 2 and the reason', async () => {
    const r = await runServeExpectingExit(['--host', '0.0.0.0', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/);
    expect(r.stdout).toBe('');
  });

  it('says so and exits 1 when the port is taken', async () => {
    const first = await startServer();
    try {
      const r = await runServeExpectingExit(['--port', String(first.port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${first.port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it('shuts down cleanly on SIGTERM with open SSE and MCP streams', async () => {
    const server = await startServer();
    const sse = await fetch(`${server.url}/events`);
    const reader = sse.body!.getReader();
    await reader.read();
    const c = await mcpClient(server.url);
    const started = Date.now();
    const code = await server.stop();
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.stderr()).toMatch(/SIGTERM: shutting down/);
    let ended = false;
    while (!ended) ended = (await reader.read().catch(() => ({ done: true }))).done;
    await c.close().catch(() => undefined);
  });
});
