/**
 * Claude Code as the MCP client: it starts `agent-boss stdio --agent dev` itself (from
 * --mcp-config, and once through `claude mcp add`), the fake model calls the tools, and the test
 * checks the tool results the model got back and the rows in SQLite.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferredToolTurns, textTurn } from '../fixtures/fake-model.js';
import { runClaude } from '../helpers/claude-code.js';
import { CLI } from '../helpers/stdio-client.js';
import { AGENT, SPACE, startBench, type Bench } from './harness.js';
import { submitPrompt } from './scenarios.js';

const TOOLS = ['mcp__boss__register_session', 'mcp__boss__report_status', 'mcp__boss__list_liveness'];

describe('Claude Code runs agent-boss as its MCP server', { timeout: 90_000 }, () => {
  let b: Bench;
  beforeAll(async () => {
    // Pre-allowed, so the MCP calls run without dialogs (approving them is tested elsewhere).
    b = await startBench({ register: false, args: ['--allowedTools', TOOLS.join(',')] });
  }, 90_000);
  afterAll(async () => {
    await b?.close();
  });

  /** Scripts ToolSearch + the call, submits a prompt, returns the tool result the model got. */
  async function callTool(name: string, input: Record<string, unknown>) {
    b.model.clearScript();
    b.model.script(...deferredToolTurns(name, input), textTurn(`called ${name}`));
    const seq = b.model.lastSeq();
    await submitPrompt(b.cc, `please call ${name}`);
    // The request carrying the result of the call itself (not of the ToolSearch that loaded it).
    const callIds = (r: { body: { messages?: { content: unknown }[] } }) =>
      (r.body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? (m.content as { type?: string; name?: string; id?: string }[]) : [])).filter((c) => c.type === 'tool_use' && c.name === name).map((c) => c.id);
    const req = await b.model.waitForRequest((r) => r.toolResults.some((t) => callIds(r).includes(t.toolUseId)), {
      afterSeq: seq,
      what: `with the result of ${name}`,
    });
    await b.cc.waitForPrompt();
    const result = req.toolResults.find((t) => callIds(req).includes(t.toolUseId))!;
    expect(result.isError, result.text).toBe(false);
    return JSON.parse(result.text) as Record<string, unknown>;
  }

  it('register_session with no arguments finds its own tmux session', async () => {
    const out = await callTool('mcp__boss__register_session', {});
    expect(out).toMatchObject({ space: SPACE, agent: AGENT, session_id: b.cc.session, backend: 'tmux' });
    const db = new Database(join(b.dataDir, 'boss.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT a.name, a.session_id, a.backend_type FROM agents a JOIN spaces s ON s.id = a.space_id WHERE s.name = ?').get(SPACE);
      expect(row).toEqual({ name: AGENT, session_id: b.cc.session, backend_type: 'tmux' });
    } finally {
      db.close();
    }
  });

  it('report_status is stored, and list_liveness shows the agent working (it is in a turn)', async () => {
    const report = await callTool('mcp__boss__report_status', { status: 'active', summary: 'testing the real client' });
    expect(report).toMatchObject({ agent: AGENT, status: 'active' });
    const live = (await callTool('mcp__boss__list_liveness', {})) as { agents: { agent: string; state: string; summary: string; session_id: string }[] };
    const me = live.agents.find((a) => a.agent === AGENT);
    expect(me).toMatchObject({ session_id: b.cc.session, summary: 'testing the real client', state: 'working' });
    const db = new Database(join(b.dataDir, 'boss.db'), { readonly: true });
    try {
      const agent = db.prepare('SELECT status, summary FROM agents WHERE name = ?').get(AGENT);
      expect(agent).toEqual({ status: 'active', summary: 'testing the real client' });
      const history = db.prepare("SELECT count(*) AS n FROM status_history WHERE summary = 'testing the real client'").get() as { n: number };
      expect(history.n).toBe(1);
    } finally {
      db.close();
    }
    // The operator sees the same row.
    expect(await b.row()).toMatchObject({ state: 'idle', exists: true });
  });

  it('claude mcp add registers the server and claude mcp list shows it connected', async () => {
    const env = { cwd: b.cc.workDir, home: b.cc.home, modelUrl: b.model.url };
    const add = await runClaude(
      ['mcp', 'add', 'boss-added', '--', process.execPath, CLI, 'stdio', '--data-dir', b.dataDir, '--tmux-socket', b.tmux.socketName, '--agent', 'added', '--space', SPACE],
      env,
    );
    expect(add.exitCode, add.stderr + add.stdout).toBe(0);
    const list = await runClaude(['mcp', 'list'], env);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/boss-added:.*agent-boss|boss-added:.*cli\.js stdio/);
    expect(list.stdout).toMatch(/boss-added:.*Connected/);
  });
});
