import { afterEach, describe, expect, it } from 'vitest';
import { LIVENESS_EVENT, LivenessMonitor } from '../../src/core/monitor.js';
import { fakeCore, fakeHttp } from '../helpers/core.js';
import { waitFor } from '../helpers/fake-agent.js';
import { readSse } from '../helpers/server.js';

function setup() {
  const http = fakeHttp();
  return { ...http, hub: http.events };
}

describe('SSE /events over app.request', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  it('streams agent_updated with ids from the events table, filtered by space', async () => {
    const { app, coordinator, hub } = setup();
    cleanup = () => hub.close();
    const all = await app.request('/events');
    expect(all.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const web = await app.request('/spaces/web/events');
    await coordinator.reportStatus({}, { space: 'ops', agent: 'o' }, { status: 'active', summary: 'ops work' });
    await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'blocked', summary: 'need review' });
    const [a, w] = await Promise.all([
      readSse(all, (evs) => evs.filter((e) => e.event === 'agent_updated').length >= 2, 3000),
      readSse(web, (evs) => evs.some((e) => e.event === 'agent_updated'), 3000),
    ]);
    const updates = a.filter((e) => e.event === 'agent_updated');
    expect(updates.map((e) => e.data)).toEqual([
      { space: 'ops', agent: 'o', status: 'active', summary: 'ops work' },
      { space: 'web', agent: 'dev', status: 'blocked', summary: 'need review' },
    ]);
    expect(updates[1]!.id).toBeGreaterThan(updates[0]!.id!);
    expect(w.filter((e) => e.event === 'agent_updated').map((e) => e.data)).toEqual([
      { space: 'web', agent: 'dev', status: 'blocked', summary: 'need review' },
    ]);
  });

  it('replays what a client missed after Last-Event-ID, without duplicates', async () => {
    const { app, coordinator, store, hub } = setup();
    cleanup = () => hub.close();
    for (const s of ['one', 'two', 'three']) await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'active', summary: s });
    const ids = (await store.eventsSince(0)).filter((e) => e.kind === 'agent_updated').map((e) => e.id);
    const res = await app.request('/events', { headers: { 'Last-Event-ID': String(ids[0]) } });
    await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'done', summary: 'four' });
    const got = await readSse(res, (evs) => evs.some((e) => (e.data as { summary?: string }).summary === 'four'), 3000);
    const summaries = got.filter((e) => e.event === 'agent_updated').map((e) => (e.data as { summary: string }).summary);
    expect(summaries).toEqual(['two', 'three', 'four']);
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    expect(hub.size).toBe(0);
  });

  it('starts at the newest event without Last-Event-ID', async () => {
    const { app, coordinator, hub } = setup();
    cleanup = () => hub.close();
    await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'active', summary: 'old' });
    const res = await app.request('/events');
    await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'active', summary: 'new' });
    const got = await readSse(res, (evs) => evs.some((e) => e.event === 'agent_updated'), 3000);
    expect(got.filter((e) => e.event === 'agent_updated').map((e) => (e.data as { summary: string }).summary)).toEqual(['new']);
  });

  it('ends every stream on close', async () => {
    const { app, hub } = setup();
    const res = await app.request('/events');
    expect(hub.size).toBe(1);
    hub.close();
    const reader = res.body!.getReader();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(hub.size).toBe(0);
    expect((await app.request('/events')).status).toBe(503);
  });
});

describe('/mcp session handling over app.request', () => {
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
  };
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

  it('creates a session on initialize and forgets it on DELETE', async () => {
    const { app, mcp } = setup();
    const res = await app.request('/mcp', { method: 'POST', headers, body: JSON.stringify(init) });
    expect(res.status).toBe(200);
    const sid = res.headers.get('mcp-session-id')!;
    expect(sid).toBeTruthy();
    await res.text();
    expect(mcp.size).toBe(1);
    const del = await app.request('/mcp', { method: 'DELETE', headers: { 'Mcp-Session-Id': sid } });
    expect(del.status).toBe(200);
    expect(mcp.size).toBe(0);
    const after = await app.request('/mcp', { method: 'POST', headers: { ...headers, 'Mcp-Session-Id': sid }, body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' });
    expect(after.status).toBe(404);
    await mcp.close();
  });

  it('answers an unknown session with the spec 404, and non-initialize requests without a session with 400', async () => {
    const { app } = setup();
    const unknown = await app.request('/mcp', { method: 'POST', headers: { ...headers, 'Mcp-Session-Id': 'nope' }, body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    expect((await app.request('/mcp', { method: 'GET', headers: { 'Mcp-Session-Id': 'nope' } })).status).toBe(404);
    const noSession = await app.request('/mcp', { method: 'POST', headers, body: '{"jsonrpc":"2.0","id":2,"method":"ping"}' });
    expect(noSession.status).toBe(400);
    const bad = await app.request('/mcp', { method: 'POST', headers, body: '{"jsonrpc":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: -32700 } });
    expect((await app.request('/mcp', { method: 'GET' })).status).toBe(400);
  });

  it('validates X-Agent-Name, keeps it bound to the session, and limits the body', async () => {
    const { app, mcp } = setup();
    const badName = await app.request('/mcp', { method: 'POST', headers: { ...headers, 'X-Agent-Name': 'n'.repeat(101) }, body: JSON.stringify(init) });
    expect(badName.status).toBe(400);
    const res = await app.request('/mcp', { method: 'POST', headers: { ...headers, 'X-Agent-Name': 'dev' }, body: JSON.stringify(init) });
    const sid = res.headers.get('mcp-session-id')!;
    await res.text();
    const other = await app.request('/mcp', {
      method: 'POST',
      headers: { ...headers, 'Mcp-Session-Id': sid, 'X-Agent-Name': 'mallory' },
      body: '{"jsonrpc":"2.0","id":2,"method":"ping"}',
    });
    expect(other.status).toBe(403);
    const huge = await app.request('/mcp', { method: 'POST', headers, body: JSON.stringify({ ...init, pad: 'x'.repeat(5 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    await mcp.close();
  });
});

describe('liveness monitor', () => {
  it('appends session_liveness per space on change only, with since timestamps', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const { coordinator, store, backend } = fakeCore();
    const monitor = new LivenessMonitor({ coordinator, clock: () => now });
    await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    await coordinator.registerSession({}, { space: 'ops', agent: 'op', session_id: 's2' });
    const s1 = backend.add('s1', 'working');
    backend.add('s2', 'idle');

    const first = await monitor.tick();
    expect(first).toHaveLength(2);
    const liveness = async () => (await store.eventsSince(0)).filter((e) => e.kind === LIVENESS_EVENT);
    expect((await liveness()).map((e) => e.space).sort()).toEqual(['ops', 'web']);
    expect((await liveness()).find((e) => e.space === 'web')!.payload).toEqual([
      { space: 'web', agent: 'dev', session: 's1', exists: true, idle: false, needs_approval: false, state: 'working', source: 'screen', since: '2025-01-01T00:00:00.000Z' },
    ]);

    now += 1000;
    expect(await monitor.tick()).toEqual([]);

    now += 1000;
    s1.state = 'bash-one-line';
    const changed = await monitor.tick();
    expect(changed).toHaveLength(1);
    const ev = (await store.eventsSince(changed[0]! - 1))[0]!;
    expect(ev.space).toBe('web');
    expect(ev.payload).toEqual([
      expect.objectContaining({ agent: 'dev', needs_approval: true, tool_name: 'Bash', prompt_id: s1.promptId(), state: 'waiting_approval', since: '2025-01-01T00:00:02.000Z', approval_since: '2025-01-01T00:00:02.000Z' }),
    ]);

    now += 1000;
    backend.sessions.delete('s2');
    const missing = await monitor.tick();
    expect(missing).toHaveLength(1);
    expect((await store.eventsSince(missing[0]! - 1))[0]!.payload).toEqual([expect.objectContaining({ agent: 'op', exists: false, state: 'missing' })]);

    await coordinator.deleteAgent({}, { space: 'ops', agent: 'op' });
    const emptied = await monitor.tick();
    expect(emptied).toHaveLength(1);
    expect((await store.eventsSince(emptied[0]! - 1)).find((e) => e.kind === LIVENESS_EVENT)).toMatchObject({ space: 'ops', payload: [] });
    await monitor.stop();
  });

  it('runs in one process at a time: the lease holder; another takes over after stop', async () => {
    const { coordinator, store, backend } = fakeCore();
    await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    backend.add('s1');
    const a = new LivenessMonitor({ coordinator, holderId: 'a' });
    const b = new LivenessMonitor({ coordinator, holderId: 'b' });
    expect(await a.tick()).toHaveLength(1);
    expect(a.isLeader).toBe(true);
    expect(await b.tick()).toEqual([]);
    expect(b.isLeader).toBe(false);
    await a.stop();
    expect(await b.tick()).toHaveLength(1);
    expect(b.isLeader).toBe(true);
    await b.stop();
  });

  it('start() loops until stop()', async () => {
    const { coordinator, store, backend } = fakeCore();
    await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    backend.add('s1');
    const m = new LivenessMonitor({ coordinator, intervalMs: 10 });
    m.start();
    // Bounded wait on the condition (a loaded machine runs fewer ticks in a fixed time).
    await waitFor(() => backend.probeCalls > 2, 5000, 'three probes');
    await m.stop();
    const calls = backend.probeCalls;
    expect(calls).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 40));
    expect(backend.probeCalls).toBe(calls);
    expect(await store.acquireLease('liveness-monitor', 'someone-else', 1000)).toBe(true);
  });
});
