import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { fakeCore } from '../helpers/core.js';

const expectDomain = async (p: Promise<unknown> | (() => unknown), code: string, msg: RegExp) => {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  expect((err as DomainError).message).toMatch(msg);
};

describe('Coordinator', () => {
  it('registers idempotently and keeps first-seen casing', async () => {
    const { coordinator, store } = fakeCore();
    const a = await coordinator.registerSession({}, { space: 'Web', agent: 'API-dev', session_id: 's1' });
    expect(a.created).toBe(true);
    expect(a.record).toMatchObject({ space: 'Web', name: 'API-dev', session_id: 's1', backend_type: 'tmux', status: 'idle' });
    const b = await coordinator.registerSession({}, { space: 'web', agent: 'api-DEV', session_id: 's1' });
    expect(b.created).toBe(false);
    expect(b.record.name).toBe('API-dev');
    expect(await store.listAgents()).toHaveLength(1);
  });

  it('refuses an unknown backend, listing the configured ones, and writes nothing', async () => {
    const { coordinator, store } = fakeCore();
    await expectDomain(coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 'x', backend: 'screen' }), 'validation', /Configured backends: tmux/);
    expect(await store.listAgents()).toEqual([]);
  });

  it('refuses self-parent and cycles without writing', async () => {
    const { coordinator, store } = fakeCore();
    await expectDomain(coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 'x', parent: 'A' }), 'validation', /self-parent/);
    expect(await store.listAgents()).toEqual([]);
    await coordinator.registerSession({}, { space: 's', agent: 'boss', session_id: 'b' });
    await coordinator.registerSession({}, { space: 's', agent: 'lead', session_id: 'l', parent: 'boss' });
    await coordinator.registerSession({}, { space: 's', agent: 'dev', session_id: 'd', parent: 'lead' });
    await expect(coordinator.reportStatus({}, { space: 's', agent: 'boss' }, { status: 'active', summary: 'x', parent: 'dev' })).rejects.toThrow(/parent cycle/);
    expect((await store.getAgent('s', 'boss'))?.parent).toBeNull();
    expect((await store.getAgent('s', 'boss'))?.summary).toBe('boss: awaiting ignition');
  });

  it('needs a session id when it cannot find its own session', async () => {
    const { coordinator } = fakeCore();
    await expectDomain(coordinator.registerSession({}, { space: 's', agent: 'a' }), 'validation', /session_id is required/);
  });

  it('finds its own session through the backend when session_id is omitted', async () => {
    const { coordinator, backend } = fakeCore({ env: { TMUX: '/tmp/sock,1,0', TMUX_PANE: '%3' }, defaultAgent: 'a', defaultSpace: 's' });
    backend.identifySelf = async (env) => (env.TMUX_PANE === '%3' ? 'my-session' : undefined);
    const r = await coordinator.registerSession({ agent: 'a', space: 's' }, { space: 's', agent: 'a' });
    expect(r.session_id).toBe('my-session');
  });

  it("never gives a hub's own session to an agent named by a request (only the process's --agent finds its pane)", async () => {
    const { coordinator, backend, store } = fakeCore({ env: { TMUX: '/tmp/sock,1,0', TMUX_PANE: '%3' } });
    backend.identifySelf = async () => 'operator-shell';
    await expectDomain(coordinator.registerSession({ agent: 'a', space: 's' }, { space: 's', agent: 'a' }), 'validation', /only a server started with --agent a/);
    expect(await store.listAgents()).toEqual([]);
  });

  it("never gives the server's own session to another agent", async () => {
    const { coordinator, backend, store } = fakeCore({ env: { TMUX: '/tmp/sock,1,0', TMUX_PANE: '%3' } });
    backend.identifySelf = async () => 'operator-shell';
    await expectDomain(coordinator.registerSession({}, { space: 's', agent: 'worker' }), 'validation', /only a server started with --agent worker/);
    expect(await store.listAgents()).toEqual([]);
    const bound = fakeCore({ env: { TMUX: '/tmp/sock,1,0', TMUX_PANE: '%3' }, defaultAgent: 'boss', defaultSpace: 's' });
    bound.backend.identifySelf = async () => 'boss-shell';
    expect((await bound.coordinator.registerSession({}, { space: 's', agent: 'Boss' })).session_id).toBe('boss-shell');
    // Re-registering without a session keeps the one already registered.
    await bound.coordinator.registerSession({}, { space: 's', agent: 'worker', session_id: 'w1' });
    expect((await bound.coordinator.registerSession({}, { space: 's', agent: 'worker', role: 'dev' })).session_id).toBe('w1');
  });

  it('refuses a session id the backend can never address', async () => {
    const { coordinator, backend, store } = fakeCore();
    backend.sessionIdProblem = (id) => (id.includes(':') ? 'tmux rewrites ":"' : undefined);
    await expectDomain(coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 'web:0' }), 'validation', /session_id: tmux rewrites/);
    expect(await store.listAgents()).toEqual([]);
  });

  it('keeps sticky fields and replaces report fields', async () => {
    const { coordinator, db } = fakeCore();
    await coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 'sess', role: 'dev' });
    await coordinator.reportStatus({}, { space: 's', agent: 'a' }, { status: 'active', summary: 'one', branch: 'b1', repo_url: 'r', items: ['x'] });
    const rec = await coordinator.reportStatus({}, { space: 's', agent: 'a' }, { status: 'done', summary: 'two' });
    expect(rec).toMatchObject({ status: 'done', summary: 'two', branch: null, items: null, repo_url: 'r', role: 'dev', session_id: 'sess', backend_type: 'tmux' });
    expect(db.prepare(`SELECT summary FROM status_history ORDER BY id DESC`).all()).toEqual([{ summary: 'two' }, { summary: 'one' }]);
  });

  it('lets a bound agent report only for itself', async () => {
    const { coordinator, store } = fakeCore();
    await expect(coordinator.reportStatus({ agent: 'me', space: 's' }, { space: 's', agent: 'other' }, { status: 'active', summary: 'x' })).rejects.toThrow(
      /cannot post to "other"'s channel/,
    );
    expect(await store.listAgents()).toEqual([]);
    expect((await coordinator.reportStatus({ agent: 'ME', space: 'S' }, { space: 's', agent: 'me' }, { status: 'active', summary: 'x' })).name).toBe('me');
  });

  it('refuses the reserved name "parent"', async () => {
    const { coordinator } = fakeCore();
    await expect(coordinator.reportStatus({}, { space: 's', agent: 'Parent' }, { status: 'active', summary: 'x' })).rejects.toThrow(/reserved/);
  });

  it('sends input, approves and interrupts through the backend', async () => {
    const { coordinator, backend } = fakeCore();
    const sess = backend.add('s1', 'idle');
    await coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 's1' });
    await coordinator.sendInput({}, { space: 's', agent: 'a', text: 'hello', submit: true });
    expect(sess.inputs).toEqual([{ text: 'hello', submit: true }]);
    sess.show('bash-one-line'); // Claude Code asks to run `touch one-line.txt`
    const p1 = sess.promptId();
    await expectDomain(coordinator.approve({}, { space: 's', agent: 'a', prompt_id: 'other' }), 'prompt_mismatch', /nothing was sent/i);
    expect(sess.keys).toEqual([]);
    const ap = await coordinator.approve({}, { space: 's', agent: 'a', decision: 'yes', prompt_id: p1! });
    expect(ap).toMatchObject({ decision: 'yes', tool_name: 'Bash', cleared: true, chosen: { number: 1, label: 'Yes' } });
    await expectDomain(coordinator.approve({}, { space: 's', agent: 'a' }), 'no_pending_approval', /no permission prompt/);
    const it = await coordinator.interrupt({}, { space: 's', agent: 'a' });
    expect(it.stopped).toBe(true);
    expect(sess.keys).toEqual(['1', 'Escape']);
  });

  it('answers with the keys the real screen calls for: arrows on the trust dialog, nothing on an idle agent', async () => {
    const { coordinator, backend } = fakeCore();
    const sess = backend.add('s1', 'trust'); // unnumbered: ❯ No, exit / Yes, I trust this folder
    await coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 's1' });
    const trusted = await coordinator.approve({}, { space: 's', agent: 'a', decision: 'yes' });
    expect(trusted).toMatchObject({ tool_name: 'Trust', cleared: true });
    expect(sess.keys).toEqual(['Down', 'Enter']);
    sess.show('idle');
    expect(await coordinator.interrupt({}, { space: 's', agent: 'a' })).toMatchObject({ stopped: true });
    expect(sess.keys).toEqual(['Down', 'Enter']); // nothing sent to an idle agent
    sess.show('ask-user-question');
    await expectDomain(coordinator.approve({}, { space: 's', agent: 'a', decision: 'yes' }), 'validation', /asking a question/);
    expect(sess.keys).toEqual(['Down', 'Enter']);
  });

  it('types nothing into the shell of an agent whose program exited, and says how to go on', async () => {
    const { coordinator, backend } = fakeCore();
    const sess = backend.add('s1', 'idle').showLines(['Resume this session with:', 'claude --resume 0b1c2d3e', 'dev@box:~/webapp$']);
    await coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 's1' });
    expect((await coordinator.listLiveness()).find((r) => r.agent === 'a')?.state).toBe('gone');
    await expectDomain(
      coordinator.sendInput({}, { space: 's', agent: 'a', text: 'rm -rf build', submit: true }),
      'session_dead',
      /has exited and its shell prompt is back \("dev@box:~\/webapp\$"\), so nothing was typed: the shell would have run the text as a command\. Start agent "a" again \(spawn_agent\), or, to type commands into that shell, register the session with agent_kind "shell"\./,
    );
    expect(sess.keys).toEqual([]); // a custom screen records pastes and keys alike
    // Registered as a shell, the same pane takes the text as a command.
    await coordinator.registerSession({}, { space: 's', agent: 'a', agent_kind: 'shell' });
    await coordinator.sendInput({}, { space: 's', agent: 'a', text: 'ls', submit: true });
    expect(sess.keys).toEqual(['ls', 'Enter']);
  });

  it('says which thing is missing for operator actions', async () => {
    const { coordinator, store } = fakeCore();
    await expectDomain(coordinator.sendInput({}, { space: 's', agent: 'nobody', text: 'x' }), 'not_found', /not registered in space "s". Call register_session/);
    await store.report('s', 'nosession', { status: 'active', summary: 'x' });
    await expectDomain(coordinator.sendInput({}, { space: 's', agent: 'nosession', text: 'x' }), 'no_session', /has no session registered/);
    await coordinator.registerSession({}, { space: 's', agent: 'gone', session_id: 'dead' });
    await expectDomain(coordinator.sendInput({}, { space: 's', agent: 'gone', text: 'x' }), 'session_missing', /no longer exists/);
    await expectDomain(coordinator.sendInput({}, { space: 's', agent: 'gone', text: '   ' }), 'validation', /blank/);
  });

  it('lets a bound agent act only on itself and the agents it manages', async () => {
    const { coordinator, backend } = fakeCore();
    for (const id of ['b', 'l', 'd', 'p']) backend.add(id);
    await coordinator.registerSession({}, { space: 's', agent: 'boss', session_id: 'b' });
    await coordinator.registerSession({}, { space: 's', agent: 'lead', session_id: 'l', parent: 'boss' });
    await coordinator.registerSession({}, { space: 's', agent: 'dev', session_id: 'd', parent: 'lead' });
    await coordinator.registerSession({}, { space: 's', agent: 'peer', session_id: 'p' });
    await coordinator.sendInput({ agent: 'boss', space: 's' }, { space: 's', agent: 'dev', text: 'go' });
    await coordinator.sendInput({ agent: 'dev', space: 's' }, { space: 's', agent: 'dev', text: 'self' });
    await expectDomain(coordinator.sendInput({ agent: 'dev', space: 's' }, { space: 's', agent: 'lead', text: 'x' }), 'forbidden', /act only on itself/);
    await expectDomain(coordinator.interrupt({ agent: 'peer', space: 's' }, { space: 's', agent: 'dev' }), 'forbidden', /Ask the operator or "lead"/);
    expect(backend.sessions.get('l')!.inputs).toEqual([]);
  });

  it('lists liveness from one probe per backend', async () => {
    const now = Date.now();
    const { coordinator, backend, store } = fakeCore({ staleAfterMs: 60_000 });
    backend.add('s-idle', 'idle');
    backend.add('s-work', 'working');
    const editing = backend.add('s-wait', 'edit');
    for (const [agent, sid] of [['idle', 's-idle'], ['work', 's-work'], ['wait', 's-wait'], ['dead', 's-dead']]) {
      await coordinator.registerSession({}, { space: 'sp', agent: agent!, session_id: sid! });
    }
    await store.report('sp', 'nosess', { status: 'blocked', summary: 'waiting' });
    await coordinator.registerSession({}, { space: 'other', agent: 'x', session_id: 's-idle' });
    const rows = await coordinator.listLiveness('sp');
    expect(backend.probeCalls).toBe(1);
    const by = Object.fromEntries(rows.map((r) => [r.agent, r]));
    expect(Object.keys(by)).toEqual(['dead', 'idle', 'nosess', 'wait', 'work']);
    expect(by.idle).toMatchObject({ exists: true, state: 'idle', needs_approval: false, registered: true, stale: false });
    expect(by.work).toMatchObject({ exists: true, state: 'working' });
    expect(by.wait).toMatchObject({ state: 'waiting_approval', needs_approval: true, tool_name: 'Edit', prompt_id: editing.promptId(), prompt_text: expect.stringContaining('notes.txt 1 alpha 2 -beta 2 +BETA') });
    expect(by.dead).toMatchObject({ exists: false, state: 'missing' });
    expect(by.nosess).toMatchObject({ registered: false, exists: false, state: 'unknown', status: 'blocked', summary: 'waiting' });
    expect((await coordinator.listLiveness()).length).toBe(6);
    let clock = now;
    const timed = fakeCore({ clock: () => clock, staleAfterMs: 60_000 });
    await timed.store.report('sp', 'old', { status: 'active', summary: 'x' });
    expect((await timed.coordinator.listLiveness())[0]!.stale).toBe(false);
    clock = now + 61_000;
    expect((await timed.coordinator.listLiveness())[0]!.stale).toBe(true);
  });

  it('shows agents of an unavailable backend as unknown', async () => {
    const { coordinator, backend } = fakeCore();
    backend.add('s1');
    await coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 's1' });
    backend.isAvailable = false;
    const [row] = await coordinator.listLiveness();
    expect(row).toMatchObject({ state: 'unknown', exists: false });
    await expectDomain(coordinator.sendInput({}, { space: 's', agent: 'a', text: 'x' }), 'backend_unavailable', /not installed/);
  });
});
