/**
 * A binding is the pair (space, agent), on every face and route: a caller bound to web/alice can
 * neither report as mobile/alice nor type into mobile's sessions, and no route ignores the caller.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectClient, textOf } from '../helpers/core.js';
import { realHub, type RealHub } from '../helpers/hub.js';

let hub: RealHub;

/** Two spaces with an agent "alice" in web and "bob" (managed by an "alice") in mobile and in web. */
async function seed(h: RealHub) {
  for (const s of ['web-alice', 'web-bob', 'mobile-bob']) await h.tmux.tmux('new-session', '-d', '-s', s, '-x', '120', '-y', '30', 'cat');
  await h.coordinator.registerSession({}, { space: 'web', agent: 'alice', session_id: 'web-alice' });
  await h.coordinator.registerSession({}, { space: 'web', agent: 'bob', session_id: 'web-bob', parent: 'alice' });
  await h.coordinator.registerSession({}, { space: 'mobile', agent: 'bob', session_id: 'mobile-bob', parent: 'alice' });
}

const pane = (h: RealHub, s: string) => h.tmux.tmux('capture-pane', '-p', '-t', `=${s}:`);

beforeEach(async () => {
  hub = await realHub({ defaultSpace: 'web', defaultAgent: 'alice' });
  await seed(hub);
});
afterEach(async () => {
  await hub.close();
});

describe('a server bound to --space web --agent alice (MCP)', () => {
  it('cannot report as mobile/alice, and nothing is written', async () => {
    const mcp = await connectClient(hub.coordinator, { agent: 'alice', space: 'web' });
    const before = hub.snapshot();
    const r = await mcp.call('report_status', { space: 'mobile', status: 'active', summary: 'I am mobile now' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/agent "alice" of space "web" cannot post to "alice" in space "mobile"/);
    expect(hub.snapshot()).toEqual(before);
    expect((await hub.store.getAgent('mobile', 'alice'))).toBeUndefined();
    // Its own pair still works.
    const ok = await mcp.call('report_status', { status: 'active', summary: 'web work' });
    expect(ok.isError).toBeFalsy();
    expect((await hub.store.getAgent('web', 'alice'))!.summary).toBe('web work');
    await mcp.close();
  });

  it('cannot type into, approve or interrupt a mobile session, even one whose parent is named alice', async () => {
    const mcp = await connectClient(hub.coordinator, { agent: 'alice', space: 'web' });
    const before = hub.snapshot();
    for (const [tool, args] of [
      ['send_input', { space: 'mobile', agent: 'bob', text: 'pwned' }],
      ['approve', { space: 'mobile', agent: 'bob' }],
      ['interrupt', { space: 'mobile', agent: 'bob' }],
      ['register_session', { space: 'mobile', agent: 'alice', session_id: 'mobile-bob' }],
    ] as const) {
      const r = await mcp.call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(textOf(r), tool).toMatch(/space "web" cannot .* in space "mobile"/);
    }
    expect(await pane(hub, 'mobile-bob')).not.toContain('pwned');
    expect(hub.snapshot()).toEqual(before);
    // The agent it manages in its own space takes the input.
    expect((await mcp.call('send_input', { agent: 'bob', text: 'go on' })).isError).toBeFalsy();
    await expect.poll(() => pane(hub, 'web-bob'), { timeout: 5000 }).toContain('go on');
    await mcp.close();
  });
});

describe('X-Agent-Name / X-Agent-Space on /mcp over HTTP', () => {
  it('binds the session to (web, alice): mobile is refused, web works', async () => {
    const url = await hub.listen();
    const client = new Client({ name: 'identity', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' } } }),
    );
    const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
    const before = hub.snapshot();
    const asMobile = await call('report_status', { space: 'mobile', status: 'active', summary: 'x' });
    expect(asMobile.isError).toBe(true);
    const typeMobile = await call('send_input', { space: 'mobile', agent: 'bob', text: 'pwned' });
    expect(typeMobile.isError).toBe(true);
    expect(hub.snapshot()).toEqual(before);
    expect(await pane(hub, 'mobile-bob')).not.toContain('pwned');
    expect((await call('report_status', { status: 'done', summary: 'ok' })).isError).toBeFalsy();
    expect((await hub.store.getAgent('web', 'alice'))!.status).toBe('done');
    await client.close();
  });
});

describe('legacy routes honour the caller', () => {
  it('DELETE /spaces/{s}/agent/{a} with X-Agent-Name deletes only what that agent may act on', async () => {
    await hub.coordinator.registerSession({}, { space: 'web', agent: 'carol', session_id: 'web-alice' });
    const before = hub.snapshot();
    const del = (path: string, headers: Record<string, string> = {}) => hub.app.request(path, { method: 'DELETE', headers });
    const refused = await del('/spaces/web/agent/carol', { 'X-Agent-Name': 'bob' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'forbidden', error: expect.stringMatching(/agent "bob" cannot delete "carol"/) });
    // alice of web does not manage mobile/bob, although its parent is called alice.
    const crossSpace = await del('/spaces/mobile/agent/bob', { 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' });
    expect(crossSpace.status).toBe(403);
    expect(hub.snapshot()).toEqual(before);
    // alice manages web/bob; the operator (no header) may delete anyone.
    expect((await del('/spaces/web/agent/bob', { 'X-Agent-Name': 'alice' })).status).toBe(200);
    expect((await del('/spaces/web/agent/carol')).status).toBe(200);
    expect((await hub.store.listAgents('web')).map((a) => a.name)).toEqual(['alice']);
  });

  it('reply, approve and interrupt with X-Agent-Space: web cannot reach mobile', async () => {
    const before = hub.snapshot();
    const h = { 'Content-Type': 'application/json', 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' };
    const reply = await hub.app.request('/spaces/mobile/reply/bob', { method: 'POST', headers: h, body: JSON.stringify({ message: 'pwned' }) });
    expect(reply.status).toBe(403);
    expect((await hub.app.request('/spaces/mobile/approve/bob', { method: 'POST', headers: h })).status).toBe(403);
    expect((await hub.app.request('/spaces/mobile/agent/bob/interrupt', { method: 'POST', headers: h })).status).toBe(403);
    const status = await hub.app.request('/spaces/mobile/agent/alice', { method: 'POST', headers: h, body: JSON.stringify({ status: 'active', summary: 'x' }) });
    expect(status.status).toBe(403);
    expect(await pane(hub, 'mobile-bob')).not.toContain('pwned');
    expect(hub.snapshot()).toEqual(before);
  });
});
