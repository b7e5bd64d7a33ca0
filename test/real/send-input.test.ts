/**
 * send_input on the real Claude Code: the fake model receives each text as exactly one user
 * message, byte for byte. Claude Code's own rewriting, stated here: a paste of more than a few KB
 * reaches the model wrapped in `<pasted_content id="…">…</pasted_content id="…">`, and tabs in
 * pasted text arrive as 4 spaces. (2.1.328 wraps every multi-line paste, not only long ones:
 * `\n\n<pasted_content id="x">\n…\n</pasted_content id="x">\n`.)
 */
import { describe, expect, it } from 'vitest';
import { textTurn } from '../fixtures/fake-model.js';
import { claudeCodeSubmits, UNICODE_SAMPLES } from '../fixtures/unicode-text.js';
import { benchPerBlock, type Bench, AGENT } from './harness.js';

/** Undoes Claude Code's paste wrapping (the only change it makes besides tabs). */
export function unwrapPaste(text: string): string {
  const m = /^\s*<pasted_content id="([^"]*)">\n([\s\S]*)\n<\/pasted_content id="\1">\n?$/u.exec(text);
  return m ? m[2]! : text;
}

describe('send_input on real Claude Code', { timeout: 60_000 }, () => {
  let b: Bench;
  benchPerBlock((bench) => (b = bench));

  async function send(text: string, marker: string) {
    b.model.clearScript();
    b.model.script(textTurn(`got ${marker}`));
    const seq = b.model.lastSeq();
    await b.waitForRow((r) => r.state === 'idle', 'idle before sending');
    const t0 = performance.now();
    await b.call('send_input', { agent: AGENT, text });
    const req = await b.model.requestContaining(marker, { afterSeq: seq });
    const ms = performance.now() - t0;
    await b.waitForRow((r) => r.state === 'idle', 'idle after the answer');
    const copies = b.model.requests.filter((r) => r.seq > seq && r.lastUserText.includes(marker));
    expect(copies, `exactly one request carries ${marker}`).toHaveLength(1);
    return { req, ms };
  }

  it('one line arrives exactly as typed', async () => {
    const text = 'one line: Enter C-c -t x $HOME `date` "quoted" ; done';
    const { req } = await send(text, 'one line:');
    expect(req.lastUserText).toBe(text);
  });

  it('multi-line text with a tab arrives as one message (the tab as 4 spaces)', async () => {
    const text = 'multi-line first\nsecond line\n\tindented third\nlast';
    const { req } = await send(text, 'multi-line first');
    expect(req.lastUserText).toMatch(/<pasted_content id=/);
    expect(unwrapPaste(req.lastUserText)).toBe(text.replace(/\t/g, '    '));
  });

  it('20 KB arrives as one message, byte for byte once unwrapped', async () => {
    let text = 'big-20k ';
    for (let i = 0; text.length < 20 * 1024; i++) text += `line ${i} of the big message, with some words to fill it up.\n`;
    text = text.slice(0, 20 * 1024 - 3) + 'end';
    const { req } = await send(text, 'big-20k');
    expect(unwrapPaste(req.lastUserText)).toBe(text);
  });

  it('twenty short messages in a row: each exactly once, in order', async () => {
    const seq0 = b.model.lastSeq();
    for (let i = 0; i < 20; i++) await send(`row message ${i} done`, `row message ${i} done`);
    const got = b.model.requests.filter((r) => r.seq > seq0).map((r) => r.lastUserText);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `row message ${i} done`));
  });

  it('submit: false types without sending; the next send submits both', async () => {
    const seq = b.model.lastSeq();
    await b.call('send_input', { agent: AGENT, text: 'draft part ', submit: false });
    await b.cc.waitForScreen((s) => s.includes('draft part'), 'the draft in the input box');
    expect(b.model.lastSeq()).toBe(seq);
    expect((await b.row()).state).toBe('idle');
    b.model.clearScript();
    b.model.script(textTurn('got both'));
    await b.call('send_input', { agent: AGENT, text: 'and the rest' });
    const req = await b.model.requestContaining('draft part', { afterSeq: seq });
    expect(req.lastUserText).toBe('draft part and the rest');
  });

  // Claude Code composes the text and drops zero-width characters as it takes it in; tmux cannot
  // capture a wide emoji grapheme whole (docs/architecture.md, "Typing a message"). Each sample,
  // alone and at the end of a long message, still arrives exactly once, as Claude Code submits it.
  it.each(Object.entries(UNICODE_SAMPLES))('short text with %s arrives exactly once', async (name, sample) => {
    const marker = `uni-short ${name.replace(/\W+/g, '-')}`;
    const text = `${marker}: ${sample}`;
    const { req } = await send(text, marker);
    expect(req.lastUserText).toBe(claudeCodeSubmits(text));
  });

  it.each(Object.entries(UNICODE_SAMPLES))('a long message ending in %s arrives exactly once', async (name, sample) => {
    const marker = `uni-long ${name.replace(/\W+/g, '-')}`;
    const text = `${marker}: ${'a long message with words to fill it up. '.repeat(12)}${sample} ${sample}`;
    const { req } = await send(text, marker);
    expect(req.lastUserText).toBe(claudeCodeSubmits(text));
  });

  it('a 4 KB paste holding every sample arrives exactly once', async () => {
    const samples = Object.values(UNICODE_SAMPLES).join(' ');
    let text = `uni-paste ${samples} `;
    while (text.length < 4 * 1024) text += `a long paste with words to fill it up. ${samples}\n`;
    text += `the end ${samples}`;
    const { req } = await send(text, 'uni-paste');
    // A paste this long is sent inside <pasted_content>, without Claude Code's NFC.
    expect(req.lastUserText).toMatch(/<pasted_content id=/);
    expect(unwrapPaste(req.lastUserText)).toBe(claudeCodeSubmits(text, true));
  });
});
