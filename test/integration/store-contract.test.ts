import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromStoreError } from '../../src/core/errors.js';
import { SqliteAgentTokens, type AgentTokenStore } from '../../src/store/agent-tokens.js';
import { openDatabase, schemaVersion } from '../../src/store/db.js';
import { SqliteHookStore, type HookStore } from '../../src/store/hooks-store.js';
import { LATEST_VERSION } from '../../src/store/migrations/index.js';
import { PgAgentTokens } from '../../src/store/pg-agent-tokens.js';
import { PgDatabase } from '../../src/store/pg-db.js';
import { PgHookStore } from '../../src/store/pg-hooks-store.js';
import { PgStore } from '../../src/store/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { DatabaseTooNewError, ParentCycleError, StoreUnavailableError, type Store } from '../../src/store/store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/fake-agent.js';

/**
 * The store contract, run against both engines: the SQLite file every process on one host shares,
 * and the PostgreSQL database the hubs of a team share. A behaviour the core relies on is tested here
 * once, for both.
 */

interface Opened {
  store: Store;
  hooks: HookStore;
  tokens: AgentTokenStore;
  /** A read of the raw tables (plain SQL both engines accept). */
  sql(query: string): Promise<Record<string, unknown>[]>;
  /** The schema version the database is at. */
  version(): Promise<number>;
  close(): Promise<void>;
}

interface Engine {
  name: string;
  /** A fresh empty database. */
  fresh(): Promise<string>;
  open(where: string, clock?: () => number): Promise<Opened>;
}

let pgServer: TestPostgres | undefined;
const cleanups: (() => void)[] = [];

const sqlite: Engine = {
  name: 'SQLite',
  async fresh() {
    const t = tempDir('boss-contract-');
    cleanups.push(t.cleanup);
    return join(t.dir, 'boss.db');
  },
  async open(path, clock) {
    const db = openDatabase(path);
    const store = new SqliteStore(db, { ...(clock && { clock }), path });
    return {
      store,
      hooks: new SqliteHookStore(db, { ...(clock && { clock }) }),
      tokens: new SqliteAgentTokens(db, clock),
      sql: async (q) => db.prepare(q).all() as Record<string, unknown>[],
      version: async () => schemaVersion(db),
      close: () => store.close(),
    };
  },
};

const postgres: Engine = {
  name: 'PostgreSQL',
  fresh: () => pgServer!.createDatabase(),
  async open(url, clock) {
    const db = await PgDatabase.open(url);
    return {
      store: new PgStore(db, clock),
      hooks: new PgHookStore(db, clock),
      tokens: new PgAgentTokens(db, clock),
      sql: async (q) => (await db.pool.query(q)).rows as Record<string, unknown>[],
      version: () => db.version(),
      close: () => db.close(),
    };
  },
};

beforeAll(async () => {
  pgServer = await startPostgres();
}, 60_000);
afterAll(() => {
  pgServer?.stop();
  for (const c of cleanups) c();
});

describe.each([sqlite, postgres])('store contract: $name', (engine) => {
  const open = async (clock?: () => number) => engine.open(await engine.fresh(), clock);

  it('migrates a new database to the latest version and keeps its data when reopened', async () => {
    const where = await engine.fresh();
    const a = await engine.open(where);
    expect(await a.version()).toBe(LATEST_VERSION);
    await a.store.report('web', 'Api', { status: 'done', summary: 'shipped' });
    await a.close();
    const b = await engine.open(where);
    expect(await b.version()).toBe(LATEST_VERSION);
    expect(await b.store.getAgent('WEB', 'api')).toMatchObject({ space: 'web', name: 'Api', status: 'done', summary: 'shipped' });
    expect((await b.store.health()).ok).toBe(true);
    await b.close();
  });

  it('keeps names unique per space case-insensitively with first-seen casing', async () => {
    const { store, close } = await open();
    await store.register('Team', 'Dev-One', { session_id: 's1' });
    await store.register('team', 'dev-one', { session_id: 's2' });
    await store.register('other', 'DEV-ONE', { session_id: 's3' });
    expect((await store.listAgents()).map((a) => [a.space, a.name, a.session_id])).toEqual([
      ['other', 'DEV-ONE', 's3'],
      ['Team', 'Dev-One', 's2'],
    ]);
    expect((await store.listAgents('TEAM')).map((a) => a.name)).toEqual(['Dev-One']);
    await close();
  });

  it('registers: session, backend and kind overwrite; parent and role only when empty; a taken session is released', async () => {
    const { store, close } = await open();
    const first = await store.register('s', 'a', { session_id: 'x', backend_type: 'tmux', agent_kind: 'codex', parent: 'boss', role: 'dev' });
    expect(first.created).toBe(true);
    const again = await store.register('s', 'A', { session_id: 'y', parent: 'other', role: 'qa' });
    expect(again.created).toBe(false);
    expect(again.record).toMatchObject({ name: 'a', session_id: 'y', backend_type: 'tmux', agent_kind: 'codex', parent: 'boss', role: 'dev' });
    await store.register('s', 'b', { session_id: 'y', takeSessionFrom: [{ space: 'S', agent: 'a' }] });
    expect((await store.getAgent('s', 'a'))!.session_id).toBeNull();
    expect((await store.getAgent('s', 'b'))!.session_id).toBe('y');
    await close();
  });

  it('records what resumes an agent: launch fields set when given, kept when left out, cleared with null; the hook sets the conversation', async () => {
    const { store, hooks, close } = await open();
    await store.register('s', 'a', { session_id: 'x' });
    expect(await store.getAgent('s', 'a')).toMatchObject({ program_session_id: null, launch_command: null, work_dir: null });
    expect(await store.setLaunch('S', 'A', { launch_command: 'claude --permission-mode manual', work_dir: '/srv/app' })).toBe(true);
    expect(await store.setLaunch('s', 'nobody', { work_dir: '/x' })).toBe(false);
    await hooks.transact(async (tx) => tx.setConversation('s', 'a', 'id-0001-abcd', undefined));
    expect(await store.getAgent('s', 'a')).toMatchObject({ program_session_id: 'id-0001-abcd', launch_command: 'claude --permission-mode manual', work_dir: '/srv/app' });
    await hooks.transact(async (tx) => tx.setConversation('s', 'a', 'id-0002-abcd', '/srv/other'));
    expect(await store.getAgent('s', 'a')).toMatchObject({ program_session_id: 'id-0002-abcd', work_dir: '/srv/other' });
    await store.setLaunch('s', 'a', { program_session_id: null });
    expect(await store.getAgent('s', 'a')).toMatchObject({ program_session_id: null, launch_command: 'claude --permission-mode manual', work_dir: '/srv/other' });
    await close();
  });

  it('applies a report: replaces report fields, keeps sticky ones, appends history and an event', async () => {
    const { store, sql, close } = await open();
    await store.register('s', 'a', { session_id: 'x', role: 'dev' });
    await store.report('s', 'a', { status: 'active', summary: 'one', items: ['i1'], branch: 'b1', test_count: 3 });
    const rec = await store.report('s', 'a', { status: 'blocked', summary: 'two', blockers: ['waiting'] });
    expect(rec).toMatchObject({ status: 'blocked', summary: 'two', items: null, branch: null, test_count: null, blockers: ['waiting'], session_id: 'x', role: 'dev' });
    expect(rec.reported_at).not.toBeNull();
    const history = await sql(`SELECT summary, report FROM status_history WHERE space = 's' AND agent = 'a' ORDER BY id`);
    expect(history.map((h) => h.summary)).toEqual(['one', 'two']);
    expect(JSON.parse(String(history[0]!.report))).toMatchObject({ items: ['i1'] });
    const events = (await store.eventsSince(0)).filter((e) => e.kind === 'agent_updated');
    expect(events.map((e) => e.payload)).toEqual([
      { space: 's', agent: 'a', status: 'active', summary: 'one' },
      { space: 's', agent: 'a', status: 'blocked', summary: 'two' },
    ]);
    await close();
  });

  it('walks the parent chain and refuses a cycle, writing nothing of the refused call', async () => {
    const { store, close } = await open();
    await store.register('s', 'lead', {});
    await store.register('s', 'mid', { parent: 'Lead' });
    await store.register('s', 'leaf', { parent: 'mid' });
    expect(await store.parentChain('S', 'LEAF')).toEqual(['LEAF', 'mid', 'Lead']);
    expect(await store.parentChain('nospace', 'x')).toEqual(['x']);
    const before = await store.lastEventId();
    // The agent would be created by this call: the refusal rolls that back too.
    await expect(store.register('s', 'newbie', { parent: 'NEWBIE' })).rejects.toBeInstanceOf(ParentCycleError);
    await expect(store.report('s', 'lead', { status: 'active', summary: 'x', parent: 'leaf' })).rejects.toBeInstanceOf(ParentCycleError);
    expect(await store.getAgent('s', 'newbie')).toBeUndefined();
    expect((await store.getAgent('s', 'lead'))!.summary).toBe('lead: awaiting ignition');
    expect(await store.lastEventId()).toBe(before);
    await close();
  });

  it('deletes an agent with an event, and answers false for an unknown one', async () => {
    const { store, close } = await open();
    await store.register('s', 'gone', {});
    expect(await store.deleteAgent('S', 'GONE')).toBe(true);
    expect(await store.deleteAgent('s', 'gone')).toBe(false);
    expect(await store.getAgent('s', 'gone')).toBeUndefined();
    expect((await store.eventsSince(0)).at(-1)).toMatchObject({ kind: 'agent_deleted', payload: { space: 's', agent: 'gone' } });
    await close();
  });

  it('feeds events in increasing ids, pages them, and names the newest per space', async () => {
    const { store, close } = await open();
    const ids: number[] = [];
    for (const space of ['A', 'b', 'a', null]) ids.push(await store.appendEvent('session_liveness', space, { space }));
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(await store.lastEventId()).toBe(ids[3]);
    expect((await store.eventsSince(ids[0]!, 2)).map((e) => e.id)).toEqual([ids[1], ids[2]]);
    const latest = await store.latestEvents('session_liveness');
    expect(latest.map((e) => e.payload)).toEqual([{ space: 'b' }, { space: 'a' }, { space: null }]);
    expect(typeof latest[0]!.created_at).toBe('number');
    await close();
  });

  it('grants a lease to one holder at a time until it expires', async () => {
    let now = 1_000;
    const { store, close } = await open(() => now);
    expect(await store.acquireLease('monitor', 'p1', 5_000)).toBe(true);
    expect(await store.acquireLease('monitor', 'p2', 5_000)).toBe(false);
    expect(await store.acquireLease('monitor', 'p1', 5_000)).toBe(true);
    now += 6_000;
    expect(await store.acquireLease('monitor', 'p2', 5_000)).toBe(true);
    await store.releaseLease('monitor', 'p2');
    expect(await store.acquireLease('monitor', 'p1', 5_000)).toBe(true);
    await close();
  });

  it('keeps action tickets in FIFO order per queue, renews and removes them', async () => {
    const { store, close } = await open();
    const owner = { holder: 'h1', host: 'box', pid: 42 };
    const t1 = await store.enqueueTicket('tmux:a', owner, 10_000);
    const t2 = await store.enqueueTicket('tmux:a', { ...owner, holder: 'h2' }, 10_000);
    await store.enqueueTicket('tmux:b', owner, 10_000);
    expect((await store.tickets('tmux:a')).map((t) => [t.id, t.holder, t.host, t.pid])).toEqual([
      [t1, 'h1', 'box', 42],
      [t2, 'h2', 'box', 42],
    ]);
    expect(await store.renewTicket(t1, 20_000)).toBe(true);
    expect((await store.tickets('tmux:a'))[0]!.expires_at).toBe(20_000);
    await store.removeTickets([t1]);
    expect(await store.renewTicket(t1, 30_000)).toBe(false);
    expect((await store.tickets('tmux:a')).map((t) => t.id)).toEqual([t2]);
    await close();
  });

  it('takes concurrent writes from two connections without losing any, tickets in one order', async () => {
    const where = await engine.fresh();
    const [a, b] = [await engine.open(where), await engine.open(where)];
    const n = 40;
    const writes = (s: Store, who: string) =>
      Array.from({ length: n }, async (_, i) => {
        await s.report('shared', who, { status: 'active', summary: `${who} ${i}` });
        await s.report('shared', 'common', { status: 'active', summary: `${who} ${i}` });
        return s.enqueueTicket('tmux:q', { holder: who, host: 'h', pid: 1 }, 1e13);
      });
    const ids = await Promise.all([...writes(a.store, 'alpha'), ...writes(b.store, 'beta')]);
    const rows = await a.sql(`SELECT agent, count(*) AS n FROM status_history GROUP BY agent ORDER BY agent`);
    expect(rows.map((r) => [r.agent, Number(r.n)])).toEqual([
      ['alpha', n],
      ['beta', n],
      ['common', 2 * n],
    ]);
    expect((await b.store.tickets('tmux:q')).map((t) => t.id)).toEqual([...ids].sort((x, y) => x - y));
    await a.close();
    await b.close();
  });

  it('runs a hook transaction whole or not at all', async () => {
    const { store, hooks, close } = await open();
    await store.register('s', 'Dev', { session_id: 'dev-1' });
    await expect(
      hooks.transact(async (tx) => {
        await tx.insertEvent('s', 'Dev', 'PreToolUse', null, { a: 1 });
        await tx.putState('s', 'Dev', { state: 'working', event: 'PreToolUse', since: 1, at: 1, detail: {} });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await hooks.hasEvents('s', 'dev')).toBe(false);
    expect(await hooks.getState('s', 'dev')).toBeUndefined();
    const made = await hooks.transact(async (tx) => {
      expect(await tx.findAgentsBySession('dev-1')).toEqual([{ space: 's', name: 'Dev', session_id: 'dev-1', backend_type: null }]);
      const { agent, created } = await tx.ensureAgent('s', 'hooked', { session_id: 'h-1', backend_type: 'tmux', agent_kind: 'claude-code' });
      await tx.insertEvent('s', agent.name, 'SessionStart', 'cc1', { source: 'startup' });
      await tx.putState('s', agent.name, { state: 'idle', event: 'SessionStart', since: tx.now, at: tx.now, detail: { cc_session: 'cc1' } });
      await tx.appendFeed('agent_hook', 's', { agent: agent.name });
      return created;
    });
    expect(made).toBe(true);
    expect(await store.getAgent('s', 'hooked')).toMatchObject({ session_id: 'h-1', agent_kind: 'claude-code' });
    expect((await hooks.listStates('S')).map((r) => [r.space, r.agent, r.state, r.detail])).toEqual([['s', 'hooked', 'idle', { cc_session: 'cc1' }]]);
    expect((await hooks.recentEvents('s', 'HOOKED')).map((e) => [e.event, e.cc_session, e.payload])).toEqual([['SessionStart', 'cc1', { source: 'startup' }]]);
    expect((await store.eventsSince(0)).map((e) => e.kind)).toEqual(['agent_registered', 'agent_registered', 'agent_hook']);
    await close();
  });

  it('keeps approval rules (one per scope, tool and pattern) and decisions', async () => {
    let now = 5_000;
    const { hooks, close } = await open(() => now);
    const { rule, created } = await hooks.setRule({ tool: 'Bash', pattern: 'npm test*', decision: 'allow' });
    expect(created).toBe(true);
    now += 1_000;
    const same = await hooks.setRule({ tool: 'Bash', pattern: 'npm test*', decision: 'deny' });
    expect(same).toMatchObject({ created: false, rule: { id: rule.id, decision: 'deny', space: null, agent: null } });
    await hooks.setRule({ space: 'Web', agent: 'Api', tool: 'Edit', pattern: '*', decision: 'allow' });
    expect((await hooks.listRules({ space: 'web', agent: 'api' })).map((r) => r.tool)).toEqual(['Bash', 'Edit']);
    expect((await hooks.listRules({ space: 'other' })).map((r) => r.tool)).toEqual(['Bash']);
    expect(await hooks.getRule(rule.id)).toMatchObject({ pattern: 'npm test*' });
    expect(await hooks.deleteRule(rule.id)).toBe(true);
    expect(await hooks.deleteRule(rule.id)).toBe(false);
    const id = await hooks.recordDecision({ space: 'web', agent: 'api', prompt_id: 'p1', decision: 'yes', decided_by: 'approve' });
    await hooks.recordDecision({ space: 'web', agent: 'other', decision: 'allow', decided_by: 'terminal' });
    const mine = await hooks.listDecisions({ space: 'WEB', agent: 'API' });
    expect(mine).toEqual([expect.objectContaining({ id, space: 'web', agent: 'api', prompt_id: 'p1', decision: 'yes', decided_by: 'approve', rule_id: null })]);
    expect(mine[0]).not.toHaveProperty('space_key');
    expect(await hooks.transact((tx) => tx.hasDecision('web', 'api', 'p1', 0))).toBe(true);
    await close();
  });

  it('stamps the host of the process that registers a session, and keeps hosts\' leases and published rows', async () => {
    let now = 10_000;
    const where = await engine.fresh();
    const a = await engine.open(where, () => now);
    expect((await a.store.register('s', 'plain', {})).record.host).toBeNull();
    await a.close();
    // A store that knows its host stamps it with each session it registers or is reported.
    const db = engine === sqlite ? openDatabase(where) : await PgDatabase.open(where);
    const store = engine === sqlite ? new SqliteStore(db as ReturnType<typeof openDatabase>, { clock: () => now, host: 'beta' }) : new PgStore(db as PgDatabase, () => now, 'beta');
    expect((await store.register('s', 'plain', { role: 'dev' })).record.host).toBeNull();
    expect((await store.register('s', 'api', { session_id: 'api-1' })).record.host).toBe('beta');
    expect((await store.report('s', 'web', { status: 'active', summary: 'x', session_id: 'web-1' })).host).toBe('beta');
    await store.publishHost({ name: 'beta', pid: 7, expiresAt: now + 5_000 }, [
      { space: 'S', agent: 'API', row: { state: 'idle', exists: true } },
      { space: 's', agent: 'web', row: { state: 'working' } },
    ]);
    now += 1_000;
    // The next publication replaces the host's rows.
    await store.publishHost({ name: 'beta', pid: 7, expiresAt: now + 5_000 }, [{ space: 's', agent: 'api', row: { state: 'waiting_approval' } }]);
    await store.publishHost({ name: 'alpha', pid: 8, expiresAt: now + 5_000 }, []);
    let view = await store.hostLiveness();
    expect(view.hosts.map((h) => [h.name, h.pid, h.started_at, h.seen_at, h.expires_at, h.stopped_at])).toEqual([
      ['alpha', 8, 11_000, 11_000, 16_000, null],
      ['beta', 7, 10_000, 11_000, 16_000, null],
    ]);
    expect(view.rows).toEqual([{ space: 's', agent: 'api', host: 'beta', row: { state: 'waiting_approval' }, updated_at: 11_000 }]);
    now += 500;
    await store.stopHost('beta');
    view = await store.hostLiveness();
    expect(view.hosts.find((h) => h.name === 'beta')).toMatchObject({ stopped_at: 11_500, expires_at: 11_500 });
    await store.close();
  });

  it('queues actions for a host, hands each to exactly one claimer in order, and withdraws only unclaimed ones', async () => {
    let now = 1_000;
    const where = await engine.fresh();
    const [a, b] = [await engine.open(where, () => now), await engine.open(where, () => now)];
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await a.store.queueRemoteAction({ host: 'beta', from_host: 'alpha', kind: 'send_input', caller: { agent: 'lead' }, input: { text: `m${i}` }, deadline: 60_000 }));
    await a.store.queueRemoteAction({ host: 'gamma', from_host: 'alpha', kind: 'interrupt', caller: {}, input: {}, deadline: 60_000 });
    const late = await a.store.queueRemoteAction({ host: 'beta', from_host: 'alpha', kind: 'approve', caller: {}, input: {}, deadline: 500 });
    expect(await a.store.cancelRemoteAction(ids[5]!)).toBe(true);
    // Two hubs of host beta claim at once: every action once, in queue order; past-deadline and withdrawn ones never.
    const claimed: number[] = [];
    await Promise.all(
      [a, b].map(async (o) => {
        for (let x = await o.store.claimRemoteAction('beta'); x; x = await o.store.claimRemoteAction('beta')) claimed.push(x.id);
      }),
    );
    expect([...claimed].sort((x, y) => x - y)).toEqual(ids.slice(0, 5));
    expect(claimed).not.toContain(late);
    expect(await a.store.cancelRemoteAction(ids[0]!)).toBe(false);
    await b.store.finishRemoteAction(ids[0]!, 'done', { result: { ok: 1 } });
    await b.store.finishRemoteAction(ids[1]!, 'failed', { error: { code: 'conflict', message: 'no' } });
    expect(await a.store.remoteAction(ids[0]!)).toMatchObject({ state: 'done', outcome: { result: { ok: 1 } }, kind: 'send_input', caller: { agent: 'lead' }, input: { text: 'm0' }, from_host: 'alpha' });
    expect(await a.store.remoteAction(ids[1]!)).toMatchObject({ state: 'failed', outcome: { error: { code: 'conflict' } } });
    expect(await a.store.remoteAction(ids[5]!)).toMatchObject({ state: 'cancelled' });
    now += 1;
    await a.close();
    await b.close();
  });

  it('issues, verifies, lists and revokes agent tokens (hashes only)', async () => {
    const { store, tokens, sql, close } = await open();
    await store.register('Web', 'Api', {});
    const { token, info } = await tokens.issue('web', 'api');
    expect(info).toMatchObject({ space: 'Web', agent: 'Api', revoked_at: null });
    expect(await tokens.verify(token)).toEqual({ id: info.id, space: 'Web', agent: 'Api' });
    expect(await tokens.verify(token + 'x')).toBeUndefined();
    expect(JSON.stringify(await sql(`SELECT * FROM agent_tokens`))).not.toContain(token);
    const second = await tokens.issue('web', 'api');
    expect(await tokens.hasActive('WEB', 'API')).toBe(true);
    expect(await tokens.revoke(info.id)).toBe(true);
    expect(await tokens.revoke(info.id)).toBe(false);
    expect(await tokens.verify(token)).toBeUndefined();
    expect((await tokens.list()).map((t) => t.id)).toEqual([second.info.id]);
    expect((await tokens.list({ includeRevoked: true })).length).toBe(2);
    expect(await tokens.revokeAgent('web', 'api')).toBe(1);
    expect(await tokens.hasActive('web', 'api')).toBe(false);
    await close();
  });
});

describe('PostgreSQL store: notifications', () => {
  it('notifies listeners on other connections when an action is queued for a host and when it is answered', async () => {
    const url = await pgServer!.createDatabase();
    const [a, b] = [new PgStore(await PgDatabase.open(url)), new PgStore(await PgDatabase.open(url))];
    const queued: string[] = [];
    const done: string[] = [];
    const stops = [b.listen('boss_actions', (p) => queued.push(p)), b.listen('boss_action_done', (p) => done.push(p))];
    // LISTEN takes effect once its connection is up: queue until the first notification arrives.
    let id = 0;
    await waitFor(async () => {
      id = await a.queueRemoteAction({ host: 'beta', from_host: 'alpha', kind: 'interrupt', caller: {}, input: {}, deadline: Date.now() + 60_000 });
      return queued.length > 0;
    }, 10_000, 'the first notification');
    expect(new Set(queued)).toEqual(new Set(['beta']));
    await a.finishRemoteAction(id, 'done', { result: {} });
    await waitFor(() => done.includes(String(id)), 5_000, 'the answered notification');
    await Promise.all(stops.map((stop) => stop()));
    await a.close();
    await b.close();
  });
});

describe('PostgreSQL store: refusals and failures', () => {
  it('refuses a database written by a newer agent-boss, naming it without its password', async () => {
    const url = await pgServer!.createDatabase();
    (await PgDatabase.open(url)).close();
    const raw = await PgDatabase.open(url);
    await raw.pool.query(`UPDATE schema_version SET version = ${LATEST_VERSION + 1}`);
    await raw.close();
    const err = await PgDatabase.open(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseTooNewError);
    expect((err as Error).message).toMatch(/newer than this agent-boss/);
    expect((err as Error).message).not.toContain(pgServer!.password);
    expect((err as Error).message).not.toContain(encodeURIComponent(pgServer!.password));
  });

  it('answers an unreachable server as unavailable (retry, nothing written), without the password, and recovers', async () => {
    const url = await pgServer!.createDatabase();
    const db = await PgDatabase.open(url, { connectTimeoutMs: 1_000 });
    const store = new PgStore(db);
    await store.register('s', 'a', {});
    pgServer!.halt();
    try {
      const err = await store.report('s', 'a', { status: 'done', summary: 'lost?' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/unavailable .*nothing was written\. Retry in a few seconds/);
      expect(msg).toContain('postgres://boss:***@127.0.0.1');
      expect(msg).not.toContain(encodeURIComponent(pgServer!.password));
      expect(fromStoreError(err)).toMatchObject({ code: 'store_unavailable', httpStatus: 503, retryAfterSeconds: 2 });
      const health = await store.health();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/^unavailable: postgres:\/\/boss:\*\*\*@/);
      expect(health.detail).not.toContain(encodeURIComponent(pgServer!.password));
    } finally {
      await pgServer!.restart();
    }
    expect((await store.getAgent('s', 'a'))!.summary).toBe('a: awaiting ignition');
    await store.report('s', 'a', { status: 'done', summary: 'after' });
    expect((await store.health()).ok).toBe(true);
    await store.close();
  }, 60_000);
});
