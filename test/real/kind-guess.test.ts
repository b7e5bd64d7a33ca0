/**
 * register_session without agent_kind guesses the program from the pane and the screen: the real
 * Codex CLI and Gemini CLI (both run as "node") are told apart by their screens, and the answer
 * says what was chosen; an explicit agent_kind wins; a plain shell (bash, sh) or a Python REPL with
 * no agent program on its screen is the kind "shell", read and interrupted as one.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeResponses } from '../fixtures/fake-responses.js';
import { textLine, writeFakeResponses } from '../fixtures/fake-gemini.js';
import { startCodex } from '../helpers/codex.js';
import { textOf } from '../helpers/core.js';
import { startGemini } from '../helpers/gemini.js';
import { paneScreen } from '../helpers/pane-screen.js';
import { stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer } from '../helpers/tmux.js';

describe('register_session guesses the agent kind', { timeout: 60_000 }, () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('Codex and Gemini from their screens, with a sentence; an explicit kind wins; a shell or REPL is "shell"', async () => {
    const tmux = await createTmuxServer();
    closers.push(() => tmux.kill());
    const data = tempDir('boss-guess-data-');
    closers.push(() => data.cleanup());
    const model = await startFakeResponses();
    closers.push(() => model.close());
    const codex = await startCodex({ modelUrl: model.url, tmux });
    closers.push(() => codex.stop());
    const file = join(data.dir, 'responses.jsonl');
    writeFakeResponses(file, [textLine('unused')]);
    const gemini = await startGemini({ responsesFile: file, tmux });
    closers.push(() => gemini.stop());
    // The test server's panes run `bash --norc --noprofile`; sh is dash here; python3 a REPL.
    await tmux.tmux('new-session', '-d', '-s', 'plain', '-x', '80', '-y', '24');
    await tmux.tmux('new-session', '-d', '-s', 'posix', '-x', '80', '-y', '24', 'exec env -i PS1="$ " sh');
    await tmux.tmux('new-session', '-d', '-s', 'repl', '-x', '80', '-y', '24', 'exec python3 -q');
    for (const [session, prompt] of [['plain', /[$#]$/u], ['posix', /\$$/u], ['repl', />>>$/u]] as const) {
      await paneScreen(tmux, session, session).waitForScreen((s) => prompt.test(s.trimEnd()), `the prompt of ${session}`);
    }
    const client = await stdioClient(['--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--space', 'g']);
    closers.push(() => client.close());

    const register = async (agent: string, session_id: string, extra: Record<string, unknown> = {}) => {
      const r = await client.call('register_session', { agent, session_id, ...extra });
      expect(r.isError, textOf(r)).toBeFalsy();
      return r.structuredContent as { agent_kind?: string; warnings?: string[] };
    };
    const c = await register('cx', codex.session);
    expect(c.agent_kind).toBe('codex');
    expect(c.warnings?.join(' ')).toMatch(/agent_kind: guessed codex, as the screen shows its input box \(the pane runs "node"\)/u);
    const g = await register('gm', gemini.session);
    expect(g.agent_kind).toBe('gemini');
    expect(g.warnings?.join(' ')).toMatch(/agent_kind: guessed gemini/u);
    const explicit = await register('ex', codex.session, { agent_kind: 'claude-code', take_over: true });
    expect(explicit.agent_kind).toBe('claude-code');
    expect(explicit.warnings?.join(' ') ?? '').not.toMatch(/agent_kind/u);
    for (const [agent, session, program] of [['pl', 'plain', 'bash'], ['ps', 'posix', 'sh'], ['py', 'repl', 'python3']] as const) {
      const shell = await register(agent, session);
      expect(shell.agent_kind).toBe('shell');
      expect(shell.warnings).toContain(`agent_kind: guessed shell, as the pane runs "${program}" and shows no agent program; pass agent_kind to choose another.`);
    }

    const rows = (await client.call('list_liveness')).structuredContent as { agents: { agent: string; agent_kind: string; state: string }[] };
    expect(Object.fromEntries(rows.agents.map((r) => [r.agent, [r.agent_kind, r.state]]))).toMatchObject({
      gm: ['gemini', 'idle'],
      ex: ['claude-code', expect.any(String)],
      pl: ['shell', 'idle'],
      ps: ['shell', 'idle'],
      py: ['shell', 'idle'],
    });

    // Read and answered as a shell: a running command is working, and interrupt is Ctrl-C.
    const pane = paneScreen(tmux, 'plain', 'bash');
    expect((await client.call('send_input', { agent: 'pl', text: 'sleep 30' })).isError).toBeFalsy();
    await pane.waitForScreen((s) => /sleep 30$/mu.test(s), 'sleep typed');
    const stopped = await client.call('interrupt', { agent: 'pl' });
    expect(stopped.structuredContent, textOf(stopped)).toMatchObject({ stopped: true, escapes: 1 });
    const screen = await pane.waitForScreen((s) => s.includes('^C') && /[$#]$/u.test(s.trimEnd()), 'the prompt after Ctrl-C');
    expect(screen).not.toContain('^[');
  });
});
