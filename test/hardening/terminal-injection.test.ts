/**
 * Text an agent stores never reaches another agent's terminal as control characters: validation
 * refuses them in every stored field (one schema for both faces), and the plain-text pages escape
 * whatever was stored before that rule (a legacy import, an older version).
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { connectClient, textOf } from '../helpers/core.js';
import { realHub, snapshot, type RealHub } from '../helpers/hub.js';
import { tempDir } from '../helpers/tmp.js';

let hub: RealHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const CONTROLS: [string, string][] = [
  ['ESC (CSI clear screen)', 'done \u001b[2J\u001b[H'],
  ['BEL', 'ring \u0007'],
  ['CR (overwrite the line)', 'all good\rALL BAD'],
  ['NUL', 'a\u0000b'],
  ['newline', 'line one\nline two'],
  ['8-bit CSI', 'x\u009b31m'],
  ['DEL', 'x\u007f'],
  ['line separator', 'a\u2028b'],
];

/** Nothing a terminal would act on: no C0 but newline, no DEL, no C1. */
const TERMINAL_SAFE = /^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]*$/;

describe('stored text refuses control characters', () => {
  it.each(CONTROLS)('report_status summary with %s is refused and nothing is written', async (_name, summary) => {
    hub = await realHub();
    const mcp = await connectClient(hub.coordinator, {});
    const before = hub.snapshot();
    const r = await mcp.call('report_status', { space: 'web', agent: 'bob', status: 'active', summary });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/summary/);
    expect(hub.snapshot()).toEqual(before);
    await mcp.close();
  });

  it.each(CONTROLS)('legacy status post with a %s summary is refused with 400', async (_name, summary) => {
    hub = await realHub();
    const before = hub.snapshot();
    const res = await hub.app.request('/spaces/web/agent/bob', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'bob' },
      body: JSON.stringify({ status: 'active', summary }),
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/^validation: summary/);
    expect(text).toMatch(TERMINAL_SAFE);
    expect(hub.snapshot()).toEqual(before);
  });

  it('refuses escape sequences in every other text field on both faces, and keeps newlines and tabs in multi-line ones', async () => {
    hub = await realHub();
    const mcp = await connectClient(hub.coordinator, {});
    const esc = 'x\u001b]0;owned\u0007';
    const before = hub.snapshot();
    for (const [field, value] of [
      ['free_text', esc],
      ['next_steps', esc],
      ['items', [esc]],
      ['questions', [esc]],
      ['blockers', ['ok', esc]],
      ['branch', esc],
      ['phase', esc],
      ['pr', esc],
      ['worktree', esc],
      ['repo_url', esc],
      ['role', esc],
      ['free_text', 'bare\rreturn'],
    ] as const) {
      const r = await mcp.call('report_status', { space: 'web', agent: 'bob', status: 'active', summary: 's', [field]: value });
      expect(r.isError, field).toBe(true);
      const legacy = await hub.app.request('/spaces/web/agent/bob', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'bob' },
        body: JSON.stringify({ status: 'active', summary: 's', [field]: value }),
      });
      expect(legacy.status, field).toBe(400);
    }
    const legacySections = await hub.app.request('/spaces/web/agent/bob', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Agent-Name': 'bob' },
      body: JSON.stringify({ status: 'active', summary: 's', sections: [{ title: esc }], documents: [{ slug: 'd', content: esc }] }),
    });
    expect(legacySections.status).toBe(400);
    const plain = await hub.app.request('/spaces/web/agent/bob', { method: 'POST', headers: { 'X-Agent-Name': 'bob' }, body: `working\n${esc}` });
    expect(plain.status).toBe(400);
    expect(hub.snapshot()).toEqual(before);
    // The operator reports only for a registered agent over MCP (the legacy post registers it).
    expect((await hub.app.request('/spaces/web/agent/bob', { method: 'POST', headers: { 'X-Agent-Name': 'bob' }, body: 'registering' })).status).toBe(202);
    const ok = await mcp.call('report_status', { space: 'web', agent: 'bob', status: 'active', summary: 's', free_text: 'a\n\tb\r\nc', items: ['one\ntwo'] });
    expect(ok.isError).toBeFalsy();
    await mcp.close();
  });
});

describe('the ignition page escapes what was stored before', () => {
  it('shows a peer\'s stored escape sequences as visible text', async () => {
    hub = await realHub();
    // Written straight to the store, as an import of an older database would.
    (await hub.store.report('web', 'mallory', {
      status: 'blocked',
      summary: 'hi \u001b[2J\u001b[1;1Hrm -rf ~\u0007',
      questions: ['q\u001b]52;c;cGFzdGU=\u0007'],
      role: 'dev\u001b[8m',
    }));
    await hub.store.report('web', 'alice', { status: 'active', summary: 'me \u001b[31mred', next_steps: 'a\rb', phase: '\u009b2J' });
    const res = await hub.app.request('/spaces/web/ignition/alice');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(TERMINAL_SAFE);
    expect(page).toContain('hi \\x1b[2J\\x1b[1;1Hrm -rf ~\\x07');
    expect(page).toContain('me \\x1b[31mred');
    expect(page).toContain('q\\x1b]52;c;cGFzdGU=\\x07');
  });

  it('escapes the names and summaries of a legacy database import', async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'boss.db');
      const legacy = new BetterSqlite3(path);
      legacy.exec(`
        CREATE TABLE spaces (id integer PRIMARY KEY AUTOINCREMENT, created_at datetime, updated_at datetime, name text UNIQUE);
        CREATE TABLE agents (
          id integer PRIMARY KEY AUTOINCREMENT, created_at datetime, updated_at datetime, deleted_at datetime,
          space_name text, agent_name text, status text, summary text, tmux_session text, session_id text, parent text, role text
        );
        INSERT INTO spaces (created_at, updated_at, name) VALUES ('2025-01-01 10:00:00', '2025-01-01 10:00:00', 'web');
        INSERT INTO agents (created_at, updated_at, space_name, agent_name, status, summary, tmux_session)
          VALUES ('2025-01-01 10:00:00', '2025-01-02 10:00:00', 'web', 'evil' || char(27) || '[5m', 'active', 'ok' || char(27) || ']0;title' || char(7) || char(13) || 'fake', 'x');
        INSERT INTO agents (created_at, updated_at, space_name, agent_name, status, summary, tmux_session)
          VALUES ('2025-01-01 10:00:00', '2025-01-02 10:00:00', 'web', 'alice', 'idle', 'fine', 'y');
      `);
      legacy.close();
      const db = openDatabase(path);
      const store = new SqliteStore(db);
      const { BackendRegistry } = await import('../../src/backends/registry.js');
      const { TmuxSessionBackend } = await import('../../src/backends/tmux/tmux-backend.js');
      const { Coordinator } = await import('../../src/core/coordinator.js');
      const backends = new BackendRegistry([new TmuxSessionBackend({ socketName: `boss-test-${process.pid}-inj`, configFile: '/dev/null' })]);
      const coordinator = new Coordinator({ store, backends });
      const app = createHttpApp({ coordinator, log: createLogger('error', () => undefined) });
      const before = snapshot(db);
      const page = await (await app.request('/spaces/web/ignition/alice')).text();
      expect(page).toMatch(TERMINAL_SAFE);
      expect(page).toContain('evil\\x1b[5m');
      expect(page).toContain('ok\\x1b]0;title\\x07 fake');
      expect(snapshot(db)).toEqual(before);
      await backends.close();
      db.close();
    } finally {
      t.cleanup();
    }
  });
});
