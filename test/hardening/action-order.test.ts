import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEvents, startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { ActionQueue } from '../../src/core/action-queue.js';
import { isDomainError } from '../../src/core/errors.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { textOf } from '../helpers/core.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Several send_input calls to one agent at the same moment, from one process and from several
 * (stdio servers and the hub share one database and one tmux server): each message must reach the
 * agent whole, exactly once, and in the order each process was asked.
 */
describe('concurrent actions on one agent are serialised', () => {
  let tmux: TmuxTestServer;
  let tmp: { dir: string; cleanup: () => void };
  let closers: (() => Promise<unknown>)[] = [];
  const log = () => join(tmp.dir, 'agent.jsonl');

  beforeEach(async () => {
    tmux = await createTmuxServer();
    tmp = tempDir('agent-boss-order-');
    closers = [];
    // Short work so queued messages are taken one after another; every Enter is logged either way.
    await startFakeAgent(tmux, 'worker', log(), 50);
  });
  afterEach(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await tmux.kill();
    tmp.cleanup();
  });

  const client = async () => {
    const c = await stdioClient(['--data-dir', tmp.dir, '--tmux-socket', tmux.socketName]);
    closers.push(() => c.close());
    return c;
  };
  const messages = () => readEvents(log()).filter((e) => e.type === 'message').map((e) => e.text);

  it('delivers five simultaneous sends from one process whole, once each, in call order', async () => {
    const c = await client();
    const reg = await c.call('register_session', { space: 'order', agent: 'worker', session_id: 'worker' });
    expect(reg.isError, textOf(reg)).toBeFalsy();
    // One long message goes the paste path, the others are typed.
    const texts = ['msg-1', 'msg-2', `msg-3 ${'x'.repeat(400)}`, 'msg-4', 'msg-5'];
    const results = await Promise.all(texts.map((text) => c.call('send_input', { space: 'order', agent: 'worker', text })));
    for (const r of results) expect(r.isError, textOf(r)).toBeFalsy();
    // On a timeout the comparison below shows what arrived instead.
    await waitFor(() => messages().length >= texts.length, 10_000, 'five messages').catch(() => undefined);
    // Give a stray late Enter the chance to show up before asserting there is none.
    await new Promise((r) => setTimeout(r, 300));
    expect(messages()).toEqual(texts);
  });

  it('delivers simultaneous sends from two stdio servers and the hub whole and once each, each process in order', async () => {
    const hub: RunningServer = await startServer({ dataDir: tmp.dir, tmuxSocket: tmux.socketName });
    closers.push(() => hub.stop());
    const [a, b] = await Promise.all([client(), client()]);
    const reg = await a.call('register_session', { space: 'order', agent: 'worker', session_id: 'worker' });
    expect(reg.isError, textOf(reg)).toBeFalsy();

    const perProcess = 3;
    const fromA = Array.from({ length: perProcess }, (_, i) => `a-${i + 1}`);
    const fromB = Array.from({ length: perProcess }, (_, i) => `b-${i + 1} ${'y'.repeat(300)}`);
    const fromHub = Array.from({ length: perProcess }, (_, i) => `hub-${i + 1}`);
    const reply = async (message: string) => {
      const res = await fetch(`${hub.url}/spaces/order/reply/worker`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...hub.asOperator },
        body: JSON.stringify({ message }),
      });
      return { status: res.status, body: await res.text() };
    };
    const [ra, rb, rh] = await Promise.all([
      Promise.all(fromA.map((text) => a.call('send_input', { space: 'order', agent: 'worker', text }))),
      Promise.all(fromB.map((text) => b.call('send_input', { space: 'order', agent: 'worker', text }))),
      Promise.all(fromHub.map(reply)),
    ]);
    for (const r of [...ra, ...rb]) expect(r.isError, textOf(r)).toBeFalsy();
    for (const r of rh) expect(r.status, r.body).toBe(200);

    const all = [...fromA, ...fromB, ...fromHub];
    await waitFor(() => messages().length >= all.length, 15_000, `${all.length} messages`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const got = messages();
    expect([...got].sort()).toEqual([...all].sort());
    for (const sent of [fromA, fromB, fromHub]) expect(got.filter((m) => sent.includes(m!))).toEqual(sent);
  });
});

/** The shared queue itself, over a real SQLite file: a crashed or hung owner cannot block it. */
describe('the action queue survives owners that died', () => {
  let t: { dir: string; cleanup: () => void };
  let store: SqliteStore;
  beforeEach(() => {
    t = tempDir('agent-boss-queue-');
    store = SqliteStore.open(join(t.dir, 'boss.db'));
  });
  afterEach(async () => {
    await store.close();
    t.cleanup();
  });

  /** The pid of a process that has exited. */
  const deadPid = async (): Promise<number> => {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    return child.pid!;
  };

  it('skips the ticket of a process that died holding it', async () => {
    await store.enqueueTicket('tmux:s1', { holder: 'crashed', host: hostname(), pid: await deadPid() }, Date.now() + 60_000);
    const queue = new ActionQueue({ store });
    const t0 = Date.now();
    const got = await queue.run('a', async () => ({ queue: 'tmux:s1' }), async () => 'acted');
    expect(got).toBe('acted');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await store.tickets('tmux:s1')).toEqual([]);
  });

  it('waits for a live owner, and takes over once its ticket expires unrenewed', async () => {
    // A live process (this one's parent) that will never renew: another host's crashed server looks the same.
    await store.enqueueTicket('tmux:s1', { holder: 'hung', host: 'elsewhere', pid: process.ppid }, Date.now() + 700);
    const queue = new ActionQueue({ store });
    const t0 = Date.now();
    await queue.run('a', async () => ({ queue: 'tmux:s1' }), async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('runs the calls of one process one at a time in call order', async () => {
    const queue = new ActionQueue({ store });
    const log: string[] = [];
    let active = 0;
    await Promise.all(
      ['1', '2', '3', '4', '5'].map((n) =>
        queue.run('a', async () => ({ queue: 'tmux:s1' }), async () => {
          active++;
          expect(active).toBe(1);
          log.push(`start ${n}`);
          await new Promise((r) => setTimeout(r, 20));
          log.push(`end ${n}`);
          active--;
        }),
      ),
    );
    expect(log).toEqual(['1', '2', '3', '4', '5'].flatMap((n) => [`start ${n}`, `end ${n}`]));
  });

  it('gives up with session_busy, sending nothing, when an owner holds the session too long', async () => {
    await store.enqueueTicket('tmux:s1', { holder: 'slow', host: hostname(), pid: process.pid }, Date.now() + 60_000);
    const queue = new ActionQueue({ store, waitTimeoutMs: 300 });
    let acted = false;
    const err = await queue.run('a', async () => ({ queue: 'tmux:s1' }), async () => (acted = true)).then(() => undefined, (e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe('session_busy');
    expect(acted).toBe(false);
    // Its own ticket is gone; the holder's is still there.
    expect((await store.tickets('tmux:s1')).map((x) => x.holder)).toEqual(['slow']);
  });
});
