import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/core.js';
import { readEvents, startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';

type Row = { agent: string; state: string; exists: boolean; needs_approval: boolean; tool_name?: string; prompt_id?: string };

/**
 * The whole loop an operator runs, through the real stdio server and the SDK client, against a fake
 * Claude Code UI in a real tmux server on a private socket.
 */
describe('coordinating a fake agent through the MCP tools', () => {
  let server: TmuxTestServer;
  let dir: string;
  let cleanup: () => void;
  let client: Awaited<ReturnType<typeof stdioClient>>;
  let log: string;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    server = await createTmuxServer();
    log = join(dir, 'agent.jsonl');
    await startFakeAgent(server, 'flow-dev', log, 1500);
    client = await stdioClient(['--data-dir', dir, '--tmux-socket', server.socketName, '--space', 'flow']);
  });
  afterAll(async () => {
    await client?.close();
    await server?.kill();
    cleanup?.();
  });

  const row = async (agent = 'dev'): Promise<Row> => {
    const r = await client.call('list_liveness');
    expect(r.isError).toBeFalsy();
    return (r.structuredContent as { agents: Row[] }).agents.find((a) => a.agent === agent)!;
  };
  const messages = () => readEvents(log).filter((e) => e.type === 'message').map((e) => e.text);
  const send = async (text: string, submit = true) => {
    const r = await client.call('send_input', { agent: 'dev', text, submit });
    expect(r.isError, textOf(r)).toBeFalsy();
    return r;
  };
  const waitIdle = () => waitFor(async () => (await row()).state === 'idle', 8000, 'idle');

  it('registers and sees the agent idle', async () => {
    const r = await client.call('register_session', { agent: 'dev', session_id: 'flow-dev' });
    expect(r.structuredContent).toMatchObject({ agent: 'dev', session_id: 'flow-dev', backend: 'tmux' });
    await waitIdle();
    expect(await row()).toMatchObject({ exists: true, state: 'idle', needs_approval: false });
  });

  it('types key names literally, exactly once, and the agent goes to work', async () => {
    await send('Enter');
    await waitFor(async () => (await row()).state === 'working', 3000, 'working');
    await waitIdle();
    await send('C-c');
    await send('-t x');
    await waitFor(() => messages().length >= 3, 5000, 'three messages');
    expect(messages()).toEqual(['Enter', 'C-c', '-t x']);
    await waitIdle();
  });

  it('delivers a 20 KB text and a multi-line text as one message each', async () => {
    const big = Array.from({ length: 20 * 1024 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[i % 36]).join('');
    const multi = 'first line\nsecond line\n\tindented third';
    const before = messages().length;
    await send(big);
    await waitFor(() => messages().length >= before + 1, 8000, '20 KB message');
    await waitIdle();
    await send(multi);
    await waitFor(() => messages().length >= before + 2, 5000, 'multi-line message');
    expect(messages().slice(before)).toEqual([big, multi]);
    await waitIdle();
  });

  it('types without Enter when submit is false', async () => {
    const before = messages().length;
    await send('draft', false);
    await new Promise((r) => setTimeout(r, 400));
    expect(messages().length).toBe(before);
    await send(' done');
    await waitFor(() => messages().length === before + 1, 3000, 'submitted draft');
    expect(messages().at(-1)).toBe('draft done');
    await waitIdle();
  });

  it('shows a pending approval with its tool, refuses a stale prompt_id and approves the right one', async () => {
    await send('PERMIT deploy');
    const waiting = await waitFor(async () => {
      const r = await row();
      return r.state === 'waiting_approval' ? r : undefined;
    }, 5000, 'waiting_approval');
    expect(waiting).toMatchObject({ needs_approval: true, tool_name: 'Bash' });
    expect(waiting.prompt_id).toMatch(/^[0-9a-f]{12}$/);

    const stale = await client.call('approve', { agent: 'dev', prompt_id: '000000000000' });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/nothing was sent/i);
    await new Promise((r) => setTimeout(r, 200));
    expect(readEvents(log).filter((e) => e.type === 'approval')).toEqual([]);
    expect((await row()).state).toBe('waiting_approval');

    const ok = await client.call('approve', { agent: 'dev', decision: 'yes', prompt_id: waiting.prompt_id });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(ok.structuredContent).toMatchObject({ decision: 'yes', tool_name: 'Bash', cleared: true });
    expect(readEvents(log).filter((e) => e.type === 'approval')).toEqual([{ type: 'approval', option: 1 }]);
    await waitIdle();
  });

  it('answers "always" with option 2 and refuses approve when nothing is pending', async () => {
    await send('PERMIT again');
    await waitFor(async () => (await row()).state === 'waiting_approval', 5000, 'waiting_approval');
    const ok = await client.call('approve', { agent: 'dev', decision: 'always' });
    expect(ok.structuredContent).toMatchObject({ decision: 'always' });
    expect(readEvents(log).filter((e) => e.type === 'approval').at(-1)).toEqual({ type: 'approval', option: 2 });
    await waitIdle();
    const none = await client.call('approve', { agent: 'dev' });
    expect(none.isError).toBe(true);
    expect(textOf(none)).toMatch(/No pending approval/);
  });

  it('interrupts a working agent without killing its session', async () => {
    await send('HANG forever');
    await waitFor(async () => (await row()).state === 'working', 3000, 'working');
    const r = await client.call('interrupt', { agent: 'dev' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ stopped: true });
    expect(readEvents(log).filter((e) => e.type === 'interrupt')).toHaveLength(1);
    expect(await row()).toMatchObject({ exists: true, state: 'idle' });
  });

  it('shows a killed session as missing and says so on send_input', async () => {
    await server.tmux('kill-session', '-t', '=flow-dev');
    await waitFor(async () => (await row()).state === 'missing', 3000, 'missing');
    expect(await row()).toMatchObject({ exists: false, state: 'missing' });
    const r = await client.call('send_input', { agent: 'dev', text: 'hello?' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/no longer exists/);
  });
});
