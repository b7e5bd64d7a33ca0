/**
 * A binding is the pair (space, agent), on every face and route: a caller bound to web/alice can
 * neither report as mobile/alice nor type into mobile's sessions, and no route ignores the caller.
 * A bound agent claims no terminal it cannot show is its own (register_session, take_over, the
 * legacy ignition and status post, a hook's SessionStart), spawns only into its own space and only
 * agents it manages, and its hook events land in its own binding.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AS_OPERATOR, connectClient, textOf } from '../helpers/core.js';
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
    // alice manages web/bob; the operator (its key, no name) may delete anyone; no name and no key: nobody.
    expect((await del('/spaces/web/agent/bob', { 'X-Agent-Name': 'alice' })).status).toBe(200);
    expect((await del('/spaces/web/agent/carol')).status).toBe(403);
    expect((await del('/spaces/web/agent/carol', AS_OPERATOR)).status).toBe(200);
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

/** carol (web, managed by no one) on web-carol; the operator's own shell "ops-shell", registered to no one. */
async function seedOthers(h: RealHub) {
  for (const s of ['web-carol', 'ops-shell']) await h.tmux.tmux('new-session', '-d', '-s', s, '-x', '120', '-y', '30', 'cat');
  await h.coordinator.registerSession({}, { space: 'web', agent: 'carol', session_id: 'web-carol' });
}

describe('a bound agent claims no terminal it cannot show is its own', () => {
  it("register_session: another agent's session (even with take_over) or the operator's shell is refused, and its input never reaches them", async () => {
    await seedOthers(hub);
    const mcp = await connectClient(hub.coordinator, { agent: 'alice', space: 'web' });
    const before = hub.snapshot();
    const takeOver = await mcp.call('register_session', { session_id: 'web-carol', take_over: true });
    expect(takeOver.isError).toBe(true);
    expect(textOf(takeOver)).toMatch(/agent "alice" cannot register session "web-carol" for "alice": it is the terminal of agent "carol" in space "web", which "alice" does not manage/);
    const shell = await mcp.call('register_session', { session_id: 'ops-shell' });
    expect(shell.isError).toBe(true);
    expect(textOf(shell)).toMatch(/nothing shows it runs there.*ask the operator to register it/);
    expect(hub.snapshot()).toEqual(before);
    expect((await hub.store.getAgent('web', 'carol'))!.session_id).toBe('web-carol');
    // Its input to itself still goes to its own terminal only.
    const mine = await mcp.call('send_input', { agent: 'alice', text: 'mine' });
    expect(mine.isError, textOf(mine)).toBeFalsy();
    await expect.poll(() => pane(hub, 'web-alice'), { timeout: 5000 }).toContain('mine');
    expect(await pane(hub, 'web-carol')).not.toContain('mine');
    expect(await pane(hub, 'ops-shell')).not.toContain('mine');
    // The terminal of an agent it manages is within its reach already: it may take that one over.
    const managed = await mcp.call('register_session', { session_id: 'web-bob', take_over: true });
    expect(managed.isError, textOf(managed)).toBeFalsy();
    // The operator may register any session.
    const op = await connectClient(hub.coordinator, {});
    expect((await op.call('register_session', { space: 'web', agent: 'carol', session_id: 'ops-shell' })).isError).toBeFalsy();
    await op.close();
    await mcp.close();
  });

  it('the legacy ignition with X-Agent-Name is refused (not only warned) for a foreign session; without it (the operator, default mode) it registers', async () => {
    await seedOthers(hub);
    const before = hub.snapshot();
    const foreign = await hub.app.request('/spaces/web/ignition/alice?session_id=web-carol', { headers: { 'X-Agent-Name': 'alice' } });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toMatch(/cannot register session "web-carol" for "alice"/);
    const shell = await hub.app.request('/spaces/web/ignition/alice?session_id=ops-shell', { headers: { 'X-Agent-Name': 'alice' } });
    expect(shell.status).toBe(403);
    expect(hub.snapshot()).toEqual(before);
    // An old curl agent's ignition (no header: the operator in the default mode) still registers, with the warning.
    const legacy = await hub.app.request('/spaces/web/ignition/dave?session_id=web-carol');
    expect(legacy.status).toBe(200);
    expect(await legacy.text()).toMatch(/also registered to agent "carol"/);
  });

  it('a status post carrying a foreign session is accepted without moving the session, and says so', async () => {
    await seedOthers(hub);
    const r = await hub.app.request('/spaces/web/agent/alice', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'alice' },
      body: JSON.stringify({ status: 'active', summary: 'moving', tmux_session: 'ops-shell' }),
    });
    expect(r.status).toBe(202);
    expect(await r.text()).toMatch(/^accepted for \[alice\] in space "web"\nsession_id not taken: agent "alice" cannot register session "ops-shell"/);
    expect(await hub.store.getAgent('web', 'alice')).toMatchObject({ summary: 'moving', session_id: 'web-alice' });
    // Through the core (no legacy leniency) the same claim is refused outright.
    await expect(hub.coordinator.reportStatus({ agent: 'alice', space: 'web' }, { space: 'web', agent: 'alice' }, { status: 'active', summary: 'x', session_id: 'web-carol' })).rejects.toThrow(
      /terminal of agent "carol"/,
    );
    expect((await hub.store.getAgent('web', 'alice'))!.session_id).toBe('web-alice');
  });

  it("a hook SessionStart posted for a bound agent cannot register the operator's shell or another agent's session", async () => {
    await seedOthers(hub);
    const before = hub.snapshot();
    const post = (headers: Record<string, string>, tmux_session: string) =>
      hub.app.request('/hooks/event', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ payload: { hook_event_name: 'SessionStart', session_id: 'cc-1', source: 'startup' }, tmux_session }),
      });
    const shell = await post({ 'X-Agent-Name': 'mallory' }, 'ops-shell');
    expect(shell.status).toBe(403);
    expect(((await shell.json()) as { error: string }).error).toMatch(/agent "mallory" cannot register session "ops-shell"/);
    expect((await post({ 'X-Agent-Name': 'mallory' }, 'web-carol')).status).toBe(403);
    expect(hub.snapshot()).toEqual(before);
    // Its own spawned session's name is proof enough.
    await hub.tmux.tmux('new-session', '-d', '-s', 'web-mallory', '-x', '120', '-y', '30', 'cat');
    const own = await post({ 'X-Agent-Name': 'mallory' }, 'web-mallory');
    expect(own.status).toBe(200);
    expect(await hub.store.getAgent('web', 'mallory')).toMatchObject({ session_id: 'web-mallory' });
  });
});

describe('spawn_agent acts only where the caller may', () => {
  it('an agent of one space cannot spawn into another, and nothing starts', async () => {
    const mcp = await connectClient(hub.coordinator, { agent: 'alice', space: 'web' });
    const before = hub.snapshot();
    const r = await mcp.call('spawn_agent', { space: 'mobile', agent: 'eve', work_dir: hub.dir, command: 'cat' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/agent "alice" of space "web" cannot spawn "eve" in space "mobile": an agent spawns only into its own space/);
    expect(hub.snapshot()).toEqual(before);
    expect(await hub.tmux.tmux('list-sessions', '-F', '#{session_name}')).not.toMatch(/mobile-eve/);
    await mcp.close();
  });

  it("an agent cannot re-spawn another manager's stopped agent with its own command and become its parent", async () => {
    await hub.coordinator.registerSession({}, { space: 'web', agent: 'lead', session_id: 'web-lead-gone' });
    await hub.coordinator.registerSession({}, { space: 'web', agent: 'worker', session_id: 'web-worker-gone', parent: 'lead' });
    const mcp = await connectClient(hub.coordinator, { agent: 'alice', space: 'web' });
    const before = hub.snapshot();
    const r = await mcp.call('spawn_agent', { agent: 'worker', work_dir: hub.dir, command: 'cat' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/cannot spawn "worker": that agent is registered already and reports to "lead"/);
    expect(hub.snapshot()).toEqual(before);
    expect(await hub.tmux.tmux('list-sessions', '-F', '#{session_name}')).not.toMatch(/web-worker/);
    await mcp.close();
  });
});

describe('hook events land only in the poster\'s own binding', () => {
  const event = (headers: Record<string, string>, body: Record<string, unknown>) =>
    hub.app.request('/hooks/event', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ payload: { hook_event_name: 'UserPromptSubmit', session_id: 'cc-1', prompt: 'forged' }, ...body }),
    });

  it('"space": "mobile" from web/alice is refused and creates nothing; X-Agent-Space web with the body\'s mobile too', async () => {
    const before = hub.snapshot();
    const r = await event({ 'X-Agent-Name': 'alice' }, { space: 'mobile' });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toMatch(/agent "alice" of space "web" cannot record hook events in space "mobile"/);
    expect((await event({ 'X-Agent-Name': 'alice', 'X-Agent-Space': 'web' }, { space: 'mobile' })).status).toBe(403);
    expect((await event({ 'X-Agent-Name': 'alice' }, { agent: 'bob' })).status).toBe(403);
    expect(hub.snapshot()).toEqual(before);
    expect(await hub.store.getAgent('mobile', 'alice')).toBeUndefined();
    // Its own binding is recorded.
    const own = await event({ 'X-Agent-Name': 'alice' }, {});
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ recorded: true, space: 'web', agent: 'alice' });
  });
});
