/**
 * `--auth agents`: X-Agent-Name is honoured only with that agent's own token, the operator has its
 * own token, and `agent-boss token` issues, lists and revokes tokens stored hashed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaVersion } from '../../src/store/db.js';
import { LATEST_VERSION } from '../../src/store/migrations/index.js';
import { realHub, type RealHub } from '../helpers/hub.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';

const OPERATOR = 'operator-token-0123456789';
let hub: RealHub | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await server?.stop();
  server = undefined;
});

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
const json = { 'Content-Type': 'application/json' };
const report = (summary: string) => JSON.stringify({ status: 'active', summary });

describe('--auth agents over the legacy routes', () => {
  it('honours X-Agent-Name only with that agent\'s token; the operator token acts as the operator only', async () => {
    hub = await realHub({ token: OPERATOR, agentAuth: true });
    const alice = (await hub.tokens!.issue('web', 'alice')).token;
    const bob = (await hub.tokens!.issue('web', 'bob')).token;
    const post = (agent: string, headers: Record<string, string>) =>
      hub!.app.request(`/spaces/web/agent/${agent}`, { method: 'POST', headers: { ...json, ...headers }, body: report(`${agent} here`) });

    const before = hub.snapshot();
    // No token, a made-up token, the legacy operator token with someone's name, another agent's token.
    expect((await post('alice', { 'X-Agent-Name': 'alice' })).status).toBe(401);
    expect((await post('alice', { 'X-Agent-Name': 'alice', ...bearer('abt_forged') })).status).toBe(401);
    const asOperator = await post('alice', { 'X-Agent-Name': 'alice', ...bearer(OPERATOR) });
    expect(asOperator.status).toBe(403);
    expect(await asOperator.text()).toMatch(/honoured only with that agent's own token/);
    const impersonate = await post('alice', { 'X-Agent-Name': 'alice', ...bearer(bob) });
    expect(impersonate.status).toBe(403);
    expect(await impersonate.text()).toMatch(/this token belongs to agent "bob"/);
    // bob's token naming itself cannot post to alice's channel either.
    expect((await post('alice', { 'X-Agent-Name': 'bob', ...bearer(bob) })).status).toBe(403);
    // Another space with the right name: the token is bound to (web, alice).
    const other = await hub.app.request('/spaces/mobile/agent/alice', { method: 'POST', headers: { ...json, 'X-Agent-Name': 'alice', ...bearer(alice) }, body: report('x') });
    expect(other.status).toBe(403);
    expect(hub.snapshot()).toEqual(before);

    const ok = await post('alice', { 'X-Agent-Name': 'alice', ...bearer(alice) });
    expect(ok.status).toBe(202);
    expect(await ok.text()).toBe('accepted for [alice] in space "web"');
    // The operator, without X-Agent-Name, may delete; an agent token without the header is still that agent.
    expect((await hub.app.request('/spaces/web/agent/alice', { method: 'DELETE', headers: bearer(bob) })).status).toBe(403);
    expect((await hub.app.request('/spaces/web/agent/alice', { method: 'GET', headers: bearer(bob) })).status).toBe(200);
    expect((await hub.app.request('/spaces/web/agent/alice', { method: 'DELETE', headers: bearer(OPERATOR) })).status).toBe(200);
    // Deleting an agent revokes its tokens.
    expect(await hub.tokens!.hasActive('web', 'alice')).toBe(false);
    expect((await post('alice', { 'X-Agent-Name': 'alice', ...bearer(alice) })).status).toBe(401);
  });

  it('stores only hashes, and a revoked token stops working at once', async () => {
    hub = await realHub({ token: OPERATOR, agentAuth: true });
    const { token, info } = await hub.tokens!.issue('web', 'alice');
    expect(token).toMatch(/^abt_[A-Za-z0-9_-]{43}$/);
    expect(schemaVersion(hub.db)).toBe(LATEST_VERSION);
    const dump = JSON.stringify(hub.snapshot());
    expect(dump).not.toContain(token);
    expect(dump).toContain(info.hint);
    const get = () => hub!.app.request('/api/session-status', { headers: bearer(token) });
    expect((await get()).status).toBe(200);
    expect(await hub.tokens!.revoke(info.id)).toBe(true);
    expect((await get()).status).toBe(401);
    expect(await hub.tokens!.revoke(info.id)).toBe(false);
  });

  it('a revoked token closes the MCP session it opened, GET stream included; the operator\'s session stays open', async () => {
    hub = await realHub({ token: OPERATOR, agentAuth: true });
    const { token, info } = await hub.tokens!.issue('web', 'alice');
    const headers = (t: string, session?: string) => ({
      ...bearer(t),
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...(session !== undefined && { 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': '2025-06-18' }),
    });
    const openSession = async (t: string) => {
      const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
      const res = await hub!.app.request('/mcp', { method: 'POST', headers: headers(t), body: JSON.stringify(init) });
      expect(res.status).toBe(200);
      await res.text();
      const session = res.headers.get('mcp-session-id')!;
      const ack = await hub!.app.request('/mcp', { method: 'POST', headers: headers(t, session), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      expect(ack.status).toBe(202);
      const get = await hub!.app.request('/mcp', { method: 'GET', headers: { ...headers(t, session), Accept: 'text/event-stream' } });
      expect(get.status).toBe(200);
      return { session, reader: get.body!.getReader() };
    };
    const agent = await openSession(token);
    const operator = await openSession(OPERATOR);
    expect(await hub.tokens!.revoke(info.id)).toBe(true);
    const ended = async (reader: ReadableStreamDefaultReader<Uint8Array>, ms: number) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        const r = await Promise.race([reader.read(), new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), left))]);
        if (r === 'timeout') return false;
        if (r.done) return true;
      }
    };
    expect(await ended(agent.reader, 5000)).toBe(true);
    expect(await ended(operator.reader, 1500)).toBe(false);
    // The operator's session still answers; the closed one is gone.
    const list = await hub.app.request('/mcp', { method: 'POST', headers: headers(OPERATOR, operator.session), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);
    const gone = await hub.app.request('/mcp', { method: 'POST', headers: headers(OPERATOR, agent.session), body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
    expect(gone.status).toBe(404);
    await operator.reader.cancel();
  });

  it('a revoked token ends the /events stream it opened; the operator\'s stream stays open', async () => {
    hub = await realHub({ token: OPERATOR, agentAuth: true });
    const { token, info } = await hub.tokens!.issue('web', 'alice');
    const open = async (t: string) => {
      const res = await hub!.app.request('/events', { headers: bearer(t) });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
      return reader;
    };
    const agentStream = await open(token);
    const operatorStream = await open(OPERATOR);
    expect(await hub.tokens!.revoke(info.id)).toBe(true);
    const ended = async (reader: ReadableStreamDefaultReader<Uint8Array>, ms: number) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        const r = await Promise.race([reader.read(), new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), left))]);
        if (r === 'timeout') return false;
        if (r.done) return true;
      }
    };
    expect(await ended(agentStream, 5000)).toBe(true);
    expect(await ended(operatorStream, 1500)).toBe(false);
    await operatorStream.cancel();
  });

  it('the operator\'s ignition hands a new agent its token once; the agent then registers itself with it', async () => {
    hub = await realHub({ token: OPERATOR, agentAuth: true });
    const page = await (await hub.app.request('/spaces/web/ignition/alice', { headers: bearer(OPERATOR) })).text();
    const m = /export BOSS_AGENT_TOKEN=(abt_\S+)/.exec(page);
    expect(m).not.toBeNull();
    expect(page).toContain('-H "Authorization: Bearer $BOSS_AGENT_TOKEN"');
    const again = await (await hub.app.request('/spaces/web/ignition/alice', { headers: bearer(OPERATOR) })).text();
    expect(again).not.toMatch(/export BOSS_AGENT_TOKEN=abt_/);
    expect(again).toMatch(/agent-boss token issue --space web --agent alice/);
    await hub.tmux.tmux('new-session', '-d', '-s', 'web-alice', 'cat');
    const mine = await hub.app.request('/spaces/web/ignition/alice?session_id=web-alice', { headers: { ...bearer(m![1]!), 'X-Agent-Name': 'alice' } });
    expect(mine.status).toBe(200);
    expect((await hub.store.getAgent('web', 'alice'))!.session_id).toBe('web-alice');
    // An agent's token cannot register another agent.
    const other = await hub.app.request('/spaces/web/ignition/bob?session_id=web-alice', { headers: bearer(m![1]!) });
    expect(other.status).toBe(403);
    expect((await hub.store.getAgent('web', 'bob'))).toBeUndefined();
  });

  it('an MCP session keeps the principal that opened it', async () => {
    hub = await realHub({ token: OPERATOR, agentAuth: true });
    const alice = (await hub.tokens!.issue('web', 'alice')).token;
    const url = await hub.listen();
    const connect = async (headers: Record<string, string>) => {
      const client = new Client({ name: 't', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
      return client;
    };
    const client = await connect(bearer(alice));
    const r = (await client.callTool({ name: 'report_status', arguments: { status: 'active', summary: 'via mcp' } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect((await hub.store.getAgent('web', 'alice'))!.summary).toBe('via mcp');
    const asBob = (await client.callTool({ name: 'report_status', arguments: { agent: 'bob', status: 'active', summary: 'x' } })) as CallToolResult;
    expect(asBob.isError).toBe(true);
    // Someone with the operator token reusing alice's session id is refused.
    const sid = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const hijack = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { ...json, Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': sid, ...bearer(OPERATOR), 'MCP-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(403);
    await client.close();
    await expect(connect({ 'X-Agent-Name': 'alice' })).rejects.toThrow(/401|unauthorized/i);
  });
});

describe('agent-boss token (CLI) and serve --auth agents', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });

  it('issues, lists and revokes tokens a running hub honours', async () => {
    const t = tempDir();
    try {
      server = await startServer({ dataDir: t.dir, args: ['--auth', 'agents', '--token', OPERATOR] });
      const issued = cli(['token', 'issue', '--space', 'web', '--agent', 'alice', '--data-dir', t.dir]);
      expect(issued.status).toBe(0);
      const token = issued.stdout.trim();
      expect(token).toMatch(/^abt_/);
      expect(issued.stderr).toMatch(/issued token 1 for agent "alice" in space "web" \(not registered yet\)/);
      const list = cli(['token', 'list', '--data-dir', t.dir]);
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(/^1\s+web\s+alice\s+abt_\S+…\s+\d{4}-/m);
      expect(list.stdout).not.toContain(token);

      const post = (tok: string) =>
        fetch(`${server!.url}/spaces/web/agent/alice`, { method: 'POST', headers: { ...json, 'X-Agent-Name': 'alice', ...bearer(tok) }, body: report('cli token') });
      expect((await post(token)).status).toBe(202);
      expect((await post(OPERATOR)).status).toBe(403);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      expect(cli(['token', 'revoke', '1', '--data-dir', t.dir]).status).toBe(0);
      expect((await post(token)).status).toBe(401);
      const again = cli(['token', 'revoke', '1', '--data-dir', t.dir]);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/no active token has id 1/);
    } finally {
      await server?.stop();
      server = undefined;
      t.cleanup();
    }
  }, 60_000);

  it('refuses bad token commands and --auth agents without an operator token', async () => {
    const t = tempDir();
    try {
      for (const [args, code, msg] of [
        [['token'], 2, /Usage:/],
        [['token', 'mint'], 2, /unknown token action "mint"/],
        [['token', 'issue', '--data-dir', t.dir], 2, /--agent NAME is required/],
        [['token', 'issue', '--agent', '..', '--data-dir', t.dir], 2, /must not be "\." or "\.\."/],
        [['token', 'revoke', 'abc', '--data-dir', t.dir], 2, /not a token id/],
        [['token', 'revoke', '3', '--agent', 'a', '--data-dir', t.dir], 2, /either a token id or --agent/],
        [['serve', '--auth', 'everyone', '--data-dir', t.dir], 2, /--auth must be none or agents/],
        [['serve', '--auth', 'agents', '--port', '0', '--data-dir', t.dir], 2, /--auth agents needs the operator's token/],
      ] as const) {
        const r = cli([...args]);
        expect(r.status, args.join(' ')).toBe(code);
        expect(r.stdout + r.stderr, args.join(' ')).toMatch(msg);
      }
    } finally {
      t.cleanup();
    }
  }, 60_000);
});
