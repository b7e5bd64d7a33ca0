/**
 * resume_agent on the real Claude Code: an agent spawned with the hooks installed converses with the
 * fake model, its private tmux server is killed (as a reboot ends every session), and resume_agent
 * starts it again in its work dir with `--resume <id>`: the next request the model gets carries the
 * earlier conversation.
 */
import { execa } from 'execa';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentText, startFakeModel, textTurn, type FakeModel } from '../fixtures/fake-model.js';
import { claudeBinary, claudeEnv, writeClaudeConfig } from '../helpers/claude-code.js';
import { textOf } from '../helpers/core.js';
import { waitFor } from '../helpers/fake-agent.js';
import { CLI, stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, START_TEST_SERVER, type TmuxTestServer } from '../helpers/tmux.js';

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const SPACE = 'web';
const AGENT = 'keeper';

interface Row {
  agent: string;
  state: string;
  resumable: boolean;
  program_session_id?: string;
}

describe('resume_agent brings back a Claude Code whose tmux server was killed, with its conversation', { timeout: 240_000 }, () => {
  let model: FakeModel;
  let tmux: TmuxTestServer;
  let op: Awaited<ReturnType<typeof stdioClient>>;
  const dirs: { cleanup: () => void }[] = [];
  let work: string;
  let home: string;
  let mcpConfig: string;

  /**
   * A tool call whose own time limits (ready_timeout_s, timeout_s: 60) answer before the client
   * gives up on the request; a refusal fails the test with the tool's text and the agent's screen.
   */
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = (await op.client.callTool({ name, arguments: args }, undefined, { timeout: 150_000 })) as Awaited<ReturnType<typeof op.call>>;
    if (r.isError) expect.fail(`${name}: ${textOf(r)}\n--- the agent's screen ---\n${await screen().catch((err: Error) => err.message)}`);
    return r;
  };
  const row = async (): Promise<Row | undefined> =>
    ((await call('list_liveness', { space: SPACE })).structuredContent as { agents: Row[] }).agents.find((a) => a.agent === AGENT);
  const screen = async () => (await op.call('capture_output', { space: SPACE, agent: AGENT, lines: 30 })).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  /** Sends a message and waits for the model's request carrying it, then for the agent to be idle again. */
  const converse = async (text: string) => {
    const seq = model.lastSeq();
    await call('send_input', { space: SPACE, agent: AGENT, text });
    const req = await model.requestContaining(text, { afterSeq: seq, timeoutMs: 60_000 });
    await call('wait_for', { space: SPACE, agent: AGENT, state: 'idle', timeout_s: 60 });
    return req;
  };

  beforeAll(async () => {
    model = await startFakeModel();
    tmux = await createTmuxServer();
    const data = tempDir('boss-resume-data-');
    const homeDir = tempDir('boss-resume-home-');
    const workDir = tempDir('boss-resume-work-');
    dirs.push(data, homeDir, workDir);
    home = realpathSync(homeDir.dir);
    work = realpathSync(workDir.dir);
    writeClaudeConfig(home, { workDirs: [work] });
    op = await stdioClient(['--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--space', SPACE]);
    // Its agent-boss tools (spawn_agent types the ignite prompt once they connect).
    mcpConfig = join(data.dir, 'mcp.json');
    const boss = { command: process.execPath, args: [CLI, 'stdio', '--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--agent', AGENT, '--space', SPACE] };
    writeFileSync(mcpConfig, JSON.stringify({ mcpServers: { boss } }));
    await call('list_liveness');
    // The hooks as `setup hooks --write` installs them: SessionStart records the conversation id.
    const setup = await execa(process.execPath, [CLI, 'setup', 'hooks', '--write', '--project', work, '--data-dir', data.dir], { reject: false });
    expect(setup.exitCode, setup.stderr).toBe(0);
  });
  afterAll(async () => {
    await op?.close();
    await tmux?.kill();
    await model?.close();
    // Claude Code writes to its HOME while it exits.
    await new Promise((res) => setTimeout(res, 500));
    for (const d of dirs) d.cleanup();
  });

  it('records the conversation id, lists the agent as resumable once its session is gone, and resumes the conversation', async () => {
    // The harness's environment typed as the command (env -i: nothing of this machine's environment leaks in).
    const env = claudeEnv(model.url, home, { BOSS_AGENT: AGENT, BOSS_SPACE: SPACE, BOSS_HOOK_TIMEOUT_MS: '2000' });
    const command = [
      'env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" TERM="$TERM"',
      ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
      shellQuote(claudeBinary()),
      '--permission-mode manual',
      `--mcp-config ${shellQuote(mcpConfig)}`,
    ].join(' ');
    const spawned = await call('spawn_agent', { space: SPACE, agent: AGENT, work_dir: work, command, ready_timeout_s: 60 });
    expect(spawned.structuredContent, textOf(spawned)).toMatchObject({ ready: true, tools_reached: true, ignited: true });
    await call('wait_for', { space: SPACE, agent: AGENT, state: 'idle', timeout_s: 60 });

    model.script(textTurn('Noted: the word is PLUM-7731.'));
    await converse('Remember the word PLUM-7731 for later.');
    const recorded = await waitFor(async () => (await row())?.program_session_id, 20_000, 'the conversation id from SessionStart');
    expect(recorded).toMatch(/^[0-9a-f-]{36}$/);

    // A reboot: the tmux server and every session in it end; the program exits with them.
    await tmux.tmux('kill-server');
    const gone = await waitFor(async () => {
      const r = await row();
      return r?.state === 'missing' ? r : undefined;
    }, 20_000, 'the agent listed as missing');
    expect(gone).toMatchObject({ resumable: true, program_session_id: recorded });
    // The machine is back: its tmux server runs again (started like every test server).
    await tmux.tmux(...START_TEST_SERVER);

    const resumed = await call('resume_agent', { space: SPACE, agent: AGENT, ready_timeout_s: 60 });
    expect(resumed.structuredContent, `${textOf(resumed)}\n${await screen()}`).toMatchObject({
      space: SPACE,
      agent: AGENT,
      session_id: `${SPACE}-${AGENT}`,
      program_session_id: recorded,
      ready: true,
      ignited: false,
    });
    expect((resumed.structuredContent as { command: string }).command).toMatch(new RegExp(`--permission-mode manual --mcp-config \\S+ --resume ${recorded}$`));
    await call('wait_for', { space: SPACE, agent: AGENT, state: 'idle', timeout_s: 60 });
    expect(await row()).toMatchObject({ state: 'idle', resumable: false });

    model.script(textTurn('The word was PLUM-7731.'));
    const next = await converse('Which word did I ask you to remember?');
    const said = (next.body.messages ?? []).map((m) => `${m.role}: ${contentText(m.content)}`).join('\n');
    expect(said).toContain('Remember the word PLUM-7731 for later.');
    expect(said).toContain('Noted: the word is PLUM-7731.');

    await call('stop_agent', { space: SPACE, agent: AGENT });
  });
});
