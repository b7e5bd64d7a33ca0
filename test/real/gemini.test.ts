/**
 * The real Gemini CLI (pinned, offline: its own `--fake-responses` replay), driven through the MCP
 * tools as agent_kind "gemini", at 120 and 80 columns: every state read right (idle, working while a
 * command runs, waiting_approval, unknown for its /model picker, and after /quit dead, or gone when
 * it was started from a shell), a shell command's confirmation answered with each answer (1 once,
 * 2 for this session, 3 no), interrupt, and send_input of multi-line Unicode text. Its replayed
 * answers stream at once, so "working while the model thinks" cannot be held long enough to read
 * offline. The replay is strict (in order), so the tests of a block run in the order the file lists
 * the model's answers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerLine, shellLine, textLine, writeFakeResponses } from '../fixtures/fake-gemini.js';
import { textOf } from '../helpers/core.js';
import { geminiIdle, startGemini } from '../helpers/gemini.js';
import { tempDir } from '../helpers/tmp.js';
import { AGENT, startProgramBench, type ProgramBench } from './program-bench.js';

const TEXT = 'first line ✓ naïve café\nsecond line 日本語 🚀';

describe.each([120, 80])('Gemini CLI at %i columns', { timeout: 60_000 }, (width) => {
  let b: ProgramBench;
  const tmp = tempDir('boss-gemini-responses-');
  beforeAll(async () => {
    const file = join(tmp.dir, 'responses.jsonl');
    writeFakeResponses(file, [
      routerLine(), textLine('Got it.'),
      routerLine(), shellLine('touch once.txt'), textLine('Finished once.'),
      routerLine(), shellLine('touch always.txt'), textLine('Finished always.'),
      // Allowed for this session: the next touch runs unasked.
      routerLine(), shellLine('touch again.txt'), textLine('Finished again.'),
      // Not `touch`: "allow for this session" above covers every touch command. Declined, the
      // turn ends without asking the model again.
      routerLine(), shellLine('mkdir declined'),
      // Last: interrupted, the turn asks the model nothing more.
      routerLine(), shellLine('sleep 20'),
    ]);
    // At 80 columns Gemini is started from a shell, which shows again once it exits.
    const afterExit = width === 80 ? 'shell' : 'dead';
    b = await startProgramBench('gemini', (tmux) => startGemini({ responsesFile: file, tmux, width, height: width === 80 ? 30 : 40, afterExit }));
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    tmp.cleanup();
  });

  it('is idle at its input box, and send_input delivers multi-line Unicode text as one message', async () => {
    const row = await b.waitForRow((r) => r.state === 'idle', 'idle');
    expect(row).toMatchObject({ agent_kind: 'gemini', needs_approval: false });
    await b.call('send_input', { agent: AGENT, text: TEXT });
    const screen = await b.tui.waitForScreen((s) => s.includes('Got it.') && geminiIdle(s), 'the answer');
    // The message shows once, both lines, as the user's turn above the answer.
    const [before] = screen.split('Got it.');
    expect(before).toContain('first line ✓ naïve café');
    expect(before).toContain('second line 日本語 🚀');
    expect(before!.split('second line').length).toBe(2);
    await b.waitForRow((r) => r.state === 'idle', 'idle after the answer');
  });

  async function approval(command: string) {
    await b.call('send_input', { agent: AGENT, text: `please run ${command}` });
    const row = await b.waitForRow((r) => r.state === 'waiting_approval', `the confirmation of ${command}`);
    expect(row).toMatchObject({ needs_approval: true, tool_name: 'run_shell_command', prompt_text: command });
    return row;
  }

  for (const [decision, file, option] of [
    ['yes', 'once.txt', 1],
    ['always', 'always.txt', 2],
  ] as const) {
    it(`shows a shell confirmation as waiting_approval and answers "${decision}" with ${option}`, async () => {
      const row = await approval(`touch ${file}`);
      const r = await b.call('approve', { agent: AGENT, decision, prompt_id: row.prompt_id });
      expect(r.structuredContent).toMatchObject({ decision, chosen: { number: option }, cleared: true });
      await b.tui.waitForScreen((s) => s.includes(`Finished ${decision === 'yes' ? 'once' : 'always'}.`) && geminiIdle(s), 'the answer after the command');
      await b.waitForRow((x) => x.state === 'idle', 'idle after the answer');
      expect(existsSync(join(b.tui.workDir, file))).toBe(true);
      if (decision === 'always') {
        // "Allow for this session" covers touch: the next touch runs without a confirmation.
        await b.call('send_input', { agent: AGENT, text: 'once more' });
        await b.tui.waitForScreen((s) => s.includes('Finished again.') && geminiIdle(s), 'the answer after the unasked command');
        expect(existsSync(join(b.tui.workDir, 'again.txt'))).toBe(true);
        await b.waitForRow((x) => x.state === 'idle', 'idle after the unasked command');
      }
    });
  }

  it('answers "no" with 3: the command does not run', async () => {
    const row = await approval('mkdir declined');
    const r = await b.call('approve', { agent: AGENT, decision: 'no', prompt_id: row.prompt_id });
    expect(r.structuredContent).toMatchObject({ decision: 'no', chosen: { number: 3 }, cleared: true });
    await b.waitForRow((x) => x.state === 'idle', 'idle after declining');
    expect(existsSync(join(b.tui.workDir, 'declined'))).toBe(false);
  });

  it('is working while a command runs, and interrupt stops it with Escape', async () => {
    const row = await approval('sleep 20');
    await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
    await b.waitForRow((r) => r.state === 'working', 'working');
    const t0 = Date.now();
    const r = await b.call('interrupt', { agent: AGENT });
    // Gemini sometimes ignores an Escape that comes right after a confirmation was answered: the
    // interrupt plan's second Escape (still working 1.5 s later) covers it.
    expect(r.structuredContent).toMatchObject({ stopped: true });
    expect((r.structuredContent as { escapes: number }).escapes).toBeGreaterThanOrEqual(1);
    await b.waitForRow((x) => x.state === 'idle', 'idle after the interrupt');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await b.tui.capture()).join('\n')).toContain('Request cancelled');
  });

  it('an idle agent: nothing to interrupt, no key sent', async () => {
    await b.waitForRow((x) => x.state === 'idle', 'idle');
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true, escapes: 0, nothing_to_interrupt: true });
  });

  it('reads its /model picker as unknown (never idle or a prompt to approve), and approve sends nothing', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    await b.call('send_input', { agent: AGENT, text: '/model' });
    await b.tui.waitForScreen((s) => /Select Model/u.test(s), 'the model picker');
    expect(await b.waitForRow((r) => r.state !== 'idle', 'the picker read')).toMatchObject({ state: 'unknown', needs_approval: false });
    const refused = await b.call('approve', { agent: AGENT, decision: 'yes' }, true);
    expect(refused.isError, textOf(refused)).toBe(true);
    expect(textOf(refused)).toMatch(/no permission prompt/u);
    expect(/Select Model/u.test((await b.tui.capture()).join('\n'))).toBe(true);
    await b.tui.keys('Escape');
    await b.waitForRow((r) => r.state === 'idle', 'idle once the picker is closed');
  });

  it(`after /quit reads ${width === 80 ? 'gone (its shell is back)' : 'dead (the pane is kept)'}`, async () => {
    await b.call('send_input', { agent: AGENT, text: '/quit' });
    if (width === 80) {
      await b.tui.waitForScreen((s) => s.trimEnd().endsWith('work$'), 'the shell after Gemini');
      expect(await b.waitForRow((r) => r.state === 'gone', 'gone')).toMatchObject({ agent_kind: 'gemini', exists: true, last_line: 'work$' });
    } else {
      expect(await b.waitForRow((r) => r.state === 'dead', 'dead')).toMatchObject({ agent_kind: 'gemini', exists: true });
    }
    // Nothing is typed into what is left: a shell would run the text as a command.
    const refused = await b.call('send_input', { agent: AGENT, text: 'anyone there?' }, true);
    expect(refused.isError, textOf(refused)).toBe(true);
    expect(textOf(refused)).toMatch(/has exited.*nothing was (?:sent|typed)/su);
    expect((await b.tui.capture()).join('\n')).not.toContain('anyone there?');
  });
});
