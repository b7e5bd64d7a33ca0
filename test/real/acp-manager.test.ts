/**
 * A manager agent over MCP (a stdio server bound to agent "manager", as its agent program would
 * start it) spawning two headless workers (backend "acp", claude-agent-acp against the fake model):
 * their runners are started by the manager's own server process, and the hub sees the same agents;
 * the manager gives each a task, waits for both with wait_for and reads their answers with
 * capture_output; the operator's dashboard shows each worker's transcript in place of a terminal.
 * Then a headless manager (itself an ACP agent, its model scripted) spawns a headless worker through
 * the agent-boss MCP server it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferredToolTurns, startFakeModel, textTurn, type FakeModel, type RecordedRequest } from '../fixtures/fake-model.js';
import { claudeAcpEnv, startAcpHub, type AcpHub, type LivenessRowLike } from '../helpers/acp.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { card, expectContains, expectText, launchBrowser } from '../browser/browser.js';

const asked = (text: string) => ({ when: (r: RecordedRequest) => (r.body.tools?.length ?? 0) > 0 && r.lastUserText.includes(text) });

describe('a manager over MCP with two headless workers', { timeout: 120_000 }, () => {
  let model: FakeModel;
  let hub: AcpHub;
  let manager: Awaited<ReturnType<typeof stdioClient>>;
  beforeAll(async () => {
    model = await startFakeModel();
    hub = await startAcpHub({ env: claudeAcpEnv(model.url) });
    await hub.ok('register_session', { space: 'team', agent: 'manager', session_id: 'manager-terminal' });
    manager = await stdioClient(['--data-dir', hub.server.dataDir, '--tmux-socket', hub.server.tmuxSocket, '--space', 'team', '--agent', 'manager'], hub.env);
  }, 60_000);
  afterAll(async () => {
    await manager?.close();
    await hub?.close();
    await model?.close();
  }, 60_000);

  const ok = async (name: string, args: Record<string, unknown>) => {
    const res = (await manager.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as { isError?: boolean; content: unknown; structuredContent?: Record<string, unknown> };
    if (res.isError) throw new Error(`${name}: ${JSON.stringify(res.content)}`);
    return res.structuredContent ?? {};
  };

  it('spawns two workers that report to it, gives each a task, waits for both and reads their answers', async () => {
    const spawned = await Promise.all(
      ['w1', 'w2'].map((agent) => ok('spawn_agent', { agent, work_dir: hub.work, backend: 'acp', agent_kind: 'claude-code', role: 'worker' })),
    );
    for (const s of spawned) expect(s).toMatchObject({ space: 'team', backend: 'acp', ready: true, ignited: true });
    for (const agent of ['w1', 'w2']) await ok('wait_for', { agent, state: 'idle', timeout_s: 60 });

    model.script(textTurn('one, two, three', { chunkDelayMs: 50, chunkChars: 4, ...asked('count to three') }), textTurn('The colour is blue.', asked('name a colour')));
    await ok('send_input', { agent: 'w1', text: 'count to three' });
    await ok('send_input', { agent: 'w2', text: 'name a colour' });
    for (const agent of ['w1', 'w2']) {
      await model.waitForRequest((r) => r.seq > 0 && r.lastUserText.includes(agent === 'w1' ? 'count to three' : 'name a colour'), { timeoutMs: 30_000 });
      const waited = await ok('wait_for', { agent, state: 'idle', timeout_s: 60 });
      expect(waited).toMatchObject({ reached: true, state: 'idle' });
    }
    expect(((await ok('capture_output', { agent: 'w1', lines: 5 })).lines as string[]).at(-1)).toBe('one, two, three');
    expect(((await ok('capture_output', { agent: 'w2', lines: 5 })).lines as string[]).at(-1)).toBe('The colour is blue.');

    // The hub (another process) sees the same agents, exactly, as the manager's workers.
    const rows = (((await hub.ok('list_liveness', { space: 'team' })).agents ?? []) as LivenessRowLike[]).filter((r) => r.agent !== 'manager');
    expect(rows.map((r) => [r.agent, r.backend, r.source, r.state])).toEqual([
      ['w1', 'acp', 'acp', 'idle'],
      ['w2', 'acp', 'acp', 'idle'],
    ]);
    const read = await hub.client.readResource({ uri: 'boss://space/team/agents' });
    const listed = JSON.parse((read.contents[0] as { text: string }).text) as { agent: string; parent?: string | null }[];
    expect(listed.filter((a) => a.agent !== 'manager').map((a) => [a.agent, a.parent])).toEqual([
      ['w1', 'manager'],
      ['w2', 'manager'],
    ]);
    expect(hub.runnerPids()).toHaveLength(2);

    // The dashboard: the previews API gives the transcript, and each card shows it as a transcript.
    const previews = (await (await fetch(`${hub.server.url}/dashboard/api/previews?space=team&lines=3`, { headers: hub.server.asOperator })).json()) as {
      previews: { agent: string; lines: string[] | null }[];
    };
    expect(previews.previews.find((p) => p.agent === 'w2')?.lines?.at(-1)).toBe('The colour is blue.');
    const loginUrl = /^\s*login\s+(\S+\/login\?code=\S+)/m.exec(hub.server.stderr())?.[1];
    if (loginUrl === undefined) throw new Error(`serve printed no login link:\n${hub.server.stderr()}`);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(loginUrl);
      const w1 = card(page, 'team', 'w1');
      await expectText(w1.locator('.source'), 'acp', 10_000);
      await expectContains(w1.locator('.preview[data-kind="transcript"]'), 'one, two, three', 10_000);
      await expectContains(card(page, 'team', 'w2').locator('.preview[data-kind="transcript"]'), '❯ name a colour', 10_000);
      expect(await w1.locator('.preview').getAttribute('aria-label')).toBe('last lines of the conversation (headless agent)');
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }

    for (const agent of ['w1', 'w2']) expect(await ok('stop_agent', { agent })).toMatchObject({ ended: true });
    expect(hub.runnerPids()).toHaveLength(0);
  });

  it('a headless manager spawns a headless worker through its own agent-boss MCP server', async () => {
    const marker = 'start your worker';
    const results = (r: RecordedRequest) => JSON.stringify(r.body.messages ?? []).split('"tool_result"').length - 1;
    const step = (n: number) => ({ when: (r: RecordedRequest) => (r.body.tools?.length ?? 0) > 0 && JSON.stringify(r.body.messages ?? []).includes(marker) && results(r) === n });
    const tool = 'mcp__agent-boss__spawn_agent';
    const [search, spawn] = deferredToolTurns(tool, { agent: 'worker-a', work_dir: hub.work, backend: 'acp', agent_kind: 'claude-code', role: 'worker' });
    model.script({ ...search!, ...step(0) }, { ...spawn!, ...step(1) }, textTurn('Worker started.', step(2)));

    expect(await hub.ok('spawn_agent', { space: 'crew', agent: 'boss', work_dir: hub.work, backend: 'acp', agent_kind: 'claude-code' })).toMatchObject({ ready: true });
    await hub.waitForRow('crew/boss', (r) => r.state === 'idle', 'the manager idle', 60_000);
    await hub.ok('send_input', { space: 'crew', agent: 'boss', text: marker });
    const asking = await hub.waitForRow('crew/boss', (r) => r.state === 'waiting_approval', 'the manager asking to call spawn_agent', 60_000);
    expect(asking).toMatchObject({ tool_name: tool, source: 'acp' });
    await hub.ok('approve', { space: 'crew', agent: 'boss', decision: 'yes' });
    await hub.waitForRow('crew/boss', (r) => r.state === 'idle' && (r.last_line ?? '').includes('Worker started.'), 'the manager done', 90_000);

    const worker = await hub.waitForRow('crew/worker-a', (r) => r.state === 'idle', 'the worker idle');
    expect(worker).toMatchObject({ backend: 'acp', source: 'acp', exists: true });
    const read = await hub.client.readResource({ uri: 'boss://space/crew/agents' });
    const listed = JSON.parse((read.contents[0] as { text: string }).text) as { agent: string; parent?: string | null }[];
    expect(listed.find((a) => a.agent === 'worker-a')?.parent).toBe('boss');
    expect(hub.runnerPids()).toHaveLength(2);
    for (const agent of ['worker-a', 'boss']) expect(await hub.ok('stop_agent', { space: 'crew', agent })).toMatchObject({ ended: true });
    expect(hub.runnerPids()).toHaveLength(0);
  });
});
