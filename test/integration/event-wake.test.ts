/**
 * The feed's wake-up across processes on PostgreSQL: an event written through one pool (another
 * hub) wakes the subscribers of another (this hub) by NOTIFY alone; nothing here polls. The SSE and
 * resource paths that read the feed on a wake are end to end in test/e2e/team-hosts.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventWake } from '../../src/core/event-wake.js';
import { PgDatabase } from '../../src/store/pg-db.js';
import { PgStore } from '../../src/store/pg-store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

describe('event wake-ups by LISTEN/NOTIFY', () => {
  let pgServer: TestPostgres;
  let hubA: PgDatabase;
  let hubB: PgDatabase;

  beforeAll(async () => {
    pgServer = await startPostgres();
    const url = await pgServer.createDatabase();
    hubA = await PgDatabase.open(url);
    hubB = await PgDatabase.open(url);
  }, 60_000);
  afterAll(async () => {
    await hubA?.close();
    await hubB?.close();
    pgServer?.stop();
  });

  it('an event committed by another hub wakes every subscriber of this one, once per commit, and none after unsubscribing', async () => {
    const wake = eventWake(new PgStore(hubA))!;
    expect(wake).toBeDefined();
    const woken: string[] = [];
    const waiters: (() => void)[] = [];
    const onWake = (who: string) => () => {
      woken.push(who);
      waiters.splice(0).forEach((w) => w());
    };
    const unsubscribeSse = wake.subscribe(onWake('sse'));
    const unsubscribeResources = wake.subscribe(onWake('resources'));
    try {
      const until = async (n: number) => {
        const deadline = Date.now() + 15_000;
        while (woken.length < n) {
          if (Date.now() > deadline) throw new Error(`woken ${woken.length} times, expected ${n}`);
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 200);
          });
        }
      };
      // The listening connection is up once a wake arrives; write until the first one does.
      const other = new PgStore(hubB);
      const first = setInterval(() => void other.appendEvent('probe', 'team', { n: 0 }), 300);
      try {
        await until(2);
      } finally {
        clearInterval(first);
      }
      await new Promise((r) => setTimeout(r, 700)); // the probes in flight settle
      const before = woken.length;
      await other.appendEvent('session_state', 'team', { agent: 'dev', state: 'working' });
      await until(before + 2);
      expect(woken.slice(before).sort()).toEqual(['resources', 'sse']);
      unsubscribeSse();
      unsubscribeResources();
      const after = woken.length;
      await other.appendEvent('session_state', 'team', { agent: 'dev', state: 'idle' });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(woken.length).toBe(after);
    } finally {
      unsubscribeSse();
      unsubscribeResources();
      await wake.close();
    }
  }, 60_000);
});
