import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-agent.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/** What `agent-boss serve` tells a newcomer: where things are, how to connect, and what happens. */
describe('agent-boss serve startup text and activity log', () => {
  let server: RunningServer;
  // No tmux server runs on this socket: the hub must say so rather than look healthy.
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints where MCP, events, health, the database and the tmux server are, and the connect lines', async () => {
    await waitFor(() => server.stderr().includes('claude mcp add agent-boss -- '), 5000, 'startup text');
    const out = server.stderr();
    expect(out).toMatch(new RegExp(`^agent-boss listening on ${server.url}\\n`));
    expect(out).toContain(`MCP           ${server.url}/mcp`);
    expect(out).toContain(`events        ${server.url}/events`);
    expect(out).toContain(`health        ${server.url}/healthz`);
    expect(out).toContain(`database      ${server.dataDir}/boss.db`);
    expect(out).toContain(`tmux          watching socket "${server.tmuxSocket}" (tmux -L ${server.tmuxSocket})`);
    expect(out).toContain(`claude mcp add --transport http agent-boss ${server.url}/mcp --header "X-Agent-Name: api-dev"`);
    expect(out).toMatch(new RegExp(`claude mcp add agent-boss -- .* stdio --agent api-dev --data-dir ${server.dataDir} --tmux-socket ${server.tmuxSocket}\\n`));
  });

  it('reports a tmux socket without a server in /healthz', async () => {
    const r = await fetch(`${server.url}/healthz`);
    expect(await r.json()).toMatchObject({ ok: true, db: 'ok', tmux: `no tmux server is running on socket "${server.tmuxSocket}" (tmux -L ${server.tmuxSocket})` });
  });

  it('logs one line per registration, report and send, and refusals', async () => {
    const client = new Client({ name: 'startup-test', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { 'X-Agent-Name': 'api-dev' } } }));
    try {
      const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect((await call('register_session', { session_id: 'web-api-dev' })).isError).toBeFalsy();
      expect((await call('report_status', { status: 'active', summary: 'line one, line two' })).isError).toBeFalsy();
      const sent = await call('send_input', { agent: 'api-dev', text: 'hi' });
      expect(sent.isError).toBe(true);
      const refused = await call('report_status', { agent: 'someone-else', status: 'idle', summary: 'x' });
      expect(refused.isError).toBe(true);
    } finally {
      await client.close();
    }
    await waitFor(() => server.stderr().includes('refused:'), 5000, 'refusal line');
    const lines = server.stderr().split('\n');
    expect(lines).toContain('agent-boss info: registered "api-dev" in "default" on tmux session "web-api-dev" (by agent "api-dev")');
    expect(lines).toContain('agent-boss info: report from "api-dev" in "default": active "line one, line two"');
    expect(lines.some((l) => /^agent-boss info: refused: agent "api-dev" cannot post to "someone-else"'s channel/.test(l))).toBe(true);
  });
});
