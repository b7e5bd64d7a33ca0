/**
 * The real Codex CLI (pinned, offline against the fake Responses API), driven through the MCP tools
 * as agent_kind "codex", at 120 and 80 columns: every state read right (idle, working while the
 * model thinks and while a command runs, waiting_approval, unknown for its /model picker, and after
 * /quit dead, or gone when it was started from a shell), a command approval answered with each
 * answer (y, p, Escape), interrupt, and send_input of multi-line Unicode text.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResponses, type FakeResponses } from '../fixtures/fake-responses.js';
import { codexIdle, startCodex } from '../helpers/codex.js';
import { textOf } from '../helpers/core.js';
import { AGENT, startProgramBench, type ProgramBench } from './program-bench.js';

describe.each([120, 80])('Codex CLI at %i columns', { timeout: 60_000 }, (width) => {
  let model: FakeResponses;
  let b: ProgramBench;
  beforeAll(async () => {
    model = await startFakeResponses();
    // At 80 columns Codex is started from a shell, which shows again once it exits.
    const afterExit = width === 80 ? 'shell' : 'dead';
    b = await startProgramBench('codex', (tmux) => startCodex({ modelUrl: model.url, tmux, width, height: width === 80 ? 30 : 40, afterExit }));
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await model?.close();
  });

  /** Sends `text` with send_input and returns the request that carried it. */
  async function send(text: string) {
    const seq = model.lastSeq();
    await b.call('send_input', { agent: AGENT, text });
    return model.waitForRequest((r) => r.lastUserText !== '' && r.turn !== undefined, { afterSeq: seq, what: `the request with ${JSON.stringify(text)}` });
  }

  it('is idle at its input box, and send_input delivers multi-line Unicode text as one message', async () => {
    const row = await b.waitForRow((r) => r.state === 'idle', 'idle');
    expect(row).toMatchObject({ agent_kind: 'codex', needs_approval: false });
    model.script({ text: 'Got it.' });
    const text = 'first line ✓ naïve café\nsecond line 日本語 🚀';
    const req = await send(text);
    expect(req.lastUserText).toBe(text);
    await b.tui.waitForScreen((s) => s.includes('Got it.') && codexIdle(s), 'the answer');
    await b.waitForRow((r) => r.state === 'idle', 'idle after the answer');
  });

  afterEach(() => model.clearScript());

  for (const [decision, file, option, runs] of [
    ['yes', 'once.txt', 1, true],
    ['always', 'always.txt', 2, true],
    ['no', 'declined.txt', 3, false],
  ] as const) {
    it(`shows a command approval as waiting_approval (Bash) and answers "${decision}" (option ${option})`, async () => {
      // Declined, Codex ends the turn without asking the model again.
      model.script({ text: 'Running it.', command: `touch ${file}`, escalate: true }, ...(runs ? [{ text: 'Finished.' }] : []));
      const seq = model.lastSeq();
      await b.call('send_input', { agent: AGENT, text: `please create ${file}` });
      const row = await b.waitForRow((r) => r.state === 'waiting_approval', 'the approval prompt');
      expect(row).toMatchObject({ needs_approval: true, tool_name: 'Bash', prompt_text: `touch ${file}` });
      const r = await b.call('approve', { agent: AGENT, decision, prompt_id: row.prompt_id });
      expect(r.structuredContent).toMatchObject({ decision, chosen: { number: option }, cleared: true });
      await b.waitForRow((x) => x.state === 'idle', 'idle after the answer');
      expect(existsSync(join(b.tui.workDir, file))).toBe(runs);
      if (runs) {
        const after = await model.waitForRequest((q) => q.functionOutputs.length > 0, { afterSeq: seq, what: 'the command output' });
        expect(after.functionOutputs.at(-1)!.output).not.toMatch(/rejected|declined/iu);
      }
      if (decision === 'always') {
        // "Don't ask again for commands that start with …": the same command now runs unasked.
        model.script({ text: 'Again.', command: `touch ${file}`, escalate: true }, { text: 'Done again.' });
        const again = model.lastSeq();
        await b.call('send_input', { agent: AGENT, text: 'once more' });
        await model.waitForRequest((q) => q.functionOutputs.length > 0 && q.turn?.text === 'Done again.', { afterSeq: again, what: 'the output of the repeated command' });
        await b.waitForRow((x) => x.state === 'idle', 'idle after the repeated command');
        expect(model.pending()).toBe(0);
      }
    });
  }

  it('is working while the model thinks, and interrupt stops it with Escape', async () => {
    model.script({ text: 'Too late.', delayMs: 20_000 });
    await b.call('send_input', { agent: AGENT, text: 'think for a long time' });
    await b.waitForRow((r) => r.state === 'working', 'working');
    const t0 = Date.now();
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true, escapes: 1 });
    await b.waitForRow((x) => x.state === 'idle', 'idle after the interrupt');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await b.tui.capture()).join('\n')).toMatch(/interrupted/iu);
  });

  it('is working while an approved command runs, and interrupt stops it with Escape', async () => {
    model.script({ text: 'Sleeping.', command: 'sleep 20', escalate: true }, { text: 'Too late.' });
    await b.call('send_input', { agent: AGENT, text: 'sleep for a while' });
    const row = await b.waitForRow((r) => r.state === 'waiting_approval', 'the approval of sleep 20');
    expect(row).toMatchObject({ tool_name: 'Bash', prompt_text: 'sleep 20' });
    await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
    await b.tui.waitForScreen((s) => s.includes('Running sleep 20'), 'the command running');
    await b.waitForRow((r) => r.state === 'working', 'working while sleep 20 runs');
    const t0 = Date.now();
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true });
    await b.waitForRow((x) => x.state === 'idle', 'idle after the interrupt');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await b.tui.capture()).join('\n')).toMatch(/Conversation interrupted/u);
  });

  it('an idle agent: nothing to interrupt, no key sent', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true, escapes: 0, nothing_to_interrupt: true });
  });

  it('reads its /model picker as unknown (never idle or a prompt to approve), and approve sends nothing', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    await b.call('send_input', { agent: AGENT, text: '/model' });
    await b.tui.waitForScreen((s) => /esc back/u.test(s), 'the model picker');
    expect(await b.waitForRow((r) => r.state !== 'idle', 'the picker read')).toMatchObject({ state: 'unknown', needs_approval: false });
    const refused = await b.call('approve', { agent: AGENT, decision: 'yes' }, true);
    expect(refused.isError, textOf(refused)).toBe(true);
    expect(textOf(refused)).toMatch(/no permission prompt/u);
    expect(/esc back/u.test((await b.tui.capture()).join('\n'))).toBe(true);
    await b.tui.keys('Escape');
    await b.waitForRow((r) => r.state === 'idle', 'idle once the picker is closed');
  });

  it(`after /quit reads ${width === 80 ? 'gone (its shell is back)' : 'dead (the pane is kept)'}`, async () => {
    await b.call('send_input', { agent: AGENT, text: '/quit' });
    if (width === 80) {
      await b.tui.waitForScreen((s) => s.trimEnd().endsWith('work$'), 'the shell after Codex');
      expect(await b.waitForRow((r) => r.state === 'gone', 'gone')).toMatchObject({ agent_kind: 'codex', exists: true, last_line: 'work$' });
    } else {
      expect(await b.waitForRow((r) => r.state === 'dead', 'dead')).toMatchObject({ agent_kind: 'codex', exists: true });
    }
    // Nothing is typed into what is left: a shell would run the text as a command.
    const refused = await b.call('send_input', { agent: AGENT, text: 'anyone there?' }, true);
    expect(refused.isError, textOf(refused)).toBe(true);
    expect(textOf(refused)).toMatch(/has exited.*nothing was (?:sent|typed)/su);
    expect((await b.tui.capture()).join('\n')).not.toContain('anyone there?');
  });
});
