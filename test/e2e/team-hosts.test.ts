import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDatabase } from '../../src/store/pg-db.js';
import { PgStore } from '../../src/store/pg-store.js';
import { readEvents, startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Two hosts, simulated: two `agent-boss serve` processes with their own private tmux servers and host
 * names, sharing one PostgreSQL database. Each hub probes only its own host's sessions; the other
 * hub shows them from what their owner published, with the host; a hub killed with SIGKILL loses no
 * acknowledged write, and once its lease expires its sessions read unknown with the reason and since
 * when, on the hub that is left.
 */
describe('hubs on two hosts sharing one PostgreSQL', () => {
  let pgServer: TestPostgres;
  let url: string;
  let tmuxA: TmuxTestServer;
  let tmuxB: TmuxTestServer;
  let hubA: RunningServer;
  let hubB: RunningServer;
  const tmp = tempDir('boss-team-');

  beforeAll(async () => {
    pgServer = await startPostgres();
    url = await pgServer.createDatabase();
    [tmuxA, tmuxB] = [await createTmuxServer(), await createTmuxServer()];
    hubA = await startServer({ env: { BOSS_STORE: url }, args: ['--host-name', 'alpha'], tmuxSocket: tmuxA.socketName });
    hubB = await startServer({ env: { BOSS_STORE: url }, args: ['--host-name', 'beta'], tmuxSocket: tmuxB.socketName });
  }, 60_000);
  afterAll(async () => {
    await hubA?.stop();
    await hubB?.stop();
    await tmuxA?.kill();
    await tmuxB?.kill();
    pgServer?.stop();
    tmp.cleanup();
  });

  const overview = async (hub: RunningServer, query = '') => {
    const r = await fetch(`${hub.url}/dashboard/api/overview?space=team${query}`, { headers: hub.asOperator });
    expect(r.status).toBe(200);
    return ((await r.json()) as { agents: { agent: string; host?: string; state: string; exists: boolean; since: string; host_down?: string }[] }).agents;
  };
  const report = (hub: RunningServer, agent: string, body: Record<string, unknown>) =>
    fetch(`${hub.url}/spaces/team/agent/${agent}`, {
      method: 'POST',
      headers: { ...hub.asOperator, 'Content-Type': 'application/json', 'X-Agent-Name': agent },
      body: JSON.stringify(body),
    });

  it('shows every host\'s sessions on each hub with their host, probed by their own hub, and filters by host', async () => {
    await startFakeAgent(tmuxA, 'dev-a', join(tmp.dir, 'a.log'));
    await startFakeAgent(tmuxB, 'dev-b', join(tmp.dir, 'b.log'));
    // The operator registers each session through the hub of its host (the ignition URL).
    for (const [hub, agent] of [[hubA, 'dev-a'], [hubB, 'dev-b']] as const) {
      const r = await fetch(`${hub.url}/spaces/team/ignition/${agent}?session_id=${agent}`, { headers: hub.asOperator });
      expect(r.status, await r.text()).toBe(200);
    }
    for (const hub of [hubA, hubB]) {
      // Each session is alive only in its own host's tmux: a hub that probed the other's would find it missing.
      const rows = await waitFor(async () => {
        const r = await overview(hub);
        return r.length === 2 && r.every((x) => x.exists && x.state === 'idle') ? r : undefined;
      }, 15_000, `both sessions idle on ${hub === hubA ? 'alpha' : 'beta'}`);
      expect(rows.map((r) => [r.agent, r.host])).toEqual([
        ['dev-a', 'alpha'],
        ['dev-b', 'beta'],
      ]);
    }
    expect((await overview(hubA, '&host=beta')).map((r) => r.agent)).toEqual(['dev-b']);
  }, 60_000);

  it('the dashboard of hub alpha sends to and approves a prompt of an agent on host beta, run once by beta\'s hub', async () => {
    const logB = join(tmp.dir, 'b.log');
    const post = (path: string, body: Record<string, unknown>) =>
      fetch(`${hubA.url}/dashboard/api/${path}`, { method: 'POST', headers: { ...hubA.asOperator, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const sent = await post('send', { space: 'team', agent: 'dev-b', text: 'please PERMIT this one' });
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(await sent.json()).toMatchObject({ ok: true, agent: 'dev-b', session_id: 'dev-b' });
    expect(readEvents(logB).filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['please PERMIT this one']);
    const waiting = await waitFor(async () => (await overview(hubA)).find((r) => r.agent === 'dev-b' && r.state === 'waiting_approval'), 15_000, 'dev-b waiting on alpha');
    const approved = await post('approve', { space: 'team', agent: 'dev-b', decision: 'yes', prompt_id: (waiting as { prompt_id?: string }).prompt_id });
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(await approved.json()).toMatchObject({ ok: true, cleared: true });
    expect(readEvents(logB).filter((e) => e.type === 'approval')).toEqual([expect.objectContaining({ option: 1 })]);
    // The owner's refusal comes back as its own answer: nothing is pending any more.
    const again = await post('approve', { space: 'team', agent: 'dev-b', decision: 'yes' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/dev-b/);
    expect(readEvents(logB).filter((e) => e.type === 'approval')).toHaveLength(1);
    // The screen of an agent on beta, read by beta's hub for alpha's dashboard (capture_output the same way).
    const previews = await fetch(`${hubA.url}/dashboard/api/previews?space=team`, { headers: hubA.asOperator });
    const byAgent = new Map(((await previews.json()) as { previews: { agent: string; lines: string[] | null; error?: string }[] }).previews.map((p) => [p.agent, p]));
    expect(byAgent.get('dev-b')?.error).toBeUndefined();
    expect(byAgent.get('dev-b')?.lines?.join('\n')).toContain('please PERMIT this one');
  }, 60_000);

  it('concurrent sends from both hubs to one agent arrive whole, each hub\'s in its order, each once', async () => {
    const log = join(tmp.dir, 'c.log');
    await startFakeAgent(tmuxB, 'dev-c', log, 50);
    const r = await fetch(`${hubB.url}/spaces/team/ignition/dev-c?session_id=dev-c`, { headers: hubB.asOperator });
    expect(r.status).toBe(200);
    const sendAll = async (hub: RunningServer, tag: string) => {
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${hub.url}/dashboard/api/send`, {
          method: 'POST',
          headers: { ...hub.asOperator, 'Content-Type': 'application/json' },
          body: JSON.stringify({ space: 'team', agent: 'dev-c', text: `${tag} message number ${i} with some length to it` }),
        });
        expect(res.status, await res.clone().text()).toBe(200);
      }
    };
    await Promise.all([sendAll(hubA, 'from-alpha'), sendAll(hubB, 'from-beta')]);
    const got = readEvents(log).filter((e) => e.type === 'message').map((e) => String(e.text));
    expect(got).toHaveLength(8);
    for (const tag of ['from-alpha', 'from-beta']) {
      expect(got.filter((t) => t.startsWith(tag))).toEqual([0, 1, 2, 3].map((i) => `${tag} message number ${i} with some length to it`));
    }
  }, 90_000);

  it('a change on one host reaches the other hub\'s /events subscribers sooner than its fallback poll', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${hubA.url}/events`, { headers: hubA.asOperator, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const seen = (needle: string) =>
      (async () => {
        for (;;) {
          if (text.includes(needle)) return;
          const { value, done } = await reader.read();
          if (done) throw new Error('the stream ended');
          text += new TextDecoder().decode(value);
        }
      })();
    await new Promise((r) => setTimeout(r, 300)); // the stream is subscribed
    try {
      const summary = `reported on beta at ${Date.now()}`;
      const arrived = seen(summary);
      const t0 = Date.now();
      expect((await report(hubB, 'dev-b', { status: 'active', summary })).status).toBe(202);
      await arrived;
      // Sooner than hub alpha's fallback poll (every 2 s with notifications): its NOTIFY wake-up read it.
      // That the wake alone delivers (no polling at all) is test/integration/event-wake.test.ts; the
      // latency figure is a benchmark's, not this test's.
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      ctl.abort();
    }
  }, 30_000);

  it('spawn_agent on hub alpha with host beta starts the agent in beta\'s tmux, registered to beta', async () => {
    const client = new Client({ name: 'team-test', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${hubA.url}/mcp`), { requestInit: { headers: hubA.asOperator } }));
    try {
      const r = (await client.callTool({
        name: 'spawn_agent',
        arguments: { space: 'team', agent: 'shell-b', work_dir: tmp.dir, agent_kind: 'shell', host: 'beta', ready_timeout_s: 10 },
      })) as CallToolResult;
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ agent: 'shell-b', session_id: 'team-shell-b' });
      // In beta's tmux server, not alpha's.
      await expect(tmuxB.tmux('has-session', '-t', '=team-shell-b')).resolves.toBeDefined();
      await expect(tmuxA.tmux('has-session', '-t', '=team-shell-b')).rejects.toThrow();
      expect((await overview(hubA)).find((row) => row.agent === 'shell-b')).toMatchObject({ host: 'beta' });
      const bad = (await client.callTool({ name: 'spawn_agent', arguments: { space: 'team', agent: 'x', work_dir: tmp.dir, agent_kind: 'shell', host: 'nowhere' } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toMatch(/host \\"nowhere\\", whose hub is not running .*nothing was sent/);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('a hub killed with SIGKILL loses no acknowledged write, and its sessions turn unknown with the reason and since when', async () => {
    expect((await report(hubB, 'dev-b', { status: 'blocked', summary: 'acknowledged just before the kill' })).status).toBe(202);
    const killedAt = Date.now();
    hubB.proc.kill('SIGKILL');
    const db = await PgDatabase.open(url);
    expect(await new PgStore(db).getAgent('team', 'dev-b')).toMatchObject({ status: 'blocked', summary: 'acknowledged just before the kill', host: 'beta' });
    await db.close();
    const row = await waitFor(async () => (await overview(hubA)).find((r) => r.agent === 'dev-b' && r.state === 'unknown'), 20_000, 'dev-b unknown on alpha');
    expect(row.host_down).toMatch(/^the hub of host "beta" has not renewed its lease since \S+Z \(killed, stopped, or cut off from the database\)/);
    // Since when: the lease's expiry, a few seconds after the last renewal before the kill.
    expect(Date.parse(row.since)).toBeGreaterThan(killedAt - 2_000);
    expect(Date.parse(row.since)).toBeLessThan(Date.now());
    // An action for the dead host is refused at once, naming it; nothing waits on it.
    const started = Date.now();
    const send = await fetch(`${hubA.url}/dashboard/api/send`, {
      method: 'POST',
      headers: { ...hubA.asOperator, 'Content-Type': 'application/json' },
      body: JSON.stringify({ space: 'team', agent: 'dev-b', text: 'anyone there?' }),
    });
    expect(send.status).toBe(503);
    expect(((await send.json()) as { error: string }).error).toMatch(/runs on host "beta", whose hub is not running \(its lease ended at \S+Z\): nothing was sent/);
    expect(Date.now() - started).toBeLessThan(5_000); // far below the 15 s an unclaimed action would wait
    // The hub that is left keeps probing its own host.
    expect((await overview(hubA)).find((r) => r.agent === 'dev-a')).toMatchObject({ state: 'idle', exists: true, host: 'alpha' });
  }, 60_000);
});
