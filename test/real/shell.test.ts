/**
 * A plain shell (bash, no rc files) registered as agent_kind "shell": idle at its prompt, working
 * while a command runs, interrupted with Ctrl-C (no Escapes left on the line), and a Python REPL
 * read the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTui } from '../helpers/tui-program.js';
import { AGENT, startProgramBench, type ProgramBench } from './program-bench.js';

describe('a plain shell', { timeout: 30_000 }, () => {
  let b: ProgramBench;
  beforeAll(async () => {
    b = await startProgramBench('shell', (tmux) =>
      startTui({
        label: 'shell',
        argv: ['bash', '--norc', '--noprofile'],
        env: (home) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PS1: 'work$ ', LANG: 'C.UTF-8' }),
        tmux,
        width: 80,
        height: 24,
        ready: (s) => s.trimEnd().endsWith('work$'),
      }),
    );
  }, 30_000);
  afterAll(async () => {
    await b?.close();
  });

  it('is idle at its prompt, working while a command runs, and interrupt sends Ctrl-C', async () => {
    expect(await b.waitForRow((r) => r.state === 'idle', 'idle at the prompt')).toMatchObject({ agent_kind: 'shell', needs_approval: false });
    await b.call('send_input', { agent: AGENT, text: 'sleep 30' });
    await b.waitForRow((r) => r.state === 'working', 'working while sleep runs');
    const t0 = Date.now();
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true, escapes: 1 });
    await b.waitForRow((x) => x.state === 'idle', 'idle after Ctrl-C');
    expect(Date.now() - t0).toBeLessThan(10_000);
    const screen = (await b.tui.capture()).join('\n');
    expect(screen).toContain('^C');
    expect(screen).not.toContain('^[');
  });

  it('an idle shell: nothing to interrupt; send_input runs a command', async () => {
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ escapes: 0, nothing_to_interrupt: true });
    await b.call('send_input', { agent: AGENT, text: 'echo "héllo ✓"' });
    await b.tui.waitForScreen((s) => /^héllo ✓$/mu.test(s), 'the echo');
    await b.waitForRow((x) => x.state === 'idle', 'idle after the command');
    const approve = await b.call('approve', { agent: AGENT }, true);
    expect(approve.isError).toBe(true);
  });

  it('reads a Python REPL: idle at >>>, working while it computes, Ctrl-C stops it', async () => {
    await b.call('send_input', { agent: AGENT, text: 'python3 -q' });
    await b.tui.waitForScreen((s) => s.trimEnd().endsWith('>>>'), 'the REPL prompt');
    await b.waitForRow((r) => r.state === 'idle', 'idle at >>>');
    await b.call('send_input', { agent: AGENT, text: 'import time; time.sleep(30)' });
    await b.waitForRow((r) => r.state === 'working', 'working while it sleeps');
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true });
    expect((await b.tui.capture()).join('\n')).toContain('KeyboardInterrupt');
    await b.call('send_input', { agent: AGENT, text: 'exit()' });
    await b.waitForRow((x) => x.state === 'idle' && x.last_line === 'work$', 'back at the shell');
  });
});
