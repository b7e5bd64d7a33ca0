import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { agentHooksCatalog } from '../../src/agents/hooks.js';
import { rulesOfDataDir } from '../../src/core/rule-decision.js';
import { PgHookStore } from '../../src/store/pg-hooks-store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgAgentTokens } from '../../src/store/pg-agent-tokens.js';
import { PgDatabase } from '../../src/store/pg-db.js';
import { PgStore } from '../../src/store/pg-store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { CLI } from '../helpers/cli.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/**
 * `agent-boss serve` on a PostgreSQL store given in BOSS_STORE: it serves from the database, keeps
 * the URL's password out of its argv, its output and /healthz, and answers a database that went away
 * with 503 and a retry hint, then serves again once it is back.
 */
describe('serve with a PostgreSQL store', () => {
  let pgServer: TestPostgres;
  let url: string;
  let hub: RunningServer;
  const secrets = () => [pgServer.password, encodeURIComponent(pgServer.password)];

  beforeAll(async () => {
    pgServer = await startPostgres();
    url = await pgServer.createDatabase();
    hub = await startServer({ env: { BOSS_STORE: url } });
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    pgServer?.stop();
  });

  it('stores reports in PostgreSQL and never shows the password (argv, output, /healthz)', async () => {
    const post = await fetch(`${hub.url}/spaces/team/agent/api`, {
      method: 'POST',
      headers: { ...hub.asOperator, 'Content-Type': 'application/json', 'X-Agent-Name': 'api' },
      body: JSON.stringify({ status: 'active', summary: 'working on the API' }),
    });
    expect(post.status).toBe(202);
    const db = await PgDatabase.open(url);
    expect(await new PgStore(db).getAgent('team', 'api')).toMatchObject({ status: 'active', summary: 'working on the API' });
    await db.close();

    const health = await fetch(`${hub.url}/healthz`);
    const body = await health.text();
    expect(health.status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ ok: true, db: 'ok' });
    const argv = readFileSync(`/proc/${hub.proc.pid}/cmdline`, 'utf8');
    expect(hub.stderr()).toContain('postgres://boss:***@127.0.0.1');
    for (const s of secrets()) for (const text of [body, argv, hub.stderr()]) expect(text).not.toContain(s);
  });

  it('issues an agent token into the shared database (agent-boss token issue with BOSS_STORE)', async () => {
    const r = spawnSync(process.execPath, [CLI, 'token', 'issue', '--space', 'team', '--agent', 'api'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: hub.dataDir, BOSS_STORE: url },
    });
    expect(r.stderr).toMatch(/issued token \d+ for agent "api" in space "team"; it is shown once/);
    expect(r.status).toBe(0);
    const db = await PgDatabase.open(url);
    expect(await new PgAgentTokens(db).verify(r.stdout.trim())).toMatchObject({ space: 'team', agent: 'api' });
    await db.close();
    for (const s of secrets()) expect(r.stderr).not.toContain(s);
  });

  it('names its store in the data directory: a process given only that directory (token issue, a headless runner\'s rules) uses the shared database', async () => {
    const file = join(hub.dataDir, 'store.url');
    expect(readFileSync(file, 'utf8').trim()).toBe(url);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // No BOSS_STORE: the data directory alone says where the agents are.
    const r = spawnSync(process.execPath, [CLI, 'token', 'issue', '--data-dir', hub.dataDir, '--space', 'team', '--agent', 'worker'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: hub.dataDir },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(hub.dataDir, 'boss.db'))).toBe(false);
    const db = await PgDatabase.open(url);
    try {
      expect(await new PgAgentTokens(db).verify(r.stdout.trim())).toMatchObject({ space: 'team', agent: 'worker' });
      // An approval rule set in the shared database answers a headless agent's request in its runner.
      const hooks = new PgHookStore(db);
      const { rule } = await hooks.setRule({ space: 'team', tool: 'Bash', pattern: 'npm test*', decision: 'allow' });
      const lines: string[] = [];
      const decide = rulesOfDataDir(hub.dataDir, agentHooksCatalog.hooks('claude-code')!, (l) => lines.push(l));
      expect(await decide({ space: 'team', agent: 'worker', toolName: 'Bash', toolInput: { command: 'npm test -- --run' } }), lines.join('\n')).toMatchObject({ decision: 'allow', ruleId: rule.id });
      expect(await decide({ space: 'team', agent: 'worker', toolName: 'Bash', toolInput: { command: 'make deploy' } })).toBeUndefined();
      const log = await hooks.listDecisions({ agent: 'worker', limit: 5 });
      expect(log.map((d) => [d.decided_by, d.decision, d.subject])).toContainEqual(['rule', 'allow', 'npm test -- --run']);
      expect(existsSync(join(hub.dataDir, 'boss.db'))).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('answers 503 with Retry-After while the database is down, writes nothing, and serves again when it is back', async () => {
    pgServer.halt();
    try {
      const post = await fetch(`${hub.url}/spaces/team/agent/api`, {
        method: 'POST',
        headers: { ...hub.asOperator, 'Content-Type': 'application/json', 'X-Agent-Name': 'api' },
        body: JSON.stringify({ status: 'done', summary: 'lost while down' }),
      });
      const text = await post.text();
      expect(post.status).toBe(503);
      expect(post.headers.get('retry-after')).toBe('2');
      expect(text).toMatch(/unavailable.*nothing was written.*Retry/);
      const health = await fetch(`${hub.url}/healthz`);
      const hb = await health.text();
      expect(health.status).toBe(503);
      expect(JSON.parse(hb).db).toMatch(/^unavailable: postgres:\/\/boss:\*\*\*@/);
      for (const s of secrets()) for (const t of [text, hb, hub.stderr()]) expect(t).not.toContain(s);
    } finally {
      await pgServer.restart();
    }
    const again = await fetch(`${hub.url}/spaces/team/agent/api`, { headers: hub.asOperator });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'active', summary: 'working on the API' });
  }, 60_000);
});
