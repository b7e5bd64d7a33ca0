import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { textOf } from '../helpers/core.js';
import { FAKE_AGENT, readEvents, waitFor } from '../helpers/fake-agent.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';

/**
 * spawn_agent from a process whose PATH finds the agent program and agent-boss, into a tmux server
 * whose shells get a PATH without them (as a login shell that resets PATH does).
 */
describe('spawn_agent finds its programs where the spawning process finds them', () => {
  let tmux: TmuxTestServer;
  let tmp: { dir: string; cleanup: () => void };
  let client: Awaited<ReturnType<typeof stdioClient>>;
  let bin: string;
  const PANE_PATH = '/usr/bin:/bin';
  const found = () => join(tmp.dir, 'found.txt');
  const log = (name: string) => join(tmp.dir, `${name}.jsonl`);

  beforeAll(async () => {
    tmp = tempDir('agent-boss-spawn-path-');
    bin = join(tmp.dir, 'bin');
    mkdirSync(bin);
    // The agent program: says where it finds agent-boss, then runs the fake UI, which starts `agent-boss stdio` as its MCP server (as Claude Code does).
    writeFileSync(
      join(bin, 'boss-fake-program'),
      `#!/bin/sh\necho "$(command -v agent-boss)" > ${JSON.stringify(found())}\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE_AGENT)} --mcp agent-boss "$@"\n`,
    );
    writeFileSync(join(bin, 'agent-boss'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(join(bin, 'boss-fake-program'), 0o755);
    chmodSync(join(bin, 'agent-boss'), 0o755);
    tmux = await createTmuxServer();
    // Every pane's shell sets its own PATH, as a login shell's profile does.
    await tmux.tmux('set-option', '-g', 'default-command', `PATH=${PANE_PATH} exec bash --norc --noprofile`);
    client = await stdioClient(['--data-dir', join(tmp.dir, 'data'), '--tmux-socket', tmux.socketName, '--space', 'team'], {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    });
  });
  afterAll(async () => {
    await client?.close();
    await tmux?.kill();
    tmp?.cleanup();
  });

  it("the pane's shell alone does not find the program (the situation under test)", async () => {
    await tmux.tmux('new-session', '-d', '-s', 'probe', '-c', tmp.dir);
    const out = join(tmp.dir, 'probe.txt');
    // Written whole, then moved into place: the test never reads it half written.
    await tmux.tmux('send-keys', '-t', '=probe:', '-l', `{ command -v boss-fake-program agent-boss; echo "$PATH"; } > ${out}.tmp; mv ${out}.tmp ${out}`);
    await tmux.tmux('send-keys', '-t', '=probe:', 'Enter');
    const probe = await waitFor(() => (existsSync(out) ? readFileSync(out, 'utf8') : undefined), 10_000, 'probe output');
    expect(probe.trim()).toBe(PANE_PATH);
    await tmux.tmux('kill-session', '-t', '=probe');
  });

  it('starts the program by its absolute path, with the spawner’s PATH, so agent-boss is found from its shell', async () => {
    const r = await client.call('spawn_agent', { agent: 'pathless', work_dir: tmp.dir, command: `boss-fake-program --log ${log('pathless')} --name pathless` });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ agent: 'pathless', ready: true, ignited: true, command: `${join(bin, 'boss-fake-program')} --log ${log('pathless')} --name pathless` });
    await waitFor(() => readEvents(log('pathless')).find((e) => e.type === 'message'), 10_000, 'ignite prompt typed');
    expect(readFileSync(found(), 'utf8').trim()).toBe(join(bin, 'agent-boss'));
    // Its MCP server, found on that PATH, connected before the ignite prompt was typed.
    expect(r.structuredContent).toMatchObject({ tools_reached: true });
    expect(readEvents(log('pathless')).find((e) => e.type === 'mcp')).toEqual({ type: 'mcp', ok: true });
  });

  it('a spawn over an agent in error starts it clean: the failed start is forgotten', async () => {
    const failed = await client.call('spawn_agent', { agent: 'retry', work_dir: tmp.dir, command: 'boss-no-such-program-4712', ready_timeout_s: 20 });
    expect(failed.isError, textOf(failed)).toBe(true);
    const before = await client.call('list_liveness', {});
    expect((before.structuredContent as { agents: { agent: string; status: string }[] }).agents.find((a) => a.agent === 'retry')).toMatchObject({ status: 'error' });
    const ok = await client.call('spawn_agent', { agent: 'retry', work_dir: tmp.dir, command: `boss-fake-program --log ${log('retry')} --name retry` });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(ok.structuredContent).toMatchObject({ ready: true, ignited: true });
    const after = await client.call('list_liveness', {});
    expect((after.structuredContent as { agents: { agent: string; status: string; summary: string }[] }).agents.find((a) => a.agent === 'retry')).toMatchObject({
      status: 'idle',
      summary: 'Started again by spawn_agent in session "team-retry".',
    });
  });

  it('a spawn over an agent whose session is a dead pane ends that pane and starts it clean', async () => {
    await tmux.tmux('set-option', '-g', 'remain-on-exit', 'on');
    await tmux.tmux('new-session', '-d', '-s', 'team-zombie', '-c', tmp.dir, 'exit 3');
    await waitFor(async () => (await tmux.tmux('list-panes', '-t', '=team-zombie:', '-F', '#{pane_dead}')).trim() === '1' || undefined, 10_000, 'dead pane');
    expect((await client.call('register_session', { agent: 'zombie', session_id: 'team-zombie' })).isError).toBeFalsy();
    const r = await client.call('spawn_agent', { agent: 'zombie', work_dir: tmp.dir, command: `boss-fake-program --log ${log('zombie')} --name zombie` });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ session_id: 'team-zombie', ready: true, ignited: true });
    expect((await tmux.tmux('list-panes', '-t', '=team-zombie:', '-F', '#{pane_dead}')).trim()).toBe('0');
  });
});
