/**
 * The tmux backend against real tmux on a private socket, with the fake Claude Code UI
 * (test/fixtures/fake-agent.mjs) in the panes. Everything it did is read back from its log.
 */
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentUi, registerAgentUi } from '../../src/agents/index.js';
import { BackendError } from '../../src/backends/errors.js';
import { TmuxSessionBackend } from '../../src/backends/tmux/tmux-backend.js';
import { TmuxClient } from '../../src/backends/tmux/tmux-client.js';
import { FAKE_AGENT, readEvents, waitFor as pollUntil } from '../helpers/fake-agent.js';
import { createTmuxServer, START_TEST_SERVER, type TmuxTestServer } from '../helpers/tmux.js';
import { tempDir } from '../helpers/tmp.js';


let server: TmuxTestServer;
let backend: TmuxSessionBackend;
let tmp: { dir: string; cleanup: () => void };

beforeEach(async () => {
  server = await createTmuxServer();
  backend = new TmuxSessionBackend({ socketName: server.socketName, configFile: '/dev/null' });
  tmp = tempDir('boss-tmux-');
});

afterEach(async () => {
  await backend.close();
  await server.kill();
  tmp.cleanup();
});

/** The shared poll, with the condition named first (as this file's calls read). */
const waitFor = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 8000): Promise<NonNullable<T>> => pollUntil(fn, timeoutMs, what);

/** A session running the fake agent; resolves once it logged "ready". Returns its log path. */
async function startAgent(sessionId: string, workMs = 300, extra = ''): Promise<string> {
  const log = join(tmp.dir, `${sessionId.replace(/[^a-z0-9]/gi, '_')}.jsonl`);
  await backend.createSession({
    sessionId,
    workDir: tmp.dir,
    command: `node ${FAKE_AGENT} --log ${log} --work-ms ${workMs} --name agent${extra}`,
  });
  await waitFor(`${sessionId} ready`, () => readEvents(log).some((e) => e.type === 'ready'));
  return log;
}

const messages = (log: string): string[] =>
  readEvents(log)
    .filter((e) => e.type === 'message')
    .map((e) => e.text ?? '');

async function expectBackendError(promise: Promise<unknown>, code: BackendError['code']): Promise<BackendError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  expect((err as BackendError).code).toBe(code);
  return err as BackendError;
}

// Commands typed into a bare shell go through the shell kind's UI: a Claude Code agent's session
// that shows a shell prompt reads as gone, and takes no text (it would run as a command).
describe('lifecycle', () => {
  it('addresses sessions exactly: web is not web-2', async () => {
    await backend.createSession({ sessionId: 'web-2', workDir: tmp.dir });
    expect(await backend.sessionExists('web-2')).toBe(true);
    expect(await backend.sessionExists('web')).toBe(false);
    await expectBackendError(backend.captureOutput('web'), 'session_missing');
    await expectBackendError(backend.sendInput('web', 'echo typed-into-the-wrong-session'), 'session_missing');
    await expectBackendError(backend.killSession('web'), 'session_missing');
    expect(await backend.getStatus('web')).toBe('missing');
    expect((await backend.captureOutput('web-2')).join('\n')).not.toContain('typed-into-the-wrong-session');

    await backend.createSession({ sessionId: 'web', workDir: tmp.dir });
    expect((await backend.listSessions()).sort()).toEqual(['web', 'web-2']);
    await backend.killSession('web');
    expect(await backend.sessionExists('web')).toBe(false);
    expect(await backend.sessionExists('web-2')).toBe(true);
    expect(await backend.listSessions()).toEqual(['web-2']);
  });

  it('keeps odd session names intact (spaces, ; # quotes) and creates no session of its own', async () => {
    const names = ["my agent #1 ;x", "it's \"quoted\"", 'a#{session_name}b', '-t x', 'ünï ✓'];
    for (const sessionId of names) await backend.createSession({ sessionId, workDir: tmp.dir });
    // The control client is attached by now, to a user session, without resizing it.
    expect(backend.client.controlConnected).toBe(true);
    const all = (await server.tmux('list-sessions', '-F', '#{session_name}')).split('\n');
    expect(all.sort()).toEqual([...names].sort());
    const clients = await server.tmux('list-clients', '-F', '#{client_control_mode} #{client_flags}');
    expect(clients).toMatch(/^1 .*ignore-size/);
    expect(clients).toMatch(/no-output/);
    expect((await backend.listSessions()).sort()).toEqual([...names].sort());
    for (const sessionId of names) {
      expect(await backend.sessionExists(sessionId)).toBe(true);
      await backend.forAgentKind('shell').sendInput(sessionId, `echo "[${sessionId.replace(/["$`\\]/g, '\\$&')}]"`);
    }
    for (const sessionId of names) {
      await waitFor(`echo in ${sessionId}`, async () =>
        (await backend.captureOutput(sessionId)).includes(`[${sessionId}]`),
      );
    }
    const probes = await backend.probeSessions(names);
    for (const sessionId of names) expect(probes.get(sessionId)?.exists).toBe(true);
    for (const sessionId of names) await backend.killSession(sessionId);
    expect(await backend.listSessions()).toEqual([]);
  });

  it('refuses ids tmux would rewrite, bad ids and bad working directories before calling tmux', async () => {
    for (const id of ['a:b', 'a.b', 'a$b', 'a\\b']) {
      await expectBackendError(backend.createSession({ sessionId: id, workDir: tmp.dir }), 'invalid_session_id');
    }
    for (const id of ['', 'x'.repeat(101), 'a\nb', 'tab\there']) {
      await expectBackendError(backend.createSession({ sessionId: id, workDir: tmp.dir }), 'invalid_session_id');
      await expectBackendError(backend.sessionExists(id), 'invalid_session_id');
    }
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    await expectBackendError(backend.createSession({ sessionId: 'w1', workDir: join(tmp.dir, 'nope') }), 'bad_work_dir');
    await expectBackendError(backend.createSession({ sessionId: 'w2', workDir: file }), 'bad_work_dir');
    expect(await backend.listSessions()).toEqual([]);
  });

  it('refuses to create a session that exists', async () => {
    await backend.createSession({ sessionId: 'dup', workDir: tmp.dir });
    await expectBackendError(backend.createSession({ sessionId: 'dup', workDir: tmp.dir }), 'session_exists');
  });

  it('starts the command in the working directory, even with # and spaces in the path', async () => {
    const dir = join(tmp.dir, 'dir with #{x} and space');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    await backend.createSession({ sessionId: 'wd', workDir: dir, command: 'pwd > where.txt' });
    const where = await waitFor('pwd output', () => {
      try {
        return readFileSync(join(dir, 'where.txt'), 'utf8').trim();
      } catch {
        return undefined;
      }
    });
    expect(where).toBe(dir);
    expect((await server.tmux('display-message', '-p', '-t', '=wd:', '#{pane_current_path}')).trim()).toBe(dir);
  });

  it('reports tmux as unavailable when the program is missing', async () => {
    const missing = new TmuxSessionBackend({ socketName: server.socketName, tmuxBinary: 'tmux-not-installed-here' });
    expect(await missing.available()).toBe(false);
    const err = await expectBackendError(missing.listSessions(), 'unavailable');
    expect(err.message).toBe('tmux is not installed or not on PATH');
    await expectBackendError(missing.probeSessions(['x']), 'unavailable');
    await missing.close();
    expect(await backend.available()).toBe(true);
  });
});

describe('guessAgentKind', () => {
  it('takes a shell for the kind "shell" only at its prompt: a shell still starting its program (blank screen) is no guess', async () => {
    // sh in the foreground with nothing on screen: what a pane shows while `sh -c 'program'` starts it.
    await server.tmux('new-session', '-d', '-s', 'starting', '-x', '80', '-y', '24', "exec env -i sh -c 'read x'");
    await server.tmux('new-session', '-d', '-s', 'prompt', '-x', '80', '-y', '24', 'exec env -i PS1="$ " sh');
    await waitFor('sh in the foreground of both panes', async () => {
      const names = await Promise.all(['starting', 'prompt'].map((s) => server.tmux('display-message', '-p', '-t', `=${s}:`, '#{pane_current_command}')));
      return names.every((n) => n.trim() === 'sh');
    });
    await waitFor('the prompt', async () => (await server.tmux('capture-pane', '-p', '-t', '=prompt:')).trimEnd().endsWith('$'));
    expect(await backend.guessAgentKind('starting')).toBeUndefined();
    expect(await backend.guessAgentKind('prompt')).toEqual({ kind: 'shell', why: 'the pane runs "sh" and shows no agent program' });
  });
});

describe('sendInput', () => {
  it('types text literally and submits each message exactly once', async () => {
    const log = await startAgent('lit');
    const big = Array.from({ length: 400 }, (_, i) => `line of text number ${i} ${'x'.repeat(40)}`).join(' ');
    expect(big.length).toBeGreaterThan(20_000);
    const texts = [
      'Enter',
      'C-c',
      '-t x',
      'ends with a semicolon;',
      'ends with backslash semicolon\\;',
      `quotes ' " and $HOME #{session_name} #S ~ {braces} %1 : . ;`,
      big,
      'first line\nsecond line\n\n  indented fourth\ttab',
      'crlf one\r\ncrlf two',
    ];
    for (const text of texts) {
      await backend.sendInput('lit', text);
      // One at a time: the fake agent queues messages while working, which is fine, but waiting
      // keeps the log order obvious.
      await waitFor(`message ${texts.indexOf(text)}`, () => messages(log).length === texts.indexOf(text) + 1);
    }
    const got = messages(log);
    expect(got.slice(0, 7)).toEqual(texts.slice(0, 7));
    expect(got[7]).toBe(texts[7]);
    expect(got[8]).toBe('crlf one\ncrlf two'); // the app normalises CRLF inside a paste
    expect(got).toHaveLength(texts.length);
  });

  it('types without submitting when asked, and submits later with an empty send', async () => {
    const log = await startAgent('nosubmit');
    await backend.sendInput('nosubmit', 'draft', { submit: false });
    await waitFor('draft on screen', async () => (await backend.captureOutput('nosubmit')).some((l) => l.includes('> draft')));
    expect(messages(log)).toEqual([]);
    await backend.sendInput('nosubmit', '');
    await waitFor('submitted', () => messages(log).length === 1);
    expect(messages(log)).toEqual(['draft']);
  });
});

describe('sendInput into a box that never draws what is typed', () => {
  it('fails without submitting, and leaves no copy of the text behind for the next Enter', async () => {
    const log = await startAgent('blind', 300, ' --no-echo');
    const text = 'please run the tests';
    const err = await expectBackendError(backend.sendInput('blind', text), 'command_failed');
    expect(err.message).toMatch(/after 3 tries, so nothing was submitted/);
    expect(messages(log)).toEqual([]);
    // What the box holds now is what the next Enter submits: nothing, not the text three times.
    await server.tmux('send-keys', '-t', '=blind:', 'Enter');
    await server.tmux('send-keys', '-t', '=blind:', '-l', '--', 'probe');
    await server.tmux('send-keys', '-t', '=blind:', 'Enter');
    await waitFor('the probe submitted', () => messages(log).length > 0);
    expect(messages(log)).toEqual(['probe']);
  }, 30_000);
});

describe('approvals and interrupts', () => {
  async function promptIn(id: string, text = 'please PERMIT this') {
    await backend.sendInput(id, text);
    return waitFor('permission prompt', async () => {
      const info = await backend.checkApproval(id);
      return info.needsApproval ? info : undefined;
    });
  }

  const approvals = (log: string) => readEvents(log).filter((e) => e.type === 'approval').map((e) => e.option);

  it('answers yes, always and no with the right option', async () => {
    const log = await startAgent('appr');
    const info = await promptIn('appr');
    expect(info.toolName).toBe('Bash');
    expect(info.promptId).toMatch(/^[0-9a-f]{12}$/);
    expect(info.options?.map((o) => o.number)).toEqual([1, 2, 3]);
    expect(await backend.getStatus('appr')).toBe('running');
    const probe = (await backend.probeSessions(['appr'])).get('appr');
    expect(probe?.state).toBe('waiting_approval');
    expect(probe?.approval.promptId).toBe(info.promptId);

    const yes = await backend.approve('appr', 'yes', { expectPromptId: info.promptId! });
    expect(yes).toMatchObject({ decision: 'yes', keySent: '1', cleared: true, toolName: 'Bash', promptId: info.promptId });
    await waitFor('idle', () => backend.isIdle('appr'));

    await promptIn('appr', 'PERMIT two');
    expect(await backend.approve('appr', 'always')).toMatchObject({ keySent: '2', cleared: true });
    await waitFor('idle', () => backend.isIdle('appr'));

    await promptIn('appr', 'PERMIT three');
    expect(await backend.approve('appr', 'no')).toMatchObject({ keySent: '3', cleared: true });
    expect(approvals(log)).toEqual([1, 2, 3]);
  });

  it('refuses a stale prompt id or a missing prompt and sends nothing', async () => {
    const log = await startAgent('stale');
    await expectBackendError(backend.approve('stale', 'yes'), 'no_pending_approval');
    const info = await promptIn('stale');
    await expectBackendError(backend.approve('stale', 'yes', { expectPromptId: '000000000000' }), 'prompt_mismatch');
    await sleep(200);
    expect(approvals(log)).toEqual([]);
    expect((await backend.checkApproval('stale')).promptId).toBe(info.promptId);
    await expectBackendError(backend.approve('nope', 'yes'), 'session_missing');
  });

  it('interrupts a working agent (two Escapes, as Claude Code asks to confirm)', async () => {
    const log = await startAgent('busy');
    await backend.sendInput('busy', 'HANG on this');
    await waitFor('working', async () => (await backend.probeSessions(['busy'])).get('busy')?.state === 'working');
    expect(await backend.isIdle('busy')).toBe(false);
    const result = await backend.interrupt('busy');
    expect(result).toEqual({ stopped: true, escapes: 2 });
    expect(readEvents(log).filter((e) => e.type === 'interrupt')).toHaveLength(1);
    expect(await backend.isIdle('busy')).toBe(true);
    await expectBackendError(backend.interrupt('nope'), 'session_missing');
  });
});

describe('probeSessions', () => {
  it('reports several sessions at once and a killed one as missing', async () => {
    const idleLog = await startAgent('p-idle');
    const busyLog = await startAgent('p-busy');
    const askLog = await startAgent('p-ask');
    await backend.sendInput('p-busy', 'HANG');
    await backend.sendInput('p-ask', 'PERMIT it');
    await waitFor('states', async () => {
      const p = await backend.probeSessions(['p-busy', 'p-ask']);
      return p.get('p-busy')?.state === 'working' && p.get('p-ask')?.state === 'waiting_approval';
    });
    const ids = ['p-idle', 'p-busy', 'p-ask', 'p-none', 'p-idle'];
    const probes = await backend.probeSessions(ids);
    expect(probes.size).toBe(4);
    expect(probes.get('p-idle')).toMatchObject({ exists: true, state: 'idle', approval: { needsApproval: false } });
    expect(probes.get('p-busy')).toMatchObject({ exists: true, state: 'working' });
    expect(probes.get('p-ask')).toMatchObject({ exists: true, state: 'waiting_approval', approval: { needsApproval: true, toolName: 'Bash' } });
    expect(probes.get('p-none')).toEqual({ sessionId: 'p-none', exists: false, state: 'missing', approval: { needsApproval: false } });
    expect(probes.get('p-idle')?.lastLine).toBeTruthy();

    // Steady state: no new tmux process, answers from the control client.
    expect(backend.client.controlConnected).toBe(true);
    const spawned = backend.client.spawnCount;
    for (let i = 0; i < 5; i++) await backend.probeSessions(ids);
    expect(backend.client.spawnCount).toBe(spawned);

    await server.tmux('kill-session', '-t', '=p-ask');
    const after = await backend.probeSessions(ids);
    expect(after.get('p-ask')).toMatchObject({ exists: false, state: 'missing' });
    expect(after.get('p-idle')?.exists).toBe(true);
    void idleLog;
    void busyLog;
    void askLog;
  });

  it('reads a session of another agent kind with that kind\'s UI, over the same control client', async () => {
    // A test-only agent program: a plain shell, its last line marked so the reading shows whose UI made it.
    const unregister = registerAgentUi('test-shell', () => ({
      ...agentUi('claude-code'),
      kind: 'test-shell',
      parse: (lines: readonly string[]) => {
        const last = lines.filter((l) => l.trim() !== '').at(-1)?.trim() ?? '';
        return { state: /[#$]$/.test(last) ? 'idle' : 'working', lastLine: `shell: ${last}` };
      },
    }));
    try {
      await startAgent('k-cc');
      await backend.createSession({ sessionId: 'k-sh', workDir: tmp.dir });
      const kinds = { agentKinds: new Map([['k-sh', 'test-shell']]) };
      await backend.probeSessions(['k-cc', 'k-sh'], kinds); // connects the control client
      const spawned = backend.client.spawnCount;
      const probes = await backend.probeSessions(['k-cc', 'k-sh'], kinds);
      expect(probes.get('k-cc')).toMatchObject({ exists: true, state: 'idle' });
      expect(probes.get('k-cc')?.lastLine).not.toMatch(/^shell: /);
      expect(probes.get('k-sh')).toMatchObject({ exists: true, state: 'idle', lastLine: expect.stringMatching(/^shell: .*[#$]$/) });
      // The backend of that kind drives the same terminal: same sessions, no second connection.
      const shell = backend.forAgentKind('test-shell');
      expect(shell.terminal).toBe(backend.terminal);
      expect((await shell.probeSessions(['k-sh'])).get('k-sh')?.lastLine).toMatch(/^shell: /);
      expect(await shell.isIdle('k-sh')).toBe(true);
      expect(backend.client.spawnCount).toBe(spawned);
      expect(backend.client.controlConnected).toBe(true);
    } finally {
      unregister();
    }
  });

  it('sees output that arrives in the same second as the previous capture', async () => {
    await backend.createSession({ sessionId: 'quick', workDir: tmp.dir });
    await sleep(1100); // a quiet screen: the next capture is trusted by later probes
    const before = (await backend.probeSessions(['quick'])).get('quick');
    expect(before?.lastLine).toMatch(/[#$]$/);
    await backend.forAgentKind('shell').sendInput('quick', "clear; printf 'MARKER-%s' $((6*7)); sleep 30");
    await waitFor('marker on screen', async () => (await backend.captureOutput('quick')).join('\n') === 'MARKER-42');
    expect((await backend.probeSessions(['quick'])).get('quick')?.lastLine).toBe('MARKER-42');
  });

  it('survives kill-server: reports missing, then reconnects to a new server', async () => {
    await backend.createSession({ sessionId: 's1', workDir: tmp.dir });
    await backend.probeSessions(['s1']);
    expect(backend.client.controlConnected).toBe(true);

    await server.kill();
    await waitFor('control client gone', () => !backend.client.controlConnected);
    expect((await backend.probeSessions(['s1'])).get('s1')?.exists).toBe(false);
    expect(await backend.listSessions()).toEqual([]);
    expect(await backend.sessionExists('s1')).toBe(false);
    // Probing an empty socket must not start a server.
    await expect(server.tmux('list-sessions')).rejects.toThrow();

    // A new server on the same socket.
    await server.tmux(...START_TEST_SERVER);
    await server.tmux('new-session', '-d', '-s', 's1');
    // The first probe lists by process, sees a user session and starts a new control client...
    expect((await backend.probeSessions(['s1'])).get('s1')?.exists).toBe(true);
    expect(backend.client.controlConnected).toBe(true);
    // ...which answers the next ones alone.
    const spawned = backend.client.spawnCount;
    expect((await backend.probeSessions(['s1'])).get('s1')?.exists).toBe(true);
    expect(backend.client.spawnCount).toBe(spawned);
  });

  it('does not keep the server alive once the user sessions are gone', async () => {
    await server.tmux('set-option', '-g', 'exit-empty', 'on');
    await backend.createSession({ sessionId: 'last', workDir: tmp.dir });
    await backend.probeSessions(['last']);
    expect(backend.client.controlConnected).toBe(true);
    await server.tmux('kill-session', '-t', '=last');
    expect((await backend.probeSessions(['last'])).get('last')?.exists).toBe(false);
    await waitFor('server exit', async () => {
      try {
        await server.tmux('list-sessions');
        return false;
      } catch {
        return true;
      }
    });
  });
});

describe('discovery and identity', () => {
  it('discovers agentdeck sessions and sessions it created', async () => {
    await server.tmux('new-session', '-d', '-s', 'agentdeck_api_dev_1a2b');
    await server.tmux('new-session', '-d', '-s', 'unrelated');
    await backend.createSession({ sessionId: 'web-frontend', workDir: tmp.dir });
    await backend.createSession({ sessionId: 'space-x', workDir: tmp.dir });
    backend.trackSession('space-x', 'rocket');
    await backend.createSession({ sessionId: 'web-app-api', agent: 'api', workDir: tmp.dir });
    const found = await backend.discoverSessions();
    expect(Object.fromEntries(found)).toEqual({
      api_dev: 'agentdeck_api_dev_1a2b',
      frontend: 'web-frontend',
      rocket: 'space-x',
      api: 'web-app-api',
    });
  });

  it('identifies the session a process inside a pane runs in', async () => {
    await backend.createSession({ sessionId: 'me too', workDir: tmp.dir });
    const out = join(tmp.dir, 'env.json');
    await backend.forAgentKind('shell').sendInput(
      'me too',
      `node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({TMUX: process.env.TMUX, TMUX_PANE: process.env.TMUX_PANE}))' ${out}`,
    );
    const env = await waitFor('env dump', () => {
      try {
        return JSON.parse(readFileSync(out, 'utf8')) as NodeJS.ProcessEnv;
      } catch {
        return undefined;
      }
    });
    expect(env.TMUX).toContain(server.socketName);
    expect(await backend.identifySelf(env)).toBe('me too');
    expect(await backend.identifySelf({})).toBeUndefined();
    expect(await backend.identifySelf({ TMUX: env.TMUX! })).toBeUndefined();
    // A pane of another server is not one of this backend's sessions.
    const other = new TmuxSessionBackend({ socketName: `${server.socketName}-other` });
    expect(await other.identifySelf(env)).toBeUndefined();
    await other.close();
  });
});

describe('tmux client', () => {
  it('runs batches over single processes when control mode is off, one failure not stopping the rest', async () => {
    await server.tmux('new-session', '-d', '-s', 'c1');
    const client = new TmuxClient({ socketName: server.socketName, control: false });
    const results = await client.exec([
      ['display-message', '-p', '-t', '=c1:', 'first;'],
      ['has-session', '-t', '=nope'],
      ['display-message', '-p', '-t', '=c1:', "it's #{session_name}"],
    ]);
    expect(results[0]).toEqual({ ok: true, lines: ['first;'] });
    expect(results[1]?.ok).toBe(false);
    expect(results[2]).toEqual({ ok: true, lines: ["it's c1"] });
    expect(client.spawnCount).toBe(2); // the batch, then the rest after the failure
    expect(client.controlConnected).toBe(false);
    await client.close();
  });

  it('falls back to single processes when control mode cannot start', async () => {
    // A tmux that refuses -C, like one without control mode.
    const fake = join(tmp.dir, 'tmux-without-control');
    writeFileSync(fake, '#!/bin/sh\nfor a; do [ "$a" = -C ] && { echo "unknown option -- C" >&2; exit 1; }; done\nexec tmux "$@"\n', {
      mode: 0o755,
    });
    const logs: string[] = [];
    const fallback = new TmuxSessionBackend({ socketName: server.socketName, tmuxBinary: fake, log: (m) => logs.push(m) });
    try {
      await fallback.createSession({ sessionId: 'fb', workDir: tmp.dir, command: 'echo fallback-ok' });
      await waitFor('output', async () => (await fallback.captureOutput('fb')).includes('fallback-ok'));
      expect((await fallback.probeSessions(['fb', 'x'])).get('fb')).toMatchObject({ exists: true });
      expect(fallback.client.controlConnected).toBe(false);
      expect(logs.some((m) => m.includes('control mode unavailable'))).toBe(true);
      expect(await server.tmux('list-sessions', '-F', '#{session_name}')).toBe('fb');
    } finally {
      await fallback.close();
    }
  });

  it('pipelines the same batch over the control client with identical answers', async () => {
    await server.tmux('new-session', '-d', '-s', 'c1');
    const client = new TmuxClient({ socketName: server.socketName });
    client.noteSessions(['c1']);
    const batch = [
      ['display-message', '-p', '-t', '=c1:', 'first;'],
      ['has-session', '-t', '=nope'],
      ['display-message', '-p', '-t', '=c1:', "it's #{session_name} $HOME \\ \"q\" ~"],
      ['display-message', '-p', '-t', '=c1:', 'tab\there\nnewline'],
    ];
    const results = await client.exec(batch);
    expect(client.controlConnected).toBe(true);
    expect(results[0]).toEqual({ ok: true, lines: ['first;'] });
    expect(results[1]).toMatchObject({ ok: false });
    expect(results[2]).toEqual({ ok: true, lines: ["it's c1 $HOME \\ \"q\" ~"] });
    expect(results[3]).toEqual({ ok: true, lines: ['tab\there', 'newline'] });
    await client.close();
    expect(client.controlConnected).toBe(false);
    expect(await server.tmux('list-sessions', '-F', '#{session_name}')).toBe('c1');
    expect(await server.tmux('list-clients', '-F', '#{client_control_mode}')).toBe('');
  });

  it('reads a screen showing forged control-mode lines whole, and keeps the next answer its own', async () => {
    // A program can print `%end <time> <number> 1` (the footer of the capture that reads its
    // screen) and `%begin …`: tmux passes pane text through control mode unescaped. Learn the
    // server's current command number, then fill a screen with footers for the numbers and
    // seconds to come.
    await server.tmux('new-session', '-d', '-s', 'probe');
    const raw = await execa('tmux', ['-L', server.socketName, '-f', '/dev/null', '-C', 'attach-session', '-t', '=probe', '-f', 'no-output,ignore-size'], {
      input: 'display-message -p x\n',
      reject: false,
    });
    const m = /%begin (\d+) (\d+) 1/.exec(raw.stdout);
    expect(m, raw.stdout).not.toBeNull();
    const [t0, n0] = [Number(m![1]), Number(m![2])];
    const forged: string[] = [];
    for (let t = t0; t <= t0 + 2; t++) for (let n = n0; n < n0 + 30; n++) forged.push(`%end ${t} ${n} 1`, `%begin ${t} ${n} 1`, 'FORGED');
    const file = join(tmp.dir, 'forged.txt');
    writeFileSync(file, `${forged.join('\n')}\nscreen-end\n`);
    await server.tmux('new-session', '-d', '-s', 'forge', '-x', '80', '-y', String(forged.length + 5), `cat ${file}; exec sleep 600`);
    await waitFor('forged screen', async () => (await server.tmux('capture-pane', '-p', '-t', '=forge:')).includes('screen-end'));
    const expected = (await server.tmux('capture-pane', '-p', '-t', '=forge:')).split('\n');
    const client = new TmuxClient({ socketName: server.socketName });
    try {
      client.noteSessions(['forge']);
      const [screen, after] = await client.exec([
        ['capture-pane', '-p', '-t', '=forge:'],
        ['display-message', '-p', 'next answer'],
      ]);
      expect(client.controlConnected).toBe(true);
      expect(after).toEqual({ ok: true, lines: ['next answer'] });
      expect(screen?.ok).toBe(true);
      const lines = screen?.ok ? screen.lines : [];
      expect(lines.slice(0, expected.length)).toEqual(expected);
      expect(lines.slice(expected.length).every((l) => l === '')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('does not give up control mode when the session it meant to attach to just vanished', async () => {
    await server.tmux('new-session', '-d', '-s', 'real');
    const client = new TmuxClient({ socketName: server.socketName });
    try {
      client.noteSessions(['vanished']);
      const [first] = await client.exec([['display-message', '-p', '-t', '=real:', 'ok']]);
      expect(first).toEqual({ ok: true, lines: ['ok'] });
      expect(client.controlConnected).toBe(false);
      client.noteSessions(['real']);
      await client.exec([['display-message', '-p', 'x']]);
      expect(client.controlConnected).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("leaves the attached session's environment alone", async () => {
    await server.tmux('new-session', '-d', '-s', 'user-env');
    await server.tmux('set-environment', '-t', 'user-env', 'SSH_AUTH_SOCK', '/tmp/agent.sock');
    await server.tmux('set-environment', '-t', 'user-env', 'DISPLAY', ':7');
    await backend.probeSessions(['user-env']);
    expect(backend.client.controlConnected).toBe(true);
    expect(await server.tmux('show-environment', '-t', 'user-env', 'SSH_AUTH_SOCK')).toBe('SSH_AUTH_SOCK=/tmp/agent.sock');
    expect(await server.tmux('show-environment', '-t', 'user-env', 'DISPLAY')).toBe('DISPLAY=:7');
  });

  it('starts a session without workDir in our own directory, not the attached session\'s', async () => {
    await server.tmux('new-session', '-d', '-s', 'elsewhere', '-c', '/');
    await backend.probeSessions(['elsewhere']);
    expect(backend.client.controlConnected).toBe(true);
    await backend.createSession({ sessionId: 'no-dir' });
    expect(await server.tmux('display-message', '-p', '-t', '=no-dir:', '#{pane_current_path}')).toBe(process.cwd());
  });

  it('re-runs the commands tmux had not begun when the attached session is killed mid-batch', async () => {
    const out = join(tmp.dir, 'typed.txt');
    await server.tmux('new-session', '-d', '-s', 'a-attached');
    await server.tmux('new-session', '-d', '-s', 'b-target', `cat > ${out}`);
    const client = new TmuxClient({ socketName: server.socketName });
    try {
      client.noteSessions(['a-attached']);
      await client.exec([['display-message', '-p', 'warm']]);
      expect(client.attachedTo('a-attached')).toBe(true);
      // A long pipelined batch of keys (not idempotent) to another session, while the attached
      // session is killed from outside: tmux drops what it had not begun, and we must re-run that.
      const lines = Array.from({ length: 300 }, (_, i) => `line ${i}`);
      const batch = lines.flatMap((l) => [
        ['send-keys', '-t', '=b-target:', '-l', '--', l],
        ['send-keys', '-t', '=b-target:', 'Enter'],
      ]);
      const running = client.exec(batch);
      await server.tmux('kill-session', '-t', '=a-attached');
      const results = await running;
      const failed = results.filter((r) => !r.ok);
      // At most the one command tmux was running when the client ended is reported unknown.
      expect(failed.length, JSON.stringify(failed.slice(0, 2))).toBeLessThanOrEqual(1);
      const got = await waitFor('typed lines', () => {
        try {
          const l = readFileSync(out, 'utf8').split('\n').filter(Boolean);
          return l.length >= lines.length - 1 ? l : undefined;
        } catch {
          return undefined;
        }
      });
      expect(new Set(got).size).toBe(got.length);
      if (failed.length === 0) {
        expect(got).toEqual(lines);
      } else {
        // Only the line whose command tmux may have dropped can differ (missing, or joined with the
        // next one when its Enter was lost): every line before it and after the next arrives whole, in order.
        const k = Math.floor(results.findIndex((r) => !r.ok) / 2);
        const tail = Math.max(0, lines.length - k - 2);
        expect(got.slice(0, k)).toEqual(lines.slice(0, k));
        expect(got.slice(got.length - tail)).toEqual(lines.slice(lines.length - tail));
      }
    } finally {
      await client.close();
    }
  });

  it('lets several control clients (one per server process) come and go without harming the server', async () => {
    // tmux 3.3a crashed (every session lost) when a control client that had created its own
    // session exited while another was attached; clients attached to user sessions must not.
    const ids = ['busy-1', 'busy-2', 'idle-1'];
    const busy = `while :; do printf 'tick %s\\n' "$RANDOM"; sleep 0.05; done`;
    await server.tmux('new-session', '-d', '-s', 'busy-1', '-x', '120', '-y', '30', busy);
    await server.tmux('new-session', '-d', '-s', 'busy-2', '-x', '120', '-y', '30', busy);
    await server.tmux('new-session', '-d', '-s', 'idle-1', '-x', '120', '-y', '30');
    for (let round = 0; round < 6; round++) {
      const a = new TmuxSessionBackend({ socketName: server.socketName });
      const b = new TmuxSessionBackend({ socketName: server.socketName });
      for (let k = 0; k < 10; k++) await Promise.all([a.probeSessions(ids), b.probeSessions(ids)]);
      expect(a.client.controlConnected && b.client.controlConnected).toBe(true);
      await a.close();
      await new Promise((r) => setTimeout(r, 100));
      const probe = await b.probeSessions(ids);
      expect([...probe.values()].map((p) => p.exists)).toEqual([true, true, true]);
      await b.close();
    }
    expect((await server.tmux('list-sessions', '-F', '#{session_name}')).split('\n').sort()).toEqual([...ids].sort());
  });
});
