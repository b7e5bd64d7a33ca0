/**
 * interrupt on the real Claude Code: while it streams and while a Bash command runs (the next request
 * carries Claude Code's interruption note), and on an idle agent (nothing is sent).
 */
import { describe, expect, it } from 'vitest';
import { textTurn, toolTurn } from '../fixtures/fake-model.js';
import { benchPerBlock, type Bench, AGENT } from './harness.js';
import { clearInput, submitPrompt, typeIntoBox } from './scenarios.js';

type Out = { stopped: boolean; escapes: number; nothing_to_interrupt?: boolean };
const allText = (r: { body: { messages?: { content: unknown }[] } }) => JSON.stringify(r.body.messages ?? []);

describe('interrupt on real Claude Code', { timeout: 60_000 }, () => {
  let b: Bench;
  benchPerBlock((bench) => (b = bench), { resetToIdle: true });

  async function next(marker: string) {
    b.model.clearScript();
    b.model.script(textTurn('carrying on'));
    const seq = b.model.lastSeq();
    await submitPrompt(b.cc, marker);
    return b.model.requestContaining(marker, { afterSeq: seq });
  }

  it('stops a streaming answer; the next request carries the interruption', async () => {
    b.model.clearScript();
    b.model.script(textTurn('A very long answer. '.repeat(200), { chunkDelayMs: 150, chunkChars: 5 }));
    const seq = b.model.lastSeq();
    await submitPrompt(b.cc, 'talk for a long time');
    await b.model.requestContaining('talk for a long time', { afterSeq: seq });
    await b.waitForRow((r) => r.state === 'working', 'working while streaming');
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true, escapes: 1 });
    await b.waitForRow((row) => row.state === 'idle', 'idle after the interrupt');
    await clearInput(b.cc);
    const req = await next('after the stream');
    expect(allText(req)).toContain('[Request interrupted by user]');
  });

  it('stops a running Bash command; the model learns it was interrupted', async () => {
    b.model.clearScript();
    b.model.script(toolTurn('Bash', { command: 'sleep 20 && echo finished', description: 'Wait' }));
    const seq = b.model.lastSeq();
    await submitPrompt(b.cc, 'run something slow');
    await b.model.requestContaining('run something slow', { afterSeq: seq });
    await b.cc.waitForScreen((s) => s.includes('sleep 20') && /esc to interrupt/u.test(s), 'the command running');
    await b.waitForRow((r) => r.state === 'working', 'working while the command runs');
    const t0 = Date.now();
    const r = await b.call('interrupt', { agent: AGENT });
    expect((r.structuredContent as Out).stopped).toBe(true);
    await b.waitForRow((row) => row.state === 'idle', 'idle after the interrupt');
    expect(Date.now() - t0).toBeLessThan(15_000); // not the 20 s the command would have taken
    await clearInput(b.cc);
    const req = await next('after the command');
    // The command's tool_result is the rejection, not its output; Claude Code notes the interruption.
    expect(req.toolResults).toHaveLength(1);
    expect(req.toolResults[0]!.isError).toBe(true);
    expect(req.toolResults[0]!.text).not.toContain('finished');
    expect(req.lastUserText).toContain('[Request interrupted by user for tool use]');
  });

  it('an idle agent: nothing to interrupt, no key sent', async () => {
    await b.waitForRow((r) => r.state === 'idle', 'idle');
    await typeIntoBox(b.cc, 'keep this draft');
    const seq = b.model.lastSeq();
    const r = await b.call('interrupt', { agent: AGENT });
    expect(r.structuredContent).toMatchObject({ stopped: true, escapes: 0, nothing_to_interrupt: true });
    // An Escape would have cleared the draft; it is still there and nothing reached the model.
    await new Promise((res) => setTimeout(res, 500));
    expect((await b.cc.capture()).join('\n')).toContain('keep this draft');
    expect(b.model.lastSeq()).toBe(seq);
    await clearInput(b.cc);
  });
});
