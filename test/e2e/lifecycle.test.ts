import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/core.js';
import { FAKE_AGENT, readEvents, waitFor } from '../helpers/fake-agent.js';
import { CLI, stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';

/**
 * spawn_agent, wait_for, capture_output and stop_agent through the real stdio server, on a private
 * tmux server, with the fake Claude Code UI as the agent program.
 */
describe('agent lifecycle tools in real tmux', () => {
  let tmux: TmuxTestServer;
  let tmp: { dir: string; cleanup: () => void };
  let client: Awaited<ReturnType<typeof stdioClient>>;
  const log = () => join(tmp.dir, 'worker.jsonl');
  const envFile = () => join(tmp.dir, 'env.txt');
  const fakeCommand = () =>
    `sh -c 'printenv BOSS_AGENT BOSS_SPACE BOSS_DATA_DIR BOSS_TMUX_SOCKET > ${envFile()}; exec node ${FAKE_AGENT} --log ${log()} --work-ms 400 --name worker --mcp ${CLI}'`;

  beforeAll(async () => {
    tmp = tempDir('agent-boss-lifecycle-');
    tmux = await createTmuxServer();
    // The operator's server (not bound to an agent).
    client = await stdioClient(['--data-dir', join(tmp.dir, 'data'), '--tmux-socket', tmux.socketName, '--space', 'team']);
  });
  afterAll(async () => {
    await client?.close();
    await tmux?.kill();
    tmp?.cleanup();
  });

  it('lists the lifecycle tools with capture_output and wait_for read-only', async () => {
    const { tools } = await client.client.listTools();
    const by = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(by)).toEqual(expect.arrayContaining(['spawn_agent', 'stop_agent', 'capture_output', 'wait_for']));
    expect(by.capture_output!.annotations?.readOnlyHint).toBe(true);
    expect(by.wait_for!.annotations?.readOnlyHint).toBe(true);
    expect(by.stop_agent!.annotations?.destructiveHint).toBe(true);
  });

  it('refuses to skip permissions unless the server allows it, and starts nothing', async () => {
    const asked = await client.call('spawn_agent', { agent: 'reckless', work_dir: tmp.dir, skip_permissions: true });
    expect(asked.isError).toBe(true);
    expect(textOf(asked)).toMatch(/--allow-skip-permissions/);
    const flag = await client.call('spawn_agent', { agent: 'reckless', work_dir: tmp.dir, command: 'claude --dangerously-skip-permissions' });
    expect(flag.isError).toBe(true);
    const sessions = await tmux.tmux('list-sessions', '-F', '#{session_name}').catch(() => '');
    expect(sessions).not.toContain('reckless');
    const badDir = await client.call('spawn_agent', { agent: 'lost', work_dir: join(tmp.dir, 'nope') });
    expect(textOf(badDir)).toMatch(/^work_dir: Working directory .* does not exist/);
  });

  it('answers at once, as an error naming the problem, when the program cannot start', async () => {
    const started = Date.now();
    const r = await client.call('spawn_agent', { space: 'misc', agent: 'ghost', work_dir: tmp.dir, command: 'no-such-agent-program-4711 --flag', ready_timeout_s: 40 });
    const tookMs = Date.now() - started;
    expect(r.isError, textOf(r)).toBe(true);
    expect(tookMs).toBeLessThan(20_000);
    const text = textOf(r);
    expect(text).toMatch(/^"no-such-agent-program-4711 --flag" ended before it drew its input box: the shell prompt of session "misc-ghost" is back\./);
    expect(text).toMatch(/"no-such-agent-program-4711" could not be started: install it or put it on the PATH .*, or pass command/);
    expect(text).toMatch(/no-such-agent-program-4711\W*: (No such file or directory|command not found)/);
    expect(text).toMatch(/The session was ended/);
    const sessions = await tmux.tmux('list-sessions', '-F', '#{session_name}').catch(() => '');
    expect(sessions.split('\n')).not.toContain('misc-ghost');
    const live = await client.call('list_liveness', { space: 'misc' });
    expect((live.structuredContent as { agents: unknown[] }).agents).toEqual([
      expect.objectContaining({ agent: 'ghost', exists: false, status: 'error', summary: expect.stringMatching(/^Did not start: .*no-such-agent-program-4711/) }),
    ]);
  });

  it('a program whose agent-boss MCP server does not start is a failed spawn: not ignited, the reason and the next step', async () => {
    const logFile = join(tmp.dir, 'no-tools.jsonl');
    const command = `node ${FAKE_AGENT} --log ${logFile} --name no-tools --mcp ${join(tmp.dir, 'missing', 'agent-boss')}`;
    const r = await client.call('spawn_agent', { space: 'misc', agent: 'no-tools', work_dir: tmp.dir, command, tools_timeout_s: 3 });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ ready: true, ignited: false, tools_reached: false, problem: expect.stringMatching(/^Its agent-boss tools did not connect within 3 s/) });
    expect(textOf(r)).toMatch(/Not ignited\. Its agent-boss tools did not connect within 3 s \(no agent-boss MCP server bound to "no-tools" initialized\), so the ignite prompt was not typed: .*To see why: \/mcp in its session .*Fix it, then stop_agent and spawn_agent again/);
    expect(readEvents(logFile).filter((e) => e.type === 'message')).toEqual([]); // nothing typed
    const live = await client.call('list_liveness', { space: 'misc' });
    expect((live.structuredContent as { agents: { agent: string; status: string; summary: string }[] }).agents.find((a) => a.agent === 'no-tools')).toMatchObject({
      status: 'error',
      summary: 'Started, but its agent-boss tools did not connect within 3 s; not ignited.',
    });
    expect((await client.call('stop_agent', { space: 'misc', agent: 'no-tools' })).isError).toBeFalsy();
  });

  it('spawns an agent: session, program with its BOSS_* environment, registration, ignite prompt', async () => {
    const r = await client.call('spawn_agent', { agent: 'worker', work_dir: tmp.dir, command: fakeCommand(), role: 'tester' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ space: 'team', agent: 'worker', session_id: 'team-worker', ready: true, ignited: true, tools_reached: true });
    const ignite = await waitFor(() => readEvents(log()).find((e) => e.type === 'message'), 10_000, 'ignite prompt typed');
    expect(ignite.text).toContain('You are **worker**, an AI coding agent in the space **team**');
    expect(ignite.text).toContain('Your role: **tester**');
    const env = readFileSync(envFile(), 'utf8').trim().split('\n');
    expect(env).toEqual(['worker', 'team', join(tmp.dir, 'data'), tmux.socketName]);
    const live = await client.call('list_liveness', {});
    expect((live.structuredContent as { agents: { agent: string; session_id: string }[] }).agents).toEqual([
      expect.objectContaining({ agent: 'worker', session_id: 'team-worker', exists: true }),
    ]);
  });

  it('refuses a second spawn of a running agent', async () => {
    const again = await client.call('spawn_agent', { agent: 'worker', work_dir: tmp.dir, command: fakeCommand() });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/already running in session "team-worker".*stop_agent/);
  });

  it('waits for a state with progress notifications, and times out without an error', async () => {
    expect((await client.call('send_input', { agent: 'worker', text: 'HANG until interrupted' })).isError).toBeFalsy();
    const progress: Progress[] = [];
    const working = (await client.client.callTool(
      { name: 'wait_for', arguments: { agent: 'worker', state: 'working', timeout_s: 10 } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 30_000 },
    )) as CallToolResult;
    expect(working.structuredContent).toMatchObject({ reached: true, state: 'working' });
    const short = (await client.client.callTool(
      { name: 'wait_for', arguments: { agent: 'worker', state: 'idle', timeout_s: 2 } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 30_000 },
    )) as CallToolResult;
    expect(short.isError).toBeFalsy();
    expect(short.structuredContent).toMatchObject({ reached: false, state: 'working' });
    expect(textOf(short)).toMatch(/still working after .* s \(wanted idle\)/);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ total: 2, message: expect.stringMatching(/"worker" is working; waiting for idle/) });
    expect((await client.call('interrupt', { agent: 'worker' })).isError).toBeFalsy();
    const idle = await client.call('wait_for', { agent: 'worker', state: 'idle', timeout_s: 10 });
    expect(idle.structuredContent).toMatchObject({ reached: true, state: 'idle' });
  });

  it('captures what the terminal shows without changing it', async () => {
    const before = readEvents(log()).length;
    const r = await client.call('capture_output', { agent: 'worker', lines: 20 });
    expect(r.isError, textOf(r)).toBeFalsy();
    const lines = (r.structuredContent as { lines: string[] }).lines;
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(lines.join('\n')).toContain('? for shortcuts');
    expect(textOf(r)).toMatch(/^Last \d+ lines of "worker" \(session "team-worker"\):\n```\n/);
    expect(readEvents(log()).length).toBe(before);
  });

  it('stops the agent: session ended, agent marked done, shown as missing', async () => {
    const r = await client.call('stop_agent', { agent: 'worker' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ agent: 'worker', session_id: 'team-worker', ended: true });
    const live = await client.call('list_liveness', {});
    expect((live.structuredContent as { agents: unknown[] }).agents).toEqual([
      expect.objectContaining({ agent: 'worker', exists: false, state: 'missing', status: 'done' }),
    ]);
    const gone = await client.call('wait_for', { agent: 'worker', state: 'missing', timeout_s: 5 });
    expect(gone.structuredContent).toMatchObject({ reached: true });
    expect(existsSync(log())).toBe(true);
  });
});
