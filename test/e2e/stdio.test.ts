import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/core.js';
import { startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { CLI, stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { killTmuxServer, START_TEST_SERVER } from '../helpers/tmux.js';
import { TOOL_NAMES } from '../helpers/tool-names.js';

const socket = `boss-e2e-stdio-${process.pid}`;

describe('agent-boss CLI', () => {
  it('prints help and version on stdout and exits 0', async () => {
    const help = await execa('node', [CLI, '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Usage: agent-boss <command>/);
    expect(help.stdout).toMatch(/help \[COMMAND\]/);
    for (const argv of [['help', 'stdio'], ['stdio', '--help']]) {
      const one = await execa('node', [CLI, ...argv]);
      expect(one.stdout).toMatch(/^Usage: agent-boss stdio/);
      expect(one.stdout).toMatch(/--tmux-socket NAME.*BOSS_TMUX_SOCKET/);
      expect(one.stdout).toMatch(/Examples:\n  claude mcp add agent-boss -- agent-boss stdio/);
    }
    const version = await execa('node', [CLI, '--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each([
    [['stdio', '--no-such-flag'], /no-such-flag/],
    [['launch'], /unknown command "launch"/],
    [['stdio', '--port', '8899'], /--port does not apply to "stdio"/],
    [[], /missing command/],
  ])('exits 2 with a clear message for %j', async (argv, msg) => {
    const r = await execa('node', [CLI, ...argv], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(msg);
  });
});

describe('agent-boss stdio startup failures', () => {
  it.each([
    ['a file where the data directory should be', (d: string) => {
      writeFileSync(join(d, 'file'), 'x');
      return join(d, 'file');
    }, /is a file, not a directory/],
    ['a file that is not a database', (d: string) => {
      writeFileSync(join(d, 'boss.db'), 'this is not sqlite '.repeat(100));
      return d;
    }, /boss\.db is not an agent-boss database/],
  ])('fails with one line naming the path and the fix for %s', async (_what, make, msg) => {
    const { dir, cleanup } = tempDir();
    try {
      const dataDir = make(dir);
      const r = await execa('node', [CLI, 'stdio', '--data-dir', dataDir], { reject: false, input: '' });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
      expect(lines[0]).toContain(dataDir);
      expect(lines[0]).toMatch(/--data-dir/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      cleanup();
    }
  });
});

describe('agent-boss stdio with the SDK client', () => {
  let dir: string;
  let cleanup: () => void;
  let closers: (() => Promise<void>)[] = [];
  beforeAll(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await Promise.all(closers.map((c) => c()));
    closers = [];
  });
  afterAll(async () => {
    killTmuxServer(socket);
    cleanup();
  });

  const start = async (args: string[] = [], env: Record<string, string> = {}) => {
    const c = await stdioClient(['--data-dir', dir, '--tmux-socket', socket, ...args], env);
    closers.push(c.close);
    return c;
  };

  it('lists exactly the tools', async () => {
    const { client } = await start();
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    expect(client.getServerVersion()).toMatchObject({ name: 'agent-boss' });
  });

  it('registers, reports and lists liveness; logs only on stderr', async () => {
    const { call, stderr } = await start(['--space', 'e2e', '--agent', 'worker']);
    const reg = await call('register_session', { session_id: 'e2e-worker' });
    expect(reg.isError).toBeFalsy();
    expect(reg.structuredContent).toMatchObject({ space: 'e2e', agent: 'worker', session_id: 'e2e-worker', backend: 'tmux' });
    const rep = await call('report_status', { status: 'active', summary: 'Writing tests', branch: 'feat/x', test_count: 3 });
    expect(rep.structuredContent).toMatchObject({ status: 'active', summary: 'Writing tests' });
    const live = await call('list_liveness');
    const rows = (live.structuredContent as { agents: Record<string, unknown>[] }).agents;
    expect(rows).toHaveLength(1);
    // No tmux session of that name exists on the private socket.
    expect(rows[0]).toMatchObject({ agent: 'worker', session_id: 'e2e-worker', exists: false, state: 'missing', status: 'active' });
    expect(stderr.join('')).toMatch(/stdio server ready/);
  });

  it('answers domain failures and bad input with isError', async () => {
    const { call } = await start(['--space', 'e2e', '--agent', 'worker']);
    const other = await call('report_status', { agent: 'boss', status: 'active', summary: 'x' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/cannot post to "boss"'s channel/);
    const missing = await call('send_input', { agent: 'nobody', text: 'hi' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/not registered in space "e2e"/);
    const noPrompt = await call('approve', { agent: 'ghost' });
    expect(textOf(noPrompt)).toMatch(/not registered/);
    const bad = await call('report_status', { status: 'active', summary: 'x'.repeat(5000) });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/summary/);
    const unknown = await call('list_liveness', { everything: true });
    expect(unknown.isError).toBe(true);
    // No tmux server runs on this test's socket: said as such, with the flag to check.
    const gone = await call('send_input', { agent: 'worker', text: 'hello' });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toMatch(/no tmux server is running on socket "boss-e2e-stdio-\d+" .*Check the server's --tmux-socket/);
  });

  it('shares one database between two server processes', async () => {
    const a = await start(['--space', 'shared', '--agent', 'alpha']);
    const b = await start(['--space', 'shared', '--agent', 'beta']);
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => a.call('report_status', { status: 'active', summary: `a${i}` })),
      ...Array.from({ length: 20 }, (_, i) => b.call('report_status', { status: 'active', summary: `b${i}` })),
    ]);
    const rows = ((await a.call('list_liveness')).structuredContent as { agents: { agent: string; summary: string }[] }).agents;
    expect(rows.map((r) => r.agent)).toEqual(['alpha', 'beta']);
    // Every accepted report is durable: 20 from each process.
    const db = new BetterSqlite3(join(dir, 'boss.db'), { readonly: true });
    const counts = db.prepare(`SELECT agent, count(*) AS n FROM status_history WHERE space = 'shared' GROUP BY agent ORDER BY agent`).all();
    db.close();
    expect(counts).toEqual([
      { agent: 'alpha', n: 20 },
      { agent: 'beta', n: 20 },
    ]);
  });

  it('finds its own tmux session from TMUX and TMUX_PANE', async () => {
    await execa('tmux', ['-L', socket, '-f', '/dev/null', ...START_TEST_SERVER, ';', 'new-session', '-d', '-s', 'self-found', '-x', '80', '-y', '20']);
    const info = await execa('tmux', ['-L', socket, 'display-message', '-p', '-t', '=self-found:', '#{socket_path},#{pid},0 #{pane_id}']);
    const [tmuxEnv, pane] = info.stdout.trim().split(' ');
    const { call } = await start(['--space', 'e2e', '--agent', 'inside'], { TMUX: tmuxEnv!, TMUX_PANE: pane! });
    const reg = await call('register_session', {});
    expect(reg.isError).toBeFalsy();
    expect(reg.structuredContent).toMatchObject({ agent: 'inside', session_id: 'self-found' });
    const live = await call('list_liveness', { space: 'e2e' });
    const row = (live.structuredContent as { agents: { agent: string; exists: boolean }[] }).agents.find((r) => r.agent === 'inside');
    expect(row?.exists).toBe(true);
  });

  it("claims by proof: a server inside a pane takes that pane over from whoever holds it; a bound server elsewhere cannot claim it", async () => {
    await execa('tmux', ['-L', socket, '-f', '/dev/null', ...START_TEST_SERVER, ';', 'new-session', '-d', '-s', 'claimed-pane', '-x', '80', '-y', '20']);
    const info = await execa('tmux', ['-L', socket, 'display-message', '-p', '-t', '=claimed-pane:', '#{socket_path},#{pid},0 #{pane_id}']);
    const [tmuxEnv, pane] = info.stdout.trim().split(' ');
    const operator = await start(['--space', 'claims']);
    expect((await operator.call('register_session', { agent: 'squatter', session_id: 'claimed-pane' })).isError).toBeFalsy();
    // A bound server not running in that pane: neither the pane nor its holder is its own.
    const outside = await start(['--space', 'claims', '--agent', 'outsider']);
    const refused = await outside.call('register_session', { session_id: 'claimed-pane', take_over: true });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/agent "outsider" cannot register session "claimed-pane" for "outsider": it is the terminal of agent "squatter"/);
    // The server inside the pane proves it runs there: take_over moves the pane to it.
    const inside = await start(['--space', 'claims', '--agent', 'owner'], { TMUX: tmuxEnv!, TMUX_PANE: pane! });
    const shared = await inside.call('register_session', {});
    expect(shared.isError).toBe(true);
    expect(textOf(shared)).toMatch(/already registered to agent "squatter".*take_over: true/);
    const taken = await inside.call('register_session', { take_over: true });
    expect(taken.isError, textOf(taken)).toBeFalsy();
    expect(taken.structuredContent).toMatchObject({ agent: 'owner', session_id: 'claimed-pane' });
  });

  it('chooses the agent program per agent: agent_kind shows in list_liveness; an unknown kind is refused, nothing written', async () => {
    const server = { socketName: socket, tmux: async (...a: string[]) => (await execa('tmux', ['-L', socket, '-f', '/dev/null', ...a])).stdout, kill: async () => {} };
    await startFakeAgent(server, 'kind-cc', join(dir, 'kind-cc.log'));
    const { call } = await start(['--space', 'kinds']);
    const reg = await call('register_session', { agent: 'cc', session_id: 'kind-cc', agent_kind: 'claude-code' });
    expect(reg.isError).toBeFalsy();
    expect(reg.structuredContent).toMatchObject({ agent: 'cc', session_id: 'kind-cc', agent_kind: 'claude-code' });
    // Registered again without a kind: the kind is kept.
    expect((await call('register_session', { agent: 'cc', role: 'dev' })).structuredContent).toMatchObject({ agent_kind: 'claude-code', role: 'dev' });
    // An agent that never named a kind is of the default one.
    expect((await call('register_session', { agent: 'plain', session_id: 'kind-none' })).isError).toBeFalsy();
    const row = async (agent: string) => ((await call('list_liveness')).structuredContent as { agents: Record<string, unknown>[] }).agents.find((r) => r.agent === agent);
    // Its screen is read with Claude Code's UI: the fake Claude Code at its prompt is idle.
    await waitFor(async () => (await row('cc'))?.state === 'idle', 10_000, 'cc idle in list_liveness');
    expect(await row('cc')).toMatchObject({ agent_kind: 'claude-code', exists: true, state: 'idle' });
    expect(await row('plain')).toMatchObject({ agent_kind: 'claude-code', exists: false, state: 'missing' });

    const dbRows = () => {
      const db = new BetterSqlite3(join(dir, 'boss.db'), { readonly: true });
      try {
        return db.prepare(`SELECT a.name, a.agent_kind, a.session_id, a.role FROM agents a JOIN spaces s ON s.id = a.space_id WHERE s.name_key = 'kinds' ORDER BY a.name_key`).all();
      } finally {
        db.close();
      }
    };
    const before = dbRows();
    expect(before).toEqual([
      { name: 'cc', agent_kind: 'claude-code', session_id: 'kind-cc', role: 'dev' },
      { name: 'plain', agent_kind: null, session_id: 'kind-none', role: null },
    ]);
    for (const args of [
      { agent: 'newcomer', session_id: 'kind-new', agent_kind: 'opencode' },
      { agent: 'cc', session_id: 'kind-other', agent_kind: 'aider', role: 'x' },
    ]) {
      const bad = await call('register_session', args);
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toBe(
        `agent_kind: Unknown agent kind "${args.agent_kind}". Known kinds: claude-code, codex, gemini, shell. Use one of those, or leave agent_kind out for the default (claude-code). Nothing was changed.`,
      );
    }
    const spawn = await call('spawn_agent', { agent: 'spawned', work_dir: dir, agent_kind: 'opencode' });
    expect(spawn.isError).toBe(true);
    expect(textOf(spawn)).toMatch(/Unknown agent kind "opencode"\. Known kinds: claude-code, codex, gemini, shell\./);
    expect(dbRows()).toEqual(before);
    // No session was started for the refused spawn.
    const sessions = await execa('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}']);
    expect(sessions.stdout.split('\n')).not.toContain('kinds-spawned');
  });

  it('without TMUX asks for a session_id', async () => {
    const { call } = await start(['--agent', 'outside']);
    const r = await call('register_session', {});
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/session_id is required/);
  });
});
