import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../src/backends/registry.js';
import { Coordinator } from '../../src/core/coordinator.js';
import { isDomainError } from '../../src/core/errors.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { StoreDamagedError } from '../../src/store/store.js';
import { waitFor } from '../helpers/fake-agent.js';
import { FakeBackend } from '../helpers/fake-terminal.js';
import { killTmux, startServer, type RunningServer } from '../helpers/server.js';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';

/** Runs `agent-boss serve` on `dataDir`; resolves with its exit code once it exits (or null after the timeout). */
async function serveOnce(dataDir: string, timeoutMs = 10_000): Promise<{ code: number | null; stderr: string }> {
  const socket = `boss-test-${process.pid}-faults-${Math.random().toString(36).slice(2, 8)}`;
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--tmux-socket', socket], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  killTmux(socket);
  return { code, stderr };
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Overwrites every page after the first (the header and schema) with garbage. */
function corruptDataPages(path: string): void {
  const pageSize = 4096;
  const pages = Math.floor(statSync(path).size / pageSize);
  expect(pages).toBeGreaterThan(3);
  const fd = openSync(path, 'r+');
  try {
    const junk = Buffer.alloc(pageSize, 0xa5);
    for (let p = 1; p < pages; p++) writeSync(fd, junk, 0, pageSize, p * pageSize);
  } finally {
    closeSync(fd);
  }
}

/** Overwrites one page (1-based, as in sqlite_master.rootpage) with junk. */
function corruptPage(path: string, page: number): void {
  const pageSize = 4096;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

/** A database with a few pages of real data, fully checkpointed into the main file. */
async function populated(hub: RunningServer): Promise<string> {
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${hub.url}/spaces/faults/agent/dev-${i % 5}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Agent-Name': `dev-${i % 5}` },
      body: JSON.stringify({ status: 'active', summary: `report ${i} ${'z'.repeat(500)}` }),
    });
    expect(res.status).toBe(202);
  }
  const path = join(hub.dataDir, 'boss.db');
  const db = new BetterSqlite3(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return path;
}

describe('store faults', () => {
  let hub: RunningServer | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    for (const c of cleanups.splice(0)) c();
  });
  const dir = () => {
    const t = tempDir('agent-boss-faults-');
    cleanups.push(t.cleanup);
    return t.dir;
  };

  it('refuses a database from a newer version without changing a byte of it', async () => {
    const dataDir = dir();
    const path = join(dataDir, 'boss.db');
    const raw = new BetterSqlite3(path);
    raw.exec(`CREATE TABLE future (x); INSERT INTO future VALUES (1);`);
    raw.pragma('user_version = 999');
    raw.close();
    const before = sha(path);
    const { code, stderr } = await serveOnce(dataDir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/schema version 999, newer than this agent-boss/);
    expect(sha(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const check = new BetterSqlite3(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('refuses to start on a database with damaged pages, saying what to do', async () => {
    hub = await startServer({ dataDir: dir() });
    const path = await populated(hub);
    expect(await hub.stop()).toBe(0);
    hub = undefined;
    corruptDataPages(path);
    const { code, stderr } = await serveOnce(join(path, '..'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/damaged/);
    expect(stderr).toMatch(/restore .*backup|move it aside/i);
  });

  it('reports damaged pages in /healthz and then refuses writes with a clear 503 instead of a 500', async () => {
    hub = await startServer({ dataDir: dir() });
    const path = await populated(hub);
    const healthy = await fetch(`${hub.url}/healthz`);
    expect(((await healthy.json()) as { db: string }).db).toBe('ok');
    corruptDataPages(path);

    // The check reads the file on disk; an answer is reused for a moment, so look until it notices.
    let body: { ok: boolean; db: string } | undefined;
    await waitFor(async () => {
      const health = await fetch(`${hub!.url}/healthz`);
      body = (await health.json()) as { ok: boolean; db: string };
      return health.status === 503;
    }, 10_000, '/healthz to report the damage').catch(() => undefined);
    expect(body?.ok, JSON.stringify(body)).toBe(false);
    expect(body!.db).toMatch(/damaged/);

    const res = await fetch(`${hub.url}/spaces/faults/agent/dev-0`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'dev-0' },
      body: JSON.stringify({ status: 'done', summary: 'onto a damaged file' }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(503);
    expect(text).toMatch(/damaged.*restore boss\.db from a backup/s);
  });

  it('answers a read that meets a damaged page with store_damaged, naming the file and the fix', async () => {
    const path = join(dir(), 'boss.db');
    const setup = SqliteStore.open(path);
    for (let i = 0; i < 40; i++) await setup.report('s', `a${i % 4}`, { status: 'active', summary: `r${i} ${'q'.repeat(500)}` });
    setup.db.pragma('wal_checkpoint(TRUNCATE)');
    const { rootpage } = setup.db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'agents'`).get() as { rootpage: number };
    await setup.close();
    // Only the agents table's pages: the schema stays readable, so the store opens and the read fails.
    corruptPage(path, rootpage);
    // Opened past the start-up check (as if the damage happened while it ran).
    const store = new SqliteStore(new BetterSqlite3(path));
    const coordinator = new Coordinator({ store, backends: new BackendRegistry([new FakeBackend('tmux')]) });
    try {
      const err = await coordinator.listLiveness().then(() => undefined, (e: unknown) => e);
      expect(isDomainError(err) && err.code).toBe('store_damaged');
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toMatch(/restore boss\.db from a backup/);
      expect(await store.health()).toMatchObject({ ok: false });
    } finally {
      await store.close();
    }
  });

  it('the hook tables follow the same damage rule: a damaged page is StoreDamagedError, then every write is refused', async () => {
    const path = join(dir(), 'boss.db');
    const setup = SqliteStore.open(path);
    const rules = new SqliteHookStore(setup.db);
    for (let i = 0; i < 60; i++) await rules.setRule({ space: 's', agent: null, tool: 'Bash', pattern: `p${i} ${'q'.repeat(200)}`, decision: 'allow' });
    setup.db.pragma('wal_checkpoint(TRUNCATE)');
    const { rootpage } = setup.db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'approval_rules'`).get() as { rootpage: number };
    await setup.close();
    corruptPage(path, rootpage);
    const db = new BetterSqlite3(path);
    const hooks = new SqliteHookStore(db);
    const store = new SqliteStore(db);
    try {
      await expect(hooks.listRules()).rejects.toBeInstanceOf(StoreDamagedError);
      // Writes are refused after damage, even to tables that still read fine, by every store on the file.
      await expect(hooks.recordDecision({ space: 's', agent: 'a', tool: 'Bash', decision: 'allow', source: 'rule' } as never)).rejects.toBeInstanceOf(StoreDamagedError);
      await expect(store.report('s', 'a', { status: 'active', summary: 'x' })).rejects.toBeInstanceOf(StoreDamagedError);
      expect(await store.health()).toMatchObject({ ok: false });
    } finally {
      await store.close();
    }
  });
});
