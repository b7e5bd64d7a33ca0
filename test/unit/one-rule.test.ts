import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { agentHooksCatalog } from '../../src/agents/hooks.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { logActivity } from '../../src/core/activity.js';
import { describe, expect, it } from 'vitest';
import { LIVENESS_STATES, STATE_LABELS } from '../../src/core/liveness.js';
import { validSessionId } from '../../src/backends/session-ids.js';
import { Coordinator } from '../../src/core/coordinator.js';
import { recordHookEvent } from '../../src/core/hooks.js';
import { sessionId } from '../../src/core/schemas.js';
import { HookView } from '../../src/core/hook-view.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { connectClient, fakeCore, fakeHttp, textOf } from '../helpers/core.js';

/** Rules that used to be written once per face: each now lives in one function every face calls. */

describe('the list of liveness states', () => {
  it('list_liveness counts an exited agent, and wait_for can wait for it', async () => {
    const core = fakeCore({ defaultSpace: 'web' });
    await core.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    await core.coordinator.registerSession({}, { space: 'web', agent: 'ops', session_id: 's2' });
    core.backend.add('s1', 'idle').dead = true;
    core.backend.add('s2', 'idle');
    const { call, close } = await connectClient(core.coordinator);
    try {
      const listed = textOf(await call('list_liveness', {}));
      expect(listed).toMatch(/^2 agents: 0 working, 1 idle, 0 waiting for approval, 1 exited, 0 session missing, 0 unknown, 0 gone\./);
      const waited = await call('wait_for', { agent: 'dev', state: 'dead', timeout_s: 1 });
      expect(waited.isError, textOf(waited)).toBeFalsy();
      expect(waited.structuredContent).toMatchObject({ reached: true, state: 'dead' });
    } finally {
      await close();
    }
  });

  it('the dashboard takes every state and its label from the overview, keeping no list of its own', async () => {
    const { app } = fakeHttp();
    const body = (await (await app.request('/dashboard/api/overview')).json()) as { states: { state: string; label: string }[] };
    expect(body.states).toEqual(LIVENESS_STATES.map((state) => ({ state, label: STATE_LABELS[state] })));
    expect(body.states.map((s) => s.state)).toEqual(expect.arrayContaining(['dead', 'gone']));
    const page = readFileSync(new URL('../../src/http/dashboard/assets/app.js', import.meta.url), 'utf8');
    for (const label of Object.values(STATE_LABELS).filter((l) => l.includes(' '))) expect(page).not.toContain(`'${label}'`);
  });
});

/** Every source file under src/, as [path relative to src, text]. */
const SOURCES: [string, string][] = (readdirSync(new URL('../../src/', import.meta.url), { recursive: true, encoding: 'utf8' }) as string[])
  .filter((f) => /\.(ts|js)$/.test(f))
  .map((f) => [f.split('\\').join('/'), readFileSync(new URL(join('../../src/', f), import.meta.url), 'utf8')]);

describe('POSIX shell quoting', () => {
  it('is written once (backends/shell-quote.ts); tmux command quoting is its own rule', () => {
    const quoting = SOURCES.filter(([, text]) => text.includes("`'\\\\''`")).map(([f]) => f).sort();
    expect(quoting).toEqual(['backends/shell-quote.ts', 'backends/tmux/tmux-protocol.ts']);
  });
});

describe('approval rules and decisions', () => {
  /** HTTP and MCP over one core with the hook tables, holding a rule for a whole space and decisions of two agents. */
  async function setup() {
    const base = fakeCore({ defaultSpace: 'web' });
    const store = new SqliteHookStore(base.db);
    const coordinator = new Coordinator({ store: base.store, backends: base.backends, hooks: new HookView(store, agentHooksCatalog), defaultSpace: 'web' });
    const http = fakeHttp({}, { ...base, coordinator });
    await store.setRule({ space: 'web', agent: null, tool: 'Bash', pattern: 'npm test', decision: 'allow' });
    await store.recordDecision({ space: 'web', agent: 'dev', tool_name: 'Bash', subject: 'npm test', decision: 'allow', decided_by: 'terminal' });
    await store.recordDecision({ space: 'web', agent: 'ops', tool_name: 'Bash', subject: 'make deploy', decision: 'deny', decided_by: 'terminal' });
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const r = await http.app.request(path, { headers });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    return { coordinator, get };
  }

  it('have one JSON shape on every face: no nulls, ISO times', async () => {
    const { coordinator, get } = await setup();
    const mcp = await connectClient(coordinator);
    try {
      const viaMcp = {
        rules: (await mcp.call('list_approval_rules', {})).structuredContent,
        decisions: (await mcp.call('list_approval_decisions', {})).structuredContent,
      };
      const viaHttp = { rules: (await get('/approval-rules')).body, decisions: (await get('/approval-decisions')).body };
      expect(viaHttp).toEqual(viaMcp);
      expect(JSON.stringify(viaHttp)).not.toContain('null');
      expect((viaHttp.decisions as { decisions: unknown[] }).decisions).toHaveLength(2);
    } finally {
      await mcp.close();
    }
  });

  it('an agent reads only its own decisions, on every face, its name matched the one way names are', async () => {
    const { coordinator, get } = await setup();
    const mcp = await connectClient(coordinator, { agent: 'Dev' });
    try {
      const own = (await mcp.call('list_approval_decisions', { agent: 'DEV' })).structuredContent as { decisions: { agent: string }[] };
      expect(own.decisions.map((d) => d.agent)).toEqual(['dev']);
      const httpOwn = await get('/approval-decisions?agent=DEV', { 'X-Agent-Name': 'Dev' });
      expect(httpOwn.body).toEqual(own);
      const other = await mcp.call('list_approval_decisions', { agent: 'ops' });
      expect(other.isError).toBe(true);
      const httpOther = await get('/approval-decisions?agent=ops', { 'X-Agent-Name': 'Dev' });
      expect(httpOther.status).toBe(403);
      expect(httpOther.body.error).toBe(textOf(other));
    } finally {
      await mcp.close();
    }
  });
});

describe('the space a call lands in when it names none', () => {
  it('is decided by spaceFor (Coordinator.spaceOf) alone: no face fills it in from the caller or the default itself', () => {
    const own = SOURCES.filter(([f]) => f !== 'core/identity.ts' && f !== 'core/coordinator.ts')
      .filter(([, text]) => /\?\?\s*(?:\w+\.)*defaultSpace\b|(?<![.\w])caller\.space\s*\?\?/.test(text))
      .map(([f]) => f);
    expect(own).toEqual([]);
  });
});

describe('session id validity', () => {
  it('is one rule for the tools, the backends and the hook process: an 8-bit CSI is refused by each', async () => {
    const bad = 'web\u009b2J';
    expect(sessionId.safeParse(bad).error?.issues[0]?.message).toBe('session_id must not contain control characters');
    expect(validSessionId(bad)).toBe(false);
    const core = fakeCore();
    expect(core.backend.sessionIdProblem(bad)).toMatch(/not valid/);
    const store = new SqliteHookStore(core.db);
    const out = await recordHookEvent(store, claudeCodeHooks, { event: 'SessionStart' }, {}, { agent: 'dev', tmuxSession: bad, defaultSpace: 'web' });
    expect(out).toMatchObject({ recorded: false, problem: expect.stringMatching(/a session id must not contain control characters/) });
    expect(await core.store.listAgents()).toEqual([]);
    expect(validSessionId('web-dev')).toBe(true);
  });
});

describe('the ignition text', () => {
  it('opens the same way and lists the same peers in the same order in the HTTP page and the ignite prompt', async () => {
    const { app, coordinator } = fakeHttp();
    for (const [agent, role] of [['dev', 'backend'], ['zed', null], ['Amy', null], ['bob', null]] as const) {
      await coordinator.registerSession({}, { space: 'web', agent, session_id: `web-${agent}`, ...(role && { role }) });
    }
    const page = await (await app.request('/spaces/web/ignition/dev')).text();
    const mcp = await connectClient(coordinator);
    try {
      const r = await mcp.client.getPrompt({ name: 'ignite', arguments: { agent: 'DEV', space: 'web' } });
      const prompt = (r.messages[0]!.content as { text: string }).text;
      const intro = 'You are **dev**, an AI coding agent in the space **web**, coordinated by agent-boss';
      expect(page).toContain(intro);
      expect(prompt).toContain(intro);
      expect(page).toContain('Your role: **backend**.');
      expect(prompt).toContain('Your role: **backend**.');
      const order = (text: string) => ['Amy', 'bob', 'zed'].map((n) => text.indexOf(`| ${n} |`));
      for (const text of [page, prompt]) {
        const at = order(text);
        expect(at.every((i) => i > 0)).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
        expect(text).not.toContain('| dev |');
      }
    } finally {
      await mcp.close();
    }
  });

  it('has the same "last state" section and the same register steps in the HTTP page and the ignite prompt', async () => {
    const { app, coordinator } = fakeHttp();
    await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 'web-dev' });
    await coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'blocked', summary: 'waiting for the schema', phase: 'design', next_steps: 'ask ops' });
    const page = await (await app.request('/spaces/web/ignition/dev')).text();
    const mcp = await connectClient(coordinator);
    try {
      const r = await mcp.client.getPrompt({ name: 'ignite', arguments: { agent: 'dev', space: 'web' } });
      const prompt = (r.messages[0]!.content as { text: string }).text;
      const section = (text: string, from: string) => {
        const start = text.indexOf(from);
        expect(start, from).toBeGreaterThanOrEqual(0);
        return text.slice(start, text.indexOf('\n\n', start + from.length + 2));
      };
      const state = section(page, '## Your last state');
      expect(state).toMatch(/- status: \*\*blocked\*\*\n- summary: waiting for the schema\n- phase: design\n- next steps: ask ops\n- last report: /);
      expect(section(prompt, '## Your last state')).toBe(state);
      const steps = section(page, '1. Call `register_session`');
      expect(steps).toMatch(/^1\. .*\n2\. Call `report_status`.*\n3\. Then work/);
      expect(section(prompt, '1. Call `register_session`')).toBe(steps);
    } finally {
      await mcp.close();
    }
  });
});

describe('name folding', () => {
  it('is one function: the store folds in JavaScript as the core does, not with SQL lower() (ASCII only)', async () => {
    const { store } = fakeCore();
    await store.appendEvent('session_liveness', 'Équipe', [1]);
    await store.appendEvent('session_liveness', 'équipe', [2]);
    await store.appendEvent('session_liveness', 'web', [3]);
    const latest = await store.latestEvents('session_liveness');
    expect(latest.map((e) => e.payload)).toEqual([[2], [3]]);
    const folding = SOURCES.filter(([f, text]) => f.startsWith('store/') && !f.startsWith('store/migrations/') && f !== 'store/name-key.ts' && /toLowerCase\(|\blower\(/.test(text)).map(([f]) => f);
    expect(folding).toEqual([]);
  });
});

describe('the activity log', () => {
  it('logs every coordination act and every refusal, one line each, whichever tool it came through', async () => {
    const base = fakeCore({ defaultSpace: 'web' });
    const coordinator = new Coordinator({ store: base.store, backends: base.backends, defaultSpace: 'web', hooks: new HookView(new SqliteHookStore(base.db), agentHooksCatalog) });
    const lines: string[] = [];
    logActivity(coordinator, { info: (m) => lines.push(`info: ${m}`), debug: (m) => lines.push(`debug: ${m}`) });
    const op = await connectClient(coordinator);
    const dev = await connectClient(coordinator, { agent: 'dev', space: 'web' });
    const dir = mkdtempSync(join(tmpdir(), 'activity-'));
    try {
      const ok = async (r: Promise<CallToolResult>) => {
        const res = await r;
        expect(res.isError, textOf(res)).toBeFalsy();
      };
      await ok(op.call('spawn_agent', { agent: 'dev', work_dir: dir, command: 'true', ready_timeout_s: 1 }));
      await ok(op.call('capture_output', { agent: 'dev', lines: 5 }));
      await ok(op.call('set_approval_rule', { tool: 'Bash', pattern: 'npm test', decision: 'allow' }));
      await ok(op.call('delete_approval_rule', { id: 1 }));
      await ok(op.call('stop_agent', { agent: 'dev' }));
      await ok(op.call('delete_agent', { agent: 'dev' }));
      // Refusals by a rule: an agent may not change approval rules, nor read another's screen.
      await ok(op.call('register_session', { agent: 'other', session_id: 'web-other' }));
      expect((await dev.call('set_approval_rule', { tool: 'Bash', pattern: '*', decision: 'allow' })).isError).toBe(true);
      expect((await dev.call('stop_agent', { agent: 'other' })).isError).toBe(true);
    } finally {
      await op.close();
      await dev.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const at = (re: RegExp) => lines.filter((l) => re.test(l));
    expect(at(/^info: spawned "dev" in "web" in session "web-dev": .* \(by operator\)$/)).toHaveLength(1);
    expect(at(/^info: capture of "dev" in "web": \d+ lines \(by operator\)$/)).toHaveLength(1);
    expect(at(/^info: approval rule #1 set: allow "Bash" "npm test" for every agent in every space \(by operator\)$/)).toHaveLength(1);
    expect(at(/^info: approval rule #1 deleted \(by operator\)$/)).toHaveLength(1);
    expect(at(/^info: stop "dev" in "web": session "web-dev" ended \(by operator\)$/)).toHaveLength(1);
    expect(at(/^info: removed "dev" in "web" \(by operator\)$/)).toHaveLength(1);
    expect(at(/^info: refused: agent "dev" cannot set approval rules/)).toHaveLength(1);
    expect(at(/^info: refused: .*"dev".*"other"/)).toHaveLength(1);
  });

  it('has one path: the coordinator is not wrapped method by method', () => {
    const activity = SOURCES.find(([f]) => f === 'core/activity.ts')![1];
    expect(activity).not.toMatch(/\.apply\(|methods\[/);
  });
});

describe('tool input validation', () => {
  it('uses only the SDK\'s public API: no private method of McpServer is replaced', async () => {
    const { server, call, close } = await connectClient(fakeCore().coordinator);
    try {
      expect(Object.hasOwn(server, 'validateToolInput')).toBe(false);
      expect(SOURCES.filter(([, text]) => text.includes('validateToolInput')).map(([f]) => f)).toEqual([]);
      // The tool's own schema still answers, naming the field and the next step.
      const res = await call('stop_agent', { agent: 'dev', extra: 1 });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toBe('Invalid input for stop_agent: unknown field "extra" (stop_agent accepts space, agent). Fix that field and call stop_agent again (its input schema is in tools/list).');
    } finally {
      await close();
    }
  });
});

describe('busy-retry', () => {
  it('is written once (store/db.ts guarded) and every store while serving uses it', () => {
    const backoff = SOURCES.filter(([f, text]) => f.startsWith('store/') && /\*\* i\b/.test(text)).map(([f]) => f);
    expect(backoff).toEqual(['store/db.ts']);
    for (const f of ['store/sqlite-store.ts', 'store/hooks-store.ts']) expect(SOURCES.find(([g]) => g === f)![1]).toContain('guarded(this.db');
  });
});

describe('name folding', () => {
  it('is one function (store/name-key.ts): the core, the store, HTTP, prompts and the CLI call it, and the dashboard page has the same definition', () => {
    const NAME = /\b(space|agent|name|prefix|who\.space|who\.defaultSpace|p\.space|p\.agent|a\.space|a\.name|r\.space|ev\.space|f\.space|config\.agent!?)\)?\.toLowerCase\(\)/;
    const folding = SOURCES.filter(([f, text]) => f !== 'store/name-key.ts' && f !== 'http/dashboard/assets/app.js' && NAME.test(text)).map(([f]) => f);
    expect(folding).toEqual([]);
    expect(SOURCES.find(([f]) => f === 'store/name-key.ts')![1]).toContain('export const nameKey = (name: string): string => name.toLowerCase();');
    const page = SOURCES.find(([f]) => f === 'http/dashboard/assets/app.js')![1];
    expect(page).toContain('const nameKey = (name) => String(name).toLowerCase();');
    expect(page.match(/toLowerCase\(\)/g)).toHaveLength(3); // nameKey, and the filter box's free-text search (twice)
  });
});
